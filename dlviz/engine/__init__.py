"""The training engine: the lesson's model's seeded start (`model`), the traced kernels that train many copies of it
at once (`kernels`), the stacked sweep engine (`sweep.train_sweep`), the learning-rate range test (`lr_finder`) and
measurements at fixed weights (`noise`, `stability`), all run in the training process; and the server's trainer and
that process (`queue`). Every module here imports TensorFlow through `runtime` (`noise` needs only NumPy, `queue`
neither); `dlviz.runs` holds the plain data they take and return."""
