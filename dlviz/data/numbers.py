"""One number convention per file: which character is the decimal mark, decided once from every numeric column.

A spreadsheet writes all its numbers one way, so "1.200" in a file whose other columns say "0,75" is one thousand two
hundred, not 1.2. Each value that can only be read one way is evidence ("0,75", "1.234,5", "3.14"); values such as
"1.200" or "2,155" fit both. Columns vote with their unambiguous values; a tie or no evidence falls back on the
separator (semicolon files come from spreadsheets set to a decimal comma, as European Excel writes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

POINT = "."  # decimal point, "," groups thousands: 1,234.5
COMMA = ","  # decimal comma, "." groups thousands: 1.234,5
_VOTE_SAMPLE = 2_000  # values per column looked at for evidence: enough to meet both kinds in any real column


def _evidence(mark: str) -> re.Pattern:
    """Values that can only be read with `mark` as the decimal mark."""
    d, t = re.escape(mark), re.escape(COMMA if mark == POINT else POINT)
    return re.compile(rf"[+-]?(\d*{d}\d{{1,2}}|\d*{d}\d{{4,}}|0{d}\d{{3}}|\d{{4,}}{d}\d+|{d}\d+"
                      rf"|\d{{1,3}}({t}\d{{3}})+{d}\d*|\d{{1,3}}({t}\d{{3}}){{2,}})")


_ONLY = {POINT: _evidence(POINT), COMMA: _evidence(COMMA)}
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")
_GROUPED = {mark: re.compile(rf"[+-]?\d{{1,3}}({re.escape(COMMA if mark == POINT else POINT)}\d{{3}})+"
                             rf"({re.escape(mark)}\d*)?") for mark in (POINT, COMMA)}
_PLAIN = {POINT: re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I),
          COMMA: re.compile(r"[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I)}


@dataclass(frozen=True)
class NumberConvention:
    """The file's decimal mark (POINT or COMMA) and how it was decided, as a phrase for the notes."""

    decimal: str
    reason: str

    @property
    def description(self) -> str:
        thousands = COMMA if self.decimal == POINT else POINT
        return f"'{self.decimal}' as the decimal mark and '{thousands}' between thousands"


def column_vote(text: pd.Series) -> str | None:
    """POINT or COMMA if the column's unambiguous values all say so; None if they say nothing (or both)."""
    sample = text.iloc[:_VOTE_SAMPLE]
    says = {mark for mark, pattern in _ONLY.items() if sample.str.fullmatch(pattern).any()}
    return says.pop() if len(says) == 1 else None


def is_ambiguous(text: pd.Series) -> bool:
    """Some values read differently under the two conventions ("1.200": 1.2 or 1200) and none decides."""
    return column_vote(text) is None and bool(text.iloc[:_VOTE_SAMPLE].str.fullmatch(_AMBIGUOUS).any())


def decide_convention(columns: list[pd.Series], separator: str) -> NumberConvention:
    """The file's convention from the votes of its text columns (stripped, non-missing values)."""
    votes = [vote for vote in map(column_vote, columns) if vote]
    points, commas = votes.count(POINT), votes.count(COMMA)
    if points != commas:
        winner = POINT if points > commas else COMMA
        return NumberConvention(winner, f"{max(points, commas)} of {points + commas} column(s) with unambiguous "
                                        "numbers write them this way")
    fallback = COMMA if separator == ";" else POINT
    why = "the numbers fit either way" if not votes else "the columns disagree equally"
    return NumberConvention(fallback, f"{why}, and the file is {'semicolon' if separator == ';' else 'not semicolon'}"
                                      "-separated")


def parse_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Stripped text values -> float64, NaN where a value is not a number under the `decimal` convention.

    "1.200" is 1200 under COMMA and 1.2 under POINT; "3.5" is not a number under COMMA (its "." would group
    thousands, which need three digits), nor "0,5" under POINT.
    """
    grouped = text.str.fullmatch(_GROUPED[decimal])
    plain = text.str.fullmatch(_PLAIN[decimal])
    thousands = COMMA if decimal == POINT else POINT
    # Grouped values lose their thousands marks; plain ones have none. Anything else is not a number here.
    normal = text.where(grouped | plain).str.replace(thousands, "", regex=False)
    if decimal == COMMA:
        normal = normal.str.replace(",", ".", regex=False)
    return pd.to_numeric(normal, errors="coerce").astype(np.float64)


_NUMBERISH = re.compile(r"[+-]?[\d.,]*\d[\d.,]*([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I)
_WHOLE = re.compile(r"[+-]?\d+")


def read_numbers(frame: pd.DataFrame, separator: str) -> tuple[pd.DataFrame, str, list[str], list[str]]:
    """Text columns of a freshly read file -> numbers where every value is one, under the file's one convention.

    Returns (frame with numeric columns as int64/float64 and the rest left as text, the decimal mark, notes, the
    columns written as amounts: with thousands separators, which people do not write in keys). A
    column whose unambiguous values contradict the file's convention is read its own way and named in the notes;
    a column whose values read either way ("1.200") follows the file and is named too.
    """
    texts = {column: frame[column].dropna().astype(str).str.strip() for column in frame.columns}
    texts = {column: text[text != ""] for column, text in texts.items()}
    numberish = [text for text in texts.values() if len(text) and text.str.fullmatch(_NUMBERISH).mean() >= 0.95]
    convention = decide_convention(numberish, separator)
    other = COMMA if convention.decimal == POINT else POINT
    formatted, ambiguous, contrary = [], [], []
    columns = {}
    for column, text in texts.items():
        if not len(text):
            continue
        numbers = parse_numbers(text, convention.decimal)
        if not numbers.notna().all():
            if column_vote(text) != other or not (numbers := parse_numbers(text, other)).notna().all():
                continue  # text, or numbers with typos: the cleaning step decides, with the file's convention
            contrary.append(str(column))
        elif is_ambiguous(text):
            example = text[text.str.fullmatch(_AMBIGUOUS)].iloc[0]
            ambiguous.append(f"{column} ('{example}' read as {numbers[text.index[text == example][0]]:,g})")
        elif not numbers.equals(pd.to_numeric(text, errors="coerce").astype(np.float64)):
            formatted.append(str(column))
        whole = len(text) == len(frame) and text.str.fullmatch(_WHOLE).all()
        columns[column] = numbers.reindex(frame.index).astype(np.int64 if whole else np.float64)
    if columns:
        frame = _replace(frame, columns)
    notes = []
    if formatted or ambiguous:
        notes.append(f"Read numbers written with thousands separators or decimal commas the file's one way, "
                     f"{convention.description} ({convention.reason}): {', '.join(formatted + ambiguous)}.")
    if contrary:
        notes.append(f"Column(s) {', '.join(contrary)} write numbers the other way ('{other}' as the decimal mark), "
                     "unlike the rest of the file; read them that way. Check them.")
    grouped = _GROUPED[convention.decimal]
    amounts = [str(c) for c, text in texts.items() if c in columns and text.str.fullmatch(grouped).any()]
    return frame, convention.decimal, notes, amounts


def _replace(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
    frame = frame.copy()
    for column, values in columns.items():
        frame[column] = values
    return frame
