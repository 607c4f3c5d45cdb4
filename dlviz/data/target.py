"""The target: which column to predict (`choose_target`, `find_target`) and its two classes as 0/1."""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlviz.data.numbers import stripped
from dlviz.data.rules import FALSE_WORDS, MAX_CATEGORIES, TRUE_WORDS, DataError

# Names people give the column to predict (compared as lower-case words). A whole-name match is needed for the short,
# common words; the distinctive ones also count as one word of a longer name ("Churn Label", "is_fraud").
_LABEL_NAMES = frozenset({"label", "labels", "class", "y", "outcome", "exited", "churn", "churned", "survived",
                          "diagnosis", "default", "response", "fraud", "is_fraud", "attrition", "left",
                          "target_class", "class_label", "disease", "has_disease", "heartdisease",
                          "default payment next month", "approved", "purchased", "converted", "clicked"})
_LABEL_WORDS = frozenset({"label", "outcome", "exited", "churn", "churned", "survived", "diagnosis", "fraud",
                          "attrition", "default"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@dataclass(frozen=True)
class TargetChoice:
    """The default target of a table (None when no rule applies: the user picks one of `binary_target_candidates`)
    and the rule that picked it (or why none did), as a plain sentence the page shows."""

    column: str | None
    rule: str


def _matching(frame: pd.DataFrame, name: object) -> list:
    return [c for c in frame.columns if str(c).strip().lower() == str(name).strip().lower()]


def _label_like(name: object) -> bool:
    text = str(name).strip()
    return text.lower() in _LABEL_NAMES or any(word.lower() in _LABEL_WORDS for word in _WORD.findall(text))


def _show(values: list, limit: int = 6) -> str:
    shown = ", ".join(f"{v:g}" if isinstance(v, (float, np.floating)) else repr(v) if isinstance(v, str)
                      else str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _columns(frame: pd.DataFrame, limit: int = 12) -> str:
    more = f" and {len(frame.columns) - limit} more" if len(frame.columns) > limit else ""
    return ", ".join(str(c) for c in frame.columns[:limit]) + more


def choose_target(frame: pd.DataFrame) -> TargetChoice:
    """The default target, by the first rule that applies: a column named `target` (any case, spaces around
    ignored), whatever its values; else a two-class column with a label-like name (`Exited`, `label`, `Survived`,
    `churn`, `y`, ...: whole-name matches first, then the rightmost); else the last column if it has two classes;
    else None, the rule then naming the column the user probably meant and what it holds.

    Args:
        frame: the raw table (`read_csv`).

    Returns:
        A `TargetChoice`.

    >>> choose_target(pd.DataFrame({"Gender": ["F", "M"] * 10, "Exited": [0, 1] * 10})).column
    'Exited'
    """
    named = _matching(frame, "target")
    if len(named) == 1:
        return TargetChoice(named[0], f"the column is named `{named[0]}`")
    if len(named) > 1:
        return TargetChoice(None, f"Several columns are named target ({', '.join(map(repr, named))}).")
    binary = binary_target_candidates(frame)
    labels = [c for c in binary if str(c).strip().lower() in _LABEL_NAMES] or [c for c in binary if _label_like(c)]
    if labels:
        return TargetChoice(labels[-1], f"the column named `{labels[-1]}` looks like a label")
    if len(frame.columns) and frame.columns[-1] in binary:
        return TargetChoice(frame.columns[-1], f"`{frame.columns[-1]}` is the last column and has two classes")
    return TargetChoice(None, "No column is named `target` or like a label. " + _meant_target(frame))


def _meant_target(frame: pd.DataFrame) -> str:
    """The column the learner probably meant to predict (the rightmost label-like name, else the last column) when it
    is not two-class, named with what it is and what dlviz needs, in short sentences."""
    if not len(frame.columns):
        return ""
    labelled = [c for c in frame.columns if _label_like(c)]
    column = labelled[-1] if labelled else frame.columns[-1]
    values = stripped(frame[column])
    classes = sorted(pd.unique(values))
    numeric = bool(len(values)) and pd.to_numeric(values, errors="coerce").notna().all()
    what = (f"a measured number ({len(classes):,} different values)" if numeric and len(classes) > 10
            else f"{len(classes):,} class{'es' if len(classes) != 1 else ''} ({_show(classes)})")
    return (f"`{column}` {'looks like the label' if labelled else 'is the last column'}, but it holds {what}. "
            "dlviz predicts a column with exactly two classes, such as 0/1 or yes/no.")


def find_target(frame: pd.DataFrame, target: str | None, notes: list[str]) -> str:
    """The target column's name: the one the user named, or by default the one `choose_target` picks.

    Args:
        frame: the raw table.
        target: a column name (exactly, else ignoring case and spaces around it); None for `choose_target`'s rules.
        notes: where the rule that picked a default column other than `target` is said, for the user.

    Returns:
        The column's name as it is in `frame`.

    Raises:
        DataError: the named column is missing or several match, or (by default) no rule picks a column.
    """
    if target is None:
        choice = choose_target(frame)
        if choice.column is not None:
            if choice.column != "target":
                notes.append(f"Predicting {choice.column!r}: {choice.rule}.")
            return choice.column
        if named := _matching(frame, "target"):
            raise DataError(f"Several columns could be the target: {', '.join(map(repr, named))}. Rename all but one, "
                            "or choose the target.")
        candidates = binary_target_candidates(frame)
        hint = (f" Columns with two values that could be the target: {', '.join(map(str, candidates[:8]))}."
                if candidates else "")
        raise DataError("No column called 'target' or named like a label (such as 'label', 'class', 'outcome'). "
                        f"{_meant_target(frame)} Choose the column to predict. Columns found: "
                        f"{_columns(frame)}.{hint}")
    if str(target) in frame.columns:
        return str(target)  # a name the user chose wins, even if another differs only in case
    matches = _matching(frame, target)
    if len(matches) > 1:
        raise DataError(f"Several columns could be the target {str(target)!r}: {', '.join(map(repr, matches))}. "
                        "Rename all but one.")
    if not matches:
        raise DataError(f"There is no column {target!r}. Columns found: {_columns(frame)}.")
    return matches[0]


def binary_target_candidates(frame: pd.DataFrame) -> list[str]:
    """The columns `encode_target` accepts: exactly two classes once spacing, case and yes/no words are read.

    Args:
        frame: the raw table.

    Returns:
        Their names, in the table's order.
    """
    found = []
    for i, column in enumerate(frame.columns):
        # Spelling variants ("Yes", "yes ", "y") can add a few raw values; a column with many more is no class label.
        if 2 <= frame.iloc[:, i].nunique(dropna=True) <= MAX_CATEGORIES:
            try:
                encode_target(frame.iloc[:, i], [])
            except DataError:
                continue
            found.append(column)
    return found


def encode_target(values: pd.Series, notes: list[str]) -> np.ndarray:
    """A two-class column as 0/1 labels: yes/no, true/false, y/n, t/f, positive/negative (any case) as 1/0; any
    other pair is put in order (numbers by size, text alphabetically) and the first becomes 0.

    Args:
        values: the target column (rows,).
        notes: where a mapping that is not plain 0/1 is explained, for the user.

    Returns:
        float32 (rows,), NaN where the label is missing (`prepare` drops those rows).

    Raises:
        DataError: the column is empty or does not have exactly two classes.
    """
    values = values.reset_index(drop=True)  # positions, whatever index the caller's frame had
    numeric = pd.api.types.is_numeric_dtype(values)  # booleans included
    present = values.dropna() if numeric else stripped(values)
    if present.empty:
        raise DataError(f"The target column {values.name!r} is empty: no row has a label. Expected two classes, "
                        "such as 0/1 or yes/no.")
    if not numeric and present.str.lower().isin(TRUE_WORDS | FALSE_WORDS).all():
        positive = present.str.lower().isin(TRUE_WORDS)
        if positive.all() or not positive.any():
            raise DataError(_not_binary(values.name, sorted(set(present)), numeric))
        if not set(present) <= {"0", "1", "0.0", "1.0"}:
            notes.append(f"Read the target {values.name!r} as 1 for {_show(sorted(set(present[positive])))}"
                         f" and 0 for {_show(sorted(set(present[~positive])))}.")
    else:
        classes = sorted(pd.unique(present))
        if len(classes) != 2:
            raise DataError(_not_binary(values.name, classes, numeric))
        if not (numeric and classes == [0, 1]):
            notes.append(f"The target {values.name!r} has the values {_show(classes)}: dlviz uses "
                         f"{_show(classes[:1])} as 0 and {_show(classes[1:])} as 1.")
        positive = present == classes[1]
    labels = np.full(len(values), np.nan, dtype=np.float32)
    labels[present.index.to_numpy()] = positive.to_numpy(np.float32)
    return labels


def _not_binary(name: object, classes: list, numeric: bool) -> str:
    if len(classes) == 1:
        return (f"The target column {name!r} has only one class ({_show(classes)}). Expected two classes, "
                "0 and 1, so the model has something to tell apart.")
    hint = (" It looks like a measured quantity; dlviz trains a two-class (yes/no) classifier."
            if numeric and len(classes) > 10 else "")
    return (f"The target column {name!r} must have exactly two classes (0 and 1); it has {len(classes):,} "
            f"different values ({_show(classes)}).{hint}")
