"""Training: `RunSpec` in, `RunHistory` out, through a fast sweep engine that gives the curves `model.fit` gives.

The lesson's way is a fresh `model.fit` per value, and on a small CPU almost all of its time is per-step overhead.
The engine instead runs whole epochs inside one traced `tf.function` (a `tf.while_loop` over batches) and trains every
learning rate of a sweep at once as *stacked* copies of the model (kernels of shape `(values, in, out)`), each with
its own Adam step size. The traced function is shared by every batch size and sweep with the same number of values,
so nothing is rebuilt per value. Each value runs exactly the ops Keras runs per step (MatMul + BiasAdd, binary
cross-entropy on the logits, Keras' Adam update, accuracy at 0.5), so its weights are bitwise those of `model.fit`
fed the same batches; `train_plain` runs the lesson's own code and `tests/test_engine_equivalence.py` holds the two
together.
"""

from __future__ import annotations

import functools
import time
from typing import Sequence

import numpy as np

from dlviz.data import Dataset
from dlviz.model import build_model, compile_lesson_model, initial_weights
from dlviz.runs import (  # noqa: F401  (re-exported: the engine's inputs and outputs)
    DIVERGENCE_FACTOR, MAX_BATCH_SIZE, MAX_EPOCHS, MAX_HIDDEN_UNITS, MAX_LEARNING_RATE, MIN_LEARNING_RATE,
    ProgressCallback, RunHistory, RunSpec, SweepProgress, TrainingError, updates_per_epoch)
from dlviz.runtime import TRAINING_LOCK, keras, tf

# Keras' Adam defaults.
BETA_1 = 0.9
BETA_2 = 0.999
EPSILON = 1e-7
# ---------------------------------------------------------------------------------------------------------------
# The traced kernels. Parameters are stacked along a leading "value" axis K, but each value's model runs as its own
# 2-D ops, exactly the ops Keras runs: any other arrangement (one batched einsum, a different bias add) rounds
# differently in the last bit, and at a large learning rate or over many epochs training amplifies that last bit into
# visibly different curves. With the same ops the engine's weights are bitwise those of `model.fit`.


def _param_specs(n_values: int) -> tuple:
    return (tf.TensorSpec([n_values, None, None], tf.float32), tf.TensorSpec([n_values, None], tf.float32),
            tf.TensorSpec([n_values, None, None], tf.float32), tf.TensorSpec([n_values, None], tf.float32))


# One model's parameter specs (K = 1), for kernels that train a single model (dlviz.lr_finder).
_PARAMS = list(_param_specs(1))


def _lane_logits(kernel1, bias1, kernel2, bias2, x):
    """One model's logits `[batch, 1]` as Keras' Dense layers compute them: Keras' `ops.add` is a BiasAdd for the
    hidden layer's vector bias and a plain add for the output layer's `(1,)` bias."""
    hidden = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, kernel1), bias1))
    return tf.add(tf.matmul(hidden, kernel2), bias2)


def _losses_and_correct(params, x, y):
    """Per-value loss as Keras computes it (binary cross-entropy on the logits, summed, divided by the batch size)
    and per-value correct counts. K must be static: the kernels are traced once per number of stacked values."""
    n_values = params[0].shape[0]
    labels = y[:, None]
    count = tf.cast(tf.shape(x)[0], tf.float32)
    losses, correct = [], []
    for lane in zip(*(tf.unstack(p, num=n_values) for p in params)):
        logits = _lane_logits(*lane, x)
        per_row = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=-1)
        losses.append(tf.math.divide_no_nan(tf.reduce_sum(per_row), count))
        predicted = tf.cast(tf.nn.sigmoid(logits) > 0.5, tf.float32)
        correct.append(tf.reduce_sum(tf.cast(tf.equal(predicted, labels), tf.float32)))
    return tf.stack(losses), tf.stack(correct)


def _adam_step(params, grads, m, v, step, learning_rate):
    """One Keras Adam update of K stacked models, `learning_rate` of shape [K]: Keras' formulas in Keras' order."""
    step = step + 1.0
    alpha = learning_rate * tf.sqrt(1.0 - tf.pow(BETA_2, step)) / (1.0 - tf.pow(BETA_1, step))
    new_params, new_m, new_v = [], [], []
    for p, g, m_i, v_i in zip(params, grads, m, v):
        m_i = m_i + (g - m_i) * (1.0 - BETA_1)
        v_i = v_i + (tf.square(g) - v_i) * (1.0 - BETA_2)
        rate = tf.reshape(alpha, [-1] + [1] * (len(p.shape) - 1))
        new_params.append(p - rate * m_i / (tf.sqrt(v_i) + EPSILON))
        new_m.append(m_i)
        new_v.append(v_i)
    return tuple(new_params), tuple(new_m), tuple(new_v), step


@functools.lru_cache(maxsize=None)
def _train_epoch_fn(n_values: int):
    params_spec = _param_specs(n_values)

    @tf.function(input_signature=[params_spec, params_spec, params_spec, tf.TensorSpec([], tf.float32),
                                  tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32),
                                  tf.TensorSpec([], tf.int32), tf.TensorSpec([n_values], tf.float32)])
    def train_epoch(params, m, v, step, x, y, batch_size, learning_rate):
        """One epoch over `x` (already in this epoch's order) for K stacked models; returns the new state and, per
        batch, each model's loss and number of correct predictions (both taken before that batch's update)."""
        n = tf.shape(x)[0]
        n_batches = (n + batch_size - 1) // batch_size
        batch_losses = tf.TensorArray(tf.float32, size=n_batches)
        batch_correct = tf.TensorArray(tf.float32, size=n_batches)
        for i in tf.range(n_batches):
            start = i * batch_size
            stop = tf.minimum(start + batch_size, n)
            x_batch, y_batch = x[start:stop], y[start:stop]
            with tf.GradientTape() as tape:
                tape.watch(params)
                loss, correct = _losses_and_correct(params, x_batch, y_batch)
                # The models are independent, so the gradient of the sum w.r.t. model k is model k's own gradient.
                total = tf.reduce_sum(loss)
            grads = tape.gradient(total, params)
            params, m, v, step = _adam_step(params, grads, m, v, step, learning_rate)
            batch_losses = batch_losses.write(i, loss)
            batch_correct = batch_correct.write(i, correct)
        return params, m, v, step, batch_losses.stack(), batch_correct.stack()

    return train_epoch


@functools.lru_cache(maxsize=None)
def _evaluate_fn(n_values: int):
    @tf.function(input_signature=[_param_specs(n_values), tf.TensorSpec([None, None], tf.float32),
                                  tf.TensorSpec([None], tf.float32)])
    def evaluate(params, x, y):
        loss, correct = _losses_and_correct(params, x, y)
        return loss, correct / tf.cast(tf.shape(x)[0], tf.float32)

    return evaluate


def _train_epoch(params, m, v, step, x, y, batch_size, learning_rate):
    return _train_epoch_fn(len(params[0]))(params, m, v, step, x, y, batch_size, learning_rate)


def _evaluate(params, x, y):
    return _evaluate_fn(len(params[0]))(params, x, y)


# ---------------------------------------------------------------------------------------------------------------
# The sweep engine


def epoch_orders(n_train: int, seed: int, epochs: int) -> list[np.ndarray]:
    """The order in which each epoch visits the training rows: the same for every value of a sweep."""
    rng = np.random.default_rng([seed, n_train])
    return [rng.permutation(n_train) for _ in range(epochs)]


def _group_key(spec: RunSpec) -> tuple:
    # Values that differ only in learning rate share batches, so they can train stacked.
    return (spec.dataset, spec.batch_size, spec.epochs, spec.hidden_units, spec.seed)


def train_sweep(dataset: Dataset, specs: Sequence[RunSpec], progress: ProgressCallback | None = None
                ) -> list[RunHistory]:
    """Train every spec on `dataset` and return their histories in the same order.

    All runs start from the same seeded weights and visit the rows in the same seeded order, so the only difference
    between two runs is the setting that differs. `progress` is called after each epoch with partial histories.

    >>> from dlviz.data import load_builtin
    >>> data = load_builtin("practice", max_rows=500)
    >>> base = RunSpec(data.fingerprint, epochs=2)
    >>> [h.epochs_run for h in train_sweep(data, [base, base.replace(learning_rate=0.1)])]
    [2, 2]
    """
    specs = list(specs)
    for spec in specs:
        spec.validate()
        if spec.dataset != dataset.fingerprint:
            raise TrainingError("A run was asked for on a different dataset than the one given.")
    groups: dict[tuple, list[int]] = {}
    for index, spec in enumerate(specs):
        groups.setdefault(_group_key(spec), []).append(index)
    n_train = len(dataset.y_train)
    total = sum(s.epochs * updates_per_epoch(n_train, s.batch_size) for s in specs)
    state = SweepProgress(0, total, [None] * len(specs))
    results: list[RunHistory | None] = [None] * len(specs)
    with TRAINING_LOCK:
        for indices in groups.values():
            group = _train_group(dataset, [specs[i] for i in indices], state, indices, progress)
            for i, history in zip(indices, group):
                results[i] = history
    return results  # type: ignore[return-value]


def _train_group(dataset: Dataset, specs: list[RunSpec], state: SweepProgress, slots: list[int],
                 progress: ProgressCallback | None) -> list[RunHistory]:
    spec0 = specs[0]
    n_values = len(specs)
    n_train = len(dataset.y_train)
    per_epoch = updates_per_epoch(n_train, spec0.batch_size)
    started = time.perf_counter()

    start_weights = initial_weights(dataset.n_features, spec0.hidden_units, spec0.seed)
    shapes = [(n_values,) + w.shape if w.ndim == 2 else (n_values, w.shape[0]) for w in start_weights]
    params = tuple(tf.constant(np.broadcast_to(w, shape)) for w, shape in zip(start_weights, shapes))
    m = tuple(tf.zeros_like(p) for p in params)
    v = tuple(tf.zeros_like(p) for p in params)
    step = tf.constant(0.0)
    rates = np.array([s.learning_rate for s in specs], np.float32)
    x_train, y_train = dataset.x_train, dataset.y_train
    x_val, y_val = tf.constant(dataset.x_val), tf.constant(dataset.y_val)

    first_params = tuple(p[:1] for p in params)
    initial_loss, initial_accuracy = (float(t[0]) for t in _evaluate(first_params, tf.constant(x_train),
                                                                      tf.constant(y_train)))
    initial_val_loss, initial_val_accuracy = (
        (float(t[0]) for t in _evaluate(first_params, x_val, y_val)) if len(dataset.y_val) else (np.nan, np.nan))
    histories = [RunHistory(spec=s, updates_per_epoch=per_epoch, initial_loss=initial_loss,
                            initial_val_loss=initial_val_loss, initial_accuracy=initial_accuracy,
                            initial_val_accuracy=initial_val_accuracy) for s in specs]
    update_chunks: list[list[np.ndarray]] = [[] for _ in specs]
    # Lane k of the stacked tensors is specs[k] throughout: a diverged lane keeps running (its numbers are ignored)
    # rather than being dropped, because a new number of lanes would mean tracing the kernels again.
    active = list(range(n_values))  # the lanes still being recorded
    learning_rates = tf.constant(rates)
    batch_size = tf.constant(min(spec0.batch_size, n_train), tf.int32)

    for epoch, order in enumerate(epoch_orders(n_train, spec0.seed, spec0.epochs), start=1):
        params, m, v, step, batch_losses, batch_correct = _train_epoch(
            params, m, v, step, tf.constant(x_train[order]), tf.constant(y_train[order]), batch_size,
            learning_rates)
        batch_losses = batch_losses.numpy()  # [batches, lanes]
        batch_sizes = np.diff(np.minimum(np.arange(batch_losses.shape[0] + 1) * spec0.batch_size, n_train))
        epoch_loss = (batch_losses * batch_sizes[:, None]).sum(axis=0) / n_train
        epoch_acc = batch_correct.numpy().sum(axis=0) / n_train
        if len(dataset.y_val):
            val_loss, val_acc = (t.numpy() for t in _evaluate(params, x_val, y_val))
        else:
            val_loss = val_acc = np.full(n_values, np.nan, np.float32)
        keep = []
        for lane in active:
            index = lane
            history = histories[index]
            history.loss.append(float(epoch_loss[lane]))
            history.accuracy.append(float(epoch_acc[lane]))
            history.val_loss.append(float(val_loss[lane]))
            history.val_accuracy.append(float(val_acc[lane]))
            update_chunks[index].append(batch_losses[:, lane])
            exploded = not np.isfinite(epoch_loss[lane]) or not np.isfinite(batch_losses[:, lane]).all() or (
                epoch_loss[lane] > DIVERGENCE_FACTOR * initial_loss)
            if exploded:
                history.diverged_at = epoch
                state.done_updates += per_epoch * (spec0.epochs - epoch)
            else:
                keep.append(lane)
            if exploded or epoch == spec0.epochs:
                history.weights = tuple(p[lane].numpy() for p in params)
        state.done_updates += per_epoch * len(active)
        elapsed = time.perf_counter() - started
        for index in active:
            histories[index].update_loss = np.concatenate(update_chunks[index]).astype(np.float32)
            histories[index].wall_time = elapsed / n_values
        active = keep
        for slot, history in zip(slots, histories):
            state.histories[slot] = history
        if progress is not None:
            state.message = f"Epoch {epoch} of {spec0.epochs}"
            progress(state)
        if not active:
            break
    return histories


# ---------------------------------------------------------------------------------------------------------------
# The lesson's plain loop, for benchmarks and equivalence tests


def train_plain(dataset: Dataset, spec: RunSpec, *, same_batch_order: bool = True) -> RunHistory:
    """Train `spec` the lesson's way: build the model, compile with Adam, `model.fit(..., validation_data=...)`.

    With `same_batch_order` the batches come in the engine's seeded order (so curves can be compared); without it,
    `fit` shuffles the arrays itself, exactly as the lesson's code does.
    """
    spec.validate()
    with TRAINING_LOCK:
        keras.utils.set_random_seed(spec.seed)
        started = time.perf_counter()
        model = compile_lesson_model(build_model(dataset.n_features, spec.hidden_units, spec.seed),
                                     spec.learning_rate)
        n_train = len(dataset.y_train)
        if same_batch_order:
            orders = epoch_orders(n_train, spec.seed, spec.epochs)
            data = None
            for order in orders:
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
