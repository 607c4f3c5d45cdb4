"""Splitting and scaling the lesson's way -> `Dataset`; `prepare` and `load_csv` run the whole pipeline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from dlviz.data.clean import (_check_frame, _drop_incomplete, _drop_unlabelled, _numeric_features, _refuse_huge_values,
                               encode_target, find_target)
from dlviz.data.read import read_csv
from dlviz.data.rules import (DECIMAL_COMMA, MIN_ROWS, READ_NOTES, SPLIT_RANDOM_STATE, TEST_SIZE, VALIDATION_SPLIT,
                              DataError, Source)


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated, split and (optionally) standardised dataset. Arrays are float32 and read-only."""

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
    def description(self) -> str:
        pos = self.positive_rate
        return (
            f"{self.n_rows:,} rows, {self.n_features} features, class balance {1 - pos:.0%} / {pos:.0%} "
            f"(0 / 1). Split: {len(self.y_train):,} train, {len(self.y_val):,} validation, "
            f"{len(self.y_test):,} test."
        )



def prepare(frame: pd.DataFrame, target: str | None = "target", *, name: str = "dataset",
            max_rows: int | None = None, standardize: bool = True) -> Dataset:
    """Validate a frame and split it the lesson's way.

    `train_test_split(test_size=0.2, random_state=42)`, then the last 20% of the training rows become the
    validation set (what Keras' `validation_split=0.2` does), then features are standardised with the mean and
    standard deviation of the training rows only.
    """
    read_by = getattr(frame, "attrs", {})
    notes: list[str] = list(read_by.get(READ_NOTES, ()))
    decimal_comma = bool(read_by.get(DECIMAL_COMMA, False))
    frame = _check_frame(frame)
    target = find_target(frame, target)
    labels = encode_target(frame[target], notes)
    frame, labels = _drop_unlabelled(frame, labels, target, notes)
    notes_before = len(notes)
    features = _numeric_features(frame.drop(columns=[target]), notes, decimal_comma=decimal_comma)
    if features.shape[1] == 0:
        raise DataError("No usable feature columns are left besides the target; dlviz needs at least one column "
                        "of numbers (or short text categories) to learn from. " + " ".join(notes[notes_before:]))
    feature_names = [str(c) for c in features.columns]
    values, y_all = _drop_incomplete(features.to_numpy(np.float64), labels, feature_names, notes)
    _refuse_huge_values(values, feature_names)
    if max_rows is not None and len(values) > max_rows:
        keep = np.sort(np.random.default_rng(0).choice(len(values), size=max_rows, replace=False))
        values, y_all = values[keep], y_all[keep]
        notes.append(f"Using {max_rows:,} of the rows (a fixed random sample).")
    if len(values) < MIN_ROWS:
        raise DataError(f"Only {len(values)} usable rows; dlviz needs at least {MIN_ROWS} to split into "
                        "training, validation and test sets.")
    if len(np.unique(y_all)) < 2:
        raise DataError(f"After removing incomplete rows, only class {int(y_all[0])} is left in the target; "
                        "expected rows of both classes, 0 and 1.")

    x_train_full, x_test, y_train_full, y_test = train_test_split(
        values, y_all, test_size=TEST_SIZE, random_state=SPLIT_RANDOM_STATE)
    n_val = int(len(x_train_full) * VALIDATION_SPLIT)
    split = len(x_train_full) - n_val
    x_train, x_val = x_train_full[:split], x_train_full[split:]
    y_train, y_val = y_train_full[:split], y_train_full[split:]
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
    digest.update(repr((standardize, tuple(feature_names))).encode())
    return Dataset(name=name, feature_names=tuple(feature_names), x_train=arrays[0],
                   y_train=arrays[1], x_val=arrays[2], y_val=arrays[3], x_test=arrays[4], y_test=arrays[5],
                   standardized=standardize, fingerprint=digest.hexdigest()[:16], notes=tuple(notes))



def load_csv(source: Source, target: str | None = None, *, max_rows: int | None = None,
             standardize: bool = True, name: str = "Uploaded CSV") -> Dataset:
    """Read a CSV (path, bytes or file-like) with a binary target column and return a `Dataset`.

    `target` defaults to the column called `target` (any case). Raises `DataError` for anything unusable; the rules
    are spelled out for users in `UPLOAD_RULES`.

    >>> load_csv(b"a,b,target\\n" + b"\\n".join(b"%d,%d,%d" % (i % 7, i % 3, i % 2) for i in range(40))).n_features
    2
    """
    frame = read_csv(source)
    return prepare(frame, target, name=name, max_rows=max_rows, standardize=standardize)


