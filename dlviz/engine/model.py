"""The lesson's model, `Dense(hidden, relu) -> Dense(1, sigmoid)`, with seeded initial weights.

Initial weights are drawn with NumPy (Glorot-uniform kernels, zero biases: Keras' own defaults) so that every value
of a sweep starts from exactly the same point without touching TensorFlow's global random state."""

from __future__ import annotations

import numpy as np

from dlviz.runs import FIRST_SEED, LESSON_HIDDEN_UNITS


def initial_weights(n_features: int, hidden_units: int = LESSON_HIDDEN_UNITS, seed: int = FIRST_SEED
                    ) -> list[np.ndarray]:
    """The lesson's model's starting weights, drawn with NumPy as Keras' defaults draw them (Glorot-uniform kernels,
    zero biases), the same for the same arguments.
    Args:
        n_features: input width; hidden_units: the hidden layer's width; seed: different seeds, different kernels.
    Returns:
        float32 `[kernel1 (n_features, hidden), bias1 (hidden,), kernel2 (hidden, 1), bias2 (1,)]`."""
    rng = np.random.default_rng([seed, n_features, hidden_units])

    def glorot(fan_in: int, fan_out: int) -> np.ndarray:
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)

    return [glorot(n_features, hidden_units), np.zeros(hidden_units, np.float32),
            glorot(hidden_units, 1), np.zeros(1, np.float32)]
