"""The data rules shared by every step: limits, the target words, `DataError`, and the rules as users read them."""

import os
from typing import IO, Union

TEST_SIZE = 0.2  # the lesson's train_test_split(test_size=0.2, random_state=42)
SPLIT_RANDOM_STATE = 42
VALIDATION_SPLIT = 0.2  # the lesson's validation_split=0.2: the *last* 20% of the training rows
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # keep in step with server.maxUploadSize in .streamlit/config.toml
MAX_COLUMNS = 1_000
MIN_ROWS = 20  # fewer and the splits leave a handful of rows per part
MAX_CATEGORIES = 20  # a text feature with at most this many values is one-hot encoded; with more it is ignored
MAX_ABS_VALUE = 1e30  # larger feature values are refused: float32 overflows near 3e38, squares much sooner
MOSTLY_MISSING = 0.5  # a feature missing in more than this share of rows is ignored rather than costing those rows
READ_BY = "dlviz_read_by"  # DataFrame.attrs key: what read_csv decided about the file (notes, decimal, amounts)

TRUE_WORDS = {"1", "1.0", "true", "t", "yes", "y", "positive", "pos"}
FALSE_WORDS = {"0", "0.0", "false", "f", "no", "n", "negative", "neg"}

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes], IO[str]]

# What the home page tells a learner about uploads: every line is a rule the code enforces.
UPLOAD_RULES = f"""\
- **File**: CSV text up to {MAX_UPLOAD_BYTES // 2**20} MB, the first row naming the columns (a first row of data is \
read as data, the columns named `column_1`, ...); commas, semicolons, tabs or `|` between values, found \
automatically (or by an Excel `sep=;` first line). Encodings: UTF-8, UTF-16 (Excel's "Unicode text"), UTF-32 with a \
byte-order mark; else Windows-1252 / Latin-1. Workbooks, JSON, HTML and other files are refused: save as CSV first.
- **Shape**: one value per column in every row (a broken row is named by its line; empty values at a row's end are \
fine), unique column names, at most {MAX_COLUMNS:,} columns, also after one-hot encoding.
- **Target**: the column you choose; else the one named `target` (any case); else a two-class column named like a \
label (`label`, `class`, `outcome`, `Exited`, `Survived`, ...); else the last column if it has two classes. \
`yes`/`no`, `true`/`false`, `y`/`n`, `1`/`0`, ... are read as 1/0, any other pair in order (numbers by size, text \
alphabetically) with the first as 0. Rows without a target value are dropped.
- **Features**: all other columns. Numbers are read one way for the whole file (`1,234.5` or `1.234,5`), decided by \
the values that read only one way, else by the separator (semicolons: decimal commas). Yes/no columns become 1/0; \
text with at most {MAX_CATEGORIES} values that repeat is one-hot encoded, other text ignored; typos in a number \
column (at most 5%) become missing values.
- **Ignored columns**: keys, which let the model memorise rows (a different value in every row and a key-like name \
such as `id` or `CustomerId`, or numbers counting the rows); empty columns; columns missing in more than half the \
rows; the columns you leave out.
- **Rows**: rows with an empty, `NA` or infinite value in a used column are dropped; values larger than \
{MAX_ABS_VALUE:.0e} are refused. dlviz needs at least {MIN_ROWS} complete rows, both classes in the training and in \
the validation rows ("Stratified split" keeps every part's balance). "Rows used" takes a fixed random sample.
- **Scaling**: features are standardised by the mean and standard deviation of the rows that train (not validation).
"""


class DataError(ValueError):
    """A problem with the data the user chose, with a message written for them (the UI shows it with `st.error`)."""
