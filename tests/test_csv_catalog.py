"""A catalog of CSV files a learner might upload, and what `load_csv` does with each.

Every file is generated here (no data files in the repo). Each case ends in exactly one of two ways: a usable
`Dataset` (finite float32 arrays, labels exactly 0/1, the expected features and notes), or a `DataError` whose message
names the problem. Nothing else may escape `load_csv`.
"""

from __future__ import annotations

import codecs
import io
import pathlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

from tests.support import load_csv
from dlviz.data import (MAX_COLUMNS, MAX_UPLOAD_BYTES, MIN_ROWS, UPLOAD_RULES, DataError, Dataset,
                        binary_target_candidates, choose_target, load_builtin, prepare, read_csv)

N = 40  # rows in a typical generated file: comfortably above MIN_ROWS


# ---------------------------------------------------------------------------------------------------------------
# Generators


def table(columns: dict[str, list], sep: str = ",", newline: str = "\n", trailing: str = "") -> str:
    """Columns -> CSV text (no quoting: callers pass values that need none, or quote them themselves)."""
    names = list(columns)
    lines = [sep.join(names) + trailing]
    for i in range(len(columns[names[0]])):
        lines.append(sep.join(str(columns[name][i]) for name in names) + trailing)
    return newline.join(lines) + newline


def base(n: int = N, **extra: list) -> dict[str, list]:
    """Two numeric features that are not id-like (they repeat) and a balanced 0/1 target."""
    return {"a": [i % 7 for i in range(n)], "b": [(i * 3) % 5 + 0.5 for i in range(n)], **extra,
            "target": [i % 2 for i in range(n)]}


def csv(columns: dict[str, list] | None = None, **kwargs) -> bytes:
    return table(columns or base(), **kwargs).encode("utf-8")


def with_column(name: str, values: list, n: int = N) -> bytes:
    return csv(base(n, **{name: values}))


def replace_target(values: list) -> bytes:
    columns = base(len(values))
    columns["target"] = values
    return csv(columns)


def replace_line(data: bytes, line_number: int, new_line: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[line_number - 1] = new_line
    return b"\n".join(lines)


def garbage(size: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def control_garbage(size: int, seed: int) -> bytes:
    """Random bytes without a single zero byte, so only the control-character check can catch them."""
    return np.random.default_rng(seed).integers(1, 256, size, dtype=np.uint8).tobytes()


# ---------------------------------------------------------------------------------------------------------------
# Expected outcomes


@dataclass(frozen=True)
class Usable:
    n_features: int
    notes: tuple[str, ...] = ()  # words each expected in some note (case-insensitive)
    n_rows: int = N
    feature_names: tuple[str, ...] | None = None
    no_notes: bool = False
    check: Callable[[Dataset], None] | None = None


@dataclass(frozen=True)
class Refused:
    words: tuple[str, ...] = field(default=())  # words each expected in the message (case-insensitive)


def usable(n_features: int, *notes: str, **kwargs) -> Usable:
    return Usable(n_features, tuple(notes), **kwargs)


def refused(*words: str) -> Refused:
    return Refused(tuple(words))


def assert_trainable(dataset: Dataset) -> None:
    """What the rest of dlviz trusts: finite float32 arrays of matching shapes and labels exactly 0 or 1."""
    parts = [(dataset.x_train, dataset.y_train), (dataset.x_val, dataset.y_val), (dataset.x_test, dataset.y_test)]
    for x, y in parts:
        assert x.dtype == np.float32 and y.dtype == np.float32
        assert x.ndim == 2 and x.shape == (len(y), dataset.n_features)
        assert np.isfinite(x).all()
        assert set(np.unique(y)) <= {0.0, 1.0}
    all_labels = np.concatenate([y for _, y in parts])
    assert set(np.unique(all_labels)) == {0.0, 1.0}
    assert dataset.n_rows >= MIN_ROWS
    assert len(dataset.feature_names) == dataset.n_features >= 1


def all_labels(dataset: Dataset) -> np.ndarray:
    return np.concatenate([dataset.y_train, dataset.y_val, dataset.y_test])


def raw(dataset: Dataset) -> np.ndarray:
    """All rows' features, unscaled (use with standardize=False)."""
    return np.concatenate([dataset.x_train, dataset.x_val, dataset.x_test])


def positive_share(expected: float) -> Callable[[Dataset], None]:
    def check(dataset: Dataset) -> None:
        assert dataset.positive_rate == pytest.approx(expected)
    return check


# ---------------------------------------------------------------------------------------------------------------
# The catalog

PLAIN = csv()
LATIN1 = table({"température": [f"{i % 5}" for i in range(N)],
                "ville": ["Orléans", "Besançon", "Nîmes", "Sète"] * 10,
                "target": [i % 2 for i in range(N)]}).encode("latin-1")
YES_NO = ["yes", "no", "no", "yes"] * 10  # 50% positive

CATALOG = [
    # --- usable files: formats -----------------------------------------------------------------------------------
    pytest.param(PLAIN, usable(2, no_notes=True, feature_names=("a", "b")), id="plain-comma"),
    pytest.param(csv(sep=";"), usable(2, "semicolon"), id="semicolon-separated"),
    pytest.param(csv(sep="\t"), usable(2, "tab"), id="tab-separated"),
    pytest.param(csv(sep="|"), usable(2, "|"), id="pipe-separated"),
    pytest.param(b"sep=;\n" + csv(sep=";"), usable(2, "semicolon"), id="excel-sep-line"),
    pytest.param(codecs.BOM_UTF8 + PLAIN, usable(2, no_notes=True, feature_names=("a", "b")), id="utf8-bom"),
    pytest.param(codecs.BOM_UTF16_LE + table(base(), sep="\t").encode("utf-16-le"),
                 usable(2, "tab", feature_names=("a", "b")), id="utf16le-bom-excel-unicode-text"),
    pytest.param(codecs.BOM_UTF16_BE + PLAIN.decode().encode("utf-16-be"), usable(2, feature_names=("a", "b")),
                 id="utf16be-bom"),
    pytest.param(PLAIN.decode().encode("utf-16-le"), usable(2, feature_names=("a", "b")), id="utf16-without-bom"),
    pytest.param(PLAIN.decode().encode("utf-32"), usable(2, feature_names=("a", "b")), id="utf32-bom"),
    pytest.param(LATIN1, usable(5, "not UTF-8", "Windows-1252", "one-hot",
                                feature_names=("température", "ville=Besançon", "ville=Nîmes", "ville=Orléans",
                                               "ville=Sète")), id="latin1-accents"),
    pytest.param("café,b,target\n".encode("cp1252") + PLAIN.split(b"\n", 1)[1], usable(2, "Windows-1252"),
                 id="cp1252-header"),
    pytest.param(csv(newline="\r\n"), usable(2, no_notes=True), id="crlf-line-endings"),
    pytest.param(csv(newline="\r"), usable(2, no_notes=True), id="old-mac-cr-line-endings"),
    pytest.param(b"\n\n" + PLAIN.replace(b"\n", b"\n\n", 5) + b"\n   \n\n", usable(2, no_notes=True),
                 id="blank-lines"),
    pytest.param(csv(trailing=","), usable(2, "empty column"), id="trailing-separator-every-line"),
    pytest.param(PLAIN.split(b"\n", 1)[0] + b"\n" + PLAIN.split(b"\n", 1)[1].replace(b"\n", b",\n"),
                 usable(2, no_notes=True), id="trailing-separator-data-rows"),
    pytest.param(b"  a , b ,  target \n" + PLAIN.split(b"\n", 1)[1], usable(2, feature_names=("a", "b")),
                 id="spaces-around-names"),
    pytest.param(csv(base(comment=[f'"note {i}, line\nbreak ""{i}"""' for i in range(N)])),
                 usable(2, "ignored text", "comment"), id="quoted-commas-newlines-quotes"),
    # --- usable files: the target ----------------------------------------------------------------------------------
    pytest.param(replace_target(YES_NO), usable(2, "as 1 for 'yes'", check=positive_share(0.5)),
                 id="target-yes-no"),
    pytest.param(replace_target(["True", "False", "False", "False"] * 10),
                 usable(2, check=positive_share(0.25)), id="target-true-false"),
    pytest.param(replace_target([" Yes", "NO", "yes ", "no", "y", "n", "No", "YES"] * 5),
                 usable(2, "as 1", check=positive_share(0.5)), id="target-yes-no-mixed-case"),
    pytest.param(replace_target(["M", "B", "B", "B"] * 10), usable(2, "'B' as 0", "'M' as 1",
                                                                    check=positive_share(0.25)),
                 id="target-two-words-alphabetical"),
    pytest.param(replace_target([1, 2, 2, 2] * 10), usable(2, "1 as 0", "2 as 1", check=positive_share(0.75)),
                 id="target-1-2"),
    pytest.param(replace_target([-1, 1, 1, 1] * 10), usable(2, "-1 as 0", check=positive_share(0.75)),
                 id="target-minus1-1"),
    pytest.param(replace_target([0.0, 1.0] * 20), usable(2, no_notes=True), id="target-float-0-1"),
    pytest.param(csv({"a": base()["a"], "b": base()["b"], "Target": base()["target"]}), usable(2),
                 id="target-name-capitalised"),
    pytest.param(replace_target(["", 1, 0, 1, 0, 1, 0, "NA"] * 5), usable(2, "Dropped 10 rows", "no value",
                                                                           n_rows=30),
                 id="target-missing-some"),
    # --- usable files: features ------------------------------------------------------------------------------------
    pytest.param(with_column("c", ["", "NA", "n/a", "null"] + [str(i % 4) for i in range(N - 4)]),
                 usable(3, "Dropped 4 of 40", "'c'", n_rows=36), id="missing-values"),
    pytest.param(with_column("c", ["inf", "-inf", "1e999"] + [str(i % 4) for i in range(N - 3)]),
                 usable(3, "missing or infinite", n_rows=37), id="infinite-values"),
    pytest.param(csv({"id": list(range(100, 100 + N)), **base()}), usable(2, "id column", "memorise"),
                 id="id-column"),
    pytest.param(b"," + PLAIN.split(b"\n", 1)[0] + b"\n"
                 + b"\n".join(b"%d," % i + line for i, line in enumerate(PLAIN.split(b"\n")[1:-1])) + b"\n",
                 usable(2, "Unnamed: 0", feature_names=("a", "b")), id="pandas-index-column"),
    pytest.param(csv({"serial": [7 + 3 * i for i in range(N)], **base()}), usable(2, "id column", "serial"),
                 id="increasing-integer-column"),
    pytest.param(csv({"Customer ID": [f"C{i:04d}" for i in range(N)], **base()}), usable(2, "id column"),
                 id="text-key-column"),
    pytest.param(with_column("color", ["red", "green", "blue", "green"] * 10),
                 usable(5, "one-hot", "color (3 values)",
                        feature_names=("a", "b", "color=blue", "color=green", "color=red")),
                 id="low-cardinality-text"),
    pytest.param(with_column("name", [f"person {i}" for i in range(N)]), usable(2, "ignored text", "name"),
                 id="high-cardinality-text"),
    pytest.param(with_column("smoker", ["yes", "no", "No", "YES"] * 10), usable(3, "yes/no", "smoker"),
                 id="yes-no-feature"),
    pytest.param(with_column("income", [f'"{1000 * (i + 1) + 234:,}"' for i in range(N)]),
                 usable(3, "thousands", check=lambda d: raw(d)[:, 2].max() == 40234), id="thousands-separators"),
    pytest.param(csv(base(**{"weight": [f"{i % 9},5" for i in range(N)]}), sep=";"),
                 usable(3, "decimal commas", check=lambda d: sorted(set(raw(d)[:, 2]))[:2] == [0.5, 1.5]),
                 id="decimal-commas"),
    pytest.param(csv(base(**{"weight": [f"{i % 9},500" for i in range(N)]}), sep=";"),
                 usable(3, "decimal commas", check=lambda d: sorted(set(raw(d)[:, 2]))[:2] == [0.5, 1.5]),
                 id="decimal-commas-three-digits-semicolon-file"),
    pytest.param(csv(base(**{"income": [f'"{i % 9},500"' for i in range(N)]})),
                 usable(3, "thousands", check=lambda d: sorted(set(raw(d)[:, 2]))[:2] == [500, 1500]),
                 id="thousands-three-digits-comma-file"),
    pytest.param(csv(base(**{"price": [f"1.{i % 9}00,25" for i in range(N)]}), sep=";"),
                 usable(3, "thousands", check=lambda d: raw(d)[:, 2].min() == 1000.25),
                 id="european-thousands"),
    pytest.param(with_column("c", ["?"] + [str(i % 6) for i in range(N - 1)]),
                 usable(3, "not numbers", "'?'", "Dropped 1", n_rows=N - 1), id="number-column-with-typo"),
    pytest.param(with_column("c", [""] * 30 + ["1"] * 10), usable(2, "more than half", "c (75% missing)"),
                 id="mostly-missing-column"),
    pytest.param(with_column("c", [""] * N), usable(2, "empty column"), id="empty-column"),
    pytest.param(csv({**{f"f{j}": [(i + j) % 5 for i in range(25)] for j in range(MAX_COLUMNS - 1)},
                      "target": [i % 2 for i in range(25)]}), usable(MAX_COLUMNS - 1, n_rows=25),
                 id="exactly-max-columns"),
    # --- refused: empty or too small -------------------------------------------------------------------------------
    pytest.param(b"", refused("empty"), id="empty-file"),
    pytest.param(b"  \n\r\n\t\n", refused("empty"), id="whitespace-only"),
    pytest.param(codecs.BOM_UTF16_LE, refused("empty"), id="bom-only"),
    pytest.param(b"a,b,target\n", refused("header", "no data rows"), id="header-only"),
    pytest.param(b"a,b,target\n1,2,1\n", refused("1 row", f"at least {MIN_ROWS}"), id="one-row"),
    pytest.param(csv(base(MIN_ROWS - 1)), refused(f"{MIN_ROWS - 1} row", f"at least {MIN_ROWS}"),
                 id="too-few-rows"),
    pytest.param(b"target\n" + b"\n".join(b"%d" % (i % 2) for i in range(N)),
                 refused("single column", "feature"), id="target-only"),
    pytest.param(b"a b target\n" + b"\n".join(b"%d %d %d" % (i % 3, i % 5, i % 2) for i in range(N)),
                 refused("single column", "commas, semicolons, tabs"), id="space-separated"),
    # Issue 16 item 4: a first row of data is read as data with generated names (it used to be refused).
    pytest.param(b"\n".join(b"%d.5,%d,%d" % (i, i % 3, i % 2) for i in range(N)),
                 usable(2, "first line holds data", "column_3", feature_names=("column_1", "column_2")),
                 id="no-header-row"),
    # --- refused: the target ---------------------------------------------------------------------------------------
    # Issue 16 item 1: a column named like a label is the default target (it used to be refused).
    pytest.param(csv({"a": base()["a"], "b": base()["b"], "label": base()["target"]}),
                 usable(2, "'label'", "looks like a label", feature_names=("a", "b")), id="no-target-column"),
    pytest.param(csv({"a": base()["a"], "b": base()["b"], "size": [i % 3 for i in range(N)]}),
                 refused("No column called 'target'", "Choose the column"), id="no-target-no-rule"),
    pytest.param(replace_target([1] * N), refused("only one class", "(1)"), id="target-one-class"),
    pytest.param(replace_target(["yes"] * N), refused("only one class"), id="target-all-yes"),
    pytest.param(replace_target([i % 3 for i in range(N)]), refused("exactly two classes", "3 different values"),
                 id="target-three-classes"),
    pytest.param(replace_target([f"{0.37 * i:.2f}" for i in range(N)]), refused("two classes", "measured quantity"),
                 id="target-continuous"),
    pytest.param(replace_target([""] * N), refused("target", "empty"), id="target-empty"),
    pytest.param(replace_target([""] * 30 + [0, 1] * 5), refused("Only 10 of 40 rows", "target"),
                 id="target-mostly-missing"),
    pytest.param(csv({**base(), "TARGET": base()["target"]}), refused("Several columns", "target"),
                 id="two-target-columns"),
    # --- refused: the table's shape --------------------------------------------------------------------------------
    pytest.param(b"a,a,target\n" + PLAIN.split(b"\n", 1)[1], refused("unique", "'a'"), id="duplicated-names"),
    pytest.param(b"a, a ,target\n" + PLAIN.split(b"\n", 1)[1], refused("unique", "'a'"),
                 id="duplicated-names-after-spaces"),
    pytest.param(replace_line(PLAIN, 5, b"1,2"), refused("Line 5 has 2 values", "header has 3 columns", "comma"),
                 id="ragged-short-row"),
    pytest.param(replace_line(PLAIN, 7, b"1,2,0,5"), refused("Line 7 has 4 values"), id="ragged-long-row"),
    pytest.param(replace_line(csv(sep=";"), 9, b"1;2;3;4;5"), refused("Line 9", "semicolon"),
                 id="ragged-semicolon-row"),
    pytest.param(b"sep=;\n" + replace_line(csv(sep=";"), 9, b"1;2"), refused("Line 10 has 2 values"),
                 id="ragged-row-after-excel-sep-line"),
    pytest.param(replace_line(PLAIN, 4, b'1,"2,0'), refused("line 4", "never closed"), id="unclosed-quote"),
    pytest.param(replace_line(PLAIN, 3, b'1,"2"x,0'), refused("Line 3", "quoting"), id="text-after-quote"),
    pytest.param(csv({**{f"c{j}": [i % 3 for i in range(MIN_ROWS)] for j in range(10_000)},
                      "target": [i % 2 for i in range(MIN_ROWS)]}), refused("10,001 columns", f"{MAX_COLUMNS:,}"),
                 id="very-wide-10000-columns"),
    pytest.param(csv({**{f"t{j}": [f"v{i % 20}" for i in range(N)] for j in range(60)}, "target": base()["target"]}),
                 refused("one-hot", "1,200 features", f"{MAX_COLUMNS:,}"), id="one-hot-too-wide"),
    pytest.param(csv({"name": [f"person {i}" for i in range(N)], "target": base()["target"]}),
                 refused("No usable feature columns", "name"), id="only-text-features"),
    pytest.param(with_column("c", [""] * 15 + ["1"] * (N - 15)), usable(3, "Dropped 15", n_rows=25),
                 id="many-missing-still-enough"),
    pytest.param(csv({"a": [i % 4 for i in range(N)], "b": [""] * 10 + ["1"] * 30, "c": ["2"] * 30 + [""] * 10,
                      "target": base()["target"]}), usable(3, "Dropped 20 of 40", n_rows=20),
                 id="gaps-in-two-columns"),
    pytest.param(csv({"a": [i % 4 for i in range(N)], "b": [""] * 12 + ["1"] * 28, "c": ["2"] * 28 + [""] * 12,
                      "target": base()["target"]}), refused("Only 16 of 40 rows are complete", "'b'"),
                 id="too-many-incomplete-rows"),
    pytest.param(csv({"a": [i % 4 if i % 2 else "" for i in range(N)], "b": [1] * N, "target": base()["target"]}),
                 refused("only class 1 is left", "both classes"), id="one-class-after-dropping"),
    pytest.param(replace_line(PLAIN, 2, b"1e35,1,0"), refused("'a'", "as large as 1e+35", "up to 1e+30"),
                 id="huge-values"),
    # --- refused: not a CSV ----------------------------------------------------------------------------------------
    pytest.param(garbage(3000, seed=1), refused("binary data"), id="binary-garbage"),
    pytest.param(control_garbage(3000, seed=2), refused("binary data"), id="binary-garbage-without-zero-bytes"),
    pytest.param(b'{"a": [1, 2], "target": [0, 1]}', refused("JSON"), id="json-object"),
    pytest.param(b'\n  [{"a": 1, "target": 0}, {"a": 2, "target": 1}]', refused("JSON"), id="json-array"),
    pytest.param(b'{"a": 1, "target": 0}\n{"a": 2, "target": 1}\n', refused("JSON"), id="json-lines"),
    pytest.param(b"<!DOCTYPE html>\n<html><body><table><tr><td>a</td></tr></table></body></html>",
                 refused("HTML"), id="html-page"),
    pytest.param(b'<?xml version="1.0"?><rows><row a="1"/></rows>', refused("XML"), id="xml"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00" + garbage(500, seed=3), refused("Excel", ".xlsx", "save it as CSV"),
                 id="xlsx-renamed"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + garbage(500, seed=4), refused("Excel", ".xls"),
                 id="xls-renamed"),
    pytest.param(b"\x1f\x8b\x08\x00" + garbage(200, seed=5), refused("gzip", "Decompress"), id="gzip"),
    pytest.param(b"%PDF-1.7\n" + garbage(200, seed=6), refused("PDF"), id="pdf"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + garbage(200, seed=7), refused("PNG image"), id="png"),
    pytest.param(codecs.BOM_UTF16_LE + b"a\x00,\x00\x00\xd8", refused("not valid UTF-16"), id="broken-utf16"),
]


def test_catalog_is_big_enough():
    assert len(CATALOG) >= 25
    assert len({case.id for case in CATALOG}) == len(CATALOG)


@pytest.mark.parametrize("data, expected", CATALOG)
def test_catalog(data: bytes, expected: Usable | Refused):
    if isinstance(expected, Refused):
        with pytest.raises(DataError) as caught:
            load_csv(data)
        message = str(caught.value)
        for word in expected.words:
            assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
        return
    dataset = load_csv(data, standardize=expected.check is None)
    assert_trainable(dataset)
    assert dataset.n_features == expected.n_features, dataset.feature_names
    assert dataset.n_rows == expected.n_rows
    if expected.feature_names is not None:
        assert dataset.feature_names == expected.feature_names
    if expected.no_notes:
        assert dataset.notes == ()
    for word in expected.notes:
        assert any(word.lower() in note.lower() for note in dataset.notes), f"{word!r} not in {dataset.notes!r}"
    if expected.check is not None:
        expected.check(dataset)


# ---------------------------------------------------------------------------------------------------------------
# Specific behaviours worth a closer look


def test_yes_no_target_maps_yes_to_one():
    answers = ["yes", "no", "no", "no"] * 10
    dataset = load_csv(csv({**base(), "copy": [int(a == "yes") for a in answers], "target": answers}),
                       standardize=False)
    assert np.array_equal(all_labels(dataset), raw(dataset)[:, 2])  # every "yes" row is a 1, every "no" a 0


def test_one_hot_columns_are_zero_or_one():
    dataset = load_csv(with_column("color", ["red", "green", "blue", "green"] * 10), standardize=False)
    onehot = raw(dataset)[:, 2:]
    assert set(np.unique(onehot)) == {0.0, 1.0}
    assert (onehot.sum(axis=1) == 1).all()


def test_missing_text_category_drops_the_row():
    dataset = load_csv(with_column("color", ["", "green", "blue", "green"] * 10))
    assert dataset.n_rows == 30
    assert any("Dropped 10" in note for note in dataset.notes)


def test_dropped_rows_say_which_groups_they_took_and_leave_no_empty_one_hot_columns():
    """Issue 26, item 7: a weather file whose incomplete rows are every row of 3 of its 5 locations."""
    n = 100
    location = [f"L{i % 5}" for i in range(n)]
    sunshine = ["" if i % 5 in (1, 2) else f"{i % 9}.5" for i in range(n)]  # (each column under half missing)
    evaporation = ["" if i % 5 == 3 else f"{i % 4}.5" for i in range(n)]
    dataset = load_csv(csv({**base(n), "Location": location, "Sunshine": sunshine, "Evaporation": evaporation}),
                       standardize=False)
    (note,) = [note for note in dataset.notes if note.startswith("Dropped")]
    assert "Dropped 60 of 100 rows" in note and "every row of 3 of the 5 values of 'Location' (L1, L2, L3)" in note
    assert "“Columns left out”" in note and "'Sunshine'" in note
    assert [n for n in dataset.feature_names if n.startswith("Location=")] == ["Location=L0", "Location=L4"]
    assert (raw(dataset)[:, [dataset.feature_names.index("Location=L0"),
                             dataset.feature_names.index("Location=L4")]].sum(axis=0) > 0).all()


def test_a_repeated_sample_code_is_noted_as_a_possible_key():
    """Wisconsin breast cancer (original): `Sample code number`, 7-digit codes, some samples measured twice."""
    codes = list(np.random.default_rng(4).choice(10**7 - 10**6, 56, replace=False) + 10**6)
    codes += codes[:4]  # 4 samples appear twice
    dataset = load_csv(csv({**base(60), "Sample code number": codes}))
    (note,) = [note for note in dataset.notes if "could be keys" in note]
    assert "Sample code number (4 repeated values)" in note and "“Columns left out”" in note


@pytest.mark.parametrize("column, values, what", [
    ("MEDV", [f"{10 + 0.37 * i:.2f}" for i in range(N)], "a measured number (40 different values)"),
    ("species", ["setosa", "versicolor", "virginica", "setosa"] * 10,
     "3 classes ('setosa', 'versicolor', 'virginica')"),
])
def test_the_column_meant_as_the_target_is_named_with_what_dlviz_needs(column, values, what):
    """A last column that is not two-class (Boston's MEDV, iris' species), beside a two-class one (CHAS)."""
    frame = read_csv(csv({"a": base()["a"], "CHAS": [i % 2 for i in range(N)], column: values}))
    choice = choose_target(frame)
    assert choice.column is None
    assert f"`{column}` is the last column, but it holds {what}." in choice.rule
    assert "exactly two classes" in choice.rule
    sentences = [part for part in choice.rule.split(". ") if part]
    assert all(len(sentence.split()) <= 16 for sentence in sentences), sentences  # short sentences, no run-on
    with pytest.raises(DataError, match=f"`{column}` is the last column"):
        load_csv(csv({"a": base()["a"], "CHAS": [i % 2 for i in range(N)], column: values}))


def test_explicit_target_column():
    data = csv({"a": base()["a"], "b": base()["b"], "outcome": YES_NO})
    dataset = load_csv(data, target="outcome")
    assert dataset.feature_names == ("a", "b")
    with pytest.raises(DataError, match="no column 'label'"):
        load_csv(data, target="label")


def test_target_candidates_follow_the_target_rules():
    frame = read_csv(csv({"a": base()["a"], "answer": [" Yes", "yes", "NO", "no"] * 10,
                          "same": ["yes", " yes"] * 20, "three": [i % 3 for i in range(N)], "label": YES_NO,
                          "target": base()["target"]}))
    assert binary_target_candidates(frame) == ["answer", "label", "target"]


def test_read_csv_returns_raw_columns():
    frame = read_csv(with_column("color", ["red", "green"] * 20))
    assert list(frame.columns) == ["a", "b", "color", "target"]
    assert len(frame) == N


def test_max_rows_samples():
    dataset = load_csv(csv(base(200)), max_rows=50)
    assert dataset.n_rows == 50
    assert any("50 of the rows" in note for note in dataset.notes)


def test_fingerprint_depends_on_content():
    assert load_csv(PLAIN).fingerprint == load_csv(PLAIN).fingerprint
    assert load_csv(PLAIN).fingerprint != load_csv(replace_target([1, 0] * 20)).fingerprint


def test_builtin_data_is_untouched():
    dataset = load_builtin("practice", max_rows=600)
    assert_trainable(dataset)
    assert dataset.n_features == 20 and dataset.notes == ("Using 600 of the rows (a fixed random sample).",)
    assert load_builtin("breast_cancer").n_features == 30


def test_prepare_accepts_frames_with_any_index():
    frame = read_csv(PLAIN)
    frame.index = [5] * len(frame)  # duplicated labels must not confuse the row bookkeeping
    assert_trainable(prepare(frame, "target"))


def test_upload_rules_state_the_limits():
    assert f"{MAX_UPLOAD_BYTES // 2**20} MB" in UPLOAD_RULES
    assert f"{MAX_COLUMNS:,} columns" in UPLOAD_RULES
    assert f"at least {MIN_ROWS}" in UPLOAD_RULES
    for word in ("commas", "semicolons", "tabs", "UTF-8", "UTF-16", "Latin-1", "target", "yes", "one-hot", "id",
                 "missing", "infinite"):
        assert word in UPLOAD_RULES
    assert all(line.startswith("- ") for line in UPLOAD_RULES.strip().splitlines())


# ---------------------------------------------------------------------------------------------------------------
# Sources: a path, bytes, or a file-like object (an upload)


class NamedUpload(io.BytesIO):
    """Shaped like Streamlit's UploadedFile (a BytesIO subclass with a name and size; the sidebar itself passes the
    upload's bytes)."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


def already_read(data: bytes) -> io.BytesIO:
    upload = NamedUpload(data, "data.csv")
    upload.read()  # a page that peeked at the upload first leaves it at the end
    return upload


SOURCES = [
    pytest.param(lambda data, tmp: str(tmp / "data.csv"), id="str-path"),
    pytest.param(lambda data, tmp: tmp / "data.csv", id="pathlib-path"),
    pytest.param(lambda data, tmp: data, id="bytes"),
    pytest.param(lambda data, tmp: bytearray(data), id="bytearray"),
    pytest.param(lambda data, tmp: memoryview(data), id="memoryview"),
    pytest.param(lambda data, tmp: io.BytesIO(data), id="BytesIO"),
    pytest.param(lambda data, tmp: NamedUpload(data, "data.csv"), id="BytesIO-subclass-with-name"),
    pytest.param(lambda data, tmp: already_read(data), id="upload-already-read"),
    pytest.param(lambda data, tmp: io.StringIO(data.decode()), id="StringIO"),
    pytest.param(lambda data, tmp: open(tmp / "data.csv", "rb"), id="binary-file-handle"),
    pytest.param(lambda data, tmp: open(tmp / "data.csv", encoding="utf-8"), id="text-file-handle"),
]


@pytest.mark.parametrize("make_source", SOURCES)
def test_sources(make_source, tmp_path: pathlib.Path):
    (tmp_path / "data.csv").write_bytes(PLAIN)
    source = make_source(PLAIN, tmp_path)
    try:
        dataset = load_csv(source)
    finally:
        if hasattr(source, "close") and not isinstance(source, io.BytesIO):
            source.close()
    assert_trainable(dataset)
    assert dataset.fingerprint == load_csv(PLAIN).fingerprint


@pytest.mark.parametrize("source, words", [
    pytest.param("/no/such/file.csv", ("Could not open", "No such file"), id="missing-path"),
    pytest.param(PLAIN.decode(), ("Could not open", "pass CSV text as bytes"), id="csv-text-as-str"),
    pytest.param(12, ("Expected a CSV file", "int"), id="a-number"),
    pytest.param(None, ("Expected a CSV file",), id="none"),
])
def test_bad_sources(source, words):
    with pytest.raises(DataError) as caught:
        load_csv(source)
    for word in words:
        assert word in str(caught.value)


def test_directory_is_refused(tmp_path: pathlib.Path):
    with pytest.raises(DataError, match="Could not open"):
        load_csv(tmp_path)


def test_closed_file_is_refused(tmp_path: pathlib.Path):
    path = tmp_path / "data.csv"
    path.write_bytes(PLAIN)
    handle = open(path, "rb")
    handle.close()
    with pytest.raises(DataError, match="Could not read"):
        load_csv(handle)


# ---------------------------------------------------------------------------------------------------------------
# Over the upload limit: one byte too many, made cheaply (a sparse file; one bytes object)


def test_path_over_the_limit(tmp_path: pathlib.Path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: no disk space, no writing
    with pytest.raises(DataError, match="too large") as caught:
        load_csv(path)
    assert f"{MAX_UPLOAD_BYTES + 1:,} bytes" in str(caught.value)
    assert f"{MAX_UPLOAD_BYTES // 2**20} MB" in str(caught.value)


@pytest.fixture(scope="module")
def just_over_limit() -> bytes:
    header = b"a,b,target\n"
    return header + b"1" * (MAX_UPLOAD_BYTES + 1 - len(header))


@pytest.mark.parametrize("wrap", [bytes, io.BytesIO, lambda data: NamedUpload(data, "big.csv")],
                         ids=["bytes", "BytesIO", "upload"])
def test_bytes_over_the_limit(just_over_limit: bytes, wrap):
    with pytest.raises(DataError, match="too large"):
        load_csv(wrap(just_over_limit))


def test_exactly_at_the_limit_is_read():
    # The limit is inclusive: a file of exactly MAX_UPLOAD_BYTES gets past the size check (and fails later for
    # its content, which is one long line).
    header = b"a,target\n"
    data = header + b"1" * (MAX_UPLOAD_BYTES - len(header))
    with pytest.raises(DataError) as caught:
        load_csv(data)
    assert "too large" not in str(caught.value)


# ---------------------------------------------------------------------------------------------------------------
# Fuzzing: whatever the bytes, the outcome is a usable Dataset or a DataError


def outcome(data: bytes) -> str:
    try:
        dataset = load_csv(data)
    except DataError as exc:
        assert str(exc), "a DataError needs a message"
        return "refused"
    assert_trainable(dataset)
    return "usable"


def test_fuzz_random_bytes():
    rng = np.random.default_rng(20240601)
    for size in rng.integers(0, 3000, 40):
        outcome(rng.integers(0, 256, int(size), dtype=np.uint8).tobytes())


def test_fuzz_mutated_csv():
    rng = np.random.default_rng(7)
    alphabet = np.frombuffer(b',;\t|"\n\r .-+e0123456789abcNAyesno\x00\xff', dtype=np.uint8)
    seeds = [PLAIN, csv(sep=";"), LATIN1, with_column("color", ["red", "green", "blue", "green"] * 10)]
    results = []
    for i in range(120):
        data = bytearray(seeds[i % len(seeds)])
        for _ in range(int(rng.integers(1, 8))):
            at = int(rng.integers(0, len(data)))
            action = rng.integers(0, 3)
            if action == 0:
                data[at] = int(rng.choice(alphabet))
            elif action == 1:
                data.insert(at, int(rng.choice(alphabet)))
            else:
                del data[at]
        results.append(outcome(bytes(data)))
    assert "usable" in results and "refused" in results  # the mutations exercise both paths


def test_fuzz_csv_like_text():
    rng = np.random.default_rng(11)
    alphabet = list("0123456789,,,;;\t\"\n\n.-eE ab") + ["yes", "no", "NA", "inf", "target", "id", ",target\n"]
    for _ in range(60):
        text = "a,b,target\n" + "".join(rng.choice(alphabet, int(rng.integers(0, 600))))
        outcome(text.encode())
