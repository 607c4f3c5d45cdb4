"""Cleaning a raw frame: the target, key columns, and every feature column turned into numbers, with notes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dlviz.data.rules import (FALSE_WORDS, MAX_ABS_VALUE, MAX_CATEGORIES, MAX_COLUMNS, MIN_ROWS, MOSTLY_MISSING,
                              TRUE_WORDS, DataError, _list_columns, _names, _rows, _show_values)

def find_target(frame: pd.DataFrame, target: str | None) -> str:
    """The target column's name: `target` exactly, else ignoring case and spaces; by default the column `target`."""
    wanted = "target" if target is None else str(target)
    if target is not None and wanted in frame.columns:
        return wanted  # a name the user chose wins, even if another differs only in case
    matches = [c for c in frame.columns if str(c).strip().lower() == wanted.strip().lower()]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise DataError(f"Several columns could be the target {wanted!r}: {', '.join(map(repr, matches))}. "
                        "Rename all but one.")
    if target is not None:
        raise DataError(f"There is no column {target!r}. Columns found: {_list_columns(frame)}.")
    candidates = binary_target_candidates(frame)
    hint = (f" Columns with two values that could be the target: {', '.join(map(str, candidates[:8]))}."
            if candidates else "")
    raise DataError("No column called 'target'. Name the column to predict 'target' or choose it; columns "
                    f"found: {_list_columns(frame)}.{hint}")


def binary_target_candidates(frame: pd.DataFrame) -> list[str]:
    """Columns `encode_target` accepts: exactly two classes once spacing, case and yes/no words are read."""
    return [column for i, column in enumerate(frame.columns) if _has_two_classes(frame.iloc[:, i])]


def _has_two_classes(series: pd.Series) -> bool:
    # Spelling variants ("Yes", "yes ", "y") can make a two-class column show a few more raw values; a column
    # with many more is not a class label, and skipping it keeps this cheap on wide files.
    if not 2 <= series.nunique(dropna=True) <= MAX_CATEGORIES:
        return False
    try:
        encode_target(series)
    except DataError:
        return False
    return True



def encode_target(values: pd.Series, notes: list[str] | None = None) -> np.ndarray:
    """Map a two-class column to float32 0/1, with NaN where the label is missing (`prepare` drops those rows).

    Words yes/no, true/false, y/n, t/f, positive/negative (any case) are read as 1/0. Any other pair is put in
    order (numbers by size, text alphabetically) and the first becomes 0; a mapping that is not plain 0/1 is
    explained in `notes`.
    """
    notes = [] if notes is None else notes
    values = values.reset_index(drop=True)  # positions, whatever index the caller's frame had
    numeric = pd.api.types.is_numeric_dtype(values)  # booleans included
    present = values.dropna() if numeric else _clean_text(values)
    if present.empty:
        raise DataError(f"The target column {values.name!r} is empty: no row has a label. Expected two classes, "
                        "such as 0/1 or yes/no.")
    if not numeric and present.str.lower().isin(TRUE_WORDS | FALSE_WORDS).all():
        positive = present.str.lower().isin(TRUE_WORDS)
        if positive.all() or not positive.any():
            raise DataError(_not_binary(values.name, sorted(set(present)), numeric))
        if not set(present) <= {"0", "1", "0.0", "1.0"}:
            notes.append(f"Read the target {values.name!r} as 1 for {_show_values(sorted(set(present[positive])))}"
                         f" and 0 for {_show_values(sorted(set(present[~positive])))}.")
        return _labels(len(values), present.index, positive)
    classes = sorted(pd.unique(present))
    if len(classes) != 2:
        raise DataError(_not_binary(values.name, classes, numeric))
    if not (numeric and classes == [0, 1]):
        notes.append(f"The target {values.name!r} has the values {_show_values(classes)}: dlviz uses "
                     f"{_show_values(classes[:1])} as 0 and {_show_values(classes[1:])} as 1.")
    return _labels(len(values), present.index, present == classes[1])


def _labels(n_rows: int, positions: pd.Index, positive: pd.Series) -> np.ndarray:
    labels = np.full(n_rows, np.nan, dtype=np.float32)
    labels[positions.to_numpy()] = positive.to_numpy(np.float32)
    return labels


def _not_binary(name: object, classes: list, numeric: bool) -> str:
    if len(classes) == 1:
        return (f"The target column {name!r} has only one class ({_show_values(classes)}). Expected two classes, "
                "0 and 1, so the model has something to tell apart.")
    hint = (" It looks like a measured quantity; dlviz trains a two-class (yes/no) classifier."
            if numeric and len(classes) > 10 else "")
    return (f"The target column {name!r} must have exactly two classes (0 and 1); it has {len(classes):,} "
            f"different values ({_show_values(classes)}).{hint}")


def _clean_text(series: pd.Series) -> pd.Series:
    """Non-missing values as stripped strings; blank strings count as missing."""
    text = series.dropna().astype(str).str.strip()
    return text[text != ""]


_ID_NAME = re.compile(r"(?i)(id|index|idx|row|row_?id|row_?number|unnamed: 0|.*[\s_-]id)")
_US_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+-]?\d+(?:\.\d+)?")
_EU_NUMBER = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[+-]?\d+(?:,\d+)?")


def _is_id_column(name: str, series: pd.Series) -> bool:
    """A row number or key: it lets the model memorise rows instead of learning a pattern."""
    if _ID_NAME.fullmatch(name):
        return True
    # Whole numbers unique to each row and strictly increasing are a row number, whatever the column's name.
    return (pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series)
            and len(series) >= 3 and series.is_unique and series.is_monotonic_increasing)


def _missing_share(series: pd.Series) -> float:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return float((~np.isfinite(series.to_numpy(np.float64, na_value=np.nan))).mean())
    return 1.0 - len(_clean_text(series)) / max(len(series), 1)


def _usable_columns(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Drop empty columns, id columns and columns missing in most rows (each would cost every row otherwise)."""
    empty, ids, sparse, sparse_details = [], [], [], []
    for column in frame.columns:
        series = frame[column]
        share = _missing_share(series)
        if share == 1.0:
            empty.append(column)
        elif _is_id_column(column, series):
            ids.append(column)
        elif share > MOSTLY_MISSING:
            sparse.append(column)
            sparse_details.append(f"{column} ({share:.0%} missing)")
    if empty:
        notes.append(f"Ignored empty column(s): {_names(empty)}.")
    if ids:
        notes.append(f"Ignored id column(s): {_names(ids)}. A row number or key lets the model memorise rows "
                     "instead of learning a pattern.")
    if sparse:
        notes.append(f"Ignored column(s) missing in more than half the rows: {_names(sparse_details)}.")
    dropped = set(empty) | set(ids) | set(sparse)
    return frame[[c for c in frame.columns if c not in dropped]] if dropped else frame



def _column_to_numbers(series: pd.Series, *, decimal_comma: bool = False
                       ) -> tuple[pd.Series | pd.DataFrame | None, str | None, str]:
    """One raw column -> (numeric block or None if dropped, what was done or None, detail for the notes).

    `decimal_comma`: "1,500" means 1.5 rather than 1500 (a semicolon-separated file, as European Excel writes).
    """
    name = str(series.name)
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype(np.float64), None, name
    text = _clean_text(series)
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().all():
        return numbers.reindex(series.index).astype(np.float64), None, name
    lowered = text.str.lower()
    if lowered.isin(TRUE_WORDS | FALSE_WORDS).all():
        return lowered.isin(TRUE_WORDS).astype(np.float64).reindex(series.index), "yes/no", name
    for style in ((_EU_NUMBER, _US_NUMBER) if decimal_comma else (_US_NUMBER, _EU_NUMBER)):
        if text.str.fullmatch(style).all():
            return _numbers(_plain_number(text, style), series.index), "formatted", name
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


def _plain_number(text: pd.Series, style: re.Pattern) -> pd.Series:
    if style is _US_NUMBER:
        return text.str.replace(",", "", regex=False)
    return text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)


def _numbers(text: pd.Series, index: pd.Index) -> pd.Series:
    return pd.to_numeric(text, errors="coerce").reindex(index).astype(np.float64)


_COLUMN_NOTES = {
    "yes/no": "Read yes/no (true/false) column(s) as 1/0: {}.",
    "formatted": "Read numbers written with thousands separators or decimal commas in: {}.",
    "typos": "Treated values that are not numbers as missing in: {}.",
    "one-hot": "One-hot encoded text column(s), one 0/1 feature per value: {}.",
    "text": f"Ignored text column(s) with too many different values to one-hot encode (more than "
            f"{MAX_CATEGORIES}, or values that rarely repeat): {{}}.",
}


def _numeric_features(frame: pd.DataFrame, notes: list[str], *, decimal_comma: bool = False) -> pd.DataFrame:
    """Feature columns -> an all-numeric frame (float64, NaN/inf kept for the row check), explaining each change."""
    frame = _usable_columns(frame, notes)
    blocks: list[pd.Series | pd.DataFrame] = []
    done: dict[str, list[str]] = {kind: [] for kind in _COLUMN_NOTES}
    for column in frame.columns:
        block, kind, detail = _column_to_numbers(frame[column], decimal_comma=decimal_comma)
        if kind:
            done[kind].append(detail)
        if block is not None:
            blocks.append(block)
    notes.extend(template.format(_names(done[kind])) for kind, template in _COLUMN_NOTES.items() if done[kind])
    features = pd.concat(blocks, axis=1) if blocks else pd.DataFrame(index=frame.index)
    if features.shape[1] > MAX_COLUMNS:
        raise DataError(f"After one-hot encoding the text columns there are {features.shape[1]:,} features; "
                        f"dlviz accepts up to {MAX_COLUMNS:,}. Remove some text columns.")
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


def _drop_incomplete(values: np.ndarray, labels: np.ndarray, names: list[str],
                     notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    gaps = ~np.isfinite(values)
    incomplete = gaps.any(axis=1)
    if not incomplete.any():
        return values, labels
    kept = len(values) - int(incomplete.sum())
    worst = int(gaps.sum(axis=0).argmax())
    where = f"column {names[worst]!r} has the most ({_rows(int(gaps[:, worst].sum()))})"
    if kept < MIN_ROWS:
        raise DataError(f"Only {kept} of {len(values)} rows are complete (no missing or infinite values); dlviz "
                        f"needs at least {MIN_ROWS}. {where[0].upper() + where[1:]}: fill in or remove it.")
    notes.append(f"Dropped {len(values) - kept:,} of {_rows(len(values))} for missing or infinite values; "
                 f"{where}.")
    return values[~incomplete], labels[~incomplete]


def _refuse_huge_values(values: np.ndarray, names: list[str]) -> None:
    # float32 overflows near 3e38, and squares in the loss much sooner: such values are unit mistakes anyway.
    largest = np.abs(values).max(axis=0, initial=0.0)
    if (largest > MAX_ABS_VALUE).any():
        column = int(largest.argmax())
        raise DataError(f"Column {names[column]!r} holds values as large as {largest[column]:.3g}; dlviz accepts "
                        f"values up to {MAX_ABS_VALUE:.0e} in size. Rescale that column (e.g. use other units).")


