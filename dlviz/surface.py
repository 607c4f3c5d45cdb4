"""The loss surface under a sweep's recorded paths (Li et al. 2018) and each run's straight line from start to end
(Goodfellow, Vinyals, Saxe 2015): the loss-surface page's view, built from the engine's losses
(`engine.landscape.losses_at`) on the analysis' plane (`analysis.plane`), so neither of them imports the other.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dlviz.analysis.landscape import Landscape, line_profile, line_weights, path_stats, zoom_runs
from dlviz.analysis.plane import Plane, fit_plane, grid_axes, grid_coords
from dlviz.data import Dataset
from dlviz.engine.landscape import CHUNK_BYTES, RunPath, losses_at
from dlviz.runs import LandscapeError

# The map's loss is taken on at most this many training rows (a fixed sample, the same for every point): its cost
# is linear in rows (bench/README.md).
MAX_LOSS_ROWS = 4_096
SAMPLE_SEED = 0
GRID_SIZE = 41
LINE_ALPHAS = np.round(np.linspace(-0.25, 1.25, 31), 6)  # Goodfellow et al. extend the line beyond both ends


def loss_sample(dataset: Dataset, max_rows: int | None = MAX_LOSS_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """The training rows the map is computed on: all of them, or a fixed sample of `max_rows` (seed 0, kept in the
    training set's order) when there are more."""
    n = len(dataset.y_train)
    if max_rows is None or n <= max_rows:
        return dataset.x_train, dataset.y_train
    keep = np.sort(np.random.default_rng(SAMPLE_SEED).choice(n, max_rows, replace=False))
    return dataset.x_train[keep], dataset.y_train[keep]


def map_losses(plane: Plane, axis_a: np.ndarray, axis_b: np.ndarray, x: np.ndarray, y: np.ndarray,
               hidden_units: int) -> np.ndarray:
    """The loss map [len(axis_b), len(axis_a)] on `plane`: entry [j, i] is the loss at plane coordinates
    (axis_a[i], axis_b[j]), all grid points in one batched computation."""
    return losses_on_plane(plane, grid_coords(axis_a, axis_b), x, y, hidden_units).reshape(len(axis_b),
                                                                                            len(axis_a))


def losses_on_plane(plane: Plane, coords: np.ndarray, x: np.ndarray, y: np.ndarray, hidden_units: int
                    ) -> np.ndarray:
    """The loss [P] at plane coordinates `coords` [P, 2]. The weight vectors are built in blocks whose float64
    intermediate (`Plane.weights_at`) stays under CHUNK_BYTES, so memory stays bounded whatever the model's size."""
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
    """The loss surface under a sweep's recorded paths (Li et al. 2018) and each run's straight line from start to
    end (Goodfellow, Vinyals, Saxe 2015).

    The plane is spanned by the first two principal directions of the paths of the runs that did not diverge (all
    runs if every one did), centred on the final weights of `centre_run`; the grid covers the projected paths of
    `extent_runs` plus `margin`, other paths are drawn up to where they leave it.

    Args:
        dataset: the data the runs trained on; the map's loss uses at most `max_rows` of its training rows.
        paths: the sweep's `RunPath`s (one model: same features and width).
        centre_run: the run whose end is the centre (default: the lowest training loss at its last point).
        extent_runs: the runs the grid must cover (default: the fitted runs).
        size: grid points per side; margin: extra share of the extent on each side.
        alphas: the straight line's positions (0 = start, 1 = end; Goodfellow et al. extend past both ends).

    Returns:
        A `Landscape`: the plane, the `size` x `size` loss map (float64), every path's coordinates and losses,
        the line profiles, and the training and validation loss at every recorded point.

    Raises:
        LandscapeError: the paths do not belong to one model or do not span a plane."""
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
    """The loss-surface page's view of `paths` (`compute_landscape`).

    Args:
        dataset: the data the runs trained on.
        paths: the sweep's recorded paths.
        zoom: fit the map to the runs that end near the best one (`zoom_runs`: within 1.5x its distance from the
            start); else to every run that did not diverge.

    Returns:
        The `Landscape` the page draws."""
    if not zoom:
        return compute_landscape(dataset, paths)
    centre = centre_run_of(dataset, paths)
    return compute_landscape(dataset, paths, centre_run=centre,
                             extent_runs=zoom_runs([p.trajectory for p in paths], centre))
