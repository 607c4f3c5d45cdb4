"""The lesson's plain loop, `model.fit` on a fresh model per run: the reference for benchmarks and equivalence tests."""

from __future__ import annotations

import time

from dlviz.data import Dataset
from dlviz.engine.model import build_model, compile_lesson_model
from dlviz.engine.runtime import TRAINING_LOCK, keras, tf
from dlviz.engine.sweep import epoch_orders
from dlviz.runs import RunHistory, RunSpec, updates_per_epoch


def train_plain(dataset: Dataset, spec: RunSpec, *, same_batch_order: bool = True) -> RunHistory:
    """Train `spec` the lesson's way: build the model, compile with Adam, `model.fit(..., validation_data=...)`.

    The model starts from `initial_weights(..., spec.seed)`. With `same_batch_order` the batches come in the engine's
    seeded order for `spec.seed` (so curves can be compared with `train_sweep`'s); without it, `fit` shuffles the
    arrays itself, exactly as the lesson's code does. Per-epoch lists are Keras' `History.history`, all epochs (Keras
    does not stop at a blow-up); `update_loss` is not recorded. Raises `TrainingError` for an absurd setting.
    """
    spec.validate()
    with TRAINING_LOCK:
        keras.utils.set_random_seed(spec.seed)
        started = time.perf_counter()
        model = compile_lesson_model(build_model(dataset.n_features, spec.hidden_units, spec.seed),
                                     spec.learning_rate)
        n_train = len(dataset.y_train)
        if same_batch_order:
            data = None
            for order in epoch_orders(n_train, spec.seed, spec.epochs):
                part = tf.data.Dataset.from_tensor_slices(
                    (dataset.x_train[order], dataset.y_train[order])).batch(spec.batch_size)
                data = part if data is None else data.concatenate(part)
            fit = model.fit(data, epochs=spec.epochs, steps_per_epoch=updates_per_epoch(n_train, spec.batch_size),
                            validation_data=(dataset.x_val, dataset.y_val), batch_size=None, shuffle=False,
                            verbose=0)
        else:
            fit = model.fit(dataset.x_train, dataset.y_train, epochs=spec.epochs, batch_size=spec.batch_size,
                            validation_data=(dataset.x_val, dataset.y_val), verbose=0)
        elapsed = time.perf_counter() - started
        weights = tuple(model.get_weights())
        del model
    logs = fit.history
    return RunHistory(spec=spec, loss=list(logs["loss"]), accuracy=list(logs["accuracy"]),
                      val_loss=list(logs["val_loss"]), val_accuracy=list(logs["val_accuracy"]),
                      updates_per_epoch=updates_per_epoch(len(dataset.y_train), spec.batch_size),
                      wall_time=elapsed, weights=weights)
