"""Reading a CSV: bytes -> text (encoding) -> dialect (separator, quoting) -> a DataFrame of raw columns. Anything
that is not a rectangular CSV table with a header is refused here, with a message for the user."""

import codecs
import csv
import io
import os
import re
import warnings
from collections import Counter

import pandas as pd

from dlviz.data.numbers import read_numbers
from dlviz.data.rules import MAX_COLUMNS, MAX_UPLOAD_BYTES, MIN_ROWS, READ_BY, DataError, Source

_SAVE_AS_CSV = "Open it in your spreadsheet program and save it as CSV."
# Formats people save as ".csv" by mistake, told apart by their first bytes, with what to do instead.
_MAGIC_NUMBERS = ((b"PK\x03\x04", "an Excel workbook (.xlsx) or another ZIP archive", _SAVE_AS_CSV),
                  (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", _SAVE_AS_CSV),
                  (b"\x1f\x8b", "a gzip-compressed file", "Decompress it first."),
                  (b"%PDF", "a PDF document", "Export the table as CSV instead."),
                  (b"\x89PNG", "a PNG image", "Upload the table as CSV."),
                  (b"\xff\xd8\xff", "a JPEG image", "Upload the table as CSV."))
# Longest first: the UTF-32 little-endian BOM starts with the UTF-16 one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
         (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
_SAMPLE_BYTES = 64 * 1024
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not in text files (tab, newlines are)
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "|"}
_EXPECTED = "a header row and values separated by commas, semicolons, tabs or |."
_NOT_TEXT = f"This does not look like a CSV text file: it contains binary data. Expected text with {_EXPECTED}"
_EMPTY = f"The file is empty. Expected a CSV with a header row and at least {MIN_ROWS} rows of data."
_NUMBER = re.compile(r"[+-]?[\d.,]*\d[\d.,]*([eE][+-]?\d+)?")
_NUMBER_SAMPLE_ROWS = 2_000  # rows read as text to decide the file's number convention


def _read_bytes(source: Source) -> bytes:
    """The raw bytes of a path, bytes, or file-like object (an upload), refusing anything over MAX_UPLOAD_BYTES."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            with open(source, "rb") as handle:
                data = handle.read(MAX_UPLOAD_BYTES + 1)
        except (OSError, ValueError) as exc:  # missing, a directory, no permission, a NUL in the name
            shown = str(os.fspath(source))
            hint = " (a text argument is read as a file path; pass CSV text as bytes)" if "\n" in shown else ""
            raise DataError(f"Could not open the file {shown[:200]!r}: "
                            f"{getattr(exc, 'strerror', None) or exc}{hint}.") from None
    elif hasattr(source, "read"):
        try:  # an upload may have been read before: getvalue() is the whole file whatever the position
            data = source.getvalue() if hasattr(source, "getvalue") else source.read(MAX_UPLOAD_BYTES + 1)
        except (OSError, ValueError) as exc:  # e.g. a closed file
            raise DataError(f"Could not read the uploaded file: {exc}.") from None
        if not isinstance(data, (str, bytes, bytearray, memoryview)):
            raise DataError(f"Expected the file to give bytes or text; it gave {type(data).__name__}.")
        data = data.encode("utf-8", errors="replace") if isinstance(data, str) else bytes(data)
    else:
        raise DataError(f"Expected a CSV file (a path, bytes or an uploaded file); got {type(source).__name__}.")
    if len(data) > MAX_UPLOAD_BYTES:
        size = os.path.getsize(source) if isinstance(source, (str, os.PathLike)) else len(data)
        raise DataError(f"The file is too large: {size:,} bytes ({size / 2**20:.1f} MB); dlviz accepts CSV files up "
                        f"to {MAX_UPLOAD_BYTES // 2**20} MB ({MAX_UPLOAD_BYTES:,} bytes). Upload a sample of the rows.")
    return data


def _decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name for the notes). A byte-order mark decides; UTF-16 without one is recognised by
    its zero bytes (ASCII text in UTF-16 has one in every other position); else UTF-8, then Windows-1252 (what Excel
    writes on Windows), then Latin-1, which accepts any byte."""
    codec = next(((codec, label) for bom, codec, label in _BOMS if data.startswith(bom)), None)
    if not codec and len(data) >= 4:
        even, odd = data[:_SAMPLE_BYTES:2], data[1:_SAMPLE_BYTES:2]
        zeros = even.count(0) / len(even), odd.count(0) / len(odd)
        codec = (("utf-16-le", "UTF-16") if zeros[1] > 0.4 and zeros[0] < 0.05 else
                 ("utf-16-be", "UTF-16") if zeros[0] > 0.4 and zeros[1] < 0.05 else None)
    if codec:
        try:
            return data.decode(codec[0]), codec[1]
        except UnicodeDecodeError:
            raise DataError(f"The file starts like {codec[1]} text but is not valid {codec[1]}. "
                            "Save it again as CSV (UTF-8).") from None
    if b"\x00" in data[:_SAMPLE_BYTES]:
        raise DataError(_NOT_TEXT)
    for codec, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "Latin-1"


def _sniff_separator(text: str) -> str:
    """The separator that splits the sample lines most consistently, then into the most fields. Not csv.Sniffer
    (pandas' `sep=None`): it prefers "," whenever "," is as consistent, so `0,5;1;yes` rows would split at commas."""
    lines = [line for line in text[:_SAMPLE_BYTES].splitlines()[:50] if line.strip()]

    def score(sep: str) -> tuple[float, int]:  # (share of lines as wide as the first, its width); ties: "," first
        counts = [len(row) for row in csv.reader(lines, delimiter=sep, skipinitialspace=True)]
        valid = counts and counts[0] >= 2
        return (round(sum(count == counts[0] for count in counts) / len(counts), 1), counts[0]) if valid else (-1, 0)
    return max(_SEPARATOR_NAMES, key=score)


def _check_table(text: str, sep: str, skipped_lines: int) -> tuple[list[str], int]:
    """Walk the rows once with the csv module: header names and the number of data rows. pandas pads short rows and
    (with index_col=False) cuts long ones silently; a learner should hear which line is broken instead.
    `skipped_lines` keeps line numbers true to the file the user has."""
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=sep, skipinitialspace=True, strict=True)
    header: list[str] | None = None
    data_rows = last_line = 0
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
        line = reader.line_num + skipped_lines
        if "unexpected end of data" in str(exc):
            raise DataError(f"A quoted value that starts on line {last_line + skipped_lines + 1} is never closed: the "
                            "file ends inside the quotes. Every opening double quote needs a closing one.") from None
        if "field larger than field limit" in str(exc):
            raise DataError(f"Line {line} has a value longer than {csv.field_size_limit():,} characters, usually a "
                            "double quote that is never closed.") from None
        raise DataError(f"Line {line} has broken quoting ({exc}). A value that contains the separator must be "
                        "wrapped in double quotes, with nothing after the closing quote; a quote inside it is written "
                        'twice ("").') from None
    return header or [], data_rows


def _check_header(names: list[str]) -> None:
    if len(names) > MAX_COLUMNS:
        raise DataError(f"The file has {len(names):,} columns; dlviz accepts up to {MAX_COLUMNS:,} (the target "
                        "and the features). Keep the columns you need.")
    if pd.to_numeric(pd.Series(names, dtype=object), errors="coerce").notna().all():
        raise DataError(f"The first row holds only numbers ({_first_names(names)}), so it looks like data, not a "
                        "header. Expected a first row that names the columns, one of them 'target'.")
    repeated = sorted(name for name, count in Counter(names).items() if name and count > 1)
    if repeated:
        raise DataError(f"Column names must be unique; the header repeats: {', '.join(map(repr, repeated[:8]))}. "
                        "Rename the repeated columns.")


def _first_names(names: list[str]) -> str:
    return ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")


def _check_row_width(row: list[str], header: list[str], line: int, sep: str) -> None:
    # Trailing separators are common (spreadsheet exports): extra empty values at the end of a row are fine, and
    # a row may stop before header columns that have no name.
    named = len(header) - next((i for i, name in enumerate(reversed(header)) if name), len(header))
    if len(row) < named or any(value.strip() for value in row[len(header):]):
        raise DataError(f"Line {line} has {len(row)} values but the header has {len(header)} columns "
                        f"({_first_names(header)}). Every row needs one value per column; look for a missing or "
                        f"extra {_SEPARATOR_NAMES[sep]} on line {line}.")


def _generated_header(text: str, sep: str) -> str | None:
    """A header line `column_1,...,column_N` when the first row looks like data, else None: at least half its cells
    are numbers, and each cell is like the values below it, a number above numbers, a word above words (a header puts
    names above numbers; years "2019, 2020" above numbers are names as long as another name is a word above numbers).
    """
    lines = text[:_SAMPLE_BYTES].splitlines()[:51]
    try:
        rows = [row for row in csv.reader(lines, delimiter=sep, skipinitialspace=True) if any(map(str.strip, row))]
    except csv.Error:
        return None  # broken quoting: _check_table reports it with its line number
    if len(rows) < 2:
        return None
    numeric_first = [bool(_NUMBER.fullmatch(cell.strip())) for cell in rows[0]]
    if sum(numeric_first) < max(1, len(numeric_first) / 2):
        return None
    for j, is_number in enumerate(numeric_first):
        column = [row[j].strip() for row in rows[1:] if j < len(row) and row[j].strip()]
        if column and (sum(bool(_NUMBER.fullmatch(cell)) for cell in column) / len(column) >= 0.8) != is_number:
            return None
    return sep.join(f"column_{j + 1}" for j in range(len(numeric_first)))


def _parse(text: str, sep: str, **options) -> pd.DataFrame:
    """`pd.read_csv` on checked text (universal newlines), names stripped; `options` (dtype, nrows, decimal) pass on."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the row check already refused what pandas would warn about
            frame = pd.read_csv(io.StringIO(text, newline=None), sep=sep, index_col=False, skipinitialspace=True,
                                low_memory=False, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Could not parse the file as CSV ({first[:200]}). Expected a header row and one value "
                        "per column in every row.") from None
    frame.columns = [str(name).strip() for name in frame.columns]
    return frame


def read_csv(source: Source) -> pd.DataFrame:
    """Read an uploaded CSV as raw columns, deciding once its encoding (a byte-order mark, UTF-16, UTF-8,
    Windows-1252, Latin-1), separator (comma, semicolon, tab, |, or an Excel `sep=` first line), quoting, header (a
    first row of data gets names `column_1`, ...) and number convention (`numbers.read_numbers`); `pd.read_csv`
    parses the table once its rows are checked.

    Args:
        source: a path, bytes, or a file-like object (an upload) of at most `MAX_UPLOAD_BYTES`.

    Returns:
        A DataFrame of the file's columns (the target is not checked yet); what was decided is kept in
        `frame.attrs[READ_BY]` (`notes`, `decimal`, `amounts`) for `prepare`.

    Raises:
        DataError: anything that is not a readable CSV table, with a message for the user.
    """
    data = _read_bytes(source)
    for magic, what, advice in _MAGIC_NUMBERS:
        if data.startswith(magic):
            raise DataError(f"This is {what}, not a CSV text file. {advice}")
    text, encoding = _decode(data)
    if not text or text.isspace():
        raise DataError(_EMPTY)
    sample = text[:_SAMPLE_BYTES]
    if len(_CONTROL_CHARS.findall(sample)) > 0.01 * len(sample):
        raise DataError(_NOT_TEXT)
    if kind := {"{": "JSON", "[": "JSON", "<": "HTML or XML (a web page?)"}.get(sample.lstrip()[:1]):
        raise DataError(f"This looks like {kind}, not CSV. Expected {_EXPECTED}")
    first, _, rest = text.partition("\n")
    declared = first.strip(" \r")[4:] if re.fullmatch(r"(?i)sep=[,;\t|]", first.strip(" \r")) else None
    text, sep = (rest, declared) if declared else (text, _sniff_separator(text))  # Excel's `sep=;` line
    generated = _generated_header(text, sep)
    text = generated + "\n" + text if generated else text
    header, data_rows = _check_table(text, sep, skipped_lines=(1 if declared else 0) - (1 if generated else 0))
    if len(header) < 2:
        raise DataError(f"Found a single column ({(header or [''])[0][:60]!r}). Expected a target column and at "
                        "least one feature column, separated by commas, semicolons, tabs or |.")
    if data_rows == 0:
        raise DataError(f"The file has a header ({', '.join(header[:6])}) but no data rows. Expected at least "
                        f"{MIN_ROWS} rows of data.")
    head = text if len(text) <= 2**20 else text[:text.rfind("\n", 0, 2**20) + 1]  # no copy of a 50 MB text
    try:
        sample = _parse(head, sep, dtype=str, nrows=_NUMBER_SAMPLE_ROWS)
    except DataError:  # the cut fell inside a quoted value that holds a line break
        sample = _parse(text, sep, dtype=str, nrows=_NUMBER_SAMPLE_ROWS)
    frame, decimal, number_notes, amounts = read_numbers(sample, lambda mark: _parse(text, sep, decimal=mark), sep)
    notes = [f"The first line holds data, not column names, so it was read as a row of data and the columns were "
             f"named column_1 to column_{len(header)}."] if generated else []
    if sep != ",":
        notes.append(f"Read the file with {_SEPARATOR_NAMES[sep]} as the separator.")
    if encoding in ("Windows-1252", "Latin-1"):
        notes.append(f"The file is not UTF-8; read it as {encoding} text (check accented letters).")
    frame.attrs[READ_BY] = {"notes": notes + number_notes, "decimal": decimal, "amounts": amounts}
    return frame
