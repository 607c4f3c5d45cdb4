"""The training engine: the lesson's Keras model (`model`), the traced kernels that train many copies of it at once
(`kernels`), the stacked sweep engine (`sweep.train_sweep`), the lesson's plain `model.fit` loop (`plain`) and the
learning-rate range test (`lr_finder`). Every module here imports TensorFlow (through `runtime`); `dlviz.runs` holds
the plain data they take and return.
"""
