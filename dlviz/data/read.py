"""Reading a CSV: bytes -> text (encoding) -> dialect (separator, quoting) -> a DataFrame of raw columns."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
from collections import Counter
from typing import IO

import pandas as pd

from dlviz.data.numbers import COMMA, read_numbers
from dlviz.data.rules import (AMOUNTS, DECIMAL_COMMA, MAX_COLUMNS, MAX_UPLOAD_BYTES, MIN_ROWS, READ_NOTES, DataError,
                              Source)

# CSV reading: bytes -> text -> a raw DataFrame. Anything that is not a rectangular CSV with a header is refused here.

# Formats people save as ".csv" by mistake, told apart by their first bytes, with what to do instead.
_MAGIC_NUMBERS = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another ZIP archive", "Open it in your spreadsheet program and "
                                                                       "save it as CSV."),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", "Open it in your spreadsheet program and save it as CSV."),
    (b"\x1f\x8b", "a gzip-compressed file", "Decompress it first."),
    (b"%PDF", "a PDF document", "Export the table as CSV instead."),
    (b"\x89PNG", "a PNG image", "Upload the table as CSV."),
    (b"\xff\xd8\xff", "a JPEG image", "Upload the table as CSV."),
)
# Longest first: the UTF-32 little-endian BOM starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_SAMPLE_BYTES = 64 * 1024
# Control characters that text files do not contain (tab, newline, carriage return excluded).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "|"}


def _read_bytes(source: Source) -> bytes:
    """The raw bytes of a path, bytes, or file-like object (an upload), refusing anything over MAX_UPLOAD_BYTES."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        data = _read_path(source)
    elif hasattr(source, "read"):
        data = _read_file_object(source)
    else:
        raise DataError(f"Expected a CSV file (a path, bytes or an uploaded file); got {type(source).__name__}.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataError(_too_big(len(data)))
    return data


def _read_path(path: str | os.PathLike) -> bytes:
    try:
        size = os.path.getsize(path)
        if size <= MAX_UPLOAD_BYTES:  # checked before reading: the file may be huge
            with open(path, "rb") as handle:
                return handle.read(MAX_UPLOAD_BYTES + 1)
    except (OSError, ValueError) as exc:  # missing, a directory, no permission, a NUL in the name
        shown = str(os.fspath(path))
        hint = " (a text argument is read as a file path; pass CSV text as bytes)" if "\n" in shown else ""
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataError(f"Could not open the file {shown[:200]!r}: {reason}{hint}.") from None
    raise DataError(_too_big(size))


def _read_file_object(handle: IO) -> bytes:
    try:
        # An upload (io.BytesIO, Streamlit's UploadedFile) may have been read before: getvalue() is the whole file
        # whatever the position, as Streamlit's docs recommend.
        getvalue = getattr(handle, "getvalue", None)
        data = getvalue() if callable(getvalue) else handle.read(MAX_UPLOAD_BYTES + 1)
    except (OSError, ValueError) as exc:  # e.g. a closed file
        raise DataError(f"Could not read the uploaded file: {exc}.") from None
    if isinstance(data, str):
        data = data.encode("utf-8", errors="replace")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DataError(f"Expected the file to give bytes or text; it gave {type(data).__name__}.")
    return bytes(data)


def _too_big(size: int) -> str:
    limit_mb = MAX_UPLOAD_BYTES // 2**20
    return (f"The file is too large: {size:,} bytes ({size / 2**20:.1f} MB); dlviz accepts CSV files up to "
            f"{limit_mb} MB ({MAX_UPLOAD_BYTES:,} bytes). Upload a sample of the rows.")


def _refuse_known_formats(data: bytes) -> None:
    for magic, what, advice in _MAGIC_NUMBERS:
        if data.startswith(magic):
            raise DataError(f"This is {what}, not a CSV text file. {advice}")


def _decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name for the notes).

    A byte-order mark decides; UTF-16 without one is recognised by its zero bytes; otherwise UTF-8, then Windows-1252
    (what Excel writes on Windows), then Latin-1, which accepts any byte, so text always comes out.
    """
    codec_label = next(((codec, label) for bom, codec, label in _BOMS if data.startswith(bom)), None)
    codec_label = codec_label or _bomless_utf16(data[:_SAMPLE_BYTES])
    if codec_label:
        codec, label = codec_label
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            raise DataError(f"The file starts like {label} text but is not valid {label}. "
                            "Save it again as CSV (UTF-8).") from None
    if b"\x00" in data[:_SAMPLE_BYTES]:
        raise DataError(_NOT_TEXT)
    for codec, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "Latin-1"


_NOT_TEXT = ("This does not look like a CSV text file: it contains binary data. Expected text with a header row and "
             "values separated by commas, semicolons, tabs or |.")


def _bomless_utf16(sample: bytes) -> tuple[str, str] | None:
    """UTF-16 text of mostly ASCII characters has a zero byte in every other position."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_zeros, odd_zeros = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le", "UTF-16"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be", "UTF-16"
    return None


def _refuse_non_csv_text(text: str) -> None:
    sample = text[:_SAMPLE_BYTES]
    if len(_CONTROL_CHARS.findall(sample)) > 0.01 * len(sample):
        raise DataError(_NOT_TEXT)
    first = sample.lstrip()[:1]
    if first in ("{", "["):
        raise DataError("This looks like JSON, not CSV. Expected a header row and values separated by commas, "
                        "semicolons, tabs or |.")
    if first == "<":
        raise DataError("This looks like HTML or XML (a web page?), not CSV. Expected a header row and values "
                        "separated by commas, semicolons, tabs or |.")


def _split_separator_line(text: str) -> tuple[str, str | None]:
    """Excel may write `sep=;` as the first line to name the separator: honour it and remove it."""
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) == 5 and first.lower().startswith("sep=") and first[4] in _SEPARATOR_NAMES:
        return rest, first[4]
    return text, None


def _sniff_separator(text: str) -> str:
    """The separator that splits the header into the most fields and the sample lines into as many.

    csv.Sniffer guesses wrong on short or numeric files (it happily picks "." or "0"); trying the four candidates
    and scoring consistency first, then width, is simpler and predictable.
    """
    lines = [line for line in text[:_SAMPLE_BYTES].splitlines()[:50] if line.strip()]
    best, best_score = ",", (-1.0, 0)
    for sep in _SEPARATOR_NAMES:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep, skipinitialspace=True)]
        if not counts or counts[0] < 2:
            continue
        consistency = round(sum(count == counts[0] for count in counts) / len(counts), 1)
        if (consistency, counts[0]) > best_score:
            best, best_score = sep, (consistency, counts[0])
    return best


def _text_stream(text: str) -> io.StringIO:
    return io.StringIO(text, newline=None)  # universal newlines: \r\n and old-Mac \r both become \n


def _check_table(text: str, sep: str, skipped_lines: int = 0) -> tuple[list[str], int]:
    """Walk the rows once with the csv module: header names and the number of data rows.

    pandas pads short rows with missing values and (with index_col=False) cuts long ones, silently; a learner
    should hear which line is broken instead. `skipped_lines` keeps line numbers true to the file the user has.
    """
    reader = csv.reader(_text_stream(text), delimiter=sep, skipinitialspace=True, strict=True)
    header: list[str] | None = None
    data_rows = 0
    last_line = 0
    try:
        for row in reader:
            if header is not None and len(row) == len(header):
                data_rows += 1  # the common case, kept cheap: a 50 MB file has a million rows
            elif not any(value.strip() for value in row):
                pass  # a blank line; pandas skips it too
            elif header is None:
                header = [name.strip() for name in row]
                _check_header(header)
            else:
                _check_row_width(row, header, reader.line_num + skipped_lines, sep)
                data_rows += 1
            last_line = reader.line_num
    except csv.Error as exc:
        raise DataError(_quote_problem(str(exc), last_line + skipped_lines, reader.line_num + skipped_lines)) from None
    return header or [], data_rows


def _quote_problem(error: str, last_good_line: int, line: int) -> str:
    if "unexpected end of data" in error:
        return (f"A quoted value that starts on line {last_good_line + 1} is never closed: the file ends inside "
                "the quotes. Every opening double quote needs a closing one.")
    if "field larger than field limit" in error:
        return (f"Line {line} has a value longer than {csv.field_size_limit():,} characters, usually a double "
                "quote that is never closed.")
    return (f"Line {line} has broken quoting ({error}). A value that contains the separator must be wrapped in "
            'double quotes, with nothing after the closing quote; a quote inside it is written twice ("").')


def _check_header(names: list[str]) -> None:
    if len(names) > MAX_COLUMNS:
        raise DataError(f"The file has {len(names):,} columns; dlviz accepts up to {MAX_COLUMNS:,} (the target "
                        "and the features). Keep the columns you need.")
    if all(_is_number(name) for name in names):
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        raise DataError(f"The first row holds only numbers ({shown}), so it looks like data, not a header. "
                        "Expected a first row that names the columns, one of them 'target'.")
    repeated = sorted(name for name, count in Counter(names).items() if name and count > 1)
    if repeated:
        raise DataError(f"Column names must be unique; the header repeats: {', '.join(map(repr, repeated[:8]))}. "
                        "Rename the repeated columns.")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_row_width(row: list[str], header: list[str], line: int, sep: str) -> None:
    # Trailing separators are common (spreadsheet exports): extra empty values at the end of a row are fine, and
    # a row may stop before header columns that have no name.
    named = len(header) - next((i for i, name in enumerate(reversed(header)) if name), len(header))
    if len(row) < named or any(value.strip() for value in row[len(header):]):
        shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
        raise DataError(f"Line {line} has {len(row)} values but the header has {len(header)} columns ({shown}). "
                        f"Every row needs one value per column; look for a missing or extra "
                        f"{_SEPARATOR_NAMES[sep]} on line {line}.")


def read_csv(source: Source) -> pd.DataFrame:
    """Read an uploaded CSV as raw columns: its encoding (a byte-order mark, UTF-16, UTF-8, Windows-1252, Latin-1),
    separator (comma, semicolon, tab, |, or an Excel `sep=` line), quoting, header and number convention decided
    here, once.

    Args:
        source: a path, bytes, or a file-like object.

    Returns:
        A DataFrame of the file's columns (the target is not checked yet); what was guessed is kept in
        `frame.attrs[READ_NOTES]` for `prepare`.

    Raises:
        DataError: anything that is not a readable CSV table, with a message for the user."""
    data = _read_bytes(source)
    if not data.strip():
        raise DataError(_EMPTY)
    _refuse_known_formats(data)
    text, encoding = _decode(data)
    if not text.strip():
        raise DataError(_EMPTY)
    _refuse_non_csv_text(text)
    text, declared_sep = _split_separator_line(text)
    sep = declared_sep or _sniff_separator(text)
    skipped = 1 if declared_sep else 0
    generated = _generated_header(text, sep)
    if generated:
        text, skipped = generated + "\n" + text, skipped - 1
    header, data_rows = _check_table(text, sep, skipped_lines=skipped)
    if len(header) < 2:
        raise DataError(f"Found a single column ({(header or [''])[0][:60]!r}). Expected a target column and at "
                        "least one feature column, separated by commas, semicolons, tabs or |.")
    if data_rows == 0:
        raise DataError(f"The file has a header ({', '.join(header[:6])}) but no data rows. Expected at least "
                        f"{MIN_ROWS} rows of data.")
    frame = _parse(text, sep)
    frame.columns = [str(name).strip() for name in frame.columns]
    try:
        sample = _parse(_head(text), sep, dtype=str, nrows=_NUMBER_SAMPLE_ROWS)
    except DataError:  # the cut fell inside a quoted value that holds a line break
        sample = _parse(text, sep, dtype=str, nrows=_NUMBER_SAMPLE_ROWS)
    sample.columns = frame.columns
    frame, decimal, number_notes, amounts = read_numbers(
        frame, sample, lambda positions: _parse(text, sep, dtype=str, usecols=positions), sep)
    notes = []
    if generated:
        notes.append(f"The first line holds data, not column names, so it was read as a row of data and the "
                     f"columns were named column_1 to column_{len(header)}.")
    if sep != ",":
        notes.append(f"Read the file with {_SEPARATOR_NAMES[sep]} as the separator.")
    if encoding in ("Windows-1252", "Latin-1"):
        notes.append(f"The file is not UTF-8; read it as {encoding} text (check accented letters).")
    frame.attrs[READ_NOTES] = notes + number_notes
    frame.attrs[DECIMAL_COMMA] = decimal == COMMA
    frame.attrs[AMOUNTS] = amounts
    return frame


_NUMBER_CELL = re.compile(r"[+-]?[\d.,]*\d[\d.,]*([eE][+-]?\d+)?")
_HEADER_SAMPLE_ROWS = 50


def _generated_header(text: str, sep: str) -> str | None:
    """A header line `column_1,...,column_N` when the first row looks like data, else None.

    The first row is data when at least half its cells are numbers, and each cell is like the values below it: a
    number above a column of numbers, a word above a column of words (a header puts names above numbers). Headers of
    years ("2019, 2020") above numbers still count as names as long as some other name ("target") is a word above
    numbers.
    """
    lines = text[:_SAMPLE_BYTES].splitlines()[:_HEADER_SAMPLE_ROWS + 1]
    try:
        rows = [row for row in csv.reader(lines, delimiter=sep, skipinitialspace=True) if any(map(str.strip, row))]
    except csv.Error:
        return None  # broken quoting: _check_table reports it with its line number
    if len(rows) < 2:
        return None
    first, below = [cell.strip() for cell in rows[0]], rows[1:]
    numeric_first = [bool(_NUMBER_CELL.fullmatch(cell)) for cell in first]
    if sum(numeric_first) < max(1, len(first) / 2):
        return None
    for j, is_number in enumerate(numeric_first):
        column = [row[j].strip() for row in below if j < len(row) and row[j].strip()]
        if not column:
            continue
        share = sum(bool(_NUMBER_CELL.fullmatch(cell)) for cell in column) / len(column)
        if (share >= 0.8) != is_number:
            return None
    return sep.join(f"column_{j + 1}" for j in range(len(first)))


_EMPTY = f"The file is empty. Expected a CSV with a header row and at least {MIN_ROWS} rows of data."


_NUMBER_SAMPLE_ROWS = 2_000  # rows read as text to decide the file's number convention


def _head(text: str, size: int = 2**20) -> str:
    """The first whole lines of about `size` characters (the sample need not copy a 50 MB text)."""
    return text if len(text) <= size else text[:text.rfind("\n", 0, size) + 1] or text


def _parse(text: str, sep: str, **options) -> pd.DataFrame:
    """`pd.read_csv` on text the row check has accepted; `options` (dtype, nrows, usecols) pass through."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the row check above already refused what pandas would warn about
            return pd.read_csv(_text_stream(text), sep=sep, index_col=False, skipinitialspace=True,
                               low_memory=False, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Could not parse the file as CSV ({first[:200]}). Expected a header row and one value "
                        "per column in every row.") from None

