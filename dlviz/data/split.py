"""Splitting and scaling the lesson's way -> `Dataset` (`prepare` runs the whole pipeline on a read frame), and the
warnings to give before training on it (`data_warnings`)."""

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from dlviz.data.clean import clean
from dlviz.data.rules import SPLIT_RANDOM_STATE, TEST_SIZE, VALIDATION_SPLIT, DataError

STRATIFY_CONTROL = "Stratified split"  # the UI's toggle for `stratify=True`; error messages name it
_SAMPLE_SEED = 0  # the fixed random sample of `max_rows` rows: the same rows on every run


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated, split and (optionally) standardised dataset; its arrays are float32 and read-only.

    The lesson's split: `train_test_split(X, y, test_size=0.2, random_state=42)` (`stratify=y` when `stratified`),
    then Keras' `validation_split=0.2` holds out the *last* `n - floor(n * 0.8)` training rows
    (keras/src/trainers/data_adapters/array_slicing.py). When `stratified`, the training rows are first reordered by
    `train_test_split(range(n), test_size=n_val, stratify=y_train, random_state=42)` as (fit rows, validation rows).
    When `standardized`, a `StandardScaler` fitted on x_train (the rows that train, *without* the validation tail)
    scales every part, as the printed code does.

    Attributes:
        x_train, y_train, x_val, y_val, x_test, y_test: (rows, features) and (rows,) of 0/1: the rows that train,
            the held-out validation tail, the test split.
        source_x, source_y: the rows before the split, in original units (float64, 0/1): `trained_rows_frame`.
        name, feature_names, notes (what was decided or changed on the way, for the user), fingerprint (the cache
            key of its runs), standardized, stratified.
    """

    name: str
    feature_names: tuple[str, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source_x: np.ndarray = field(repr=False)
    source_y: np.ndarray = field(repr=False)
    standardized: bool
    stratified: bool
    fingerprint: str
    notes: tuple[str, ...]

    @property
    def n_features(self) -> int:
        """Columns of the x arrays (after one-hot encoding)."""
        return len(self.feature_names)

    @property
    def n_rows(self) -> int:
        """Rows in all three parts (after cleaning and sampling)."""
        return len(self.y_train) + len(self.y_val) + len(self.y_test)

    @property
    def positive_rate(self) -> float:
        """The share (0..1) of class 1 among all rows."""
        return float(np.concatenate([self.y_train, self.y_val, self.y_test]).mean())

    @property
    def majority_class(self) -> int:
        """The more common class among the training rows (0 on a tie)."""
        return int(float(self.y_train.mean()) > 0.5)

    @property
    def majority_share_train(self) -> float:
        """Accuracy (0..1) on the training rows of always answering `majority_class`."""
        return float((self.y_train == self.majority_class).mean())

    @property
    def majority_share_val(self) -> float:
        """Accuracy (0..1) on the validation rows of always answering the training rows' `majority_class`."""
        return float((self.y_val == self.majority_class).mean()) if len(self.y_val) else float("nan")

    @property
    def prior_loss(self) -> float:
        """Binary cross-entropy (nats) of a constant predictor at the training class prior p: -(p ln p + (1-p)
        ln(1-p)); ln 2 = 0.693 when balanced. The loss of a model that has learnt nothing from the features."""
        p = float(self.y_train.mean())
        return float(-sum(q * math.log(q) for q in (p, 1 - p) if q > 0))

    def trained_rows_frame(self) -> pd.DataFrame:
        """The rows dlviz trains, validates and tests on, as the lesson's code reads them.

        Returns:
            The rows after sampling and cleaning, before scaling, in original units: the features then `target`
            (0/1), in the order that makes the lesson's split (see the class docstring) reproduce the parts exactly.
        """
        frame = pd.DataFrame(self.source_x, columns=list(self.feature_names))
        frame["target"] = self.source_y.astype(np.int64)
        return frame

    @property
    def description(self) -> str:
        """Rows, features, class balance and the split's sizes, in one sentence for the user."""
        pos = self.positive_rate
        return (f"{self.n_rows:,} rows, {self.n_features} features, class balance {1 - pos:.0%} / {pos:.0%} "
                f"(0 / 1). Split: {len(self.y_train):,} train, {len(self.y_val):,} validation, "
                f"{len(self.y_test):,} test.")


def lesson_split(values: np.ndarray, labels: np.ndarray, *, stratify: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The lesson's split (see `Dataset`): test 20% by `train_test_split(random_state=42)`, then the last
    `n - floor(n * 0.8)` training rows are validation, as Keras computes it.

    Args:
        values: (rows, features).
        labels: (rows,) of 0/1.
        stratify: stratify both the test split and the validation tail by class.

    Returns:
        x_train, y_train, x_val, y_val, x_test, y_test.

    Raises:
        DataError: a stratified split is impossible (a class has fewer rows than the parts need).
    """
    try:
        x_full, x_test, y_full, y_test = train_test_split(
            values, labels, test_size=TEST_SIZE, random_state=SPLIT_RANDOM_STATE,
            stratify=labels if stratify else None)
        split_at = int(math.floor(len(x_full) * (1.0 - VALIDATION_SPLIT)))  # Keras' own arithmetic
        if stratify:
            fit, val = train_test_split(np.arange(len(x_full)), test_size=len(x_full) - split_at,
                                        random_state=SPLIT_RANDOM_STATE, stratify=y_full)
            x_full, y_full = x_full[np.concatenate([fit, val])], y_full[np.concatenate([fit, val])]
    except ValueError as exc:  # sklearn: "The least populated class in y has only 1 member ..."
        raise DataError(f"A stratified split is impossible here: {exc}. Add rows of the rarer class.") from None
    return x_full[:split_at], y_full[:split_at], x_full[split_at:], y_full[split_at:], x_test, y_test


def _check_classes_per_part(values: np.ndarray, labels: np.ndarray, parts: tuple, stratify: bool) -> None:
    """Refuse a split whose training or validation rows lack a class, saying whether the "Stratified split" toggle
    would fix it (tried here, on the same rows)."""
    def thin(parts: tuple) -> list[str]:
        return [f"the {part} rows ({len(y):,}) hold {len(y) - int(y.sum()):,} of class 0 and {int(y.sum()):,} of "
                f"class 1" for part, y in (("training", parts[1]), ("validation", parts[3]))
                if min(int(y.sum()), len(y) - int(y.sum())) == 0]  # one row of a class is enough (issue 16 item 5)

    if not (problems := thin(parts)):
        return
    rare = int(min(labels.sum(), len(labels) - labels.sum()))
    rare_class = int(labels.sum() <= len(labels) / 2)
    try:
        stratified_helps = not stratify and not thin(lesson_split(values, labels, stratify=True))
    except DataError:
        stratified_helps = False
    if stratified_helps:
        advice = (f'Turn on "{STRATIFY_CONTROL}": each part then keeps the file\'s class balance (the printed '
                  "code does the same).")
    else:
        tried = "With" if stratify else f'Even with "{STRATIFY_CONTROL}" on,'
        advice = (f"{tried} the {rare} rows of class {rare_class} are too few to put some in the test, training "
                  f"and validation rows: add rows of class {rare_class}.")
    raise DataError(f"After the lesson's split, {'; '.join(problems)}. Training and validation each need rows of "
                    f"both classes, or validation accuracy says nothing (it reads 100% by always answering the "
                    f"one class present). {advice}")


def prepare(frame: pd.DataFrame, target: str | None = "target", *, name: str = "dataset",
            max_rows: int | None = None, standardize: bool = True, stratify: bool = False,
            drop_columns: tuple[str, ...] = (), fingerprint: str | None = None) -> Dataset:
    """Clean a table (`clean.clean`), then sample, split and scale it the lesson's way (see `Dataset`).

    Args:
        frame, target, drop_columns: as `clean.clean`.
        name: the Dataset's name.
        max_rows: use a fixed random sample of this many rows (seed 0, the same rows every time), taken after
            cleaning and before splitting.
        standardize: scale features by the training rows' mean and standard deviation.
        stratify: stratify the test split and the validation tail by class.
        fingerprint: the Dataset's identity (its runs' cache key); by default a hash of the prepared arrays.
            `load_builtin` passes its data version and settings, so shipped runs never depend on float rounding.

    Returns:
        The `Dataset`, its notes saying every decision and change made on the way.

    Raises:
        DataError: anything about the data a user must fix, with a message for them.
    """
    values, y_all, feature_names, notes = clean(frame, target, drop_columns)
    if max_rows is not None and len(values) > max_rows:
        keep = np.sort(np.random.default_rng(_SAMPLE_SEED).choice(len(values), size=max_rows, replace=False))
        values, y_all = values[keep], y_all[keep]
        notes.append(f"Using {max_rows:,} of the rows (a fixed random sample).")
    if len(np.unique(y_all)) < 2:
        raise DataError(f"After removing incomplete rows, only class {int(y_all[0])} is left in the target; "
                        "expected rows of both classes, 0 and 1.")
    parts = lesson_split(values, y_all, stratify=stratify)
    _check_classes_per_part(values, y_all, parts, stratify)
    if stratify:
        notes.append("Stratified split: training, validation and test rows keep the class balance of the file.")
    if standardize:
        scaler = StandardScaler().fit(parts[0])
        parts = tuple(scaler.transform(part) if j % 2 == 0 else part for j, part in enumerate(parts))
    arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in parts]
    source_x, source_y = np.array(values, dtype=np.float64), np.array(y_all, dtype=np.float32)
    for array in [*arrays, source_x, source_y]:
        array.setflags(write=False)
    # `max_rows` changes the rows themselves, and so the digest, whenever it samples.
    settings = repr((standardize, tuple(feature_names)) + (("stratified",) if stratify else ())).encode()
    digest = hashlib.sha1(b"".join(array.tobytes() for array in arrays) + settings).hexdigest()[:16]
    return Dataset(name, tuple(feature_names), *arrays, source_x, source_y, standardize, stratify,
                   fingerprint or digest, tuple(notes))


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
        if positives.min() > negatives.max() or positives.max() < negatives.min():  # prepare: both classes train
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
