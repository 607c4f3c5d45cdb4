"""One number convention per file: the decimal mark, decided once from every numeric column.

A spreadsheet writes all its numbers one way, so "1.200" in a file whose other columns say "0,75" is 1200, not 1.2.
Columns vote with their values that read only one way ("0,75", "1.234,5", "3.14"); a tie or no evidence falls back
on the separator (European Excel writes semicolon files with decimal commas). `pd.read_csv(decimal=)` reads plain
columns; not `thousands=`: it drops the mark anywhere ("3.5" -> 35), so a column written the other way passes unseen.
"""

import re
from typing import Callable

import numpy as np
import pandas as pd

POINT = "."  # decimal point, "," groups thousands: 1,234.5
COMMA = ","  # decimal comma, "." groups thousands: 1.234,5
_OTHER = {POINT: COMMA, COMMA: POINT}
_SAMPLE = 2_000  # values per column looked at for evidence: enough to meet both kinds in any real column


def _evidence(mark: str) -> re.Pattern:
    """Values that can only be read with `mark` as the decimal mark."""
    d, t = re.escape(mark), re.escape(_OTHER[mark])
    return re.compile(rf"[+-]?(\d*{d}\d{{1,2}}|\d*{d}\d{{4,}}|0{d}\d{{3}}|\d{{4,}}{d}\d+|{d}\d+"
                      rf"|\d{{1,3}}({t}\d{{3}})+{d}\d*|\d{{1,3}}({t}\d{{3}}){{2,}})")


_ONLY = {POINT: _evidence(POINT), COMMA: _evidence(COMMA)}
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")
_GROUPED = {mark: re.compile(rf"[+-]?\d{{1,3}}({re.escape(_OTHER[mark])}\d{{3}})+({re.escape(mark)}\d*)?")
            for mark in (POINT, COMMA)}
_NUMBERISH = re.compile(r"[+-]?[\d.,]*\d[\d.,]*([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I)


def _any(pattern: re.Pattern, values: list[str]) -> bool:
    # Compiled patterns on Python strings: pandas' .str.fullmatch re-parses the pattern on every call.
    return any(pattern.fullmatch(value) for value in values[:_SAMPLE])


def _vote(values: list[str]) -> str | None:
    """POINT or COMMA if the column's unambiguous values all say so; None if they say nothing (or both)."""
    says = {mark for mark, pattern in _ONLY.items() if _any(pattern, values)}
    return says.pop() if len(says) == 1 else None


def _ambiguous(column: object, values: list[str], decimal: str) -> str | None:
    """`column ('1.200' read as 1.2)` when some values read differently under the two marks and none decides."""
    example = next((value for value in values[:_SAMPLE] if _AMBIGUOUS.fullmatch(value)), None)
    if example is None or _vote(values) is not None:
        return None
    return f"{column} ('{example}' read as {parse_numbers(pd.Series([example]), decimal).iloc[0]:,g})"


def parse_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Text values -> numbers, under one decimal mark: "1.200" is 1200 under COMMA and 1.2 under POINT; "3.5" is not
    a number under COMMA (a thousands mark groups three digits), nor "0,5" under POINT. Values without a thousands
    mark go through `pd.to_numeric(errors="coerce")` (after "," -> "." under COMMA), as pandas reads "1e-5" or "inf".

    Args:
        text: stripped, non-missing strings (rows,).
        decimal: `POINT` or `COMMA`.

    Returns:
        float64 (rows,) with the same index, NaN where a value is not a number under `decimal`.
    """
    thousands = _OTHER[decimal]
    grouped = text.str.contains(thousands, regex=False)  # vectorised; only these need the (Python) regex below
    plain = text if decimal == POINT else text.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(plain.where(~grouped), errors="coerce").astype(np.float64)
    if grouped.any():
        redone = [value.replace(thousands, "").replace(",", ".") if _GROUPED[decimal].fullmatch(value) else None
                  for value in text[grouped].tolist()]
        numbers[grouped] = pd.to_numeric(pd.Series(redone, index=text.index[grouped], dtype=object),
                                         errors="coerce").astype(np.float64)
    return numbers


def stripped(series: pd.Series) -> pd.Series:
    """A column's non-missing values as stripped strings, blank strings counted as missing.

    Args:
        series: any column (rows,).

    Returns:
        str (rows kept,), with their index labels.
    """
    text = series.dropna().astype(str).str.strip()
    return text[text != ""]


def read_numbers(sample: pd.DataFrame, parse: Callable[[str], pd.DataFrame], separator: str
                 ) -> tuple[pd.DataFrame, str, list[str], list[str]]:
    """A file's numbers, read with its one convention. A column whose unambiguous values contradict it is read its
    own way and named in the notes; a column whose values read either way ("1.200") follows the file and is named
    too. Text that is not all numbers is left for the cleaning step.

    Args:
        sample: the file's first rows as text, the evidence for the convention.
        parse: a decimal mark -> the whole file as `pd.read_csv(decimal=...)` types it (its C parser keeps a column
            as text when a value does not fit, e.g. "1.200" under `decimal=","`).
        separator: the file's separator, the tie-breaker.

    Returns:
        (the file's frame with numeric columns as int64/float64 and the rest left as text, the decimal mark `POINT`
        or `COMMA`, notes for the user, the columns written as amounts: with thousands separators, which people do
        not write in keys).
    """
    samples = {column: [v.strip() for v in sample[column].tolist() if isinstance(v, str) and v.strip()]
               for column in sample.columns}
    votes = [vote for text in samples.values() if text and np.mean([bool(_NUMBERISH.fullmatch(v))
                                                                    for v in text[:_SAMPLE]]) >= 0.95
             if (vote := _vote(text))]
    points, commas = votes.count(POINT), votes.count(COMMA)
    if points != commas:
        decimal = POINT if points > commas else COMMA
        reason = f"{max(points, commas)} of {len(votes)} column(s) with unambiguous numbers write them this way"
    else:
        decimal = COMMA if separator == ";" else POINT
        reason = (f"{'the numbers fit either way' if not votes else 'the columns disagree equally'}, and the file is "
                  f"{'semicolon' if separator == ';' else 'not semicolon'}-separated")
    frame, other = parse(decimal), _OTHER[decimal]
    ambiguous, formatted, contrary, amounts = [], [], [], []
    for column in frame.columns:
        if pd.api.types.is_integer_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            continue  # whole numbers without separators read alike either way
        if pd.api.types.is_float_dtype(frame[column]):  # pandas read them with the file's decimal mark
            if note := _ambiguous(column, samples.get(column, []), decimal):
                ambiguous.append(note)
            elif decimal == COMMA and any("," in value for value in samples.get(column, [])):
                formatted.append(str(column))
            continue
        text = stripped(frame[column])
        if not len(text):
            continue
        values, numbers = text.iloc[:_SAMPLE].tolist(), parse_numbers(text, decimal)
        if not numbers.notna().all():
            if _vote(values) != other or not (numbers := parse_numbers(text, other)).notna().all():
                plain = pd.to_numeric(text, errors="coerce")  # e.g. "7.8e+05" in a decimal-comma file
                if plain.notna().all():
                    frame[column] = plain.reindex(frame.index).astype(np.float64)
                continue  # else text, or numbers with typos: the cleaning step decides, with the file's convention
            contrary.append(str(column))
        elif note := _ambiguous(column, values, decimal):
            ambiguous.append(note)
        elif not numbers.equals(pd.to_numeric(text, errors="coerce").astype(np.float64)):
            formatted.append(str(column))
        if _any(_GROUPED[decimal], values):
            amounts.append(str(column))
        whole = len(text) == len(frame) and bool((numbers == np.round(numbers)).all())
        frame[column] = numbers.reindex(frame.index).astype(np.int64 if whole else np.float64)
    notes = []
    if formatted or ambiguous:
        notes.append(f"Read numbers written with thousands separators or decimal commas the file's one way, "
                     f"'{decimal}' as the decimal mark and '{other}' between thousands ({reason}): "
                     f"{', '.join(formatted + ambiguous)}.")
    if contrary:
        notes.append(f"Column(s) {', '.join(contrary)} write numbers the other way ('{other}' as the decimal mark), "
                     "unlike the rest of the file; read them that way. Check them.")
    return frame, decimal, notes, amounts
