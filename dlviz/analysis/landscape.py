"""Where the steps go, as numbers: each run's path on the plane (`analysis.plane`, Li et al. 2018), what the plane
loses, path statistics, how the runs compare, and the straight line from each run's start to its end (Goodfellow,
Vinyals and Saxe, ICLR 2015). Distances are Euclidean norms of flat weight vectors; losses binary cross-entropy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from dlviz.analysis.plane import Plane


@dataclass(frozen=True)
class PathStats:
    """One run's path in full weight space, up to its first non-finite point (a blown-up run).
    Attributes:
        path_length: the straight steps between recorded points, summed (a lower bound on the distance travelled).
        distance_from_start: from the first to the last point.
        final_loss: the training loss at the last point.
        max_residual: the largest distance of a point from the plane.
        left_map_at: the index of the first point outside the map, or None."""

    path_length: float
    distance_from_start: float
    final_loss: float
    max_residual: float
    left_map_at: int | None

    @property
    def straightness(self) -> float:
        """distance_from_start / path_length: 1 is a straight walk, less a detour or a wander (NaN if no step)."""
        return self.distance_from_start / self.path_length if self.path_length > 0 else float("nan")


def clip_to_map(coords: np.ndarray, axis_a: np.ndarray, axis_b: np.ndarray) -> tuple[np.ndarray, bool]:
    """A path cut where it leaves the map.
    Args:
        coords: the path's plane coordinates, [P, 2].
        axis_a, axis_b: the map's axes.
    Returns:
        (points [Q, 2]: those up to the first point outside the map or not finite, then where the step to it crosses
        the map's edge; whether the path left the map). A path that starts outside is empty."""
    coords = np.asarray(coords, np.float64)
    low, high = np.array([axis_a[0], axis_b[0]]), np.array([axis_a[-1], axis_b[-1]])
    inside = np.isfinite(coords).all(axis=1) & (coords >= low).all(axis=1) & (coords <= high).all(axis=1)
    if inside.all():
        return coords, False
    first_out = int(np.argmin(inside))
    if first_out == 0 or not np.isfinite(coords[first_out]).all():
        return coords[:first_out], True
    a, delta = coords[first_out - 1], coords[first_out] - coords[first_out - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(delta > 0, (high - a) / delta, np.where(delta < 0, (low - a) / delta, np.inf))
    return np.vstack([coords[:first_out], a + float(np.clip(limits.min(), 0.0, 1.0)) * delta]), True


@dataclass(frozen=True)
class LineProfile:
    """The losses on a run's straight line from its start to its end (Goodfellow et al. 2015).
    Attributes:
        alphas: the positions, [A]: weights (1 - alpha) * start + alpha * end.
        train_loss, val_loss: the training and validation loss there, [A]."""

    alphas: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray

    @property
    def rise(self) -> float:
        """The most the training loss climbs on the way from alpha 0 to 1 (max of loss[j] - min(loss[:j])): 0 if the
        line goes downhill all the way, a clear rise if it crosses a ridge the path went around."""
        loss = self.train_loss[(self.alphas >= 0) & (self.alphas <= 1)]
        return float(np.max(loss - np.minimum.accumulate(loss))) if len(loss) else float("nan")

    @property
    def monotone(self) -> bool:
        """The training loss never rises on alpha in [0, 1] (to 1e-6, float32 noise on losses near 1)."""
        return self.rise <= 1e-6


@dataclass(frozen=True)
class Landscape:
    """A loss map on a plane and every run's path on it, as plain data (cached and shipped as such).
    Attributes:
        plane: the `Plane`; centre_run: the run whose final weights are its centre.
        axis_a, axis_b: the map's axes; grid_loss: [len(axis_b), len(axis_a)], the training loss at plane
            coordinates (axis_a[i], axis_b[j]) in [j, i].
        coords, residual: per run, the recorded points' plane coordinates [P_r, 2] and distances from the plane [P_r].
        point_loss, point_val_loss: per run, the training and validation loss at the recorded weights [P_r] (NaN
            without validation rows); projected_loss: the training loss where they project (what the map shows).
        updates, epochs: per run, the weight updates done at each point [P_r] and the same in (fractional) epochs.
        diverged_at: per run, the 1-based epoch its training loss blew up in, or None.
        stats, lines: per run, its `PathStats` and `LineProfile`.
        loss_rows, train_rows: the training rows the loss is taken on, of all training rows."""

    plane: Plane
    centre_run: int
    axis_a: np.ndarray
    axis_b: np.ndarray
    grid_loss: np.ndarray
    coords: tuple[np.ndarray, ...]
    residual: tuple[np.ndarray, ...]
    point_loss: tuple[np.ndarray, ...]
    point_val_loss: tuple[np.ndarray, ...]
    projected_loss: tuple[np.ndarray, ...]
    updates: tuple[np.ndarray, ...]
    epochs: tuple[np.ndarray, ...]
    diverged_at: tuple[int | None, ...]
    stats: tuple[PathStats, ...]
    lines: tuple[LineProfile, ...]
    loss_rows: int
    train_rows: int

    @property
    def n_runs(self) -> int:
        return len(self.coords)

    @property
    def diverged(self) -> tuple[bool, ...]:
        return tuple(d is not None for d in self.diverged_at)


# What one seed can tell. At the defaults, seeds 42-44 move a run's final training loss by up to 20% but its distance
# from the start by under 5% (bench/landscape_paths.py --seeds 42 43 44). So a run ends "higher" only by more than
# HIGHER_BY, and the distance thresholds are coarse.
SHORT_SHARE = 1 / 3
OVERSHOOT_FACTOR = 2.0
HIGHER_BY = 0.25


@dataclass(frozen=True)
class PathComparison:
    """One run against the centre run (the lowest training loss at the end among the runs that did not diverge).
    Attributes:
        run: the run's index.
        kind: "centre" (the centre run), "diverged", "tie" (its loss at the end is within HIGHER_BY of the centre's:
            one seed cannot order them), else higher and "short" (under SHORT_SHARE of the centre's distance from the
            start), "overshot" (over OVERSHOOT_FACTOR times it) or "between".
        distance_ratio: its distance from the start / the centre run's.
        start_loss, final_loss: its training loss at the first and the last point."""

    run: int
    kind: str
    distance_ratio: float
    start_loss: float
    final_loss: float


def compare_paths(landscape: Landscape) -> list[PathComparison]:
    """Every run against the centre run.
    Args:
        landscape: the view.
    Returns:
        One `PathComparison` per run, in run order."""
    centre = landscape.stats[landscape.centre_run]
    out = []
    for run, stats in enumerate(landscape.stats):
        ratio = stats.distance_from_start / centre.distance_from_start if centre.distance_from_start > 0 else np.nan
        higher = not stats.final_loss <= centre.final_loss * (1 + HIGHER_BY)  # a NaN loss counts as higher
        kind = ("centre" if run == landscape.centre_run else "diverged" if landscape.diverged[run] else
                "tie" if not higher else "short" if ratio < SHORT_SHARE else
                "overshot" if ratio > OVERSHOOT_FACTOR else "between")
        out.append(PathComparison(run, kind, float(ratio), float(landscape.point_loss[run][0]), stats.final_loss))
    return out


def zoom_runs(trajectories: Sequence[np.ndarray], centre_run: int, factor: float = 1.5) -> list[int]:
    """The runs a zoomed map covers: those whose last finite point lies within `factor` times the centre run's
    distance from its start (the others, travelling much further, leave the map).
    Args:
        trajectories: each run's path, [P_r, n_params].
        centre_run: the run whose valley the map zooms on.
    Returns:
        Their indices, in order."""
    def reach(path: np.ndarray) -> float:
        finite = np.flatnonzero(np.isfinite(path).all(axis=1))
        return float(np.linalg.norm(path[finite[-1]].astype(np.float64) - path[0])) if len(finite) else np.inf

    limit = factor * reach(trajectories[centre_run])
    return [i for i, path in enumerate(trajectories) if reach(path) <= limit]


def landscape_frame(landscape: Landscape, labels: Sequence[str]) -> pd.DataFrame:
    """Every recorded point of every run as one tidy table (the page's download).
    Args:
        landscape: the view; labels: one name per run.
    Returns:
        One row per point: the run's label, when (epoch, weight updates), where on the plane, how far off it, the
        training loss at the weights and on the map, the validation loss at the weights."""
    return pd.concat([pd.DataFrame({
        "value": label, "point": np.arange(len(coords)), "epoch": landscape.epochs[run],
        "weight_updates": landscape.updates[run], "direction_1": coords[:, 0], "direction_2": coords[:, 1],
        "distance_from_plane": landscape.residual[run], "loss_at_weights": landscape.point_loss[run],
        "loss_on_map": landscape.projected_loss[run], "val_loss_at_weights": landscape.point_val_loss[run]})
        for run, (label, coords) in enumerate(zip(labels, landscape.coords))], ignore_index=True)
