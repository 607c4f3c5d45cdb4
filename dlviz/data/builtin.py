"""The built-in datasets: the lesson-shaped practice data and scikit-learn's breast-cancer data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlviz.data.rules import DataError
from dlviz.data.split import Dataset, prepare

PRACTICE = "practice"
BREAST_CANCER = "breast_cancer"
BUILTIN_NAMES = {
    PRACTICE: "Practice dataset (10,000 synthetic rows)",
    BREAST_CANCER: "Breast cancer (scikit-learn, 569 rows)",
}


# Built-in data


def practice_frame(n_rows: int = 10_000, seed: int = 7) -> pd.DataFrame:
    """The lesson-shaped practice data: 20 numeric features, a binary `target`, 10% label noise. Deterministic.

    Label noise and a modest class separation make a small sample overfit within a few dozen epochs, which is what
    the epochs page needs to show.
    """
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=n_rows,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        n_clusters_per_class=3,
        class_sep=0.9,
        flip_y=0.10,
        random_state=seed,
    )
    frame = pd.DataFrame(x.astype(np.float32), columns=[f"feature_{i + 1:02d}" for i in range(x.shape[1])])
    frame["target"] = y.astype(np.int64)
    return frame


def breast_cancer_frame() -> pd.DataFrame:
    """scikit-learn's bundled Wisconsin breast-cancer data (569 rows, 30 features; target 1 = benign)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    return frame


def builtin_frame(name: str) -> pd.DataFrame:
    if name == PRACTICE:
        return practice_frame()
    if name == BREAST_CANCER:
        return breast_cancer_frame()
    raise DataError(f"Unknown built-in dataset {name!r}; choose one of {', '.join(BUILTIN_NAMES)}.")


# Bump when the practice generator, the breast-cancer preparation or the split/scaling changes what a built-in
# dataset holds: its fingerprint (and so every shipped run's key) names this version, not a hash of its floats.
DATA_VERSION = 2


def builtin_fingerprint(name: str, max_rows: int | None, standardize: bool, stratify: bool) -> str:
    """The identity of a built-in dataset's preparation, e.g. `practice-v2-rows4000-std`."""
    return (f"{name}-v{DATA_VERSION}-rows{max_rows if max_rows is not None else 'all'}-"
            f"{'std' if standardize else 'raw'}{'-strat' if stratify else ''}")


def load_builtin(name: str, *, max_rows: int | None = None, standardize: bool = True,
                 stratify: bool = False) -> Dataset:
    """A built-in dataset, prepared like an upload (`prepare`).

    Args:
        name: `PRACTICE` (synthetic, 10,000 rows, 10% label noise) or `BREAST_CANCER` (scikit-learn's).
        max_rows: a fixed random sample of this many rows (None: all).
        standardize, stratify: as `prepare`.

    Returns:
        The `Dataset`; its fingerprint names the generator version and settings (`builtin_fingerprint`), never a hash
        of generated floats, so shipped runs apply on any machine."""
    return prepare(builtin_frame(name), "target", name=BUILTIN_NAMES.get(name, name), max_rows=max_rows,
                   standardize=standardize, stratify=stratify,
                   fingerprint=builtin_fingerprint(name, max_rows, standardize, stratify))

