"""References the tests and benchmarks compare the product with, kept out of the product: the lesson's plain
`model.fit` loop (`train_plain`, the benchmarks' baseline), its path recorder, the `tf.GradientTape` gradients of one
lane, a history's weights as an ordinary Keras model, weight vectors, and bilinear interpolation of a loss map."""

from __future__ import annotations

import time

import numpy as np

from dlviz.data import Dataset
from dlviz.engine.kernels import _MODEL_SPEC, _lane_metrics
from dlviz.engine.landscape import losses_at
from dlviz.engine.model import initial_weights
from dlviz.engine.runtime import TRAINING_LOCK, keras, tf
from dlviz.engine.sweep import epoch_orders
from dlviz.runs import (DIVERGENCE_FACTOR, FIRST_SEED, LESSON_HIDDEN_UNITS, LESSON_LEARNING_RATE, LandscapeError,
                        RunHistory, RunSpec, n_params, updates_per_epoch)


def build_model(n_features: int, hidden_units: int = LESSON_HIDDEN_UNITS, seed: int = FIRST_SEED,
                weights: list[np.ndarray] | None = None) -> keras.Sequential:
    """The lesson's architecture as an ordinary (uncompiled) Keras model, with `weights` or the seeded start."""
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(hidden_units, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.set_weights(weights if weights is not None else initial_weights(n_features, hidden_units, seed))
    return model


def compile_lesson_model(model: keras.Model, learning_rate: float = LESSON_LEARNING_RATE) -> keras.Model:
    """Compile as the lesson does: Adam, binary cross-entropy, accuracy."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


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


def unflatten_weights(vector: np.ndarray, n_features: int, hidden_units: int) -> list[np.ndarray]:
    """One flat weight vector (kernel 1, bias 1, kernel 2, bias 2, row-major) as the lesson's model's weights.
    Raises LandscapeError if the size does not fit."""
    vector = np.asarray(vector, np.float32)
    f, h = n_features, hidden_units
    if vector.shape != (n_params(f, h),):
        raise LandscapeError(f"A weight vector of the lesson's model with {f} features and {h} hidden units has "
                             f"{n_params(f, h)} numbers; got shape {vector.shape}.")
    cuts = np.cumsum([f * h, h, h])
    k1, b1, k2, b2 = np.split(vector, cuts)
    return [k1.reshape(f, h), b1, k2.reshape(h, 1), b2]


FIRST_EPOCH_POINTS = 8  # recorded points inside epoch 1, where most of the movement is (as the sweep engine)


def flatten_weights(weights: Sequence[np.ndarray]) -> np.ndarray:
    """`[kernel1 [f,h], bias1 [h], kernel2 [h,1], bias2 [1]]` -> one float32 vector [n_params] (row-major)."""
    return np.concatenate([np.asarray(w, np.float32).ravel() for w in weights])


def record_schedule(per_epoch: int, epochs: int, first_epoch_points: int = FIRST_EPOCH_POINTS,
                    max_points: int | None = None) -> np.ndarray:
    """Weight updates after which the weights are recorded: 0 (the start), `first_epoch_points` evenly spaced
    updates inside epoch 1 (its end included), then the end of every later epoch; thinned evenly (the start and the
    end kept) to at most `max_points` (>= 2). int64 [points]."""
    inside = np.ceil(per_epoch * np.arange(1, first_epoch_points + 1) / first_epoch_points).astype(np.int64)
    later = per_epoch * np.arange(2, epochs + 1, dtype=np.int64)
    schedule = np.unique(np.concatenate([[0], inside, later]))
    if max_points is not None and len(schedule) > max(max_points, 2):
        schedule = schedule[np.unique(np.round(np.linspace(0, len(schedule) - 1, max(max_points, 2))).astype(int))]
    return schedule


@tf.function(input_signature=[_MODEL_SPEC, tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)])
def tape_gradients(lane, x, y):
    """The reference for `lane_step`: one model's loss and its gradients from `tf.GradientTape` (tests only)."""
    with tf.GradientTape() as tape:
        tape.watch(lane)
        loss, _, _ = _lane_metrics(lane, x, y)
    return loss, tape.gradient(loss, lane)


def trained_model(history: RunHistory) -> keras.Sequential:
    """The network `history` trained, as an ordinary `keras.Model` with the lesson's architecture (uncompiled).

    Raises `ValueError` when the history holds no weights (a hand-made or shipped history without them)."""
    if not history.weights:
        raise ValueError("This run kept no weights, so there is no trained model to rebuild.")
    n_features = history.weights[0].shape[0]
    return build_model(n_features, history.spec.hidden_units, weights=list(history.weights))


class Recorder(keras.callbacks.Callback):
    """Records `model.get_weights()` after the scheduled updates and stops training (like the sweep engine) after
    an epoch whose loss is non-finite or above DIVERGENCE_FACTOR x the starting loss."""

    def __init__(self, schedule: np.ndarray, initial_loss: float):
        super().__init__()
        self.schedule = set(int(u) for u in schedule)
        self.initial_loss = initial_loss
        self.done = 0
        self.points: list[np.ndarray] = []
        self.updates: list[int] = []
        self.diverged_at: int | None = None

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        if self.done in self.schedule:
            self.points.append(flatten_weights(self.model.get_weights()))
            self.updates.append(self.done)

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss", np.nan)
        if not np.isfinite(loss) or loss > DIVERGENCE_FACTOR * self.initial_loss:
            self.diverged_at = epoch + 1
            self.model.stop_training = True


def record_path_plain(dataset: Dataset, spec: RunSpec, max_points: int | None = None) -> RunHistory:
    """Train `spec` with the lesson's `model.fit` (Adam, binary cross-entropy), fed the sweep engine's seeded batch
    order, recording the weights on `record_schedule` (at most `max_points`). Real Keras training, the weights
    bitwise those of the sweep engine: a `RunHistory` holding only the path (`trajectory`, `trajectory_updates`)."""
    spec.validate()
    n_train = len(dataset.y_train)
    per_epoch = updates_per_epoch(n_train, spec.batch_size)
    schedule = record_schedule(per_epoch, spec.epochs, max_points=max_points)
    with TRAINING_LOCK:
        keras.utils.set_random_seed(spec.seed)
        model = compile_lesson_model(build_model(dataset.n_features, spec.hidden_units, spec.seed),
                                     spec.learning_rate)
        start = flatten_weights(model.get_weights())
        initial = float(losses_at(start[None], dataset.x_train, dataset.y_train, spec.hidden_units)[0])
        recorder = Recorder(schedule, initial)
        data = None
        for order in epoch_orders(n_train, spec.seed, spec.epochs):
            part = tf.data.Dataset.from_tensor_slices(
                (dataset.x_train[order], dataset.y_train[order])).batch(spec.batch_size)
            data = part if data is None else data.concatenate(part)
        model.fit(data, epochs=spec.epochs, steps_per_epoch=per_epoch, shuffle=False, verbose=0,
                  callbacks=[recorder])
        del model
    trajectory = np.stack([start] + recorder.points).astype(np.float32)
    updates = np.array([0] + recorder.updates, np.int64)
    return RunHistory(spec, updates_per_epoch=per_epoch, diverged_at=recorder.diverged_at, trajectory=trajectory,
                      trajectory_updates=updates)


def bilinear(axis_a: np.ndarray, axis_b: np.ndarray, values: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a map `values` [len(b), len(a)] at `coords` [P, 2]; NaN outside the map."""
    coords = np.asarray(coords, np.float64)
    out = np.full(len(coords), np.nan)
    inside = ((coords[:, 0] >= axis_a[0]) & (coords[:, 0] <= axis_a[-1]) & (coords[:, 1] >= axis_b[0])
              & (coords[:, 1] <= axis_b[-1]))
    a, b = coords[inside, 0], coords[inside, 1]
    i = np.clip(np.searchsorted(axis_a, a) - 1, 0, len(axis_a) - 2)
    j = np.clip(np.searchsorted(axis_b, b) - 1, 0, len(axis_b) - 2)
    ta = (a - axis_a[i]) / (axis_a[i + 1] - axis_a[i])
    tb = (b - axis_b[j]) / (axis_b[j + 1] - axis_b[j])
    out[inside] = ((1 - ta) * (1 - tb) * values[j, i] + ta * (1 - tb) * values[j, i + 1]
                   + (1 - ta) * tb * values[j + 1, i] + ta * tb * values[j + 1, i + 1])
    return out
