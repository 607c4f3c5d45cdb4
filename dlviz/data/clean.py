"""Cleaning a raw frame: the target, key columns, and every feature column turned into numbers, with notes."""

import re

import numpy as np
import pandas as pd

from dlviz.data.numbers import POINT, parse_numbers, stripped
from dlviz.data.rules import (FALSE_WORDS, MAX_ABS_VALUE, MAX_CATEGORIES, MAX_COLUMNS, MIN_ROWS, MOSTLY_MISSING,
                              READ_BY, TRUE_WORDS, DataError)
from dlviz.data.target import encode_target, find_target

# Names of keys and row numbers: id, index, row, RowNumber, Customer ID, customer_id, CustomerId, order_key, uuid.
_ID_NAME = re.compile(r"(?i)(id|index|idx|row|row_?id|row_?num(ber)?|unnamed: 0|.*[\s_-]id|.*[\s_-]key|uuid|guid)")
_CAMEL_ID = re.compile(r".*[a-z](Id|ID)")
_NOTES = {  # what was done to which columns, in the order the notes say it
    "empty": "Ignored empty column(s): {}.",
    "key": "Ignored id column(s): {}. A row number or key lets the model memorise rows instead of learning a pattern.",
    "doubt": "Kept as feature(s), though they could be keys (a different whole number in nearly every row, or a "
             "key-like name): {}. A key lets the model memorise rows. If one is an id or account number, leave it "
             "out under “Columns left out”.",
    "sparse": "Ignored column(s) missing in more than half the rows: {}.",
    "yes/no": "Read yes/no (true/false) column(s) as 1/0: {}.",
    "formatted": "Read numbers written with thousands separators or decimal commas in: {}.",
    "typos": "Treated values that are not numbers as missing in: {}.",
    "one-hot": "One-hot encoded text column(s), one 0/1 feature per value: {}.",
    "text": f"Ignored text column(s) with too many different values to one-hot encode (more than "
            f"{MAX_CATEGORIES}, or values that rarely repeat): {{}}.",
}


def _names(names: list, limit: int = 8) -> str:
    return ", ".join(map(str, names[:limit])) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _key_evidence(name: str, series: pd.Series, amount: bool) -> str | None:
    """"key" (a row number or an identifier, which lets the model memorise rows), "doubt" (kept with a note) or None.

    A key-like name with unique values is a key (with repeats: doubt). Unique whole numbers that count the rows (a
    constant step, or k .. k + n - 1 in any order) are a row number; other unique whole numbers (an account number,
    or a feature the file is sorted by) are doubt. An `amount` (with thousands separators) is never a key by value.
    """
    numeric = _is_numeric(series)
    values = series.dropna() if numeric else stripped(series)
    if len(values) < 3:
        return None
    if _ID_NAME.fullmatch(name) or _CAMEL_ID.fullmatch(name):
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


def _left_out(column: str, series: pd.Series, amount: bool) -> tuple[str | None, str]:
    """Why a column is left out ("empty", "key", or "sparse": missing in most rows, each would cost every row) or
    kept in "doubt" (it could be a key), with the detail for the notes; (None, column) for a plain feature."""
    share = (float((~np.isfinite(series.to_numpy(np.float64, na_value=np.nan))).mean()) if _is_numeric(series)
             else 1.0 - len(stripped(series)) / max(len(series), 1))
    evidence = _key_evidence(column, series, amount) if share < 1.0 else None
    if share == 1.0 or evidence == "key":
        return "empty" if share == 1.0 else "key", column
    if share > MOSTLY_MISSING:
        return "sparse", f"{column} ({share:.0%} missing)"
    if evidence == "doubt":
        repeats = int(series.dropna().duplicated().sum())
        return "doubt", f"{column} ({repeats:,} repeated values)" if repeats else column
    return None, column


def _column_to_numbers(series: pd.Series, decimal: str) -> tuple[pd.Series | pd.DataFrame | None, str | None, str]:
    """One raw column -> (numeric block or None if dropped, what was done or None, detail for the notes), under the
    file's `decimal` mark."""
    name = str(series.name)
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype(np.float64), None, name
    text = stripped(series)
    lowered = text.str.lower()
    if lowered.isin(TRUE_WORDS | FALSE_WORDS).all():
        return lowered.isin(TRUE_WORDS).astype(np.float64).reindex(series.index), "yes/no", name
    numbers = parse_numbers(text, decimal)
    if numbers.notna().all():
        plain = pd.to_numeric(text, errors="coerce").astype(np.float64)
        return numbers.reindex(series.index), None if plain.equals(numbers) else "formatted", name
    if numbers.notna().mean() >= 0.95:  # numbers with a few typos ("?", "n/a "): the typos become missing values
        bad = text[numbers.isna()]
        return numbers.reindex(series.index), "typos", f"{name} ({len(bad):,} such as {bad.iloc[0]!r})"
    n_values = text.nunique()
    if n_values <= MAX_CATEGORIES and 2 * n_values <= len(text):
        # A missing value makes the whole one-hot group missing, so that row is dropped like any other gap.
        onehot = pd.get_dummies(text, prefix=name, prefix_sep="=", dtype=np.float64)
        return onehot.reindex(series.index), "one-hot", f"{name} ({n_values} values)"
    return None, "text", f"{name} ({n_values:,} different values)"


def _drop_incomplete(values: np.ndarray, labels: np.ndarray, names: list[str], notes: list[str],
                     groups: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The complete rows (no missing or infinite value) and the feature names left. The note says if the dropped rows
    took every row of some values of a category, whose one-hot columns (all 0 in the rows kept) are left out too."""
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
    for column, features in groups.items():
        lost = [f for f in features if not values[:, names.index(f)].any()]
        if lost:
            gone.update(lost)
            took.append(f" They took every row of {len(lost)} of the {len(features)} values of {column!r} "
                        f"({_names([f.split('=', 1)[1] for f in lost], 5)}); those values' one-hot columns are "
                        "left out.")
    notes.append(f"Dropped {int(incomplete.sum()):,} of {_rows(len(incomplete))} for missing or infinite values; "
                 f"{where}." + "".join(took) + f" Leaving {names[worst]!r} out (“Columns left out”) keeps its rows.")
    keep = [j for j, name in enumerate(names) if name not in gone]
    return values[:, keep], labels, [names[j] for j in keep]


def clean(frame: pd.DataFrame, target: str | None = "target", drop_columns: tuple[str, ...] = ()
          ) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """A raw table -> complete numeric rows, 0/1 labels and notes for the user: the target found and encoded, rows
    without a label dropped; keys, empty and mostly-missing columns left out; numbers read with the file's one
    convention (kept by `read_csv` in `frame.attrs`), yes/no as 1/0, short text categories one 0/1 column each
    (`pd.get_dummies`), other text ignored; rows with a missing or infinite value dropped.

    Args:
        frame: the raw table, from `read_csv` or built in (any index).
        target: the column to predict; None picks one by `choose_target`'s rules (and says which in the notes).
        drop_columns: raw columns to leave out (e.g. one that gives the answer away, see `data_warnings`).

    Returns:
        (values float64 (rows, features), labels float32 (rows,) of 0/1, feature names, notes: what `read_csv`
        decided, then every change made, in plain sentences).

    Raises:
        DataError: anything about the data a user must fix, with a message for them.
    """
    read_by = frame.attrs.get(READ_BY, {})  # read_csv also refused repeated names and too many columns
    notes: list[str] = list(read_by.get("notes", ()))
    frame = frame.rename(columns=lambda c: str(c).strip())
    if len(frame) < MIN_ROWS:
        raise DataError(f"The data has {_rows(len(frame))}; dlviz needs at least {MIN_ROWS} to split them into "
                        "training, validation and test sets.")
    missing = [c for c in drop_columns if c not in frame.columns]
    if missing:
        raise DataError(f"Cannot drop {', '.join(map(repr, missing))}: no such column.")
    if drop_columns:
        frame = frame.drop(columns=list(drop_columns))
        notes.append(f"Dropped column(s) as asked: {', '.join(map(str, drop_columns))}.")
    target = find_target(frame, target, notes)
    labels = encode_target(frame[target], notes)
    labelled = ~np.isnan(labels)
    if not labelled.all():
        if labelled.sum() < MIN_ROWS:
            raise DataError(f"Only {int(labelled.sum())} of {len(labels)} rows have a value in the target column "
                            f"{target!r}; dlviz needs at least {MIN_ROWS} labelled rows.")
        notes.append(f"Dropped {_rows(int((~labelled).sum()))} with no value in the target column {target!r}.")
        frame, labels = frame[labelled], labels[labelled]
    notes_before = len(notes)
    blocks, done, groups = [], {kind: [] for kind in _NOTES}, {}
    for column in frame.columns.drop(target):
        use, detail = _left_out(column, frame[column], column in read_by.get("amounts", ()))
        if use:
            done[use].append(detail)
        if use in ("empty", "key", "sparse"):
            continue
        block, kind, detail = _column_to_numbers(frame[column], read_by.get("decimal", POINT))
        if kind:
            done[kind].append(detail)
        if block is not None:
            blocks.append(block)
        if kind == "one-hot":
            groups[column] = [str(c) for c in block.columns]
    notes.extend(template.format(_names(done[kind])) for kind, template in _NOTES.items() if done[kind])
    if not blocks:
        raise DataError("No usable feature columns are left besides the target; dlviz needs at least one column "
                        "of numbers (or short text categories) to learn from. " + " ".join(notes[notes_before:]))
    features = pd.concat(blocks, axis=1)
    if features.shape[1] > MAX_COLUMNS:
        raise DataError(f"After one-hot encoding the text columns there are {features.shape[1]:,} features; "
                        f"dlviz accepts up to {MAX_COLUMNS:,}. Remove some text columns.")
    values, labels, names = _drop_incomplete(features.to_numpy(np.float64), labels,
                                             [str(c) for c in features.columns], notes, groups)
    largest = np.abs(values).max(axis=0, initial=0.0)  # float32 overflows near 3e38: such values are unit mistakes
    if (largest > MAX_ABS_VALUE).any():
        column = int(largest.argmax())
        raise DataError(f"Column {names[column]!r} holds values as large as {largest[column]:.3g}; dlviz accepts "
                        f"values up to {MAX_ABS_VALUE:.0e} in size. Rescale that column (e.g. use other units).")
    return values, labels, names, notes
