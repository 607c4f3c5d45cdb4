"""The gradient noise scale (`dlviz.engine.noise`) against gradients computed another way, and the engine's promise
that measuring it changes no bit of the training."""

from __future__ import annotations

import numpy as np
import pytest

from dlviz.data import load_builtin
from tests.support.reference import build_model
from dlviz.engine.noise import noise_scale
from dlviz.engine.runtime import keras, tf
from dlviz.engine.sweep import train_sweep
from dlviz.runs import RunSpec


def _b_simple(per_example: np.ndarray) -> float:
    """tr(Σ) / |G|² from per-example gradients `[n, params]`: NumPy's unbiased covariance."""
    mean = per_example.mean(axis=0)
    return float(np.trace(np.atleast_2d(np.cov(per_example, rowvar=False))) / (mean @ mean))


def test_logistic_regression_by_hand():
    # With a zero output kernel no gradient reaches the hidden layer, and the model is logistic regression on the
    # one hidden unit's activation a = relu(2x + 1) = 2x + 1 (x > 0): per-example gradient (p - y)(a, 1).
    x = np.array([[0.1], [0.4], [0.5], [0.9], [1.3], [2.0]])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    bias = 0.3
    a = 2 * x[:, 0] + 1
    error = 1 / (1 + np.exp(-bias)) - y
    expected = _b_simple(np.stack([error * a, error], axis=1))
    weights = (np.array([[[2.0]]]), np.array([[1.0]]), np.array([[[0.0]]]), np.array([[bias]]))
    assert noise_scale(weights, x, y)[0] == pytest.approx(expected, rel=1e-5)


def test_closed_form_matches_a_per_row_gradient_tape_loop():
    rng = np.random.default_rng(5)
    n, features, hidden = 40, 6, 16
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (rng.random(n) < 0.4).astype(np.float32)
    lanes = [[(rng.normal(size=shape) * scale).astype(np.float32) for shape, scale in
              (((features, hidden), 0.5), ((hidden,), 0.1), ((hidden, 1), 0.5), ((1,), 0.1))] for _ in range(2)]
    expected = []
    for weights in lanes:
        model = build_model(features, hidden, weights=weights)  # the lesson's Keras model and loss, row by row
        rows = []
        for i in range(n):
            with tf.GradientTape() as tape:
                loss = keras.losses.binary_crossentropy(y[i:i + 1, None], model(x[i:i + 1]))[0]
            rows.append(np.concatenate([g.numpy().ravel() for g in tape.gradient(loss, model.trainable_weights)]))
        expected.append(_b_simple(np.stack(rows).astype(np.float64)))
    stacked = tuple(np.stack([lane[i] for lane in lanes]) for i in range(4))
    np.testing.assert_allclose(noise_scale(stacked, x, y), expected, rtol=1e-4)


def test_measuring_changes_no_bit_of_the_training():
    data = load_builtin("practice", max_rows=500)
    base = RunSpec(data.fingerprint, epochs=3, batch_size=16, learning_rate=0.01)
    specs = [base, base.replace(learning_rate=0.1), base.replace(seed=7)]
    measured = train_sweep(data, specs)
    plain = train_sweep(data, specs, measure_noise=False)
    for a, b in zip(measured, plain):
        assert (a.loss, a.val_loss) == (b.loss, b.val_loss)
        assert a.update_loss.tobytes() == b.update_loss.tobytes()
        assert all(np.array_equal(u, v) for u, v in zip(a.weights, b.weights))
        assert len(a.noise_scale) == a.epochs_run + 1 and not b.noise_scale
        assert all(s > 0 for s in a.noise_scale)
    # The same start, measured in another lane: equal up to float32 rounding.
    assert measured[0].noise_scale[0] == pytest.approx(measured[1].noise_scale[0], rel=1e-5)
    assert measured[0].noise_scale[0] != pytest.approx(measured[2].noise_scale[0], rel=1e-3)  # another seed
