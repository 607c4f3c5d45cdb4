"""The lesson's model, `Dense(hidden, relu) -> Dense(1, sigmoid)`, with seeded initial weights.

Initial weights are drawn with NumPy (Glorot-uniform kernels, zero biases: Keras' own defaults) so that every value
of a sweep starts from exactly the same point without touching TensorFlow's global random state.
"""

from __future__ import annotations

import numpy as np

from dlviz.runs import FIRST_SEED, LESSON_HIDDEN_UNITS, LESSON_LEARNING_RATE
from dlviz.engine.runtime import keras


def initial_weights(n_features: int, hidden_units: int = LESSON_HIDDEN_UNITS, seed: int = FIRST_SEED
                    ) -> list[np.ndarray]:
    """The model's starting weights `[kernel1 (n_features, hidden), bias1 (hidden,), kernel2 (hidden, 1), bias2 (1,)]`,
    float32, the same for the same arguments; a different `seed` gives different kernels (biases start at zero)."""
    rng = np.random.default_rng([seed, n_features, hidden_units])

    def glorot(fan_in: int, fan_out: int) -> np.ndarray:
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)

    return [glorot(n_features, hidden_units), np.zeros(hidden_units, np.float32),
            glorot(hidden_units, 1), np.zeros(1, np.float32)]


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
