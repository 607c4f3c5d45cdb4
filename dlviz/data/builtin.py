"""The built-in datasets: the lesson-shaped practice data and scikit-learn's breast-cancer data."""

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, make_classification

from dlviz.data.rules import DataError
from dlviz.data.split import Dataset, prepare

PRACTICE = "practice"
BREAST_CANCER = "breast_cancer"
_TITLES = {PRACTICE: "Practice dataset (10,000 synthetic rows)",
           BREAST_CANCER: "Breast cancer (scikit-learn, 569 rows)"}
# Bump when the practice generator, the breast-cancer preparation or the split/scaling changes what a built-in
# dataset holds: its fingerprint (and so every shipped run's key) names this version, not a hash of its floats.
_DATA_VERSION = 2


def practice_frame(n_rows: int = 10_000, seed: int = 7) -> pd.DataFrame:
    """The lesson-shaped practice data (scikit-learn's `make_classification`, deterministic): 10% label noise and a
    modest class separation make a small sample overfit within a few dozen epochs, as the epochs page needs.

    Args:
        n_rows: rows to generate.
        seed: the generator's `random_state`.

    Returns:
        (n_rows, 21): float32 `feature_01` .. `feature_20` (8 informative, 4 redundant) and an int64 0/1 `target`.
    """
    x, y = make_classification(n_samples=n_rows, n_features=20, n_informative=8, n_redundant=4,
                               n_clusters_per_class=3, class_sep=0.9, flip_y=0.10, random_state=seed)
    frame = pd.DataFrame(x.astype(np.float32), columns=[f"feature_{i + 1:02d}" for i in range(x.shape[1])])
    frame["target"] = y.astype(np.int64)
    return frame


def builtin_frame(name: str) -> pd.DataFrame:
    """A built-in dataset's raw table, its last column `target`.

    Args:
        name: `PRACTICE` (`practice_frame()`) or `BREAST_CANCER` (scikit-learn's Wisconsin breast-cancer data: 569
            rows, 30 features, `target` 1 = benign).

    Returns:
        The table.

    Raises:
        DataError: an unknown name.
    """
    if name == PRACTICE:
        return practice_frame()
    if name == BREAST_CANCER:
        return load_breast_cancer(as_frame=True).frame.copy()
    raise DataError(f"Unknown built-in dataset {name!r}; choose one of {', '.join(_TITLES)}.")


def load_builtin(name: str, *, max_rows: int | None = None, standardize: bool = True,
                 stratify: bool = False) -> Dataset:
    """A built-in dataset, prepared like an upload (`prepare`).

    Args:
        name: `PRACTICE` or `BREAST_CANCER` (see `builtin_frame`).
        max_rows: a fixed random sample of this many rows (None: all).
        standardize, stratify: as `prepare`.

    Returns:
        The `Dataset`; its fingerprint names the data version and settings (e.g. `practice-v2-rows4000-std`), never
        a hash of generated floats, so shipped runs apply on any machine.

    Raises:
        DataError: an unknown name.
    """
    fingerprint = (f"{name}-v{_DATA_VERSION}-rows{max_rows if max_rows is not None else 'all'}-"
                   f"{'std' if standardize else 'raw'}{'-strat' if stratify else ''}")
    return prepare(builtin_frame(name), "target", name=_TITLES.get(name, name), max_rows=max_rows,
                   standardize=standardize, stratify=stratify, fingerprint=fingerprint)
