"""The data rules shared by every step: limits, the target words, `DataError`, and the rules as users read them."""

from __future__ import annotations

import os
from typing import IO, Union

import numpy as np
import pandas as pd

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
AMOUNTS = "dlviz_amounts"  # DataFrame.attrs key: columns written with thousands separators (amounts, not keys)
DECIMAL_COMMA = "dlviz_decimal_comma"  # DataFrame.attrs key: the file was semicolon-separated, so "1,5" is 1.5

TRUE_WORDS = {"1", "1.0", "true", "t", "yes", "y", "positive", "pos"}
FALSE_WORDS = {"0", "0.0", "false", "f", "no", "n", "negative", "neg"}

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes], IO[str]]

# What the home page tells a learner about uploads. Every line is a rule the code below enforces.
UPLOAD_RULES = f"""\
- **File**: CSV text up to {MAX_UPLOAD_BYTES // 2**20} MB, with a first row that names the columns (a first row \
that looks like data is read as data, and the columns are named `column_1`, `column_2`, ...). Values may be \
separated by commas, semicolons, tabs or `|` (found automatically; an Excel `sep=;` first line is honoured). \
Encodings: UTF-8 (with or without BOM), UTF-16 or UTF-32 (as Excel's "Unicode text"); anything else is read as \
Windows-1252 / Latin-1. Excel workbooks, JSON, HTML and other files are refused: save as CSV first.
- **Shape**: every row has one value per column (a broken row is reported with its line number; extra empty \
values at the end of a row are fine). Column names must be unique. At most {MAX_COLUMNS:,} columns, also after \
one-hot encoding.
- **Target**: unless you choose one, the column called `target` (any capitalisation); else a two-class column \
named like a label (`label`, `class`, `y`, `outcome`, `Exited`, `churn`, `Survived`, `diagnosis`, `default`, ...); \
else the last column when it has two classes; else you choose (the notes say which rule picked it). It must have \
exactly two \
classes. `yes`/`no`, `true`/`false`, `y`/`n`, `t`/`f`, `positive`/`negative` (and `pos`/`neg`, `1`/`0`) are \
read as 1/0; any other pair (`1`/`2`, `B`/`M`) is put in order, numbers by size and text alphabetically, and the \
first becomes 0 (the notes say so). Rows without a target value are dropped.
- **Features**: all other columns. Numbers may use thousands separators (`1,234`, `1.234,5`) or decimal commas \
(`0,5`), one way for the whole file: the values that can only be read one way (`0,75`, `3.14`, `1.234,5`) decide \
it, and where they do not, a semicolon-separated file means decimal commas (`1,500` is 1.5) and any other file \
decimal points; a column that reads either way (`1.200`) is named in the notes with the reading taken. Yes/no columns become 1/0. A text column with at \
most {MAX_CATEGORIES} different values that repeat is one-hot encoded (one 0/1 feature per value); other text \
columns are ignored. A column of numbers with a few typos (at most 5%) keeps its numbers and treats the typos as \
missing.
- **Ignored columns**: keys, since a row number or id lets the model memorise rows: a column with a different \
value in every row that is named like a key (`id`, `index`, `RowNumber`, `CustomerId`, `customer_id`, a blank first \
column name, ...) or that counts the rows (1, 2, 3, ... in any order, or a constant step). Other columns with a \
different whole number in every row are kept, and the notes say they could be keys. Also ignored: empty columns; \
columns missing in more than half the rows; columns you choose to drop.
- **Missing values**: rows with an empty, `NA`, or infinite value in a used column are dropped (the notes say how \
many). Values larger than {MAX_ABS_VALUE:.0e} are refused.
- **Rows**: at least {MIN_ROWS} complete rows, with both classes in the training rows and in the validation \
rows after the lesson's split (the "Stratified split" option keeps every part's class balance). "Rows used" takes \
a fixed random sample, the same rows every time.
- **Scaling**: features are standardised with the mean and standard deviation of the rows that train (the \
training rows without the validation rows).
"""


class DataError(ValueError):
    """A problem with the data the user chose, with a message written for them."""



def _list_columns(frame: pd.DataFrame, limit: int = 12) -> str:
    names = [str(c) for c in frame.columns[:limit]]
    more = f" and {len(frame.columns) - limit} more" if len(frame.columns) > limit else ""
    return ", ".join(names) + more


def _show_values(values: list, limit: int = 6) -> str:
    shown = ", ".join(f"{v:g}" if isinstance(v, (float, np.floating)) else repr(v) if isinstance(v, str)
                      else str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")



def _names(names: list[str], limit: int = 8) -> str:
    return ", ".join(map(str, names[:limit])) + (f" and {len(names) - limit} more" if len(names) > limit else "")



def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")

