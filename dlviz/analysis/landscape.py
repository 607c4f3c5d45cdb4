"""Where the steps go, as numbers: a 2-D plane through the weight space that the runs' paths move in, each path's
coordinates on it, what the plane loses, and per-run path statistics. NumPy only (no TensorFlow).

The plane (Li et al. 2018) is in `dlviz.analysis.plane`. The 1-D companion is the straight line from the initial to
the final weights of Goodfellow, Vinyals and Saxe, "Qualitatively characterizing neural network optimization
problems" (ICLR 2015): theta(alpha) = (1 - alpha) * theta_start + alpha * theta_end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from dlviz.analysis.plane import Plane, check_trajectories


@dataclass(frozen=True)
class PathStats:
    """One run's path in full weight space (Euclidean norms of flat weight vectors, in weight units).

    `path_length` sums the straight steps between recorded points (a lower bound on the distance travelled: the
    path between two recorded points is not straight). `straightness` = distance_from_start / path_length (1 = a
    straight walk, smaller = a detour or a wander). `final_loss` is the training loss at the last recorded point
    (NaN if not given). `max_residual` / `mean_residual` are the largest and mean distance of the run's points from
    the plane (NaN if no plane was given), `max_residual_share` the largest residual as a share of the run's
    distance from the plane's centre at that point.
    """

    points: int
    updates: int  # weight updates done at the last recorded point
    path_length: float
    distance_from_start: float
    straightness: float
    final_loss: float
    plane_path_length: float  # the same sum, measured on the projected (2-D) path
    max_residual: float
    mean_residual: float
    left_map_at: int | None  # index of the first recorded point outside the map, if any


def path_stats(trajectory: np.ndarray, updates: np.ndarray, losses: np.ndarray | None = None,
               plane: Plane | None = None, bounds: tuple[np.ndarray, np.ndarray] | None = None) -> PathStats:
    """Statistics of one run's path `trajectory` [points, n_params] recorded after `updates` [points] weight
    updates, with the training loss `losses` [points] at those points, the `plane` it is drawn on and the map's
    `bounds` (axis_a, axis_b). Non-finite points end the path (a blown-up run)."""
    trajectory = np.asarray(trajectory, np.float64)
    finite = np.isfinite(trajectory).all(axis=1)
    last = int(np.argmin(finite)) if not finite.all() else len(trajectory)
    path = trajectory[:max(last, 1)]
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    length = float(steps.sum())
    distance = float(np.linalg.norm(path[-1] - path[0]))
    final_loss = float(losses[len(path) - 1]) if losses is not None else float("nan")
    plane_length = max_res = mean_res = float("nan")
    left = None
    if plane is not None:
        coords, residual = plane.project(path)
        plane_length = float(np.linalg.norm(np.diff(coords, axis=0), axis=1).sum())
        max_res, mean_res = float(residual.max()), float(residual.mean())
        if bounds is not None:
            axis_a, axis_b = bounds
            outside = ((coords[:, 0] < axis_a[0]) | (coords[:, 0] > axis_a[-1]) | (coords[:, 1] < axis_b[0])
                       | (coords[:, 1] > axis_b[-1]))
            left = int(np.argmax(outside)) if outside.any() else None
    return PathStats(points=len(path), updates=int(np.asarray(updates)[len(path) - 1]), path_length=length,
                     distance_from_start=distance, straightness=distance / length if length > 0 else float("nan"),
                     final_loss=final_loss, plane_path_length=plane_length, max_residual=max_res,
                     mean_residual=mean_res, left_map_at=left)


def clip_to_map(coords: np.ndarray, axis_a: np.ndarray, axis_b: np.ndarray) -> tuple[np.ndarray, bool]:
    """A path's plane coordinates [P, 2] up to where it leaves the map: the points inside, then the point where
    the segment to the first outside (or non-finite) point crosses the map's edge. Returns (points [Q, 2],
    whether the path left the map). A path that starts outside the map is empty."""
    coords = np.asarray(coords, np.float64)
    low = np.array([axis_a[0], axis_b[0]])
    high = np.array([axis_a[-1], axis_b[-1]])
    inside = np.isfinite(coords).all(axis=1) & (coords >= low).all(axis=1) & (coords <= high).all(axis=1)
    if inside.all():
        return coords, False
    first_out = int(np.argmin(inside))
    if first_out == 0:
        return coords[:0], True
    a, b = coords[first_out - 1], coords[first_out]
    if not np.isfinite(b).all():
        return coords[:first_out], True
    delta = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(delta > 0, (high - a) / delta, np.where(delta < 0, (low - a) / delta, np.inf))
    t = float(np.clip(limits.min(), 0.0, 1.0))
    return np.vstack([coords[:first_out], a + t * delta]), True


def line_weights(start: np.ndarray, end: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Goodfellow et al.'s straight line: weight vectors (1 - alpha) * start + alpha * end -> float32
    [len(alphas), n_params]. alpha = 0 is the start, 1 the end; values outside [0, 1] extend the line."""
    alphas = np.asarray(alphas, np.float64)[:, None]
    return ((1 - alphas) * np.asarray(start, np.float64) + alphas * np.asarray(end, np.float64)).astype(np.float32)


@dataclass(frozen=True)
class LineProfile:
    """Loss along the straight line from a run's initial to its final weights (Goodfellow et al. 2015).

    `rise` is the largest amount by which the training loss on the line climbs on the way from alpha 0 to 1 (the
    largest loss[j] - min(loss[:j])): 0 means the straight line goes downhill all the way (the path's detours were
    not needed to get there), a clear rise means the line crosses a ridge that the path went around.
    """

    alphas: np.ndarray  # [A]
    train_loss: np.ndarray  # [A]
    val_loss: np.ndarray  # [A]
    rise: float

    @property
    def monotone(self) -> bool:
        """The training loss never rises on alpha in [0, 1] (to 1e-6, float32 noise on losses near 1)."""
        return self.rise <= 1e-6


def line_profile(alphas: np.ndarray, train_loss: np.ndarray, val_loss: np.ndarray) -> LineProfile:
    """Summarise losses [A] measured at `line_weights(start, end, alphas)`."""
    alphas, train_loss = np.asarray(alphas, np.float64), np.asarray(train_loss, np.float64)
    inner = (alphas >= 0) & (alphas <= 1)
    loss = train_loss[inner]
    rise = float(np.max(loss - np.minimum.accumulate(loss))) if len(loss) else float("nan")
    return LineProfile(alphas, train_loss, np.asarray(val_loss, np.float64), rise)


@dataclass(frozen=True)
class Landscape:
    """A loss map on a plane and every run's path on it, as plain data (Streamlit's cache can hold it). Losses
    are the lesson's training loss (binary cross-entropy, mean over `loss_rows` training rows); runs in given order.

    `grid_loss[j, i]` is the loss at plane coordinates (axis_a[i], axis_b[j]). Per run r: `coords[r]` [P_r, 2] are
    the projected recorded points, `residual[r]` [P_r] their distances from the plane, `point_loss[r]` the loss at
    the exact recorded weights, `projected_loss[r]` the loss at the projected weights (what the map shows there),
    `updates[r]` the weight updates done at each point, `epochs[r]` the same in epochs (float), `point_val_loss[r]`
    the validation loss (all validation rows) at the exact recorded weights (NaN without validation rows).
    """

    plane: Plane
    centre_run: int
    axis_a: np.ndarray
    axis_b: np.ndarray
    grid_loss: np.ndarray
    coords: tuple[np.ndarray, ...]
    residual: tuple[np.ndarray, ...]
    point_loss: tuple[np.ndarray, ...]
    projected_loss: tuple[np.ndarray, ...]
    updates: tuple[np.ndarray, ...]
    epochs: tuple[np.ndarray, ...]
    diverged: tuple[bool, ...]
    stats: tuple[PathStats, ...]
    lines: tuple[LineProfile, ...]
    loss_rows: int
    train_rows: int
    diverged_at: tuple[int | None, ...] = ()  # per run, the 1-based epoch its training loss blew up in
    point_val_loss: tuple[np.ndarray, ...] = ()

    @property
    def n_runs(self) -> int:
        return len(self.coords)


# What one seed can tell. At the defaults, seeds 42-44 move a run's final training loss by up to 20% (batch 8:
# 0.259-0.316; lr 0.01: 4%) but its distance from the start by under 5% (bench/landscape_paths.py --seeds 42 43 44).
# So a run is "higher" only when its loss at the end exceeds the centre's by more than HIGHER_BY (25%), else the two
# are a tie one seed cannot order; and the distance thresholds are coarse: under SHORT_SHARE of the centre's distance
# (and higher) is a crawl, over OVERSHOOT_FACTOR times it (and higher) an overshoot.
SHORT_SHARE = 1 / 3
OVERSHOOT_FACTOR = 2.0
HIGHER_BY = 0.25


@dataclass(frozen=True)
class PathComparison:
    """One run against the centre run (the lowest training loss at the end among the runs that did not diverge).

    `kind` is "centre" (the centre run itself), "diverged", "tie" (a loss at the end within HIGHER_BY of the
    centre's: one seed cannot tell which is lower), "short" (under SHORT_SHARE of the centre's distance from the
    start, and higher), "overshot" (over OVERSHOOT_FACTOR x the distance, and higher) or "between" (higher, at a
    distance in between). Losses are training losses at the recorded weights; `distance_ratio` is
    distance_from_start / the centre run's.
    """

    run: int
    kind: str
    distance_ratio: float
    start_loss: float
    final_loss: float
    centre_loss: float


def compare_paths(landscape: Landscape) -> list[PathComparison]:
    """Every run of `landscape` against its centre run, in run order."""
    centre = landscape.stats[landscape.centre_run]
    out = []
    for run, stats in enumerate(landscape.stats):
        ratio = stats.distance_from_start / centre.distance_from_start if centre.distance_from_start > 0 else np.nan
        higher = not stats.final_loss <= centre.final_loss * (1 + HIGHER_BY)  # a NaN loss counts as higher
        if run == landscape.centre_run:
            kind = "centre"
        elif landscape.diverged[run]:
            kind = "diverged"
        elif not higher:
            kind = "tie"
        elif ratio < SHORT_SHARE:
            kind = "short"
        elif ratio > OVERSHOOT_FACTOR:
            kind = "overshot"
        else:
            kind = "between"
        out.append(PathComparison(run, kind, float(ratio), float(landscape.point_loss[run][0]), stats.final_loss,
                                  centre.final_loss))
    return out


def zoom_runs(trajectories: Sequence[np.ndarray], centre_run: int, factor: float = 1.5) -> list[int]:
    """Runs whose last finite point lies within `factor` x the centre run's distance from its start: the map zoomed
    on the start and the centre run's valley, leaving runs that travel much further to leave the map."""
    arrays = check_trajectories(trajectories)

    def reach(a: np.ndarray) -> float:
        finite = np.flatnonzero(np.isfinite(a).all(axis=1))
        return (float(np.linalg.norm(a[finite[-1]].astype(np.float64) - a[0])) if len(finite)
                else float("inf"))

    limit = factor * reach(arrays[centre_run])
    return [i for i, a in enumerate(arrays) if reach(a) <= limit]


def landscape_frame(landscape: Landscape, labels: Sequence[str]):
    """Every recorded point of every run as one tidy table (for download): the run, when (epoch, weight updates),
    where on the plane, how far off it, the loss at the exact weights and at the projected point."""
    import pandas as pd

    return pd.concat([pd.DataFrame({
        "value": label, "point": np.arange(len(coords)), "epoch": landscape.epochs[run],
        "weight_updates": landscape.updates[run], "direction_1": coords[:, 0], "direction_2": coords[:, 1],
        "distance_from_plane": landscape.residual[run], "loss_at_weights": landscape.point_loss[run],
        "loss_on_map": landscape.projected_loss[run],
        "val_loss_at_weights": landscape.point_val_loss[run] if landscape.point_val_loss else np.nan})
        for run, (label, coords) in enumerate(zip(labels, landscape.coords))], ignore_index=True)
