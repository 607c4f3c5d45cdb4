"""One number convention per file: which character is the decimal mark, decided once from every numeric column.

A spreadsheet writes all its numbers one way, so "1.200" in a file whose other columns say "0,75" is one thousand two
hundred, not 1.2. Each value that can only be read one way is evidence ("0,75", "1.234,5", "3.14"); values such as
"1.200" or "2,155" fit both. Columns vote with their unambiguous values; a tie or no evidence falls back on the
separator (semicolon files come from spreadsheets set to a decimal comma, as European Excel writes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

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


@dataclass(frozen=True)
class NumberConvention:
    """The file's decimal mark (POINT or COMMA) and how it was decided, as a phrase for the notes."""

    decimal: str
    reason: str

    @property
    def description(self) -> str:
        thousands = COMMA if self.decimal == POINT else POINT
        return f"'{self.decimal}' as the decimal mark and '{thousands}' between thousands"


def _sample(text: pd.Series | list[str]) -> list[str]:
    return text[:_VOTE_SAMPLE] if isinstance(text, list) else text.iloc[:_VOTE_SAMPLE].tolist()


def _any_match(pattern: re.Pattern, values: list[str]) -> bool:
    # Compiled patterns on Python strings: pandas' .str.fullmatch re-parses the pattern on every call, which a
    # 1,000-column file pays thousands of times.
    return any(pattern.fullmatch(value) for value in values)


def column_vote(text: pd.Series | list[str]) -> str | None:
    """POINT or COMMA if the column's unambiguous values all say so; None if they say nothing (or both)."""
    sample = _sample(text)
    says = {mark for mark, pattern in _ONLY.items() if _any_match(pattern, sample)}
    return says.pop() if len(says) == 1 else None


def is_ambiguous(text: pd.Series | list[str]) -> bool:
    """Some values read differently under the two conventions ("1.200": 1.2 or 1200) and none decides."""
    return column_vote(text) is None and _any_match(_AMBIGUOUS, _sample(text))


def decide_convention(columns: list, separator: str) -> NumberConvention:
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
    thousands, which need three digits), nor "0,5" under POINT. Values without a thousands mark go through
    `pd.to_numeric` (after "," -> "." under COMMA), so "1e-5", "inf" and "nan" read as pandas reads them.
    """
    thousands = COMMA if decimal == POINT else POINT
    grouped = text.str.contains(thousands, regex=False)  # vectorised; only these need the (Python) regex below
    plain = text if decimal == POINT else text.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(plain.where(~grouped), errors="coerce").astype(np.float64)
    if grouped.any():
        pattern = _GROUPED[decimal]
        redone = [value.replace(thousands, "").replace(",", ".") if pattern.fullmatch(value) else None
                  for value in text[grouped].tolist()]
        numbers[grouped] = pd.to_numeric(pd.Series(redone, index=text.index[grouped], dtype=object),
                                         errors="coerce").astype(np.float64)
    return numbers


_NUMBERISH = re.compile(r"[+-]?[\d.,]*\d[\d.,]*([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I)


def _stripped(series: pd.Series) -> pd.Series:
    text = series.dropna().astype(str).str.strip()
    return text[text != ""]


def read_numbers(frame: pd.DataFrame, sample: pd.DataFrame, reread: Callable[[list[int]], pd.DataFrame],
                 separator: str) -> tuple[pd.DataFrame, str, list[str], list[str]]:
    """A file's columns as pandas typed them -> numbers read with the file's one convention.

    Args:
        frame: the whole file as `pd.read_csv` types it (its C parser reads "." as the decimal mark).
        sample: the first rows as text (same columns), the evidence for the convention.
        reread: column positions -> those columns of the whole file as text; called only when pandas' reading
            cannot be kept (a decimal-comma file whose columns pandas read as floats).
        separator: the file's separator, the tie-breaker.

    Returns (frame with numeric columns as int64/float64 and the rest left as text, the decimal mark, notes, the
    columns written as amounts: with thousands separators, which people do not write in keys). A column whose
    unambiguous values contradict the file's convention is read its own way and named in the notes; a column whose
    values read either way ("1.200") follows the file and is named too.
    """
    typed_whole = {column for column in frame.columns if pd.api.types.is_integer_dtype(frame[column])
                   or pd.api.types.is_bool_dtype(frame[column])}
    samples = {column: [v.strip() for v in sample[column].tolist() if isinstance(v, str) and v.strip()]
               for column in sample.columns if column not in typed_whole}
    numberish = [text for text in samples.values()
                 if len(text) and np.mean([bool(_NUMBERISH.fullmatch(v)) for v in _sample(text)]) >= 0.95]
    convention = decide_convention(numberish, separator)
    other = COMMA if convention.decimal == POINT else POINT
    formatted, ambiguous, contrary, amounts = [], [], [], []
    texts: dict[object, pd.Series] = {}
    for column in frame.columns:
        series = frame[column]
        if column in typed_whole:
            continue  # whole numbers without separators (or True/False) read the same either way
        if pd.api.types.is_float_dtype(series) and convention.decimal == POINT:
            if column in samples and is_ambiguous(samples[column]):
                ambiguous.append(_ambiguous_example(column, samples[column], POINT))
            continue  # pandas read "." as the decimal mark, as the file does
        texts[column] = None if pd.api.types.is_float_dtype(series) else _stripped(series)
    floats = [i for i, column in enumerate(frame.columns) if column in texts and texts[column] is None]
    if floats:
        again = reread(floats)
        for position, column in zip(range(again.shape[1]), (frame.columns[i] for i in floats)):
            texts[column] = _stripped(again.iloc[:, position])
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
            ambiguous.append(_ambiguous_example(column, text, convention.decimal))
        elif not numbers.equals(pd.to_numeric(text, errors="coerce").astype(np.float64)):
            formatted.append(str(column))
        if _any_match(_GROUPED[convention.decimal], _sample(text)):
            amounts.append(str(column))
        whole = len(text) == len(frame) and bool((numbers == np.round(numbers)).all())
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
    return frame, convention.decimal, notes, amounts


def _ambiguous_example(column: object, text: pd.Series | list[str], decimal: str) -> str:
    example = next(value for value in _sample(text) if _AMBIGUOUS.fullmatch(value))
    value = parse_numbers(pd.Series([example]), decimal).iloc[0]
    return f"{column} ('{example}' read as {value:,g})"


def _replace(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
    frame = frame.copy()
    for column, values in columns.items():
        frame[column] = values
    return frame
