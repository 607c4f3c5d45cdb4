"""The traced kernels: one epoch (or part of one) of K stacked copies of the lesson's model, and their evaluation.

Parameters are stacked along a leading "lane" axis K (`kernel1 [K, in, hidden]`, `bias1 [K, hidden]`, `kernel2 [K,
hidden, 1]`, `bias2 [K, 1]`). A lane's weights are bitwise those of `model.fit` fed the same batches, whatever other
lanes share the stack (`batch_steps` says how). Each lane reads its own batch order (a row-index tensor `[K, n]`
gathered inside the loop), and the kernels are traced once per K (`lru_cache`, without autograph), whatever the
batch size, rates or seeds."""

from __future__ import annotations

import functools

from dlviz.engine.runtime import tf
from dlviz.runs import KERAS_ADAM_BETA_1 as BETA_1

# Keras' Adam defaults.
BETA_2 = 0.999
EPSILON = 1e-7


def param_specs(n_lanes: int) -> tuple:
    """The input signature of K stacked models' weights.
    Args:
        n_lanes: K.
    Returns:
        TensorSpecs of `(kernel1 [K, f, h], bias1 [K, h], kernel2 [K, h, 1], bias2 [K, 1])`, float32."""
    return (tf.TensorSpec([n_lanes, None, None], tf.float32), tf.TensorSpec([n_lanes, None], tf.float32),
            tf.TensorSpec([n_lanes, None, None], tf.float32), tf.TensorSpec([n_lanes, None], tf.float32))


def lane_logits(kernel1, bias1, kernel2, bias2, x):
    """One model's logits as Keras' Dense layers compute them (Keras' `ops.add` is a BiasAdd for the hidden layer's
    vector bias and a plain add for the output layer's `(1,)` bias).
    Args:
        kernel1 [f, h], bias1 [h], kernel2 [h, 1], bias2 [1]: the model's weights; x: the rows, [batch, f].
    Returns:
        The logits, [batch, 1]."""
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


def adam_step(params, grads, m, v, step, learning_rate):
    """One Adam update (Kingma & Ba 2015) of K stacked models, as `keras.optimizers.Adam` computes it: the step size
    bias-corrected as `lr sqrt(1 - beta2^t) / (1 - beta1^t)` and epsilon added to `sqrt(v)` (not to `sqrt(v_hat)`),
    Keras' formulas in Keras' order (elementwise, so stacking the lanes changes no bit).
    Args:
        params, grads, m, v: tuples of [K, ...] tensors alike; step: updates done so far (float32 scalar);
        learning_rate: [K].
    Returns:
        The new `(params, m, v, step)`."""
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


def batch_steps(params, x_batch, y_batch):
    """Every lane's training step on its own batch, before the update, as Keras' train step computes it.
    The forward pass is Keras' Dense layers and `tf.nn.sigmoid_cross_entropy_with_logits`, its formula
    `max(z, 0) - z * y + log1p(exp(-|z|))` written out; the backward pass is written out op for op as `tf.GradientTape`
    builds it from TensorFlow's registered gradients (`math_grad.py`, `nn_grad.py`), minus the tape's shape
    bookkeeping (most of its ~100 ops per lane).
    Ops that IEEE arithmetic rounds exactly (add, subtract, multiply, compare, select, max, `Relu`, `ReluGrad`) give
    the same bits in a stack as in a lane's own tensor, so they run once on the stack. Eigen's vectorised `exp`,
    `log1p`, `reciprocal` and `sigmoid`, matrix products and sums can round differently with a value's place in its
    tensor, so they run on each lane's own tensors, as `model.fit` runs them. `tests/test_kernels.py` holds this to
    `tf.GradientTape` and `tests/test_engine_equivalence.py` holds the engine to `model.fit`.
    Args:
        params: K stacked models' weights (`param_specs`); x_batch: [K, batch, f]; y_batch: 0/1 labels, [K, batch].
    Returns:
        `(losses [K], logits [K, batch, 1], grads)`: each lane's batch loss (binary cross-entropy on the logits,
        summed over the rows and divided by the rows, as Keras' mean reduction does it), its logits, and the loss's
        gradients w.r.t. `(kernel1, bias1, kernel2, bias2)`, stacked `[K, ...]` like the parameters."""
    n_lanes = x_batch.shape[0]  # static: the kernels are traced once per number of lanes
    _, bias1, _, bias2 = params
    lanes = _lanes(params)
    x_lanes = tf.unstack(x_batch, num=n_lanes)
    labels = y_batch[:, :, None]  # [K, batch, 1]
    count = tf.cast(tf.shape(y_batch)[1], tf.float32)
    zero = tf.constant(0.0)

    hidden = tf.nn.relu(tf.stack([tf.matmul(x_k, lane[0]) for x_k, lane in zip(x_lanes, lanes)])
                        + bias1[:, None, :])  # [K, batch, hidden]
    hidden_lanes = tf.unstack(hidden, num=n_lanes)
    logits = tf.stack([tf.matmul(h_k, lane[2]) for h_k, lane in zip(hidden_lanes, lanes)]) + bias2[:, None, :]
    positive = logits >= zero
    exp_lanes = [tf.exp(t) for t in tf.unstack(tf.where(positive, -logits, logits), num=n_lanes)]
    exp_neg_abs = tf.stack(exp_lanes)
    per_row = tf.add(tf.where(positive, logits, zero) - logits * labels,
                     tf.stack([tf.math.log1p(e) for e in exp_lanes]))
    losses = tf.math.divide_no_nan(tf.stack([tf.reduce_sum(r) for r in tf.unstack(per_row, num=n_lanes)]), count)

    # d batch loss / d each row's loss: 1 / rows, the same for every row and lane.
    d_row = tf.fill(tf.shape(labels), tf.math.divide_no_nan(tf.constant(1.0), count))
    d_exp = d_row * tf.stack([tf.math.reciprocal(1 + e) for e in exp_lanes]) * exp_neg_abs  # through log1p, then exp
    d_logits = tf.add_n([tf.where(positive, d_row, zero), -d_row * labels, -tf.where(positive, d_exp, zero),
                         tf.where(positive, zero, d_exp)])  # [K, batch, 1]
    d_logits_lanes = tf.unstack(d_logits, num=n_lanes)
    d_pre = tf.raw_ops.ReluGrad(gradients=tf.stack([
        tf.raw_ops.MatMul(a=d_k, b=lane[2], transpose_a=False, transpose_b=True, grad_a=True)
        for d_k, lane in zip(d_logits_lanes, lanes)]), features=hidden)
    d_pre_lanes = tf.unstack(d_pre, num=n_lanes)
    grads = (
        tf.stack([tf.raw_ops.MatMul(a=x_k, b=d_k, transpose_a=True, transpose_b=False, grad_b=True)
                  for x_k, d_k in zip(x_lanes, d_pre_lanes)]),
        tf.stack([tf.raw_ops.BiasAddGrad(out_backprop=d_k) for d_k in d_pre_lanes]),
        tf.stack([tf.raw_ops.MatMul(a=h_k, b=d_k, transpose_a=True, transpose_b=False, grad_b=True)
                  for h_k, d_k in zip(hidden_lanes, d_logits_lanes)]),
        tf.stack([tf.reduce_sum(d_k, axis=0) for d_k in d_logits_lanes]))
    return losses, logits, grads


def _correct_counts(logits, y):
    """Each lane's number of correct predictions from its logits `[K, batch, 1]` and labels `[K, batch]`: Keras'
    binary accuracy (probability above 0.5), counted for all lanes at once (a count of whole rows, exact in any
    order)."""
    predicted = tf.cast(tf.nn.sigmoid(logits) > 0.5, tf.float32)
    return tf.reduce_sum(tf.cast(tf.equal(predicted, y[:, :, None]), tf.float32), axis=[1, 2])


@functools.lru_cache(maxsize=None)
def train_rows_fn(n_lanes: int):
    """The traced training kernel for K lanes (cached: traced once per K).
    `train_rows(params, m, v, step, x [n, f], y [n], rows [K, r] int32, batch_size, learning_rate [K])` runs lane k
    over the training rows `rows[k]` in that order, `ceil(r / batch_size)` Adam updates, and returns the new
    `(params, m, v, step)` and, per batch, each lane's loss and number of correct predictions (both taken before that
    batch's update, as Keras records them), each of shape `[batches, K]`. `rows` is a whole epoch or a slice of one
    whose length is a multiple of the batch size, so calling it on consecutive slices with the state carried over
    gives bitwise the same updates as one call on the whole epoch.
    Args:
        n_lanes: K.
    Returns:
        The `tf.function` `train_rows`."""
    params_spec = param_specs(n_lanes)

    # autograph=False: the loop is a tf.while_loop already (autograph is most of a fresh process's first trace).
    @tf.function(input_signature=[params_spec, params_spec, params_spec, tf.TensorSpec([], tf.float32),
                                  tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32),
                                  tf.TensorSpec([n_lanes, None], tf.int32), tf.TensorSpec([], tf.int32),
                                  tf.TensorSpec([n_lanes], tf.float32)], autograph=False)
    def train_rows(params, m, v, step, x, y, rows, batch_size, learning_rate):
        n = tf.shape(rows)[1]
        n_batches = (n + batch_size - 1) // batch_size

        def one_batch(i, params, m, v, step, batch_losses, batch_correct):
            batch_rows = rows[:, i * batch_size:tf.minimum((i + 1) * batch_size, n)]
            y_batch = tf.gather(y, batch_rows)  # [K, batch]
            losses, logits, grads = batch_steps(params, tf.gather(x, batch_rows), y_batch)
            params, m, v, step = adam_step(params, grads, m, v, step, learning_rate)
            return (i + 1, params, m, v, step, batch_losses.write(i, losses),
                    batch_correct.write(i, _correct_counts(logits, y_batch)))

        state = (tf.constant(0), params, m, v, step, tf.TensorArray(tf.float32, size=n_batches),
                 tf.TensorArray(tf.float32, size=n_batches))
        _, params, m, v, step, batch_losses, batch_correct = tf.while_loop(
            lambda i, *_: i < n_batches, one_batch, state)
        return params, m, v, step, batch_losses.stack(), batch_correct.stack()

    return train_rows


_MODEL_SPEC = (tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32),
               tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32))
# Traced once, called once per lane by `evaluate_fn`.
_traced_lane_metrics = tf.function(_lane_metrics, autograph=False, input_signature=[
    _MODEL_SPEC, tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)])


@functools.lru_cache(maxsize=None)
def evaluate_fn(n_lanes: int):
    """The traced evaluation for K lanes (cached: traced once per K).
    Args:
        n_lanes: K.
    Returns:
        The `tf.function` `evaluate(params, x [n, f], y [n])`: each lane's loss (as Keras' `evaluate`), accuracy and
        share of rows predicted positive (probability above 0.5), each of shape [K]."""

    @tf.function(input_signature=[param_specs(n_lanes), tf.TensorSpec([None, None], tf.float32),
                                  tf.TensorSpec([None], tf.float32)], autograph=False)
    def evaluate(params, x, y):
        metrics = [_traced_lane_metrics(lane, x, y) for lane in _lanes(params)]
        count = tf.cast(tf.shape(x)[0], tf.float32)
        return (tf.stack([m[0] for m in metrics]), tf.stack([m[1] for m in metrics]) / count,
                tf.stack([m[2] for m in metrics]) / count)

    return evaluate
