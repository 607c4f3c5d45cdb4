"""Full-batch training of the lesson's model with its sharpness (the largest eigenvalue of the training loss's
Hessian; for Adam the preconditioned lambda_max(P^-1/2 H P^-1/2) its update sees) measured as it trains, by power
iteration on Hessian-vector products (Cohen et al. 2021, arXiv 2103.00065; 2022, arXiv 2207.14484)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from dlviz.data import Dataset
from dlviz.engine.kernels import BETA_1, BETA_2, EPSILON, adam_step, lane_logits
from dlviz.engine.model import initial_weights
from dlviz.engine.runtime import tf
from dlviz.runs import ADAM, GD, StabilityRun, StabilitySpec

POWER_TOLERANCE = 3e-2  # stop when |A v - lambda v| <= this x |lambda|: lambda is then within that^2 / gap
MAX_POWER_ITERATIONS = 100

_VECTOR = tf.TensorSpec([None], tf.float32)
_DATA = (tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32))


def _loss(flat, x, y):
    """The lesson's model's mean binary cross-entropy on `x`, `y`, its weights unpacked from the flat vector."""
    n_features = tf.shape(x)[1]
    hidden = (tf.shape(flat)[0] - 1) // (n_features + 2)
    k1, b1, k2, b2 = tf.split(flat, tf.stack([n_features * hidden, hidden, hidden, 1]))
    logits = lane_logits(tf.reshape(k1, tf.stack([n_features, hidden])), b1, tf.reshape(k2, tf.stack([hidden, 1])),
                         b2, x)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y[:, None], logits=logits))


def _gradient(flat, x, y):
    with tf.GradientTape() as tape:
        tape.watch(flat)
        loss = _loss(flat, x, y)
    return loss, tape.gradient(loss, flat)


def _power_iteration(apply: Callable, start):
    """The largest-in-size eigenvalue of the symmetric operator `apply` (a vector -> vector function of TensorFlow
    ops) by power iteration from `start`, stopping when the residual |A v - (v.Av) v| is at most `POWER_TOLERANCE`
    of the estimate (or after `MAX_POWER_ITERATIONS`). Returns (eigenvalue, its unit eigenvector, iterations)."""
    def step(i, vector, value, _):
        product = apply(vector)
        value = tf.reduce_sum(vector * product)
        return i + 1, tf.math.l2_normalize(product), value, tf.norm(product - value * vector) / tf.abs(value)

    i, vector, value, _ = tf.while_loop(
        lambda i, v, x, residual: (i < MAX_POWER_ITERATIONS) & (residual > POWER_TOLERANCE), step,
        (0, tf.math.l2_normalize(start), 0.0, np.inf))
    return value, vector, i


@tf.function(input_signature=[_VECTOR, *_DATA, _VECTOR, _VECTOR])
def top_eigenvalue(flat, x, y, scale, start):
    """The sharpness (Cohen et al. 2021): the largest eigenvalue of S H S, H the training loss's Hessian, by power
    iteration on Hessian-vector products (each a double backward pass). It finds the eigenvalue largest in size:
    here the top one.
    Args:
        flat: the weights, flattened (kernel1, bias1, kernel2, bias2); x [n, f], y [n]: the full batch;
        scale: S's diagonal, ones for H itself, `adam_scale` for Adam's P^-1/2 H P^-1/2; start: the first vector.
    Returns:
        (eigenvalue, its unit eigenvector, power iterations)."""
    def product(vector):
        with tf.GradientTape() as tape:
            tape.watch(flat)
            along = tf.reduce_sum(_gradient(flat, x, y)[1] * scale * vector)
        return scale * tape.gradient(along, flat)
    return _power_iteration(product, start)


def _train_steps_fn(optimizer: str):
    """`train_steps`: `n_steps` full-batch steps (w -= lr * grad, or Keras' Adam: `kernels.adam_step`); returns the new
    state and the loss before each step."""
    @tf.function(input_signature=[_VECTOR, _VECTOR, _VECTOR, tf.TensorSpec([], tf.float32), *_DATA,
                                  tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32)], autograph=False)
    def train_steps(flat, m, v, step, x, y, learning_rate, n_steps):
        def one(i, flat, m, v, step, losses):
            loss, grad = _gradient(flat, x, y)
            if optimizer == GD:
                flat = flat - learning_rate * grad
            else:
                (flat,), (m,), (v,), step = adam_step((flat,), (grad,), (m,), (v,), step, learning_rate[None])
            return i + 1, flat, m, v, step, losses.write(i, loss)

        _, flat, m, v, step, losses = tf.while_loop(lambda i, *_: i < n_steps, one, (
            tf.constant(0), flat, m, v, step, tf.TensorArray(tf.float32, size=n_steps)))
        return flat, m, v, step, losses.stack()
    return train_steps


_TRAIN_STEPS = {GD: _train_steps_fn(GD), ADAM: _train_steps_fn(ADAM)}


def adam_scale(v: np.ndarray, step: float) -> np.ndarray:
    """Adam's preconditioner as Keras applies it: Keras moves the weights by lr * m / P with
    P = (1 - beta1^t) (sqrt(v) + eps) / sqrt(1 - beta2^t), i.e. (1 - beta1^t) diag(sqrt(v_hat) + eps') (Cohen et al.
    2022's preconditioner, eps' = eps / sqrt(1 - beta2^t) as Keras places eps).
    Args:
        v: Adam's second moment, flat; step: updates done (t).
    Returns:
        P^-1/2's diagonal, float32, shaped like `v`."""
    precondition = (1 - BETA_1 ** step) * (np.sqrt(v) + EPSILON) / np.sqrt(1 - BETA_2 ** step)
    return (1 / np.sqrt(precondition)).astype(np.float32)


def train_full_batch(dataset: Dataset, spec: StabilitySpec, progress: Callable[[float], None] | None = None
                     ) -> StabilityRun:
    """Train the lesson's model (`spec.hidden_units` wide, from the sweeps' seeded start) on all of `dataset`'s
    training rows at every step, measuring the sharpness every `spec.every` steps (from step 0 for gradient descent,
    from the first step for Adam, whose preconditioner exists only then); `every=0` measures nothing (`bench/`).
    Args:
        dataset: its training rows are the full batch (`spec.fingerprint` should be its fingerprint).
        spec: `optimizer` GD or ADAM (`train_steps`), `learning_rate`, `steps`.
        progress: called with the fraction done after each chunk of `every` steps.
    Returns: a `StabilityRun`; a run whose loss turns NaN or infinite stops there (the rest of `losses` is NaN)."""
    steps, every, optimizer = spec.steps, spec.every, spec.optimizer
    x, y = tf.constant(dataset.x_train), tf.constant(dataset.y_train)
    start = initial_weights(dataset.n_features, spec.hidden_units, spec.seed)
    flat = tf.constant(np.concatenate([w.ravel() for w in start]))
    m, v, step = tf.zeros_like(flat), tf.zeros_like(flat), tf.constant(0.0)
    vector = tf.constant(np.random.default_rng(spec.seed).standard_normal(flat.shape[0]).astype(np.float32))
    learning_rate = tf.constant(spec.learning_rate, tf.float32)
    losses, at, values = np.full(steps + 1, np.nan), [], []
    done = 0
    while done <= steps:
        if every and done % every == 0 and (optimizer == GD or done > 0):
            scale = tf.ones_like(flat) if optimizer == GD else tf.constant(adam_scale(v.numpy(), float(step)))
            value, vector, _ = top_eigenvalue(flat, x, y, scale, vector)
            if np.isfinite(float(value)):  # weights already thrown to NaN by the last step have none
                at.append(done)
                values.append(float(value))
        chunk = min(every or steps, steps + 1 - done)
        flat, m, v, step, chunk_losses = _TRAIN_STEPS[optimizer](flat, m, v, step, x, y, learning_rate,
                                                                tf.constant(chunk))
        losses[done:done + chunk] = chunk_losses.numpy()
        done += chunk
        if progress:
            progress(min(1.0, done / steps))
        if not np.all(np.isfinite(losses[:done])):
            losses[np.argmax(~np.isfinite(losses[:done])):] = np.nan
            break
    return StabilityRun(spec, losses, np.array(at), np.array(values))
