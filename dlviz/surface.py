"""The loss-surface page's view: the engine's losses (`engine.landscape.losses_at`) on the analysis' plane
(`analysis.plane`), so neither of them imports the other."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dlviz.analysis.landscape import Landscape, LineProfile, PathStats, zoom_runs
from dlviz.analysis.plane import Plane, fit_plane, grid_axes, grid_coords
from dlviz.data import Dataset
from dlviz.engine.landscape import CHUNK_BYTES, losses_at
from dlviz.runs import LandscapeError, RunHistory

# The map's loss is taken on at most this many training rows (its cost is linear in rows: bench/README.md).
MAX_LOSS_ROWS = 4_096
LOSS_SAMPLE_SEED = 0  # that sample's seed (the shipped views' maps used it)
GRID_SIZE = 41
LINE_ALPHAS = np.round(np.linspace(-0.25, 1.25, 31), 6)  # Goodfellow et al. extend the line beyond both ends


def loss_sample(dataset: Dataset, max_rows: int | None = MAX_LOSS_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """The training rows the map's loss is taken on.
    Args:
        dataset: the data; max_rows: at most this many rows (None: all).
    Returns:
        (x [rows, features], y [rows]): all training rows, or a fixed sample of `max_rows` (seed LOSS_SAMPLE_SEED, in
        the training set's order) when there are more."""
    n = len(dataset.y_train)
    if max_rows is None or n <= max_rows:
        return dataset.x_train, dataset.y_train
    keep = np.sort(np.random.default_rng(LOSS_SAMPLE_SEED).choice(n, max_rows, replace=False))
    return dataset.x_train[keep], dataset.y_train[keep]


def map_losses(plane: Plane, axis_a: np.ndarray, axis_b: np.ndarray, x: np.ndarray, y: np.ndarray,
               hidden_units: int) -> np.ndarray:
    """The loss map on `plane`.
    Args:
        plane: the `Plane`; axis_a, axis_b: the grid's axes.
        x, y: the rows the loss is taken on (`loss_sample`); hidden_units: the model's width.
    Returns:
        float64 [len(axis_b), len(axis_a)]: entry [j, i] is the loss at plane coordinates (axis_a[i], axis_b[j])."""
    return _losses_on(plane, grid_coords(axis_a, axis_b), x, y, hidden_units).reshape(len(axis_b), len(axis_a))


def _losses_on(plane: Plane, coords: np.ndarray, x: np.ndarray, y: np.ndarray, hidden_units: int) -> np.ndarray:
    """The loss [P] at plane coordinates `coords` [P, 2], built in blocks whose float64 weights stay under
    CHUNK_BYTES whatever the model's size."""
    block = max(1, CHUNK_BYTES // (8 * plane.n_params))
    parts = [losses_at(plane.weights_at(coords[i:i + block]), x, y, hidden_units)
             for i in range(0, len(coords), block)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _path_stats(trajectory: np.ndarray, losses: np.ndarray, coords: np.ndarray, residual: np.ndarray,
                axis_a: np.ndarray, axis_b: np.ndarray) -> PathStats:
    """`PathStats` of one run's path up to its first non-finite point, from its projection on the map's plane."""
    finite = np.isfinite(trajectory).all(axis=1)
    n = max(int(np.argmin(finite)) if not finite.all() else len(trajectory), 1)
    path, coords = np.asarray(trajectory[:n], np.float64), coords[:n]
    outside = np.flatnonzero(((coords < [axis_a[0], axis_b[0]]) | (coords > [axis_a[-1], axis_b[-1]])).any(axis=1))
    return PathStats(float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum()),
                     float(np.linalg.norm(path[-1] - path[0])), float(losses[n - 1]), float(residual[:n].max()),
                     int(outside[0]) if len(outside) else None)


def compute_landscape(dataset: Dataset, paths: Sequence[RunHistory], *, zoom: bool = False, size: int = GRID_SIZE,
                      margin: float = 0.2, max_rows: int | None = MAX_LOSS_ROWS, alphas: np.ndarray = LINE_ALPHAS
                      ) -> Landscape:
    """The loss surface under a sweep's recorded paths (Li et al. 2018) and each run's straight line from start to
    end (Goodfellow, Vinyals, Saxe 2015). The plane is fitted to the runs that did not diverge (all if every one did)
    and centred on the final weights of the one among them with the lowest training loss at its last point.
    Args:
        dataset: the data the runs trained on.
        paths: the sweep's histories with their paths (`engine.landscape.sweep_paths`; one model).
        zoom: the grid covers only the runs `zoom_runs` keeps near the centre run's valley (else all fitted runs);
            other paths are drawn up to where they leave it.
        size: grid points per side; margin: extra share of the extent on each side.
        max_rows: the training rows the loss is taken on, at most (`loss_sample`).
        alphas: the straight line's positions (0 = start, 1 = end).
    Returns:
        The `Landscape`.
    Raises:
        LandscapeError: no paths, paths of different models, or paths that do not span a plane."""
    if not paths:
        raise LandscapeError("No recorded paths: train at least one run with its path recorded.")
    hidden = paths[0].spec.hidden_units
    if any(p.spec.hidden_units != hidden for p in paths):
        raise LandscapeError("All runs on one map must have the same number of hidden units.")
    x, y = loss_sample(dataset, max_rows)
    val = (dataset.x_val, dataset.y_val)

    def losses(weights: np.ndarray, rows: tuple[np.ndarray, np.ndarray] = (x, y)) -> np.ndarray:
        return losses_at(weights, *rows, hidden) if len(rows[1]) else np.full(len(weights), np.nan)

    trajectories = [p.trajectory for p in paths]
    sizes = np.cumsum([len(t) for t in trajectories])[:-1]
    every_point = np.concatenate(trajectories)  # float32 [all points, n_params]: at most MAX_PATH_BYTES
    point_loss = np.split(losses(every_point), sizes)
    point_val_loss = np.split(losses(every_point, val), sizes)
    del every_point
    diverged_at = tuple(p.diverged_at for p in paths)
    fitted = [i for i, d in enumerate(diverged_at) if d is None] or list(range(len(paths)))
    centre_run = min(fitted, key=lambda i: point_loss[i][-1] if np.isfinite(point_loss[i][-1]) else np.inf)
    plane = fit_plane(trajectories, trajectories[centre_run][-1], runs=fitted)
    coords, residual = zip(*(plane.project(t) for t in trajectories))
    extent = zoom_runs(trajectories, centre_run) if zoom else fitted
    axis_a, axis_b = grid_axes(np.concatenate([coords[i] for i in extent]), size, margin)
    lines = []
    for t in trajectories:  # one run's line at a time: all runs' at once were the view's largest array
        on_line = ((1 - alphas[:, None]) * t[0].astype(np.float64) + alphas[:, None] * t[-1]).astype(np.float32)
        lines.append(LineProfile(alphas, losses(on_line), losses(on_line, val)))
    return Landscape(
        plane=plane, centre_run=int(centre_run), axis_a=axis_a, axis_b=axis_b,
        grid_loss=map_losses(plane, axis_a, axis_b, x, y, hidden), coords=coords, residual=residual,
        point_loss=tuple(point_loss), point_val_loss=tuple(point_val_loss),
        projected_loss=tuple(np.split(_losses_on(plane, np.concatenate(coords), x, y, hidden), sizes)),
        updates=tuple(p.trajectory_updates for p in paths),
        epochs=tuple(p.trajectory_updates / p.updates_per_epoch for p in paths), diverged_at=diverged_at,
        stats=tuple(_path_stats(p.trajectory, loss, c, r, axis_a, axis_b)
                    for p, loss, c, r in zip(paths, point_loss, coords, residual)),
        lines=tuple(lines), loss_rows=len(y), train_rows=len(dataset.y_train))
