"""The target: which column to predict (`choose_target`, `find_target`) and its two classes as 0/1."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlviz.data.rules import FALSE_WORDS, MAX_CATEGORIES, TRUE_WORDS, DataError, _list_columns, _show_values


@dataclass(frozen=True)
class TargetChoice:
    """The default target of a table and the rule that picked it, as a plain sentence the page shows.

    `column` is None when no rule applies: the user must pick one of `binary_target_candidates`.
    """

    column: str | None
    rule: str


# Names people give the column to predict (compared as lower-case words). A whole-name match is needed for the short,
# common words; the distinctive ones also count as one word of a longer name ("Churn Label", "is_fraud").
_LABEL_NAMES = frozenset({"label", "labels", "class", "y", "outcome", "exited", "churn", "churned", "survived",
                          "diagnosis", "default", "response", "fraud", "is_fraud", "attrition", "left",
                          "target_class", "class_label", "disease", "has_disease", "heartdisease",
                          "default payment next month", "approved", "purchased", "converted", "clicked"})
_LABEL_WORDS = frozenset({"label", "outcome", "exited", "churn", "churned", "survived", "diagnosis", "fraud",
                          "attrition", "default"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _is_target_name(name: object) -> bool:
    return str(name).strip().lower() == "target"


def _label_like(name: object) -> bool:
    text = str(name).strip()
    if text.lower() in _LABEL_NAMES:
        return True
    return any(word.lower() in _LABEL_WORDS for word in _WORD.findall(text))


def choose_target(frame: pd.DataFrame) -> TargetChoice:
    """The default target, by the first rule that applies (issue 16, item 1):

    1. a column named `target` (any case, spaces around ignored), whatever its values;
    2. else a column with two classes and a label-like name (`Exited`, `label`, `Survived`, `churn`, `y`, ...,
       any case; whole-name matches first, then the rightmost);
    3. else the last column, when it has two classes;
    4. else None: the user must choose.

    >>> choose_target(pd.DataFrame({"Gender": ["F", "M"] * 10, "Exited": [0, 1] * 10})).column
    'Exited'
    """
    named = [c for c in frame.columns if _is_target_name(c)]
    if len(named) == 1:
        return TargetChoice(named[0], f"the column is named `{named[0]}`")
    if len(named) > 1:
        return TargetChoice(None, f"Several columns are named target ({', '.join(map(repr, named))}).")
    binary = binary_target_candidates(frame)
    exact = [c for c in binary if str(c).strip().lower() in _LABEL_NAMES]
    partial = [c for c in binary if _label_like(c)]
    if exact or partial:
        column = (exact or partial)[-1]
        return TargetChoice(column, f"the column named `{column}` looks like a label")
    if len(frame.columns) and frame.columns[-1] in binary:
        column = frame.columns[-1]
        return TargetChoice(column, f"`{column}` is the last column and has two classes")
    return TargetChoice(None, "No column is named `target` or like a label. " + _meant_target(frame))


def _meant_target(frame: pd.DataFrame) -> str:
    """The column the learner probably meant to predict (the rightmost label-like name, else the last column) when it
    is not two-class, named with what it is and what dlviz needs, in short sentences."""
    if not len(frame.columns):
        return ""
    labelled = [c for c in frame.columns if _label_like(c)]
    column = labelled[-1] if labelled else frame.columns[-1]
    values = _clean_text(frame[column])
    classes = sorted(pd.unique(values))
    numeric = bool(len(values)) and pd.to_numeric(values, errors="coerce").notna().all()
    what = (f"a measured number ({len(classes):,} different values)" if numeric and len(classes) > 10
            else f"{len(classes):,} class{'es' if len(classes) != 1 else ''} ({_show_values(classes)})")
    return (f"`{column}` {'looks like the label' if labelled else 'is the last column'}, but it holds {what}. "
            "dlviz predicts a column with exactly two classes, such as 0/1 or yes/no.")


def find_target(frame: pd.DataFrame, target: str | None) -> str:
    """The target column's name: the one the user named (exactly, else ignoring case and spaces), or by default the
    column `choose_target` picks.

    Raises:
        DataError: the named column is missing, or several match, or (by default) no rule picks a column.
    """
    if target is None:
        choice = choose_target(frame)
        if choice.column is not None:
            return choice.column
        named = [c for c in frame.columns if _is_target_name(c)]
        if named:
            raise DataError(f"Several columns could be the target: {', '.join(map(repr, named))}. Rename all but one, "
                            "or choose the target.")
        candidates = binary_target_candidates(frame)
        hint = (f" Columns with two values that could be the target: {', '.join(map(str, candidates[:8]))}."
                if candidates else "")
        raise DataError("No column called 'target' or named like a label (such as 'label', 'class', 'outcome'). "
                        f"{_meant_target(frame)} Choose the column to predict. Columns found: "
                        f"{_list_columns(frame)}.{hint}")
    return _named_target(frame, target)


def _named_target(frame: pd.DataFrame, target: str) -> str:
    wanted = str(target)
    if wanted in frame.columns:
        return wanted  # a name the user chose wins, even if another differs only in case
    matches = [c for c in frame.columns if str(c).strip().lower() == wanted.strip().lower()]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise DataError(f"Several columns could be the target {wanted!r}: {', '.join(map(repr, matches))}. "
                        "Rename all but one.")
    raise DataError(f"There is no column {target!r}. Columns found: {_list_columns(frame)}.")


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
    """A two-class column as float32 0/1 labels.

    Words yes/no, true/false, y/n, t/f, positive/negative (any case) are read as 1/0. Any other pair is put in
    order (numbers by size, text alphabetically) and the first becomes 0.

    Args:
        values: the target column.
        notes: where a mapping that is not plain 0/1 is explained, for the user.

    Returns:
        float32 [rows], NaN where the label is missing (`prepare` drops those rows).

    Raises:
        DataError: the column is empty or does not have exactly two classes."""
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


