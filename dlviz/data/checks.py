"""Pre-training warnings about a `Dataset`, as typed data: a column that gives the answer away, strong class
imbalance, duplicate rows shared by training and validation. `text/` and the UI word and show them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlviz.data.split import Dataset, lesson_split

LEAK = "leak"
IMBALANCE = "imbalance"
SHARED_DUPLICATES = "shared_duplicates"

IMBALANCE_SHARE = 0.8  # warn when always answering the majority class already scores this share of training rows
# Validation rows that also occur in training are answered from memory. Warn when they are at least this share of
# the validation rows: at 5% a model that memorised them gains up to 5 points of validation accuracy for free.
DUPLICATE_SHARE = 0.05


@dataclass(frozen=True)
class DataWarning:
    """One warning before training. `column` names a raw feature (None for the whole table); `value` is the
    warning's main number (a share in 0..1 or a count), `baseline` the accuracy of always answering the majority
    class (0..1) where it matters. `message` is a plain sentence with the numbers."""

    kind: str
    message: str
    column: str | None = None
    value: float = float("nan")
    baseline: float = float("nan")


def data_warnings(dataset: Dataset) -> list[DataWarning]:
    """What to tell the user before training, at most one warning per kind and column.

    Args:
        dataset: the prepared data.

    Returns:
        `DataWarning`s in the order: leaking columns (one threshold separates the classes), class imbalance
        (always answering the majority class already scores `IMBALANCE_SHARE`), duplicates shared across the splits."""
    return [*leaking_columns(dataset), *class_imbalance(dataset), *shared_duplicates(dataset)]


def _raw_train(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The training rows in original units (the rows that train, before scaling) and their labels."""
    if dataset.source_x is None:
        return dataset.x_train, dataset.y_train  # scaled, but a threshold rule does not care
    # The same split as the dataset's, on the unscaled rows.
    x_train, y_train, *_ = lesson_split(np.asarray(dataset.source_x), np.asarray(dataset.source_y),
                                        stratify=dataset.stratified)
    return x_train, y_train


def leaking_columns(dataset: Dataset) -> list[DataWarning]:
    """Features that predict the target perfectly on the training rows by one threshold (`x > t` or `x < t`), which
    covers a copy of the target, a recoded copy (1/2, yes/no read as 0/1) and a value filled in only after the
    outcome. A real-world feature rarely separates two classes without a single mistake."""
    x, y = _raw_train(dataset)
    warnings = []
    for j, name in enumerate(dataset.feature_names):
        if _one_threshold_separates(x[:, j], y):
            same = bool(np.array_equal(x[:, j], y) or np.array_equal(x[:, j], 1 - y))
            how = "is a copy of the target" if same else "alone predicts the target with one threshold"
            warnings.append(DataWarning(
                LEAK, f"The column {name!r} {how}: 100% of the {len(y):,} training rows. It gives the answer away "
                      "(the model learns nothing else); drop it unless it will be known when predicting.",
                column=name, value=1.0))
    return warnings


def _one_threshold_separates(values: np.ndarray, labels: np.ndarray) -> bool:
    positives, negatives = values[labels == 1], values[labels == 0]
    if not len(positives) or not len(negatives):
        return False
    return bool(positives.min() > negatives.max() or positives.max() < negatives.min())


def class_imbalance(dataset: Dataset) -> list[DataWarning]:
    share = dataset.majority_share_train
    if share < IMBALANCE_SHARE:
        return []
    majority = dataset.majority_class
    return [DataWarning(
        IMBALANCE, f"{share:.0%} of the training rows are class {majority}: always answering {majority} already "
                   f"scores {share:.1%} training accuracy ({dataset.majority_share_val:.1%} on validation). Compare "
                   "every accuracy with that baseline, not with 50%.",
        value=share, baseline=share)]


def shared_duplicates(dataset: Dataset) -> list[DataWarning]:
    """Validation rows (features and label) that also occur among the training rows."""
    if not len(dataset.y_val):
        return []
    train = {row.tobytes() for row in np.column_stack([dataset.x_train, dataset.y_train])}
    val = np.column_stack([dataset.x_val, dataset.y_val])
    shared = sum(row.tobytes() in train for row in val)
    share = shared / len(val)
    if share < DUPLICATE_SHARE:
        return []
    return [DataWarning(
        SHARED_DUPLICATES, f"{shared:,} of the {len(val):,} validation rows ({share:.0%}) also appear in the "
                           "training rows. A model can answer them from memory, so validation accuracy looks "
                           "better than it is; remove duplicate rows from the file.",
        value=float(shared))]
