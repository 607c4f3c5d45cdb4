"""Datasets: the built-in practice and breast-cancer sets and user CSVs, validated, split and scaled the lesson's way.

Everything a user can get wrong raises `DataError` with a message written for them; the rest of dlviz trusts a
`Dataset`. `UPLOAD_RULES` tells the user the same rules in plain words.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Union

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

PRACTICE = "practice"
BREAST_CANCER = "breast_cancer"
UPLOAD = "upload"
BUILTIN_NAMES = {
    PRACTICE: "Practice dataset (10,000 synthetic rows)",
    BREAST_CANCER: "Breast cancer (scikit-learn, 569 rows)",
}

TEST_SIZE = 0.2  # the lesson's train_test_split(test_size=0.2, random_state=42)
SPLIT_RANDOM_STATE = 42
VALIDATION_SPLIT = 0.2  # the lesson's validation_split=0.2: the *last* 20% of the training rows
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # keep in step with server.maxUploadSize in .streamlit/config.toml
MAX_COLUMNS = 1_000
MIN_ROWS = 20  # fewer and the splits leave a handful of rows per part
MAX_CATEGORIES = 20  # a text feature with at most this many values is one-hot encoded; with more it is ignored
MAX_ABS_VALUE = 1e30  # larger feature values are refused
MOSTLY_MISSING = 0.5  # a feature missing in more than this share of rows is ignored rather than costing those rows
READ_NOTES = "dlviz_read_notes"  # DataFrame.attrs key: what read_csv guessed about the file, reported by prepare
DECIMAL_COMMA = "dlviz_decimal_comma"  # DataFrame.attrs key: the file was semicolon-separated, so "1,5" is 1.5

TRUE_WORDS = {"1", "1.0", "true", "t", "yes", "y", "positive", "pos"}
FALSE_WORDS = {"0", "0.0", "false", "f", "no", "n", "negative", "neg"}

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes], IO[str]]

# What the home page tells a learner about uploads. Every line is a rule the code below enforces.
UPLOAD_RULES = f"""\
- **File**: CSV text up to {MAX_UPLOAD_BYTES // 2**20} MB, with a first row that names the columns. Values may be \
separated by commas, semicolons, tabs or `|` (found automatically; an Excel `sep=;` first line is honoured). \
Encodings: UTF-8 (with or without BOM), UTF-16 or UTF-32 (as Excel's "Unicode text"); anything else is read as \
Windows-1252 / Latin-1. Excel workbooks, JSON, HTML and other files are refused: save as CSV first.
- **Shape**: every row has one value per column (a broken row is reported with its line number; extra empty \
values at the end of a row are fine). Column names must be unique. At most {MAX_COLUMNS:,} columns, also after \
one-hot encoding.
- **Target**: the column called `target` (any capitalisation) unless you choose another. It must have exactly two \
classes. `yes`/`no`, `true`/`false`, `y`/`n`, `t`/`f`, `positive`/`negative` (and `pos`/`neg`, `1`/`0`) are \
read as 1/0; any other pair (`1`/`2`, `B`/`M`) is put in order, numbers by size and text alphabetically, and the \
first becomes 0 (the notes say so). Rows without a target value are dropped.
- **Features**: all other columns. Numbers may use thousands separators (`1,234`, `1.234,5`) or decimal commas \
(`0,5`; in a semicolon-separated file `1,500` means 1.5). Yes/no columns become 1/0. A text column with at \
most {MAX_CATEGORIES} different values that repeat is one-hot encoded (one 0/1 feature per value); other text \
columns are ignored. A column of numbers with a few typos (at most 5%) keeps its numbers and treats the typos as \
missing.
- **Ignored columns**: id columns (named `id`, `index`, `row`, `..._id`, a blank first column name, or whole \
numbers that increase from each row to the next) since a row number lets the model memorise rows; empty columns; \
columns missing in more than half the rows.
- **Missing values**: rows with an empty, `NA`, or infinite value in a used column are dropped (the notes say how \
many). Values larger than {MAX_ABS_VALUE:.0e} are refused.
- **Rows**: at least {MIN_ROWS} complete rows, with both classes present.
- **Scaling**: features are standardised with the mean and standard deviation of the training rows.
"""


class DataError(ValueError):
    """A problem with the data the user chose, with a message written for them."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated, split and (optionally) standardised dataset. Arrays are float32 and read-only."""

    name: str
    feature_names: tuple[str, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    standardized: bool
    fingerprint: str
    notes: tuple[str, ...] = field(default=())

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_rows(self) -> int:
        return len(self.y_train) + len(self.y_val) + len(self.y_test)

    @property
    def positive_rate(self) -> float:
        y = np.concatenate([self.y_train, self.y_val, self.y_test])
        return float(y.mean())

    @property
    def description(self) -> str:
        pos = self.positive_rate
        return (
            f"{self.n_rows:,} rows, {self.n_features} features, class balance {1 - pos:.0%} / {pos:.0%} "
            f"(0 / 1). Split: {len(self.y_train):,} train, {len(self.y_val):,} validation, "
            f"{len(self.y_test):,} test."
        )


# ---------------------------------------------------------------------------------------------------------------
# Built-in data


def practice_frame(n_rows: int = 10_000, seed: int = 7) -> pd.DataFrame:
    """The lesson-shaped practice data: 20 numeric features, a binary `target`, 10% label noise. Deterministic.

    Label noise and a modest class separation make a small sample overfit within a few dozen epochs, which is what
    the epochs page needs to show.
    """
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=n_rows,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        n_clusters_per_class=3,
        class_sep=0.9,
        flip_y=0.10,
        random_state=seed,
    )
    frame = pd.DataFrame(x.astype(np.float32), columns=[f"feature_{i + 1:02d}" for i in range(x.shape[1])])
    frame["target"] = y.astype(np.int64)
    return frame


def breast_cancer_frame() -> pd.DataFrame:
    """scikit-learn's bundled Wisconsin breast-cancer data (569 rows, 30 features; target 1 = benign)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    return frame


def builtin_frame(name: str) -> pd.DataFrame:
    if name == PRACTICE:
        return practice_frame()
    if name == BREAST_CANCER:
        return breast_cancer_frame()
    raise DataError(f"Unknown built-in dataset {name!r}; choose one of {', '.join(BUILTIN_NAMES)}.")


def load_builtin(name: str, *, max_rows: int | None = None, standardize: bool = True) -> Dataset:
    return prepare(builtin_frame(name), "target", name=BUILTIN_NAMES.get(name, name), max_rows=max_rows,
                   standardize=standardize)


# ---------------------------------------------------------------------------------------------------------------
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
    """Parse a CSV into a DataFrame of raw columns, or raise `DataError`. The target is not checked yet.

    What was guessed about the file (separator, encoding) is kept in `frame.attrs[READ_NOTES]` for `prepare`.
    """
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
    header, data_rows = _check_table(text, sep, skipped_lines=1 if declared_sep else 0)
    if len(header) < 2:
        raise DataError(f"Found a single column ({(header or [''])[0][:60]!r}). Expected a target column and at "
                        "least one feature column, separated by commas, semicolons, tabs or |.")
    if data_rows == 0:
        raise DataError(f"The file has a header ({', '.join(header[:6])}) but no data rows. Expected at least "
                        f"{MIN_ROWS} rows of data.")
    frame = _parse(text, sep)
    frame.columns = [str(name).strip() for name in frame.columns]
    notes = []
    if sep != ",":
        notes.append(f"Read the file with {_SEPARATOR_NAMES[sep]} as the separator.")
    if encoding in ("Windows-1252", "Latin-1"):
        notes.append(f"The file is not UTF-8; read it as {encoding} text (check accented letters).")
    frame.attrs[READ_NOTES] = notes
    frame.attrs[DECIMAL_COMMA] = sep == ";"
    return frame


_EMPTY = f"The file is empty. Expected a CSV with a header row and at least {MIN_ROWS} rows of data."


def _parse(text: str, sep: str) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the row check above already refused what pandas would warn about
            return pd.read_csv(_text_stream(text), sep=sep, index_col=False, skipinitialspace=True,
                               low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Could not parse the file as CSV ({first[:200]}). Expected a header row and one value "
                        "per column in every row.") from None


def load_csv(source: Source, target: str | None = None, *, max_rows: int | None = None,
             standardize: bool = True, name: str = "Uploaded CSV") -> Dataset:
    """Read a CSV (path, bytes or file-like) with a binary target column and return a `Dataset`.

    `target` defaults to the column called `target` (any case). Raises `DataError` for anything unusable; the rules
    are spelled out for users in `UPLOAD_RULES`.

    >>> load_csv(b"a,b,target\\n" + b"\\n".join(b"%d,%d,%d" % (i % 7, i % 3, i % 2) for i in range(40))).n_features
    2
    """
    frame = read_csv(source)
    return prepare(frame, target, name=name, max_rows=max_rows, standardize=standardize)


# ---------------------------------------------------------------------------------------------------------------
# Validation and preprocessing


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


def _list_columns(frame: pd.DataFrame, limit: int = 12) -> str:
    names = [str(c) for c in frame.columns[:limit]]
    more = f" and {len(frame.columns) - limit} more" if len(frame.columns) > limit else ""
    return ", ".join(names) + more


def _show_values(values: list, limit: int = 6) -> str:
    shown = ", ".join(f"{v:g}" if isinstance(v, (float, np.floating)) else repr(v) if isinstance(v, str)
                      else str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


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


def _names(names: list[str], limit: int = 8) -> str:
    return ", ".join(map(str, names[:limit])) + (f" and {len(names) - limit} more" if len(names) > limit else "")


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


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def prepare(frame: pd.DataFrame, target: str | None = "target", *, name: str = "dataset",
            max_rows: int | None = None, standardize: bool = True) -> Dataset:
    """Validate a frame and split it the lesson's way.

    `train_test_split(test_size=0.2, random_state=42)`, then the last 20% of the training rows become the
    validation set (what Keras' `validation_split=0.2` does), then features are standardised with the mean and
    standard deviation of the training rows only.
    """
    read_by = getattr(frame, "attrs", {})
    notes: list[str] = list(read_by.get(READ_NOTES, ()))
    decimal_comma = bool(read_by.get(DECIMAL_COMMA, False))
    frame = _check_frame(frame)
    target = find_target(frame, target)
    labels = encode_target(frame[target], notes)
    frame, labels = _drop_unlabelled(frame, labels, target, notes)
    notes_before = len(notes)
    features = _numeric_features(frame.drop(columns=[target]), notes, decimal_comma=decimal_comma)
    if features.shape[1] == 0:
        raise DataError("No usable feature columns are left besides the target; dlviz needs at least one column "
                        "of numbers (or short text categories) to learn from. " + " ".join(notes[notes_before:]))
    feature_names = [str(c) for c in features.columns]
    values, y_all = _drop_incomplete(features.to_numpy(np.float64), labels, feature_names, notes)
    _refuse_huge_values(values, feature_names)
    if max_rows is not None and len(values) > max_rows:
        keep = np.sort(np.random.default_rng(0).choice(len(values), size=max_rows, replace=False))
        values, y_all = values[keep], y_all[keep]
        notes.append(f"Using {max_rows:,} of the rows (a fixed random sample).")
    if len(values) < MIN_ROWS:
        raise DataError(f"Only {len(values)} usable rows; dlviz needs at least {MIN_ROWS} to split into "
                        "training, validation and test sets.")
    if len(np.unique(y_all)) < 2:
        raise DataError(f"After removing incomplete rows, only class {int(y_all[0])} is left in the target; "
                        "expected rows of both classes, 0 and 1.")

    x_train_full, x_test, y_train_full, y_test = train_test_split(
        values, y_all, test_size=TEST_SIZE, random_state=SPLIT_RANDOM_STATE)
    n_val = int(len(x_train_full) * VALIDATION_SPLIT)
    split = len(x_train_full) - n_val
    x_train, x_val = x_train_full[:split], x_train_full[split:]
    y_train, y_val = y_train_full[:split], y_train_full[split:]
    if standardize:
        mean = x_train.mean(axis=0)
        std = x_train.std(axis=0)
        std[std == 0] = 1.0  # a constant column stays constant (zero) instead of dividing by zero
        x_train, x_val, x_test = ((part - mean) / std for part in (x_train, x_val, x_test))

    arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in
              (x_train, y_train, x_val, y_val, x_test, y_test)]
    digest = hashlib.sha1()
    for array in arrays:
        array.setflags(write=False)
        digest.update(array.tobytes())
    digest.update(repr((standardize, tuple(feature_names))).encode())
    return Dataset(name=name, feature_names=tuple(feature_names), x_train=arrays[0],
                   y_train=arrays[1], x_val=arrays[2], y_val=arrays[3], x_test=arrays[4], y_test=arrays[5],
                   standardized=standardize, fingerprint=digest.hexdigest()[:16], notes=tuple(notes))
