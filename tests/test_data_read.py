"""Issue 16 items 3-4: one number convention per file; a first row of data is read as data."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import load_csv
from dlviz.data import read_csv

N = 40


def lines(header: list[str] | None, rows: list[list[str]], sep: str) -> bytes:
    out = ([sep.join(header)] if header else []) + [sep.join(row) for row in rows]
    return ("\n".join(out) + "\n").encode()


def column(dataset, name: str) -> np.ndarray:
    """A feature's values in original units, in file order (standardize=False not needed: trained_rows_frame)."""
    return dataset.trained_rows_frame()[name].to_numpy()


COUNTS = ["850", "950", "1.200", "2.155", "14.000"]  # the issue's column


def test_issue_semicolon_file_reads_thousands_with_the_files_convention():
    rows = [[f"{i % 9},{25 * (i % 4):02d}", COUNTS[i % 5], str(i % 2)] for i in range(N)]
    dataset = load_csv(lines(["weight", "count", "target"], rows, ";"))
    assert list(column(dataset, "count")[:5]) == [850, 950, 1200, 2155, 14000]  # order kept, no 1.2 or 14.0
    assert sorted(set(column(dataset, "weight")))[:3] == [0.0, 0.25, 0.5]
    assert any("count ('1.200' read as 1,200)" in note for note in dataset.notes)


@pytest.mark.parametrize("sep, header, make_row, expected", [
    # comma file, decimal points elsewhere, quoted thousands: "1,200" is 1200
    pytest.param(",", ["price", "count", "target"],
                 lambda i: [f"{i % 7}.25", f'"{["850", "950", "1,200", "2,155", "14,000"][i % 5]}"', str(i % 2)],
                 {"count": [850, 950, 1200, 2155, 14000]}, id="comma-file-quoted-thousands"),
    # tab file with decimal commas: "1.200" still thousands (the evidence, not the separator, decides)
    pytest.param("\t", ["w", "count", "target"],
                 lambda i: [f"{i % 7},5", COUNTS[i % 5], str(i % 2)],
                 {"count": [850, 950, 1200, 2155, 14000], "w": [0.5, 1.5, 2.5, 3.5, 4.5]},
                 id="tab-file-decimal-commas"),
    # semicolon file whose numbers use decimal points: "1.200" is 1.2 there
    pytest.param(";", ["w", "ratio", "target"],
                 lambda i: [f"{i % 7}.75", ["0.850", "0.950", "1.200", "2.155", "3.000"][i % 5], str(i % 2)],
                 {"ratio": [0.85, 0.95, 1.2, 2.155, 3.0]}, id="semicolon-file-decimal-points"),
    # European thousands and decimals together in one column, and a plain count column
    pytest.param(";", ["amount", "count", "target"],
                 lambda i: [f"{i + 1}.{i % 10}00,{i % 9}0", COUNTS[i % 5], str(i % 2)],
                 {"amount": [1000.0, 2100.1, 3200.2, 4300.3, 5400.4], "count": [850, 950, 1200, 2155, 14000]},
                 id="european-grouped-amounts"),
    # no evidence at all in a comma file: "1.200" read with the decimal point (and said so)
    pytest.param(",", ["reading", "k", "target"],
                 lambda i: [["1.200", "2.155", "3.500", "4.250", "5.125"][i % 5], str(i % 3), str(i % 2)],
                 {"reading": [1.2, 2.155, 3.5, 4.25, 5.125]}, id="no-evidence-comma-file"),
])
def test_one_number_convention_per_file(sep, header, make_row, expected):
    dataset = load_csv(lines(header, [make_row(i) for i in range(N)], sep))
    for name, values in expected.items():
        np.testing.assert_allclose(column(dataset, name)[:5], values)


def test_ambiguous_columns_are_named_with_the_reading_taken():
    rows = [[["1.200", "2.155", "3.500", "4.250", "5.125"][i % 5], str(i % 3), str(i % 2)] for i in range(N)]
    notes = " ".join(load_csv(lines(["reading", "k", "target"], rows, ",")).notes)
    assert "reading ('1.200' read as 1.2)" in notes and "'.' as the decimal mark" in notes


def test_a_column_against_the_files_convention_is_read_its_own_way_and_said():
    rows = [[f"{i % 7},5", f"{i % 3}.5", f"{i % 4},25", str(i % 2)] for i in range(N)]
    dataset = load_csv(lines(["a", "b", "c", "target"], rows, ";"))
    np.testing.assert_allclose(column(dataset, "b")[:3], [0.5, 1.5, 2.5])
    assert any("b write numbers the other way" in note for note in dataset.notes)


def test_scientific_numbers_in_a_decimal_comma_file_stay_numbers():
    # Neither convention reads "7.8e+05" in a semicolon file of decimal commas: it keeps pandas' plain reading.
    rows = [[f"{i % 7},5", f"{i + 1}.25e+05" if i != 3 else "NA", str(i % 2)] for i in range(N)]
    dataset = load_csv(lines(["w", "big", "target"], rows, ";"))
    assert dataset.feature_names == ("w", "big") and dataset.n_rows == N - 1
    np.testing.assert_allclose(column(dataset, "big")[:3], [125_000, 225_000, 325_000])


def test_plain_files_get_no_number_note():
    rows = [[f"{i % 7}.5", str(i % 3), str(i % 2)] for i in range(N)]
    assert load_csv(lines(["a", "b", "target"], rows, ",")).notes == ()


# --- headerless files -------------------------------------------------------------------------------------------

def sonar_rows(n: int = N, equal_in_first: bool = True) -> list[list[str]]:
    rng = np.random.default_rng(5)
    rows = [[f"{v:.4f}" for v in rng.uniform(0, 1, 8)] + [["R", "M"][i % 2]] for i in range(n)]
    if equal_in_first:
        rows[0][3] = rows[0][1]  # two equal readings: as a header they were "repeated column names"
    rows[0][0] = "0.8702"
    return rows


def test_issue_headerless_sonar_file_is_read_as_data():
    rows = sonar_rows()
    dataset = load_csv(lines(None, rows, ","))
    assert dataset.n_rows == N  # the first row is data, not lost to the header
    assert dataset.feature_names == tuple(f"column_{j}" for j in range(1, 9))
    assert column(dataset, "column_1")[0] == pytest.approx(0.8702)
    notes = " ".join(dataset.notes)
    assert "first line holds data" in notes and "'column_9'" in notes  # the label column, by the last-column rule


@pytest.mark.parametrize("data, n_columns", [
    pytest.param(lines(None, [[str(i % 5), f"{i * 0.1:.1f}", str(i % 2)] for i in range(N)], ","), 3,
                 id="all-numbers"),
    pytest.param(lines(None, [[f"{i % 9},5", str(i % 4), ["yes", "no"][i % 2]] for i in range(N)], ";"), 3,
                 id="semicolon-decimal-commas-word-label"),
    pytest.param(lines(None, [[str(i % 5), ["a", "b"][i % 2], str(i % 3), str(i % 2)] for i in range(N)], "\t"), 4,
                 id="tab-with-a-text-column"),
])
def test_headerless_variants(data, n_columns):
    frame = read_csv(data)
    assert list(frame.columns) == [f"column_{j}" for j in range(1, n_columns + 1)]
    assert len(frame) == N


@pytest.mark.parametrize("header", [
    pytest.param(["2019", "2020", "target"], id="year-names-over-numbers"),
    pytest.param(["a", "b", "target"], id="words"),
    pytest.param(["x1", "1", "target"], id="one-number-name"),
])
def test_real_headers_stay_headers(header):
    frame = read_csv(lines(header, [[str(i % 5), str(i % 3), str(i % 2)] for i in range(N)], ","))
    assert list(frame.columns) == header
