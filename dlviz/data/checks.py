"""Pre-training warnings about a `Dataset`, as typed data: a column that gives the answer away, strong class
imbalance, duplicate rows shared by training and validation. `text/` and the UI word and show them."""

from dataclasses import dataclass

import numpy as np

from dlviz.data.split import Dataset, lesson_split

_IMBALANCE_SHARE = 0.8  # warn when always answering the majority class already scores this share of training rows
# Validation rows that also occur in training are answered from memory: at 5% a model that memorised them gains up
# to 5 points of validation accuracy for free.
_DUPLICATE_SHARE = 0.05


@dataclass(frozen=True)
class DataWarning:
    """One warning before training.

    Attributes:
        kind: "leak", "imbalance" or "shared_duplicates".
        message: a plain sentence with the numbers, for the user.
        column: the raw feature it is about (None for the whole table).
        value: the warning's main number (a share in 0..1 or a count).
        baseline: the accuracy (0..1) of always answering the majority class, where it matters.
    """

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
        `DataWarning`s in this order: leaking columns (a feature that alone separates the classes of the training
        rows by one threshold, `x > t` or `x < t`: a copy of the target, a recoded copy, or a value filled in after
        the outcome); class imbalance (always answering the majority class already scores 80% of the training rows);
        validation rows (features and label) that also occur among the training rows (at least 5% of them).
    """
    warnings = []
    x, y, *_ = lesson_split(dataset.source_x, dataset.source_y, stratify=dataset.stratified)  # unscaled rows
    for j, name in enumerate(dataset.feature_names):
        positives, negatives = x[y == 1, j], x[y == 0, j]
        if len(positives) and len(negatives) and (positives.min() > negatives.max()
                                                  or positives.max() < negatives.min()):
            same = bool(np.array_equal(x[:, j], y) or np.array_equal(x[:, j], 1 - y))
            how = "is a copy of the target" if same else "alone predicts the target with one threshold"
            warnings.append(DataWarning(
                "leak", f"The column {name!r} {how}: 100% of the {len(y):,} training rows. It gives the answer away "
                        "(the model learns nothing else); drop it unless it will be known when predicting.",
                column=name, value=1.0))
    share, majority = dataset.majority_share_train, dataset.majority_class
    if share >= _IMBALANCE_SHARE:
        warnings.append(DataWarning(
            "imbalance", f"{share:.0%} of the training rows are class {majority}: always answering {majority} "
                         f"already scores {share:.1%} training accuracy ({dataset.majority_share_val:.1%} on "
                         "validation). Compare every accuracy with that baseline, not with 50%.",
            value=share, baseline=share))
    if len(dataset.y_val):
        train = {row.tobytes() for row in np.column_stack([dataset.x_train, dataset.y_train])}
        val = np.column_stack([dataset.x_val, dataset.y_val])
        shared = sum(row.tobytes() in train for row in val)
        if shared / len(val) >= _DUPLICATE_SHARE:
            warnings.append(DataWarning(
                "shared_duplicates", f"{shared:,} of the {len(val):,} validation rows ({shared / len(val):.0%}) also "
                                     "appear in the training rows. A model can answer them from memory, so validation "
                                     "accuracy looks better than it is; remove duplicate rows from the file.",
                value=float(shared)))
    return warnings
