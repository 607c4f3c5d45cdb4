"""The lesson's training loss at many weight vectors at once and the recorded paths of a sweep; `dlviz.surface`
builds the loss map under them from these. Imports TensorFlow.

`losses_at` evaluates the lesson's model `Dense(h, relu) -> Dense(1, sigmoid)` with binary cross-entropy exactly as
Keras computes it for a sigmoid output (Keras 3 takes the cross-entropy on the logits: `sigmoid_cross_entropy_with_
logits`, mean over rows) for G flat weight vectors in one traced computation: the rows are multiplied by all G
first-layer kernels in one broadcast batched matmul ([rows, features] x [G, features, hidden] -> [G, rows, hidden])
and the output layer is one batched matrix-vector product, per chunk of weight vectors instead of G model calls.
(Laying the kernels side by side as one [features, G * hidden] matrix and reducing over a reshape was 2-4x slower
here: the [rows, G, hidden] layout needs an extra pass over the largest array.)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from dlviz.data import Dataset
from dlviz.engine.runtime import tf
from dlviz.runs import LandscapeError, RunHistory, RunSpec, n_params

# Bound on the largest intermediate, the [chunk, rows, hidden] hidden-layer activations (bench/README.md: the map).
CHUNK_BYTES = 8 * 1024 * 1024
# A sweep whose recorded paths would exceed this many bytes is refused (`sweep_paths`), so that recording stays under
# 50 MB (bench/README.md: the paths' memory); the page drops the paths once both zooms are drawn.
MAX_PATH_BYTES = 16 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------------------
# Batched loss


@functools.lru_cache(maxsize=None)
def _loss_fn(n_features: int, hidden_units: int):
    f, h = n_features, hidden_units

    @tf.function(input_signature=[tf.TensorSpec([None, n_params(f, h)], tf.float32),
                                  tf.TensorSpec([None, f], tf.float32), tf.TensorSpec([None], tf.float32)],
                 autograph=False)  # no Python control flow to convert
    def losses(weights, x, y):
        g = tf.shape(weights)[0]
        kernel1 = tf.reshape(weights[:, :f * h], [g, f, h])
        bias1 = weights[:, f * h:f * h + h]  # [G, h]
        kernel2 = weights[:, f * h + h:f * h + 2 * h]  # [G, h]
        bias2 = weights[:, -1]  # [G]
        hidden = tf.nn.relu(tf.matmul(x[None], kernel1) + bias1[:, None, :])  # [G, rows, h]
        logits = tf.linalg.matvec(hidden, kernel2) + bias2[:, None]  # [G, rows]
        per_row = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.broadcast_to(y[None, :], tf.shape(logits)),
                                                          logits=logits)
        return tf.reduce_mean(per_row, axis=1)

    return losses


def chunk_size(n_rows: int, hidden_units: int, n_weights: int) -> int:
    """Weight vectors per call so that the [chunk, rows, hidden] float32 activations and the chunk's own
    [chunk, n_weights] float32 weights each stay under CHUNK_BYTES."""
    return max(1, min(CHUNK_BYTES // (4 * max(n_rows, 1) * hidden_units), CHUNK_BYTES // (4 * n_weights)))


def losses_at(weights: np.ndarray, x: np.ndarray, y: np.ndarray, hidden_units: int) -> np.ndarray:
    """The lesson's loss (mean binary cross-entropy) at many weight vectors at once.

    Args:
        weights: flat weight vectors (`analysis.plane` layout), float32 [G, n_params].
        x: features [rows, features]; y: labels in {0, 1} [rows].
        hidden_units: the model's width.

    Returns:
        float64 [G]; a vector with non-finite weights gives NaN or inf for itself only.

    Raises:
        LandscapeError: the sizes do not fit."""
    weights = np.asarray(weights, np.float32)
    x = np.asarray(x, np.float32)
    n_features = x.shape[1]
    if weights.ndim != 2 or weights.shape[1] != n_params(n_features, hidden_units):
        raise LandscapeError(f"Expected weight vectors [G, {n_params(n_features, hidden_units)}] for "
                             f"{n_features} features and {hidden_units} hidden units; got {weights.shape}.")
    fn = _loss_fn(n_features, hidden_units)
    step = chunk_size(len(x), hidden_units, weights.shape[1])
    x_t, y_t = tf.constant(x), tf.constant(np.asarray(y, np.float32))
    out = [fn(tf.constant(weights[i:i + step]), x_t, y_t).numpy() for i in range(0, len(weights), step)]
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


# ---------------------------------------------------------------------------------------------------------------
# Recorded paths


@dataclass(frozen=True)
class RunPath:
    """One run's recorded weights: `trajectory` float32 [points, n_params] after `updates` int64 [points] weight
    updates (0 = the start), and the 1-based epoch it diverged in, if it did (recording stops there)."""

    spec: RunSpec
    trajectory: np.ndarray
    updates: np.ndarray
    updates_per_epoch: int
    diverged_at: int | None = None


def path_from_history(history: RunHistory) -> RunPath:
    """The adapter to the engine's `train_sweep(..., record_path=True)`: its `trajectory` / `trajectory_updates`."""
    trajectory = getattr(history, "trajectory", None)
    if trajectory is None or len(trajectory) == 0:
        raise LandscapeError("This run was trained without recording its path.")
    return RunPath(history.spec, np.asarray(trajectory, np.float32),
                   np.asarray(history.trajectory_updates, np.int64), history.updates_per_epoch, history.diverged_at)


def sweep_paths(dataset: Dataset, specs: Sequence[RunSpec]) -> list[RunPath]:
    """Every spec's recorded weight path, from the sweep engine (`train_sweep(..., record_path=True)`): the start,
    8 points in epoch 1, then the end of every epoch.

    Args:
        dataset: the prepared data.
        specs: the sweep's runs.

    Returns:
        One `RunPath` per spec (trajectory float32 [points, n_params], the updates at each point).

    Raises:
        LandscapeError: the paths would exceed MAX_PATH_BYTES."""
    from dlviz.engine.sweep import train_sweep

    specs = list(specs)
    points = 1 + 9 + max(s.epochs for s in specs)
    size = len(specs) * points * n_params(dataset.n_features, max(s.hidden_units for s in specs)) * 4
    if size > MAX_PATH_BYTES:
        raise LandscapeError(f"Recording these runs' paths would take {size / 2**20:.0f} MB; the view keeps at most "
                             f"{MAX_PATH_BYTES / 2**20:.0f} MB per sweep. Choose fewer values, fewer epochs or fewer "
                             "hidden units.")
    return [path_from_history(h) for h in train_sweep(dataset, specs, record_path=True)]
