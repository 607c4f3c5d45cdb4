"""Cleaning a raw frame: the target, key columns, and every feature column turned into numbers, with notes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dlviz.data.numbers import POINT, parse_numbers
from dlviz.data.rules import (FALSE_WORDS, MAX_ABS_VALUE, MAX_CATEGORIES, MAX_COLUMNS, MIN_ROWS, MOSTLY_MISSING,
                              TRUE_WORDS, DataError, _names, _rows)
from dlviz.data.target import _clean_text

# Names of keys and row numbers: id, index, row, RowNumber, Customer ID, customer_id, CustomerId, order_key, uuid.
_ID_NAME = re.compile(r"(?i)(id|index|idx|row|row_?id|row_?num(ber)?|unnamed: 0|.*[\s_-]id|.*[\s_-]key|uuid|guid)")
_CAMEL_ID = re.compile(r".*[a-z](Id|ID)")
ONE_HOT = "dlviz_one_hot"  # a features frame's attrs key: {raw column: [its one-hot feature columns]}


def _id_named(name: str) -> bool:
    return bool(_ID_NAME.fullmatch(name) or _CAMEL_ID.fullmatch(name))


def key_evidence(name: str, series: pd.Series, *, amount: bool = False) -> str | None:
    """Is a column a key (a row number or an identifier) rather than a feature? "key", "doubt" or None.

    A key lets the model memorise rows instead of learning a pattern, so it is dropped; but a real feature must not
    be dropped because the file happens to be sorted by it. The evidence is the whole column:
    - a key's value is different in every row (a repeated value is shared by two rows, so it is not a key);
    - a key-like name (`id`, `RowNumber`, `CustomerId`, `Customer ID`, `order_key`, ...) with unique values: key;
    - unique whole numbers that count the rows (a constant step in file order, e.g. 1, 2, 3 or 7, 10, 13; or the
      numbers from k to k + n - 1 in any order): a row number, whatever the name;
    - any other unique whole numbers (an account number, or a count the file is sorted by): "doubt", kept as a
      feature with a note, never dropped silently;
    - a key-like name with repeated values: "doubt" too (a group id, or a feature that is named oddly).
    Text columns with a key-like name and unique values are keys; other text is left to the text rules. An `amount`
    (written with thousands separators, as nobody writes a key) is never a key by its numbers alone.
    """
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    values = series.dropna() if numeric else _clean_text(series)
    if len(values) < 3:
        return None
    if _id_named(name):
        return "key" if len(values) == len(series) and values.is_unique else "doubt"
    if not numeric or amount or len(values) < len(series):
        return None
    numbers = values.to_numpy(np.float64)
    if not np.all(np.isfinite(numbers)) or not np.all(numbers == np.round(numbers)):
        return None  # checked first because uniqueness is the costly test on a tall file
    if not values.is_unique:  # a code shared by a few rows (a sample measured twice): large, nearly all different
        return "doubt" if np.abs(numbers).min() >= 1000 and values.nunique() >= 0.9 * len(values) else None
    steps = np.diff(numbers)
    if (steps[0] != 0 and np.all(steps == steps[0])) or numbers.max() - numbers.min() == len(numbers) - 1:
        return "key"
    return "doubt"


def _missing_share(series: pd.Series) -> float:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return float((~np.isfinite(series.to_numpy(np.float64, na_value=np.nan))).mean())
    return 1.0 - len(_clean_text(series)) / max(len(series), 1)


def _usable_columns(frame: pd.DataFrame, notes: list[str], amounts: frozenset = frozenset()) -> pd.DataFrame:
    """Drop empty columns, keys and columns missing in most rows (each would cost every row otherwise)."""
    empty, ids, doubts, sparse, sparse_details = [], [], [], [], []
    for column in frame.columns:
        series = frame[column]
        share = _missing_share(series)
        evidence = key_evidence(column, series, amount=column in amounts) if share < 1.0 else None
        if share == 1.0:
            empty.append(column)
        elif evidence == "key":
            ids.append(column)
        elif share > MOSTLY_MISSING:
            sparse.append(column)
            sparse_details.append(f"{column} ({share:.0%} missing)")
        elif evidence == "doubt":
            repeats = int(series.dropna().duplicated().sum())
            doubts.append(f"{column} ({repeats:,} repeated values)" if repeats else column)
    if empty:
        notes.append(f"Ignored empty column(s): {_names(empty)}.")
    if ids:
        notes.append(f"Ignored id column(s): {_names(ids)}. A row number or key lets the model memorise rows "
                     "instead of learning a pattern.")
    if doubts:
        notes.append(f"Kept as feature(s), though they could be keys (a different whole number in nearly every row, "
                     f"or a key-like name): {_names(doubts)}. A key lets the model memorise rows. If one is an id or "
                     "account number, leave it out under “Columns left out”.")
    if sparse:
        notes.append(f"Ignored column(s) missing in more than half the rows: {_names(sparse_details)}.")
    dropped = set(empty) | set(ids) | set(sparse)
    return frame[[c for c in frame.columns if c not in dropped]] if dropped else frame


def _column_to_numbers(series: pd.Series, *, decimal: str = POINT
                       ) -> tuple[pd.Series | pd.DataFrame | None, str | None, str]:
    """One raw column -> (numeric block or None if dropped, what was done or None, detail for the notes).

    `decimal`: the file's decimal mark (`numbers.POINT` or `numbers.COMMA`), decided once for the whole file by
    `read_csv`; "1,500" is 1.5 under COMMA and 1500 under POINT.
    """
    name = str(series.name)
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype(np.float64), None, name
    text = _clean_text(series)
    lowered = text.str.lower()
    if lowered.isin(TRUE_WORDS | FALSE_WORDS).all():
        return lowered.isin(TRUE_WORDS).astype(np.float64).reindex(series.index), "yes/no", name
    numbers = parse_numbers(text, decimal)
    if numbers.notna().all():
        plain = pd.to_numeric(text, errors="coerce").astype(np.float64)
        return numbers.reindex(series.index), None if plain.equals(numbers) else "formatted", name
    if numbers.notna().mean() >= 0.95:
        # Numbers with a few typos ("?", "n/a ") stay numbers; the typos become missing values.
        bad = text[numbers.isna()]
        return (numbers.reindex(series.index).astype(np.float64), "typos",
                f"{name} ({len(bad):,} such as {bad.iloc[0]!r})")
    categories = sorted(pd.unique(text))
    if len(categories) <= MAX_CATEGORIES and 2 * len(categories) <= len(text):
        onehot = pd.DataFrame({f"{name}={value}": (text == value).astype(np.float64) for value in categories})
        # A missing value makes the whole one-hot group missing, so that row is dropped like any other gap.
        return onehot.reindex(series.index), "one-hot", f"{name} ({len(categories)} values)"
    return None, "text", f"{name} ({len(categories):,} different values)"


_COLUMN_NOTES = {
    "yes/no": "Read yes/no (true/false) column(s) as 1/0: {}.",
    "formatted": "Read numbers written with thousands separators or decimal commas in: {}.",
    "typos": "Treated values that are not numbers as missing in: {}.",
    "one-hot": "One-hot encoded text column(s), one 0/1 feature per value: {}.",
    "text": f"Ignored text column(s) with too many different values to one-hot encode (more than "
            f"{MAX_CATEGORIES}, or values that rarely repeat): {{}}.",
}


def _numeric_features(frame: pd.DataFrame, notes: list[str], *, decimal: str = POINT,
                      amounts: frozenset = frozenset()) -> pd.DataFrame:
    """Feature columns -> an all-numeric frame (float64, NaN/inf kept for the row check), explaining each change."""
    frame = _usable_columns(frame, notes, amounts)
    blocks: list[pd.Series | pd.DataFrame] = []
    done: dict[str, list[str]] = {kind: [] for kind in _COLUMN_NOTES}
    groups = {}  # raw column -> its one-hot feature columns
    for column in frame.columns:
        block, kind, detail = _column_to_numbers(frame[column], decimal=decimal)
        if kind:
            done[kind].append(detail)
        if block is not None:
            blocks.append(block)
        if kind == "one-hot":
            groups[str(column)] = [str(c) for c in block.columns]
    notes.extend(template.format(_names(done[kind])) for kind, template in _COLUMN_NOTES.items() if done[kind])
    features = pd.concat(blocks, axis=1) if blocks else pd.DataFrame(index=frame.index)
    if features.shape[1] > MAX_COLUMNS:
        raise DataError(f"After one-hot encoding the text columns there are {features.shape[1]:,} features; "
                        f"dlviz accepts up to {MAX_COLUMNS:,}. Remove some text columns.")
    features.attrs[ONE_HOT] = groups
    return features


def _check_frame(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"Expected a table (a pandas DataFrame); got {type(frame).__name__}.")
    frame = frame.rename(columns=lambda c: str(c).strip())
    if frame.columns.duplicated().any():
        repeated = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise DataError(f"Column names must be unique; repeated: {', '.join(map(repr, repeated[:8]))}.")
    if frame.shape[1] > MAX_COLUMNS:
        raise DataError(f"The data has {frame.shape[1]:,} columns; dlviz accepts up to {MAX_COLUMNS:,}.")
    if len(frame) < MIN_ROWS:
        raise DataError(f"The data has {_rows(len(frame))}; dlviz needs at least {MIN_ROWS} to split them into "
                        "training, validation and test sets.")
    return frame


def _drop_unlabelled(frame: pd.DataFrame, labels: np.ndarray, target: str,
                     notes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    labelled = ~np.isnan(labels)
    if labelled.all():
        return frame, labels
    kept = int(labelled.sum())
    if kept < MIN_ROWS:
        raise DataError(f"Only {kept} of {len(labels)} rows have a value in the target column {target!r}; dlviz "
                        f"needs at least {MIN_ROWS} labelled rows.")
    notes.append(f"Dropped {_rows(len(labels) - kept)} with no value in the target column {target!r}.")
    return frame[labelled], labels[labelled]


def _drop_incomplete(values: np.ndarray, labels: np.ndarray, names: list[str], notes: list[str],
                     groups: dict[str, list[str]] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The complete rows (no missing or infinite value) and the feature names left. The note says what the dropped
    rows took with them: every row of some values of a category column, whose one-hot columns (all 0 in the rows
    kept) are left out too."""
    gaps = ~np.isfinite(values)
    incomplete = gaps.any(axis=1)
    if not incomplete.any():
        return values, labels, names
    kept = len(values) - int(incomplete.sum())
    worst = int(gaps.sum(axis=0).argmax())
    where = f"column {names[worst]!r} has the most ({_rows(int(gaps[:, worst].sum()))})"
    if kept < MIN_ROWS:
        raise DataError(f"Only {kept} of {len(values)} rows are complete (no missing or infinite values); dlviz "
                        f"needs at least {MIN_ROWS}. {where[0].upper() + where[1:]}: fill in or remove it.")
    values, labels = values[~incomplete], labels[~incomplete]
    took, gone = [], set()
    for column, features in (groups or {}).items():
        lost = [f for f in features if not values[:, names.index(f)].any()]
        if lost:
            gone.update(lost)
            shown = _names([f.split("=", 1)[1] for f in lost], 5)
            took.append(f" They took every row of {len(lost)} of the {len(features)} values of {column!r} "
                        f"({shown}); those values' one-hot columns are left out.")
    notes.append(f"Dropped {int(incomplete.sum()):,} of {_rows(len(incomplete))} for missing or infinite values; "
                 f"{where}."
                 + "".join(took) + f" Leaving {names[worst]!r} out (“Columns left out”) keeps its rows.")
    keep = [j for j, name in enumerate(names) if name not in gone]
    return values[:, keep], labels, [names[j] for j in keep]


def _refuse_huge_values(values: np.ndarray, names: list[str]) -> None:
    # float32 overflows near 3e38, and squares in the loss much sooner: such values are unit mistakes anyway.
    largest = np.abs(values).max(axis=0, initial=0.0)
    if (largest > MAX_ABS_VALUE).any():
        column = int(largest.argmax())
        raise DataError(f"Column {names[column]!r} holds values as large as {largest[column]:.3g}; dlviz accepts "
                        f"values up to {MAX_ABS_VALUE:.0e} in size. Rescale that column (e.g. use other units).")


