"""The traced kernels: one epoch (or part of one) of K stacked copies of the lesson's model, and their evaluation.

Parameters are stacked along a leading "lane" axis K (`kernel1 [K, in, hidden]`, `bias1 [K, hidden]`, `kernel2 [K,
hidden, 1]`, `bias2 [K, 1]`), but each lane's model runs as its own 2-D ops, exactly the ops Keras runs per step
(MatMul + BiasAdd, binary cross-entropy on the logits, Keras' Adam update, accuracy at 0.5): any other arrangement
(one batched einsum, a different bias add) rounds differently in the last bit, and at a large learning rate or over
many epochs training amplifies that last bit into visibly different curves. With the same ops a lane's weights are
bitwise those of `model.fit` fed the same batches, and they do not depend on which other lanes share the stack.

Each lane reads its own batches: the epoch kernel takes the training rows once and a row-index tensor `[K, n]` (lane
k's batch order), and gathers every lane's batch inside the loop. One lane's step (`lane_gradients`) and evaluation
(`lane_metrics`) are traced once for all stacks; the stacked kernels around them are traced once per K (`lru_cache`),
so every sweep with the same number of lanes reuses them, whatever its batch size, rates or seeds.
"""

from __future__ import annotations

import functools

from dlviz.engine.runtime import tf

# Keras' Adam defaults.
BETA_1 = 0.9
BETA_2 = 0.999
EPSILON = 1e-7


def param_specs(n_lanes: int) -> tuple:
    """TensorSpecs of K stacked models' `(kernel1, bias1, kernel2, bias2)`."""
    return (tf.TensorSpec([n_lanes, None, None], tf.float32), tf.TensorSpec([n_lanes, None], tf.float32),
            tf.TensorSpec([n_lanes, None, None], tf.float32), tf.TensorSpec([n_lanes, None], tf.float32))


# One model's parameter specs (K = 1), for kernels that train a single model (dlviz.engine.lr_finder).
ONE_MODEL = param_specs(1)


def lane_logits(kernel1, bias1, kernel2, bias2, x):
    """One model's logits `[batch, 1]` as Keras' Dense layers compute them: Keras' `ops.add` is a BiasAdd for the
    hidden layer's vector bias and a plain add for the output layer's `(1,)` bias."""
    hidden = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, kernel1), bias1))
    return tf.add(tf.matmul(hidden, kernel2), bias2)


def _lane_metrics(lane, x, y):
    """One model's (loss, correct count, positive count) on `x [rows, features]`, `y [rows]`: the loss as Keras
    computes it (binary cross-entropy on the logits, summed, divided by the number of rows)."""
    labels = y[:, None]
    count = tf.cast(tf.shape(x)[0], tf.float32)
    logits = lane_logits(*lane, x)
    per_row = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=-1)
    loss = tf.math.divide_no_nan(tf.reduce_sum(per_row), count)
    predicted = tf.cast(tf.nn.sigmoid(logits) > 0.5, tf.float32)
    return loss, tf.reduce_sum(tf.cast(tf.equal(predicted, labels), tf.float32)), tf.reduce_sum(predicted)


def _lanes(params):
    n_lanes = params[0].shape[0]  # static: the kernels are traced once per number of lanes
    return list(zip(*(tf.unstack(p, num=n_lanes) for p in params)))


def losses_and_correct(params, x, y):
    """Every lane on the same rows `x [rows, features]`, `y [rows]`: (loss [K], correct count [K])."""
    metrics = [_lane_metrics(lane, x, y) for lane in _lanes(params)]
    return tf.stack([m[0] for m in metrics]), tf.stack([m[1] for m in metrics])


def adam_step(params, grads, m, v, step, learning_rate):
    """One Keras Adam update of K stacked models, `learning_rate` of shape [K]: Keras' formulas in Keras' order
    (elementwise, so stacking the lanes changes no bit)."""
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


_MODEL_SPEC = (tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32),
               tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32))


@tf.function(input_signature=[_MODEL_SPEC, tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)])
def lane_gradients(lane, x, y):
    """One model's batch step before the update: its loss, number of correct predictions and the loss's gradients
    w.r.t. `(kernel1, bias1, kernel2, bias2)`, as Keras' train step computes them. Traced once, and called once per
    lane by every stacked kernel (so a stack of K lanes traces one lane, not K)."""
    with tf.GradientTape() as tape:
        tape.watch(lane)
        loss, correct, _ = _lane_metrics(lane, x, y)
    return loss, correct, tape.gradient(loss, lane)


@functools.lru_cache(maxsize=None)
def train_rows_fn(n_lanes: int):
    """The traced training kernel for K = `n_lanes` lanes:

    `train_rows(params, m, v, step, x [n, f], y [n], rows [K, r] int32, batch_size, learning_rate [K])` runs lane k
    over the training rows `rows[k]` in that order, `ceil(r / batch_size)` Adam updates, and returns the new
    `(params, m, v, step)` and, per batch, each lane's loss and number of correct predictions (both taken before that
    batch's update, as Keras records them), each of shape `[batches, K]`. `rows` is a whole epoch or a slice of one
    whose length is a multiple of the batch size, so calling it on consecutive slices with the state carried over
    gives bitwise the same updates as one call on the whole epoch.
    """
    params_spec = param_specs(n_lanes)

    @tf.function(input_signature=[params_spec, params_spec, params_spec, tf.TensorSpec([], tf.float32),
                                  tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32),
                                  tf.TensorSpec([n_lanes, None], tf.int32), tf.TensorSpec([], tf.int32),
                                  tf.TensorSpec([n_lanes], tf.float32)])
    def train_rows(params, m, v, step, x, y, rows, batch_size, learning_rate):
        n = tf.shape(rows)[1]
        n_batches = (n + batch_size - 1) // batch_size
        batch_losses = tf.TensorArray(tf.float32, size=n_batches)
        batch_correct = tf.TensorArray(tf.float32, size=n_batches)
        for i in tf.range(n_batches):
            batch_rows = rows[:, i * batch_size:tf.minimum((i + 1) * batch_size, n)]
            x_lanes = tf.unstack(tf.gather(x, batch_rows), num=n_lanes)  # K x [batch, f]
            y_lanes = tf.unstack(tf.gather(y, batch_rows), num=n_lanes)  # K x [batch]
            steps = [lane_gradients(lane, x_k, y_k) for lane, x_k, y_k in zip(_lanes(params), x_lanes, y_lanes)]
            grads = tuple(tf.stack([s[2][i] for s in steps]) for i in range(4))
            params, m, v, step = adam_step(params, grads, m, v, step, learning_rate)
            batch_losses = batch_losses.write(i, tf.stack([s[0] for s in steps]))
            batch_correct = batch_correct.write(i, tf.stack([s[1] for s in steps]))
        return params, m, v, step, batch_losses.stack(), batch_correct.stack()

    return train_rows


@tf.function(input_signature=[_MODEL_SPEC, tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)])
def lane_metrics(lane, x, y):
    """One model's (loss, correct count, positive count) on all of `x`, `y`: traced once, called once per lane."""
    return _lane_metrics(lane, x, y)


@functools.lru_cache(maxsize=None)
def evaluate_fn(n_lanes: int):
    """The traced evaluation for K lanes: `evaluate(params, x [n, f], y [n])` gives each lane's loss, accuracy and
    share of rows predicted positive (probability above 0.5), each of shape [K]."""

    @tf.function(input_signature=[param_specs(n_lanes), tf.TensorSpec([None, None], tf.float32),
                                  tf.TensorSpec([None], tf.float32)])
    def evaluate(params, x, y):
        metrics = [lane_metrics(lane, x, y) for lane in _lanes(params)]
        count = tf.cast(tf.shape(x)[0], tf.float32)
        return (tf.stack([m[0] for m in metrics]), tf.stack([m[1] for m in metrics]) / count,
                tf.stack([m[2] for m in metrics]) / count)

    return evaluate
