"""The plane of the loss-surface view: flat weight vectors, the 2-D plane the runs' paths move in, and the grid of
points on it. NumPy only (no TensorFlow); `dlviz.analysis.landscape` builds the view's findings on it.

The plane follows Li et al., "Visualizing the Loss Landscape of Neural Nets" (NeurIPS 2018, section 7): its two
directions are the first two principal components of the matrix of trajectory points *relative to a chosen centre*
(they use the final weights; here the caller names the centre, e.g. the best run's final weights). As in the paper the
matrix is not mean-centred, so a direction's share is its share of the summed squared distance of the points from the
centre ("of the movement"), and the plane passes through the centre itself.

Weights are flat float vectors in the order kernel1 [features, hidden], bias1 [hidden], kernel2 [hidden, 1],
bias2 [1] (row-major), n_params = features * hidden + 2 * hidden + 1 (1,409 for 20 features and 64 hidden units).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

from dlviz.runs import LandscapeError


def _one_blas_thread(function):
    """Run NumPy's linear algebra on one BLAS thread. These matrices are small ([points, n_params]); OpenBLAS's
    threads fight TensorFlow's pools and other processes on a shared machine (bench/README.md: the plane's SVD)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------------------------------
# Flat weight vectors


# ---------------------------------------------------------------------------------------------------------------
# The plane


@dataclass(frozen=True)
class Plane:
    """A 2-D plane in weight space: `centre + a * directions[0] + b * directions[1]`.

    `directions` [2, n_params] are orthonormal (float64). `explained` [2] is each direction's share of the fitted
    points' summed squared distance from the centre (0..1). `fitted_runs` says which runs' points defined the plane.
    """

    centre: np.ndarray  # [n_params] float64
    directions: np.ndarray  # [2, n_params] float64, orthonormal rows
    explained: np.ndarray  # [2] share of the movement captured by each direction
    fitted_runs: tuple[int, ...]

    @property
    def n_params(self) -> int:
        return int(self.centre.shape[0])

    @property
    def explained_total(self) -> float:
        return float(self.explained.sum())

    @_one_blas_thread
    def weights_at(self, coords: np.ndarray) -> np.ndarray:
        """Weight vectors at plane coordinates `coords` [P, 2] -> float32 [P, n_params]."""
        coords = np.asarray(coords, np.float64).reshape(-1, 2)
        return (self.centre[None, :] + coords @ self.directions).astype(np.float32)

    @_one_blas_thread
    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Orthogonal projection of `points` [P, n_params]: plane coordinates [P, 2] and the residual norm [P]
        (the Euclidean distance from each point to the plane: what the picture cannot show)."""
        offsets = np.asarray(points, np.float64) - self.centre[None, :]
        coords = offsets @ self.directions.T
        residual = np.linalg.norm(offsets - coords @ self.directions, axis=1)
        return coords, residual


def check_trajectories(trajectories: Sequence[np.ndarray]) -> list[np.ndarray]:
    if not trajectories:
        raise LandscapeError("No recorded paths: train at least one run with its path recorded.")
    arrays = [np.asarray(t) for t in trajectories]  # as given (float32 paths): a float64 copy of all is ~32 MiB
    sizes = {a.shape[1] if a.ndim == 2 else None for a in arrays}
    if len(sizes) != 1 or None in sizes:
        raise LandscapeError(f"Every path must be a [points, n_params] array of the same model; got shapes "
                             f"{[a.shape for a in arrays]}.")
    return arrays


@_one_blas_thread
def fit_plane(trajectories: Sequence[np.ndarray], centre: np.ndarray, *, runs: Sequence[int] | None = None
              ) -> Plane:
    """The first two principal directions of the points of `trajectories[i]` for i in `runs` (default: all),
    taken relative to `centre` [n_params] without mean-centring (Li et al. 2018).

    Non-finite points (a run that blew up to inf/NaN) are left out of the fit. The sign of each direction is fixed
    so that the runs' mean starting point has a non-positive coordinate (paths move left-to-right/bottom-to-top).
    Raises LandscapeError if fewer than two distinct finite directions of movement exist.
    """
    arrays = check_trajectories(trajectories)
    centre = np.asarray(centre, np.float64)
    if centre.shape != (arrays[0].shape[1],):
        raise LandscapeError(f"The centre must be one weight vector of {arrays[0].shape[1]} numbers; got shape "
                             f"{centre.shape}.")
    runs = tuple(range(len(arrays))) if runs is None else tuple(runs)
    offsets = np.concatenate([arrays[i] for i in runs], dtype=np.float64)  # [P, n_params], the one large copy
    offsets -= centre[None, :]
    finite = np.isfinite(offsets).all(axis=1)
    if not finite.all():
        offsets = offsets[finite]
    # The principal directions are the right singular vectors of the offsets, their energies (summed squared
    # distance along each) the squared singular values. Taken from the small [P, P] Gram matrix (P points, a few
    # hundred) instead of an SVD of [P, n_params], which copies the offsets twice more (U and V: 64 MiB more at the
    # largest paths allowed); the top two are far apart from the rest, so the Gram matrix' squared condition costs
    # nothing visible (tests/test_landscape.py recovers a known plane to 1e-12).
    energy, vectors = np.linalg.eigh(offsets @ offsets.T)
    energy, vectors = np.clip(energy[::-1], 0, None), vectors[:, ::-1]
    if len(energy) < 2 or energy[1] <= 1e-12 * max(energy[0], 1e-300):
        raise LandscapeError("The recorded paths move along fewer than two directions, so no plane fits them: "
                             "train longer, or with more than one value.")
    directions = np.linalg.qr((vectors[:, :2].T @ offsets).T)[0].T  # [2, n_params], orthonormal to rounding
    starts = np.stack([arrays[i][0] for i in runs]).mean(axis=0, dtype=np.float64) - centre
    for k in range(2):
        if starts @ directions[k] > 0:
            directions[k] = -directions[k]
    return Plane(centre=centre, directions=directions, explained=energy[:2] / energy.sum(), fitted_runs=runs)


def grid_axes(coords: np.ndarray, size: int = 41, margin: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Two axes [size] of a square-cell grid covering the finite `coords` [P, 2] with `margin` (a share of the
    larger span) on every side. Both axes get the same step, so distances on the map are not distorted."""
    coords = np.asarray(coords, np.float64)
    coords = coords[np.isfinite(coords).all(axis=1)]
    if len(coords) == 0:
        raise LandscapeError("No finite path point to centre the map on.")
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = max(float((high - low).max()), 1e-6) * (1 + 2 * margin)
    mid = (low + high) / 2
    return tuple(np.linspace(m - span / 2, m + span / 2, size) for m in mid)  # type: ignore[return-value]


def grid_coords(axis_a: np.ndarray, axis_b: np.ndarray) -> np.ndarray:
    """All grid points as plane coordinates [len(b) * len(a), 2], row-major with b (vertical) slowest, so
    `losses.reshape(len(b), len(a))` is a map whose row j is b[j] (plotly's `z[y][x]`)."""
    aa, bb = np.meshgrid(axis_a, axis_b)
    return np.stack([aa.ravel(), bb.ravel()], axis=1)
