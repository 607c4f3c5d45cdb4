"""The 2-D plane through weight space that the runs' paths move in (Li et al., "Visualizing the Loss Landscape of
Neural Nets", NeurIPS 2018, section 7), and the grid of points on it. NumPy only. Weights are flat vectors: kernel1
[features, hidden], bias1 [hidden], kernel2 [hidden, 1], bias2 [1], row-major."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from dlviz.runs import LandscapeError

# These matrices are small; OpenBLAS's threads fight TensorFlow's pools (bench/README.md: the plane's SVD).
_one_blas_thread = threadpool_limits.wrap(limits=1, user_api="blas")


@dataclass(frozen=True)
class Plane:
    """A 2-D plane in weight space: `centre + a * directions[0] + b * directions[1]`.
    Attributes:
        centre: float64 [n_params].
        directions: orthonormal rows, float64 [2, n_params].
        explained: each direction's share (0..1) of the fitted points' summed squared distance from the centre, [2].
        fitted_runs: the runs whose points defined the plane."""

    centre: np.ndarray
    directions: np.ndarray
    explained: np.ndarray
    fitted_runs: tuple[int, ...]

    @property
    def n_params(self) -> int:
        return int(self.centre.shape[0])

    @_one_blas_thread
    def weights_at(self, coords: np.ndarray) -> np.ndarray:
        """Weight vectors at plane coordinates `coords` [P, 2] -> float32 [P, n_params]."""
        return (self.centre + np.asarray(coords, np.float64).reshape(-1, 2) @ self.directions).astype(np.float32)

    @_one_blas_thread
    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Orthogonal projection of `points` [P, n_params] -> (plane coordinates [P, 2], residual [P]: each point's
        Euclidean distance from the plane, what the picture cannot show)."""
        offsets = np.asarray(points, np.float64) - self.centre
        coords = offsets @ self.directions.T
        return coords, np.linalg.norm(offsets - coords @ self.directions, axis=1)


@_one_blas_thread
def fit_plane(trajectories: Sequence[np.ndarray], centre: np.ndarray, *, runs: Sequence[int] | None = None
              ) -> Plane:
    """The first two principal directions of the paths' points relative to `centre`, not mean-centred (Li et al.
    2018): a direction's share is its share of the points' summed squared distance from the centre ("of the
    movement"). Non-finite points (a blown-up run) are left out; each direction's sign puts the runs' mean start at a
    non-positive coordinate, so the paths move left to right and bottom to top.
    Args:
        trajectories: each run's path, [points, n_params] (float32 or float64).
        centre: the plane's centre, [n_params].
        runs: the runs whose points define the plane (default: all).
    Returns:
        The `Plane`, float64.
    Raises:
        LandscapeError: no paths, paths of different models, a centre of another size, or fewer than two distinct
            directions of movement."""
    shapes = [np.shape(t) for t in trajectories]
    if not shapes or any(len(s) != 2 or s[1] != shapes[0][1] for s in shapes):
        raise LandscapeError(f"Every path must be a [points, n_params] array of the same model; got shapes {shapes}.")
    centre = np.asarray(centre, np.float64)
    if centre.shape != (trajectories[0].shape[1],):
        raise LandscapeError(f"The centre must be one weight vector of {trajectories[0].shape[1]} numbers; got "
                             f"shape {centre.shape}.")
    runs = tuple(range(len(trajectories))) if runs is None else tuple(runs)
    offsets = np.concatenate([trajectories[i] for i in runs], dtype=np.float64)  # the one large copy
    offsets -= centre
    finite = np.isfinite(offsets).all(axis=1)
    if not finite.all():  # (indexing copies)
        offsets = offsets[finite]
    # The right singular vectors of the offsets, from the small [P, P] Gram matrix: an SVD of [P, n_params] copies the
    # offsets twice more (tests/test_landscape.py recovers a known plane to 1e-12).
    energy, vectors = np.linalg.eigh(offsets @ offsets.T)
    energy, vectors = np.clip(energy[::-1], 0, None), vectors[:, ::-1]
    if len(energy) < 2 or energy[1] <= 1e-12 * max(energy[0], 1e-300):
        raise LandscapeError("The recorded paths move along fewer than two directions, so no plane fits them: "
                             "train longer, or with more than one value.")
    directions = np.linalg.qr((vectors[:, :2].T @ offsets).T)[0].T  # [2, n_params]
    starts = np.mean([trajectories[i][0] for i in runs], axis=0, dtype=np.float64) - centre
    directions *= np.where(directions @ starts > 0, -1.0, 1.0)[:, None]
    return Plane(centre=centre, directions=directions, explained=energy[:2] / energy.sum(), fitted_runs=runs)


def grid_axes(coords: np.ndarray, size: int = 41, margin: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """The map's two axes: square cells covering the finite points.
    Args:
        coords: plane coordinates, [P, 2].
        size: points per axis.
        margin: space on every side, as a share of the larger span.
    Returns:
        (axis_a, axis_b), float64 [size] each, with the same step (distances on the map are not distorted).
    Raises:
        LandscapeError: no finite point."""
    coords = np.asarray(coords, np.float64)
    coords = coords[np.isfinite(coords).all(axis=1)]
    if len(coords) == 0:
        raise LandscapeError("No finite path point to centre the map on.")
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = max(float((high - low).max()), 1e-6) * (1 + 2 * margin)
    return tuple(np.linspace(m - span / 2, m + span / 2, size) for m in (low + high) / 2)  # type: ignore[return-value]


def grid_coords(axis_a: np.ndarray, axis_b: np.ndarray) -> np.ndarray:
    """All grid points as plane coordinates, b (vertical) slowest.
    Args:
        axis_a, axis_b: the grid's axes.
    Returns:
        float64 [len(b) * len(a), 2]: `losses.reshape(len(b), len(a))` is a map whose row j is b[j] (plotly's
        `z[y][x]`)."""
    aa, bb = np.meshgrid(axis_a, axis_b)
    return np.stack([aa.ravel(), bb.ravel()], axis=1)
