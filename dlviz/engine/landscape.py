"""The lesson's training loss at many weight vectors at once, the recorded paths of a sweep, and the loss map under
them (`compute_landscape`). Imports TensorFlow.

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

from dlviz.analysis.landscape import Landscape, line_profile, line_weights, path_stats, zoom_runs
from dlviz.analysis.plane import LandscapeError, Plane, fit_plane, grid_axes, grid_coords, n_params
from dlviz.data import Dataset
from dlviz.engine.runtime import tf
from dlviz.runs import RunHistory, RunSpec

# Bound on the largest intermediate, the [chunk, rows, hidden] hidden-layer activations: 8 MB (12 weight vectors at the
# defaults). The peak is about three such arrays (matmul, bias, relu), ~25 MB, whatever the grid size. Chunks of 6-25
# vectors took 0.54-0.58 s per 41 x 41 map here, 51 vectors 0.59-0.84 s (cache misses).
CHUNK_BYTES = 8 * 1024 * 1024
# The map's loss is taken on at most this many training rows (a fixed sample, the same for every point): the cost is
# linear in rows, and 4,096 rows keep a 41 x 41 map under 2 s on the largest practice set (6,400 training rows).
MAX_LOSS_ROWS = 4_096
SAMPLE_SEED = 0
GRID_SIZE = 41
LINE_ALPHAS = np.round(np.linspace(-0.25, 1.25, 31), 6)  # Goodfellow et al. extend the line beyond both ends
# A sweep whose recorded paths would exceed this many bytes is refused (`sweep_paths`), so that recording stays under
# the 50 MB: at the largest sweep this allows (6 rates, 512 hidden units, 50 epochs: 15.2 MiB of paths) the
# recording adds 14.7 MiB held and 30.3 MiB at its peak, the view from the paths 35 MiB at its peak (NumPy, measured
# by bench/landscape_paths.py --memory), and the page drops the paths once both zooms are drawn. The defaults use
# 0.7 MB.
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
    """The lesson's loss (mean binary cross-entropy over the rows of `x` [rows, features], labels `y` [rows] in
    {0, 1}) at each of the flat weight vectors `weights` [G, n_params] -> float64 [G].

    Non-finite weights give a NaN or inf loss for that vector only. Raises LandscapeError if the sizes do not fit.
    """
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


def loss_sample(dataset: Dataset, max_rows: int | None = MAX_LOSS_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """The training rows the map is computed on: all of them, or a fixed sample of `max_rows` (seed 0, kept in the
    training set's order) when there are more."""
    n = len(dataset.y_train)
    if max_rows is None or n <= max_rows:
        return dataset.x_train, dataset.y_train
    keep = np.sort(np.random.default_rng(SAMPLE_SEED).choice(n, max_rows, replace=False))
    return dataset.x_train[keep], dataset.y_train[keep]


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
    """Every spec's recorded path, from the sweep engine (`train_sweep(..., record_path=True)`: the start, 8 points
    in epoch 1, then every epoch; `tests/support/reference.record_path_plain` records the same with `model.fit`).
    Raises LandscapeError when the paths would exceed MAX_PATH_BYTES."""
    from dlviz.engine.sweep import train_sweep

    specs = list(specs)
    points = 1 + 9 + max(s.epochs for s in specs)
    size = len(specs) * points * n_params(dataset.n_features, max(s.hidden_units for s in specs)) * 4
    if size > MAX_PATH_BYTES:
        raise LandscapeError(f"Recording these runs' paths would take {size / 2**20:.0f} MB; the view keeps at most "
                             f"{MAX_PATH_BYTES / 2**20:.0f} MB per sweep. Choose fewer values, fewer epochs or fewer "
                             "hidden units.")
    return [path_from_history(h) for h in train_sweep(dataset, specs, record_path=True)]


# ---------------------------------------------------------------------------------------------------------------
# The view


def map_losses(plane: Plane, axis_a: np.ndarray, axis_b: np.ndarray, x: np.ndarray, y: np.ndarray,
               hidden_units: int) -> np.ndarray:
    """The loss map [len(axis_b), len(axis_a)] on `plane`: entry [j, i] is the loss at plane coordinates
    (axis_a[i], axis_b[j]), all grid points in one batched computation."""
    return losses_on_plane(plane, grid_coords(axis_a, axis_b), x, y, hidden_units).reshape(len(axis_b),
                                                                                            len(axis_a))


def losses_on_plane(plane: Plane, coords: np.ndarray, x: np.ndarray, y: np.ndarray, hidden_units: int
                    ) -> np.ndarray:
    """The loss [P] at plane coordinates `coords` [P, 2]. The weight vectors are built in blocks whose float64
    intermediate (`Plane.weights_at`) stays under CHUNK_BYTES, so memory stays bounded: a 41 x 41 grid of a
    500k-weight model would be 3.4 GB at once (blocks of 4 x CHUNK_BYTES float32, 3x that with the float64
    intermediate and the cast, were 100 MiB of the map's peak at 11,265 weights: bench/landscape_paths.py --memory)."""
    block = max(1, CHUNK_BYTES // (8 * plane.n_params))
    parts = [losses_at(plane.weights_at(coords[i:i + block]), x, y, hidden_units)
             for i in range(0, len(coords), block)]
    return np.concatenate(parts) if parts else np.zeros(0)


def best_final_run(final_losses: Sequence[float], diverged: Sequence[bool]) -> int:
    """The default centre: the run with the lowest training loss at its last recorded point, among the runs that did
    not diverge (among all if every one did); a non-finite loss never wins."""
    candidates = [i for i, d in enumerate(diverged) if not d] or list(range(len(diverged)))
    return min(candidates, key=lambda i: final_losses[i] if np.isfinite(final_losses[i]) else np.inf)


def centre_run_of(dataset: Dataset, paths: Sequence[RunPath], max_rows: int | None = MAX_LOSS_ROWS) -> int:
    """`best_final_run` of `paths`, computing only the final points' losses (to choose a zoom before the map)."""
    x, y = loss_sample(dataset, max_rows)
    finals = losses_at(np.stack([p.trajectory[-1] for p in paths]), x, y, paths[0].spec.hidden_units)
    return best_final_run(list(finals), [p.diverged_at is not None for p in paths])


def compute_landscape(dataset: Dataset, paths: Sequence[RunPath], *, centre_run: int | None = None,
                      extent_runs: Sequence[int] | None = None, size: int = GRID_SIZE, margin: float = 0.2,
                      max_rows: int | None = MAX_LOSS_ROWS, alphas: np.ndarray = LINE_ALPHAS) -> Landscape:
    """The loss map under the recorded `paths` (one sweep on `dataset`) on the plane of their first two principal
    directions (Li et al. 2018), centred on the final weights of run `centre_run` (default: the run with the lowest
    training loss at its last recorded point), fitted to the runs that did not diverge (all runs if every one did),
    with a `size` x `size` grid covering the projected paths of `extent_runs` (default: the fitted runs) plus
    `margin` (other paths are drawn up to where they leave it); and each run's straight-line profile from its start
    to its end (Goodfellow et al. 2015) on the same training rows and on all validation rows; the training and the
    validation loss at every recorded point (the replay's curves).

    Raises LandscapeError if the paths do not belong to one model or do not span a plane.
    """
    if not paths:
        raise LandscapeError("No recorded paths: train at least one run with its path recorded.")
    hidden = paths[0].spec.hidden_units
    if any(p.spec.hidden_units != hidden for p in paths):
        raise LandscapeError("All runs on one map must have the same number of hidden units.")
    x, y = loss_sample(dataset, max_rows)
    trajectories = [p.trajectory for p in paths]
    sizes = np.cumsum([len(t) for t in trajectories])[:-1]
    every_point = np.concatenate(trajectories)  # float32 [all points, n_params]: at most MAX_PATH_BYTES
    point_loss = np.split(losses_at(every_point, x, y, hidden), sizes)
    point_val_loss = (np.split(losses_at(every_point, dataset.x_val, dataset.y_val, hidden), sizes)
                      if len(dataset.y_val) else [np.full(len(t), np.nan) for t in trajectories])
    del every_point
    diverged = tuple(p.diverged_at is not None for p in paths)
    if centre_run is None:
        centre_run = best_final_run([loss[-1] for loss in point_loss], diverged)
    fitted = [i for i in range(len(paths)) if not diverged[i]] or list(range(len(paths)))
    plane: Plane = fit_plane(trajectories, trajectories[centre_run][-1], runs=fitted)

    projections = [plane.project(t) for t in trajectories]
    coords = [c for c, _ in projections]
    extent = fitted if extent_runs is None else list(extent_runs)
    axis_a, axis_b = grid_axes(np.concatenate([coords[i] for i in extent]), size, margin)
    grid_loss = map_losses(plane, axis_a, axis_b, x, y, hidden)
    projected_loss = np.split(losses_on_plane(plane, np.concatenate(coords), x, y, hidden), sizes)

    stats = [path_stats(p.trajectory, p.updates, loss, plane, (axis_a, axis_b)) for p, loss in zip(paths, point_loss)]
    lines = []
    for t in trajectories:  # one run's line at a time: all runs' at once were the view's largest array (17 MiB)
        on_line = line_weights(t[0], t[-1], alphas)
        val = (losses_at(on_line, dataset.x_val, dataset.y_val, hidden) if len(dataset.y_val)
               else np.full(len(alphas), np.nan))
        lines.append(line_profile(alphas, losses_at(on_line, x, y, hidden), val))
    return Landscape(plane=plane, centre_run=int(centre_run), axis_a=axis_a, axis_b=axis_b, grid_loss=grid_loss,
                     coords=tuple(coords), residual=tuple(r for _, r in projections),
                     point_loss=tuple(point_loss), projected_loss=tuple(projected_loss),
                     updates=tuple(p.updates for p in paths),
                     epochs=tuple(p.updates / p.updates_per_epoch for p in paths), diverged=diverged,
                     stats=tuple(stats), lines=tuple(lines), loss_rows=len(y), train_rows=len(dataset.y_train),
                     diverged_at=tuple(p.diverged_at for p in paths), point_val_loss=tuple(point_val_loss))


def view_of(dataset: Dataset, paths: Sequence[RunPath], zoom: bool) -> Landscape:
    """The page's view of `paths`: with `zoom`, the map fitted to the runs that end near the best one
    (`zoom_runs`: within 1.5x its distance from the start), else to every run that did not diverge."""
    if not zoom:
        return compute_landscape(dataset, paths)
    centre = centre_run_of(dataset, paths)
    return compute_landscape(dataset, paths, centre_run=centre,
                             extent_runs=zoom_runs([p.trajectory for p in paths], centre))
