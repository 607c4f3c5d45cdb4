"""The stacked training step (`kernels.batch_steps`) gives every lane bitwise what `tf.GradientTape` gives one model.

`batch_steps` writes the backward pass out by hand and runs the exactly rounded ops on all lanes at once (its docstring
says why that keeps every bit). These tests hold it to the tape's gradients of the lesson's loss, lane by lane, on
random batches of many sizes (short last batches included) and on weights from tiny to blown up, so that a rewrite
that changes one bit anywhere fails here before it shows as a curve that drifts from `model.fit`.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlviz.engine import kernels
from dlviz.engine.runtime import tf
from tests.support import reference

FEATURES = 20
HIDDEN = 64
BATCH_SIZES = [1, 3, 7, 8, 16, 31, 32, 50, 100, 128, 256, 512]
# Weight scales: a fresh network's, a trained one's, and one blown up by a too-high learning rate (logits in the
# hundreds, where exp underflows and the loss is all in the linear part).
WEIGHT_SCALES = [0.05, 1.0, 30.0]


def _lane(rng, scale: float):
    return (rng.normal(size=(FEATURES, HIDDEN)) * scale, rng.normal(size=HIDDEN) * scale,
            rng.normal(size=(HIDDEN, 1)) * scale, rng.normal(size=1))


def _bits(t) -> bytes:
    return np.asarray(t, np.float32).tobytes()


@pytest.mark.parametrize("n_lanes", [1, 3, 6])
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_every_lane_gets_the_tapes_loss_and_gradients_to_the_bit(n_lanes, batch_size):
    rng = np.random.default_rng([n_lanes, batch_size])
    lanes = [_lane(rng, WEIGHT_SCALES[k % len(WEIGHT_SCALES)]) for k in range(n_lanes)]
    params = tuple(tf.constant(np.stack([lane[i] for lane in lanes]).astype(np.float32)) for i in range(4))
    x = rng.normal(size=(n_lanes, batch_size, FEATURES)).astype(np.float32)
    y = (rng.random((n_lanes, batch_size)) < 0.4).astype(np.float32)

    losses, logits, grads = tf.function(kernels.batch_steps)(params, tf.constant(x), tf.constant(y))

    for k in range(n_lanes):
        lane = tuple(tf.constant(p[k]) for p in params)
        loss, tape_grads = reference.tape_gradients(lane, tf.constant(x[k]), tf.constant(y[k]))
        assert _bits(losses[k]) == _bits(loss), f"loss of lane {k}"
        for name, ours, theirs in zip(("kernel1", "bias1", "kernel2", "bias2"), grads, tape_grads):
            assert _bits(ours[k]) == _bits(theirs), f"gradient of {name}, lane {k}"
        assert _bits(logits[k]) == _bits(kernels.lane_logits(*lane, tf.constant(x[k]))), f"logits of lane {k}"


def test_correct_counts_are_keras_binary_accuracy_counts():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(4, 50, 1)).astype(np.float32) * 3
    y = (rng.random((4, 50)) < 0.5).astype(np.float32)
    expected = ((1 / (1 + np.exp(-logits[..., 0])) > 0.5) == (y > 0.5)).sum(axis=1)
    assert kernels._correct_counts(tf.constant(logits), tf.constant(y)).numpy().tolist() == expected.tolist()
