"""The lesson's training loss at many flat weight vectors at once, and a sweep's recorded weight paths: what
`dlviz.surface` draws the loss map from. Imports TensorFlow."""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from dlviz.data import Dataset
from dlviz.engine.runtime import tf
from dlviz.runs import LandscapeError, RunHistory, RunSpec, n_params

# Bound on the largest intermediates: a chunk's [chunk, rows, hidden] activations and its [chunk, n_params] weights.
CHUNK_BYTES = 8 * 1024 * 1024
# A sweep whose recorded paths would exceed this is refused (bench/README.md: the paths' memory).
MAX_PATH_BYTES = 16 * 1024 * 1024


@functools.lru_cache(maxsize=None)
def _loss_fn(f: int, h: int):
    @tf.function(input_signature=[tf.TensorSpec([None, n_params(f, h)], tf.float32),
                                  tf.TensorSpec([None, f], tf.float32), tf.TensorSpec([None], tf.float32)],
                 autograph=False)
    def losses(weights, x, y):
        g = tf.shape(weights)[0]
        kernel1, bias1 = tf.reshape(weights[:, :f * h], [g, f, h]), weights[:, f * h:f * h + h]
        kernel2, bias2 = weights[:, f * h + h:f * h + 2 * h], weights[:, -1]
        hidden = tf.nn.relu(tf.matmul(x[None], kernel1) + bias1[:, None, :])  # [G, rows, h]
        logits = tf.linalg.matvec(hidden, kernel2) + bias2[:, None]  # [G, rows]
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.broadcast_to(y[None, :], tf.shape(logits)), logits=logits), axis=1)

    return losses


def losses_at(weights: np.ndarray, x: np.ndarray, y: np.ndarray, hidden_units: int) -> np.ndarray:
    """The lesson's loss (mean binary cross-entropy) at many weight vectors of `Dense(h, relu) -> Dense(1, sigmoid)`.
    As Keras 3 computes it for a sigmoid output (`sigmoid_cross_entropy_with_logits`, mean over rows), for all G
    vectors in one traced computation: one broadcast batched matmul per chunk of vectors (chunks keep the activations
    under CHUNK_BYTES) instead of G model calls.
    Args:
        weights: flat weight vectors (`analysis.plane` layout), float32 [G, n_params].
        x: features, float32 [rows, features].
        y: labels in {0, 1}, [rows].
        hidden_units: the model's width.
    Returns:
        The losses, float64 [G]; a vector with non-finite weights gives NaN or inf for itself only.
    Raises:
        LandscapeError: the weight vectors do not fit the features and width."""
    weights, x = np.asarray(weights, np.float32), np.asarray(x, np.float32)
    size = n_params(x.shape[1], hidden_units)
    if weights.ndim != 2 or weights.shape[1] != size:
        raise LandscapeError(f"Expected weight vectors [G, {size}] for {x.shape[1]} features and {hidden_units} "
                             f"hidden units; got {weights.shape}.")
    fn = _loss_fn(x.shape[1], hidden_units)
    step = max(1, min(CHUNK_BYTES // (4 * max(len(x), 1) * hidden_units), CHUNK_BYTES // (4 * size)))
    x_t, y_t = tf.constant(x), tf.constant(np.asarray(y, np.float32))
    out = [fn(tf.constant(weights[i:i + step]), x_t, y_t).numpy() for i in range(0, len(weights), step)]
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def sweep_paths(dataset: Dataset, specs: Sequence[RunSpec]) -> list[RunHistory]:
    """Train `specs` on the sweep engine with their weight paths recorded (`train_sweep(..., record_path=True)`).
    Args:
        dataset: the prepared data.
        specs: the sweep's runs.
    Returns:
        One `RunHistory` per spec whose `trajectory` (float32 [points, n_params]: the start, 8 points in epoch 1,
        then every epoch's end) and `trajectory_updates` (int64 [points]) hold the path.
    Raises:
        LandscapeError: the paths would exceed MAX_PATH_BYTES."""
    from dlviz.engine.sweep import train_sweep

    specs = list(specs)
    size = 4 * len(specs) * (10 + max(s.epochs for s in specs)) * n_params(dataset.n_features,
                                                                         max(s.hidden_units for s in specs))
    if size > MAX_PATH_BYTES:
        raise LandscapeError(f"Recording these runs' paths would take {size / 2**20:.0f} MB; the view keeps at most "
                             f"{MAX_PATH_BYTES / 2**20:.0f} MB per sweep. Choose fewer values, fewer epochs or fewer "
                             "hidden units.")
    return train_sweep(dataset, specs, record_path=True, measure_noise=False)  # the view reads no noise scale
