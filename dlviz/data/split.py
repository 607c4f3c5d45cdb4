"""Splitting and scaling the lesson's way -> `Dataset`; `prepare` runs the whole pipeline on a read frame."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from dlviz.data.clean import (ONE_HOT, _check_frame, _drop_incomplete, _drop_unlabelled, _numeric_features,
                              _refuse_huge_values)
from dlviz.data.numbers import COMMA, POINT
from dlviz.data.target import choose_target, encode_target, find_target
from dlviz.data.rules import (AMOUNTS, DECIMAL_COMMA, MIN_ROWS, READ_NOTES, SPLIT_RANDOM_STATE, TEST_SIZE,
                              VALIDATION_SPLIT, DataError)


# Each of training and validation must hold at least this many rows of each class. With none, validation accuracy
# reads 100% by always answering the one class present and the page sees "no overfitting" (issue 16 item 5); with
# none in training the model cannot learn that class at all. One is the least that rules both out; more would refuse
# ordinary small files: a balanced 40-row file (the size the CSV catalog is built on) gets 7 validation rows, and the
# lesson's random split leaves just 1 row of a class there. Imbalance is warned about separately
# (`checks.data_warnings`), and `stratify=True` keeps each part's balance.
MIN_CLASS_ROWS = 1
STRATIFY_CONTROL = "Stratified split"  # the UI's toggle for `stratify=True`; error messages name it
SAMPLE_SEED = 0  # the fixed random sample of `max_rows` rows: the same rows on every run


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated, split and (optionally) standardised dataset. Arrays are float32 and read-only.

    The split is the lesson's: `train_test_split(X, y, test_size=0.2, random_state=42)` (with `stratify=y` when
    `stratified`), then Keras' `validation_split=0.2` holds out the *last* `n - floor(n * 0.8)` of the n training
    rows (keras/src/trainers/data_adapters/array_slicing.py, `train_validation_split`). x_train (rows, features) are
    the rows that train; x_val the held-out tail; x_test the test split.

    Scaling: when `standardized`, every part is `(x - mean) / std` with the mean and standard deviation (population,
    ddof=0) of the rows that actually train (x_train, *without* the validation tail), as a `StandardScaler` fitted
    on `X_train[:split_at]` would do; a constant column keeps std 1. The printed lesson code copies this.

    With `stratified`, the validation tail is stratified too: the training rows are reordered as
    `train_test_split(range(n), test_size=n_val, stratify=y_train, random_state=42)` -> (fit rows, then validation
    rows), so `validation_split=0.2` takes a stratified tail.
    """

    name: str
    feature_names: tuple[str, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    standardized: bool
    fingerprint: str
    notes: tuple[str, ...] = field(default=())
    stratified: bool = False
    # The rows before the split, in original units (float64 features, 0/1 labels): see trained_rows_frame.
    source_x: np.ndarray | None = field(default=None, repr=False)
    source_y: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_rows(self) -> int:
        return len(self.y_train) + len(self.y_val) + len(self.y_test)

    @property
    def positive_rate(self) -> float:
        y = np.concatenate([self.y_train, self.y_val, self.y_test])
        return float(y.mean())

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
        """The rows dlviz trains, validates and tests on (after sampling and cleaning, before scaling), in original
        units: the features then `target` (0/1), in the order that makes the lesson's code reproduce the split
        exactly: `train_test_split(X, y, test_size=0.2, random_state=42)` (plus `stratify=y` and the reordering in
        the class docstring when `stratified`), then `validation_split=0.2`.
        """
        if self.source_x is None or self.source_y is None:
            raise DataError("This dataset does not keep its rows before the split.")
        frame = pd.DataFrame(self.source_x, columns=list(self.feature_names))
        frame["target"] = self.source_y.astype(np.int64)
        return frame

    @property
    def description(self) -> str:
        pos = self.positive_rate
        return (
            f"{self.n_rows:,} rows, {self.n_features} features, class balance {1 - pos:.0%} / {pos:.0%} "
            f"(0 / 1). Split: {len(self.y_train):,} train, {len(self.y_val):,} validation, "
            f"{len(self.y_test):,} test."
        )


def lesson_split(values: np.ndarray, labels: np.ndarray, *, stratify: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, features) values and (rows,) 0/1 labels -> x_train, y_train, x_val, y_val, x_test, y_test.

    The lesson's split (see `Dataset`): test 20% by `train_test_split(random_state=42)`, then the last
    `n - floor(n * (1 - 0.2))` training rows are validation, as Keras computes it. `stratify` stratifies both.

    Raises:
        DataError: a stratified split is impossible (a class with fewer rows than the parts need).
    """
    try:
        x_full, x_test, y_full, y_test = train_test_split(
            values, labels, test_size=TEST_SIZE, random_state=SPLIT_RANDOM_STATE,
            stratify=labels if stratify else None)
        split_at = int(math.floor(len(x_full) * (1.0 - VALIDATION_SPLIT)))  # Keras' own arithmetic
        if stratify:
            fit, val = train_test_split(np.arange(len(x_full)), test_size=len(x_full) - split_at,
                                        random_state=SPLIT_RANDOM_STATE, stratify=y_full)
            order = np.concatenate([fit, val])
            x_full, y_full = x_full[order], y_full[order]
    except ValueError as exc:  # sklearn: "The least populated class in y has only 1 member ..."
        raise DataError(f"A stratified split is impossible here: {exc}. Add rows of the rarer class.") from None
    return x_full[:split_at], y_full[:split_at], x_full[split_at:], y_full[split_at:], x_test, y_test


def _thin_parts(y_train: np.ndarray, y_val: np.ndarray) -> list[str]:
    """What is wrong with the parts' classes, as phrases; empty when both hold MIN_CLASS_ROWS of each class."""
    problems = []
    for part, y in (("training", y_train), ("validation", y_val)):
        ones = int(y.sum())
        zeros = len(y) - ones
        if min(ones, zeros) < MIN_CLASS_ROWS:
            problems.append(f"the {part} rows ({len(y):,}) hold {zeros:,} of class 0 and {ones:,} of class 1")
    return problems


def _check_classes_per_part(values: np.ndarray, labels: np.ndarray, y_train: np.ndarray, y_val: np.ndarray,
                            stratify: bool) -> None:
    """Refuse a split whose training or validation rows hold fewer than MIN_CLASS_ROWS of either class, saying
    whether the "Stratified split" toggle would fix it (tried here, on the same rows)."""
    problems = _thin_parts(y_train, y_val)
    if not problems:
        return
    rare = int(min(labels.sum(), len(labels) - labels.sum()))
    rare_class = int(labels.sum() <= len(labels) / 2)
    if not stratify:
        try:
            _, y_fit, _, y_held, _, _ = lesson_split(values, labels, stratify=True)
            stratified_helps = not _thin_parts(y_fit, y_held)
        except DataError:
            stratified_helps = False
    if not stratify and stratified_helps:
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
    """Validate a frame and split and scale it the lesson's way (see `Dataset`).

    Args:
        fingerprint: the Dataset's identity (its runs' cache key); by default a hash of the prepared arrays. Built-in
            data passes a name of its generator version and settings instead (`load_builtin`), so that shipped runs
            never depend on how a machine rounds generated floats.
        target: the column to predict; None picks one by `choose_target`'s rules (and says which in the notes).
        max_rows: use a fixed random sample of this many rows (seed SAMPLE_SEED, the same rows every time), taken
            after cleaning and before splitting.
        standardize: scale features by the training rows' mean and standard deviation.
        stratify: stratify the test split and the validation tail by class.
        drop_columns: raw columns to leave out (e.g. one that gives the answer away, see `checks.data_warnings`).

    Raises:
        DataError: anything about the data a user must fix, with a message for them.
    """
    read_by = getattr(frame, "attrs", {})
    notes: list[str] = list(read_by.get(READ_NOTES, ()))
    decimal = COMMA if read_by.get(DECIMAL_COMMA, False) else POINT
    frame = _check_frame(frame)
    missing = [c for c in drop_columns if c not in frame.columns]
    if missing:
        raise DataError(f"Cannot drop {', '.join(map(repr, missing))}: no such column.")
    if drop_columns:
        frame = frame.drop(columns=list(drop_columns))
        notes.append(f"Dropped column(s) as asked: {', '.join(map(str, drop_columns))}.")
    if target is None:
        choice = choose_target(frame)
        if choice.column is not None and choice.column != "target":
            notes.append(f"Predicting {choice.column!r}: {choice.rule}.")
    target = find_target(frame, target)
    labels = encode_target(frame[target], notes)
    frame, labels = _drop_unlabelled(frame, labels, target, notes)
    notes_before = len(notes)
    features = _numeric_features(frame.drop(columns=[target]), notes, decimal=decimal,
                                 amounts=frozenset(read_by.get(AMOUNTS, ())))
    if features.shape[1] == 0:
        raise DataError("No usable feature columns are left besides the target; dlviz needs at least one column "
                        "of numbers (or short text categories) to learn from. " + " ".join(notes[notes_before:]))
    feature_names = [str(c) for c in features.columns]
    values, y_all, feature_names = _drop_incomplete(features.to_numpy(np.float64), labels, feature_names, notes,
                                                    features.attrs.get(ONE_HOT))
    _refuse_huge_values(values, feature_names)
    if max_rows is not None and len(values) > max_rows:
        keep = np.sort(np.random.default_rng(SAMPLE_SEED).choice(len(values), size=max_rows, replace=False))
        values, y_all = values[keep], y_all[keep]
        notes.append(f"Using {max_rows:,} of the rows (a fixed random sample).")
    if len(values) < MIN_ROWS:
        raise DataError(f"Only {len(values)} usable rows; dlviz needs at least {MIN_ROWS} to split into "
                        "training, validation and test sets.")
    if len(np.unique(y_all)) < 2:
        raise DataError(f"After removing incomplete rows, only class {int(y_all[0])} is left in the target; "
                        "expected rows of both classes, 0 and 1.")
    x_train, y_train, x_val, y_val, x_test, y_test = lesson_split(values, y_all, stratify=stratify)
    _check_classes_per_part(values, y_all, y_train, y_val, stratify)
    if stratify:
        notes.append("Stratified split: training, validation and test rows keep the class balance of the file.")
    if standardize:
        mean = x_train.mean(axis=0)
        std = x_train.std(axis=0)
        std[std == 0] = 1.0  # a constant column stays constant (zero) instead of dividing by zero
        x_train, x_val, x_test = ((part - mean) / std for part in (x_train, x_val, x_test))

    arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in
              (x_train, y_train, x_val, y_val, x_test, y_test)]
    digest = hashlib.sha1()
    for array in arrays:
        array.setflags(write=False)
        digest.update(array.tobytes())
    # `max_rows` changes the rows themselves, and so the digest, whenever it samples.
    digest.update(repr((standardize, tuple(feature_names)) + (("stratified",) if stratify else ())).encode())
    source_x, source_y = np.array(values, dtype=np.float64), np.array(y_all, dtype=np.float32)
    source_x.setflags(write=False)
    source_y.setflags(write=False)
    return Dataset(name=name, feature_names=tuple(feature_names), x_train=arrays[0],
                   y_train=arrays[1], x_val=arrays[2], y_val=arrays[3], x_test=arrays[4], y_test=arrays[5],
                   standardized=standardize, fingerprint=fingerprint or digest.hexdigest()[:16], notes=tuple(notes),
                   stratified=stratify, source_x=source_x, source_y=source_y)
