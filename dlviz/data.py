"""Datasets: the built-in practice and breast-cancer sets and user CSVs, validated, split and scaled the lesson's way.

Everything a user can get wrong raises `DataError` with a message written for them; the rest of dlviz trusts a `Dataset`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from typing import IO, Union

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

PRACTICE = "practice"
BREAST_CANCER = "breast_cancer"
UPLOAD = "upload"
BUILTIN_NAMES = {
    PRACTICE: "Practice dataset (10,000 synthetic rows)",
    BREAST_CANCER: "Breast cancer (scikit-learn, 569 rows)",
}

TEST_SIZE = 0.2  # the lesson's train_test_split(test_size=0.2, random_state=42)
SPLIT_RANDOM_STATE = 42
VALIDATION_SPLIT = 0.2  # the lesson's validation_split=0.2: the *last* 20% of the training rows
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # keep in step with server.maxUploadSize in .streamlit/config.toml
MAX_COLUMNS = 1_000
MIN_ROWS = 20  # fewer and the splits leave a handful of rows per part

TRUE_WORDS = {"1", "1.0", "true", "t", "yes", "y", "positive", "pos"}
FALSE_WORDS = {"0", "0.0", "false", "f", "no", "n", "negative", "neg"}

Source = Union[str, os.PathLike, bytes, bytearray, IO[bytes], IO[str]]


class DataError(ValueError):
    """A problem with the data the user chose, with a message written for them."""


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


# ---------------------------------------------------------------------------------------------------------------
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


def load_builtin(name: str, *, max_rows: int | None = None, standardize: bool = True) -> Dataset:
    return prepare(builtin_frame(name), "target", name=BUILTIN_NAMES.get(name, name), max_rows=max_rows,
                   standardize=standardize)


# ---------------------------------------------------------------------------------------------------------------
# CSV reading


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)
        except OSError as exc:
            raise DataError(f"Could not open {os.fspath(source)!r}: {exc.strerror or exc}.") from None
        if size > MAX_UPLOAD_BYTES:
            raise DataError(_too_big(size))
        with open(source, "rb") as handle:
            data = handle.read()
    elif hasattr(source, "read"):
        data = source.read(MAX_UPLOAD_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise DataError("Expected a CSV file (a path, bytes or an uploaded file).")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataError(_too_big(len(data)))
    return data


def _too_big(size: int) -> str:
    return (f"The file is {size / 1e6:.1f} MB; dlviz accepts CSV files up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB. "
            "Use a sample of the rows.")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError("The file starts like UTF-16 text but could not be decoded as such.") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        raise DataError("This does not look like a CSV text file (it contains binary data). "
                        "Expected comma-separated text with a header row.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_csv(source: Source) -> pd.DataFrame:
    """Parse a CSV into a DataFrame of raw columns, or raise `DataError`. No validation of the target yet."""
    text = _decode(_read_bytes(source))
    stripped = text.lstrip()
    if not stripped:
        raise DataError("The file is empty. Expected a CSV with a header row and at least "
                        f"{MIN_ROWS} rows of data.")
    if stripped[0] in "{[":
        raise DataError("This looks like JSON, not CSV. Expected comma-separated values with a header row.")
    if stripped[:1] == "<":
        raise DataError("This looks like HTML or XML, not CSV. Expected comma-separated values with a header row.")
    sep = _sniff_separator(text)
    thousands = "," if sep != "," else None
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, thousands=thousands, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError("The file has no columns. Expected a CSV with a header row.") from None
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown error"
        raise DataError(f"Could not parse the file as CSV ({first}). Check that every row has the same "
                        "number of fields as the header.") from None
    if frame.shape[1] > MAX_COLUMNS:
        raise DataError(f"The file has {frame.shape[1]:,} columns; dlviz accepts up to {MAX_COLUMNS:,}.")
    if len(frame) == 0:
        raise DataError("The file has a header but no data rows.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def load_csv(source: Source, target: str | None = None, *, max_rows: int | None = None,
             standardize: bool = True, name: str = "Uploaded CSV") -> Dataset:
    """Read a CSV (path, bytes or file-like) with a binary target column and return a `Dataset`.

    `target` defaults to the column called `target` (any case). Raises `DataError` for anything unusable.

    >>> load_csv(b"a,b,target\\n" + b"\\n".join(b"%d,%d,%d" % (i, i % 3, i % 2) for i in range(40))).n_features
    2
    """
    frame = read_csv(source)
    return prepare(frame, target, name=name, max_rows=max_rows, standardize=standardize)


# ---------------------------------------------------------------------------------------------------------------
# Validation and preprocessing


def find_target(frame: pd.DataFrame, target: str | None) -> str:
    if target is not None:
        if target not in frame.columns:
            raise DataError(f"There is no column {target!r}. Columns found: {_list_columns(frame)}.")
        return target
    for column in frame.columns:
        if str(column).strip().lower() == "target":
            return column
    raise DataError("No column called 'target'. Pick the column to predict as the target; columns found: "
                    f"{_list_columns(frame)}.")


def binary_target_candidates(frame: pd.DataFrame) -> list[str]:
    """Columns with exactly two distinct non-missing values: what a user may pick as the target."""
    return [c for c in frame.columns if frame[c].nunique(dropna=True) == 2]


def _list_columns(frame: pd.DataFrame, limit: int = 12) -> str:
    names = [str(c) for c in frame.columns[:limit]]
    more = f" and {len(frame.columns) - limit} more" if len(frame.columns) > limit else ""
    return ", ".join(names) + more


def encode_target(values: pd.Series) -> np.ndarray:
    """Map a two-valued column to 0/1: numbers 0/1, booleans, yes/no words; any other pair by sorted order."""
    present = values.dropna()
    if len(present) < len(values):
        raise DataError(f"The target column {values.name!r} has {len(values) - len(present)} missing values. "
                        "Every row needs a label 0 or 1.")
    distinct = pd.unique(present)
    if len(distinct) != 2:
        shown = ", ".join(repr(v) for v in list(distinct)[:6])
        kind = "only one class" if len(distinct) == 1 else f"{len(distinct)} different values"
        raise DataError(f"The target column {values.name!r} must have exactly two classes (0 and 1); it has "
                        f"{kind} ({shown}{', ...' if len(distinct) > 6 else ''}).")
    words = {str(v).strip().lower() for v in distinct}
    if words <= TRUE_WORDS | FALSE_WORDS and len(words & TRUE_WORDS) == 1 and len(words & FALSE_WORDS) == 1:
        return values.map(lambda v: 1.0 if str(v).strip().lower() in TRUE_WORDS else 0.0).to_numpy(np.float32)
    ordered = sorted(distinct, key=lambda v: str(v)) if not all(
        isinstance(v, (int, float, np.number)) for v in distinct) else sorted(distinct)
    return (values == ordered[1]).to_numpy(np.float32)


def _numeric_features(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    features = {}
    dropped_text = []
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series):
            series = series.astype(np.float32)
        if not pd.api.types.is_numeric_dtype(series):
            converted = pd.to_numeric(series, errors="coerce")
            # A column that is numbers with a few typos stays; a real text column is dropped (said below).
            if converted.notna().sum() >= 0.95 * series.notna().sum() and series.notna().any():
                series = converted
            else:
                dropped_text.append(str(column))
                continue
        features[column] = series.astype(np.float64)
    if dropped_text:
        notes.append(f"Ignored {len(dropped_text)} text column(s): {', '.join(dropped_text[:8])}"
                     f"{' ...' if len(dropped_text) > 8 else ''}. dlviz uses numeric features only.")
    return pd.DataFrame(features, index=frame.index)


def prepare(frame: pd.DataFrame, target: str | None = "target", *, name: str = "dataset",
            max_rows: int | None = None, standardize: bool = True) -> Dataset:
    """Validate a frame and split it the lesson's way.

    `train_test_split(test_size=0.2, random_state=42)`, then the last 20% of the training rows become the
    validation set (what Keras' `validation_split=0.2` does), then features are standardised with the mean and
    standard deviation of the training rows only.
    """
    notes: list[str] = []
    if frame.columns.duplicated().any():
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise DataError(f"Column names must be unique; repeated: {', '.join(dupes)}.")
    target = find_target(frame, target)
    y_all = encode_target(frame[target])
    features = _numeric_features(frame.drop(columns=[target]), notes)
    if features.shape[1] == 0:
        raise DataError("No numeric feature columns were found besides the target. dlviz needs at least one "
                        "numeric column to learn from.")
    values = features.to_numpy(np.float64)
    finite = np.isfinite(values)
    bad_rows = ~finite.all(axis=1)
    if bad_rows.any():
        notes.append(f"Dropped {int(bad_rows.sum()):,} row(s) with missing or infinite values.")
        values, y_all = values[~bad_rows], y_all[~bad_rows]
    if np.abs(values).max(initial=0.0) > 1e30:
        raise DataError("Some feature values are too large to train on (above 1e30).")
    if max_rows is not None and len(values) > max_rows:
        keep = np.sort(np.random.default_rng(0).choice(len(values), size=max_rows, replace=False))
        values, y_all = values[keep], y_all[keep]
        notes.append(f"Using {max_rows:,} of the rows (a fixed random sample).")
    if len(values) < MIN_ROWS:
        raise DataError(f"Only {len(values)} usable rows; dlviz needs at least {MIN_ROWS} to split into "
                        "training, validation and test sets.")
    if len(np.unique(y_all)) < 2:
        raise DataError("After removing incomplete rows, only one class is left in the target.")

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
    digest.update(repr((standardize, tuple(features.columns))).encode())
    return Dataset(name=name, feature_names=tuple(str(c) for c in features.columns), x_train=arrays[0],
                   y_train=arrays[1], x_val=arrays[2], y_val=arrays[3], x_test=arrays[4], y_test=arrays[5],
                   standardized=standardize, fingerprint=digest.hexdigest()[:16], notes=tuple(notes))
