"""Issue 16 items 1-2: the default target follows what people mean; keys are dropped, real features kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.support import load_csv
from dlviz.data import DataError, choose_target, read_csv


def to_csv(frame: pd.DataFrame, sep: str = ",") -> bytes:
    return frame.to_csv(index=False, sep=sep).encode()


def churn_frame(n: int = 200, seed: int = 3) -> pd.DataFrame:
    """Shaped like the bank-churn file of issue 16: RowNumber, random 8-digit CustomerId, ..., Exited last."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "RowNumber": np.arange(1, n + 1),
        "CustomerId": rng.choice(np.arange(15_000_000, 16_000_000), size=n, replace=False),
        "Surname": [f"Name{i % 150}" for i in range(n)],
        "CreditScore": rng.integers(350, 851, n) // 10 * 10,
        "Geography": rng.choice(["France", "Spain", "Germany"], n),
        "Gender": rng.choice(["Female", "Male"], n),
        "Age": rng.integers(18, 80, n),
        "Tenure": rng.integers(0, 11, n),
        "Balance": np.where(rng.random(n) < 0.4, 0.0, rng.normal(100_000, 30_000, n).round(2)),
        "NumOfProducts": rng.integers(1, 5, n),
        "HasCrCard": rng.integers(0, 2, n),
        "IsActiveMember": rng.integers(0, 2, n),
        "EstimatedSalary": rng.uniform(1_000, 200_000, n).round(2),
        "Exited": (rng.random(n) < 0.3).astype(int),
    })


CHURN_FEATURES = ("CreditScore", "Geography=France", "Geography=Germany", "Geography=Spain", "Gender=Female",
                  "Gender=Male", "Age", "Tenure", "Balance", "NumOfProducts", "HasCrCard", "IsActiveMember",
                  "EstimatedSalary")


def test_issue_churn_file_predicts_exited_and_drops_its_keys():
    dataset = load_csv(to_csv(churn_frame()))
    assert dataset.feature_names == CHURN_FEATURES  # Exited is the target, not a feature; Gender a feature
    assert any("'Exited'" in note and "looks like a label" in note for note in dataset.notes)
    assert any("id column" in note and "RowNumber" in note and "CustomerId" in note for note in dataset.notes)
    np.testing.assert_array_equal(np.sort(dataset.trained_rows_frame()["target"].to_numpy()),
                                  np.sort(churn_frame()["Exited"].to_numpy()))


@pytest.mark.parametrize("columns, expected, rule_words", [
    # a column named target wins, whatever else is label-like
    pytest.param({"Exited": [0, 1] * 15, "x": range(30), "TARGET": [1, 0, 0] * 10}, "TARGET", "named",
                 id="target-name-wins"),
    # Titanic: Survived is not last
    pytest.param({"PassengerId": range(30), "Survived": [0, 1, 1] * 10, "Pclass": [1, 2, 3] * 10,
                  "Sex": ["male", "female"] * 15}, "Survived", "looks like a label", id="titanic-survived"),
    # Wisconsin: diagnosis B/M is the second column, a binary feature comes last
    pytest.param({"id": range(30), "diagnosis": ["B", "M", "B"] * 10, "radius": np.linspace(5, 20, 30),
                  "smoker": ["yes", "no"] * 15}, "diagnosis", "looks like a label", id="wisconsin-diagnosis"),
    # label-like words inside a longer name
    pytest.param({"tenure": range(30), "Churn Label": ["Yes", "No", "No"] * 10, "phone": [0, 1] * 15},
                 "Churn Label", "looks like a label", id="churn-label-two-words"),
    # credit default: the long name of the UCI file
    pytest.param({"LIMIT_BAL": range(30), "SEX": [1, 2] * 15, "default payment next month": [0, 0, 1] * 10,
                  "AGE": [30, 40, 50] * 10}, "default payment next month", "looks like a label",
                 id="credit-default-long-name"),
    # no name helps: the last column has two classes
    pytest.param({"a": range(30), "b": [1, 2, 3] * 10, "flag": [0, 1] * 15}, "flag", "last column",
                 id="last-binary-column"),
    # a label-like name that is not binary is passed over for the binary last column
    pytest.param({"class": [1, 2, 3] * 10, "b": range(30), "ok": ["y", "n"] * 15}, "ok", "last column",
                 id="label-name-not-binary"),
])
def test_choose_target(columns, expected, rule_words):
    choice = choose_target(pd.DataFrame(columns))
    assert choice.column == expected
    assert rule_words in choice.rule


@pytest.mark.parametrize("columns", [
    pytest.param({"a": range(30), "b": [1, 2] * 15, "c": [1, 2, 3] * 10}, id="last-column-three-values"),
    pytest.param({"Gender": ["F", "M"] * 15, "Score": range(30)}, id="binary-only-first"),
    pytest.param({"target": [0, 1] * 15, "Target": [1, 0] * 15, "x": range(30)}, id="two-target-columns"),
])
def test_no_rule_means_the_user_picks(columns):
    frame = pd.DataFrame(columns)
    assert choose_target(frame).column is None
    with pytest.raises(DataError, match="(?i)choose"):
        load_csv(to_csv(pd.concat([frame] * 1, ignore_index=True)))


def test_the_user_choice_wins_over_the_rule():
    data = to_csv(churn_frame())
    dataset = load_csv(data, target="Gender")
    assert "Exited" in dataset.feature_names and not any("looks like a label" in n for n in dataset.notes)


# --- keys -------------------------------------------------------------------------------------------------------

def base(n: int = 60) -> dict:
    return {"a": [i % 7 for i in range(n)], "b": [(i * 3) % 5 + 0.5 for i in range(n)]}


def labels(n: int = 60) -> list[int]:
    return [i % 2 for i in range(n)]


def features_and_notes(columns: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    dataset = load_csv(to_csv(pd.DataFrame({**columns, "target": labels(len(next(iter(columns.values()))))})))
    return dataset.feature_names, dataset.notes


def test_a_real_feature_the_file_is_sorted_by_is_kept_and_said():
    # Account balances in whole euros, sorted, all different: sorted is no evidence of a key.
    balance = np.cumsum(np.random.default_rng(1).integers(1, 500, 60))
    names, notes = features_and_notes({**base(), "balance": balance})
    assert names == ("a", "b", "balance")
    assert any("could be keys" in note and "balance" in note for note in notes)


@pytest.mark.parametrize("column, values, dropped", [
    pytest.param("RowNumber", list(range(1, 61)), True, id="row-number-named"),
    pytest.param("CustomerId", list(np.random.default_rng(2).choice(10**8, 60, replace=False)), True,
                 id="random-8-digit-customer-id"),
    pytest.param("n", list(np.random.default_rng(3).permutation(60) + 1000), True,
                 id="shuffled-row-number-unnamed"),
    pytest.param("Unnamed: 0", list(range(60)), True, id="pandas-index"),
    pytest.param("order_key", [f"K{i:05d}" for i in range(60)], True, id="text-key"),
    pytest.param("id", [i // 3 for i in range(60)], False, id="id-name-with-repeats-kept-and-said"),
    pytest.param("count", [i * i for i in range(60)], False, id="sorted-squares-kept"),
])
def test_key_evidence(column, values, dropped):
    names, notes = features_and_notes({**base(), column: values})
    assert (column not in names) == dropped
    if dropped:
        assert any("id column" in note and column in note for note in notes)
    else:
        assert any("could be keys" in note and column in note for note in notes)


def test_plain_repeating_integers_are_features_without_a_note():
    names, notes = features_and_notes({**base(), "age": [20 + i % 30 for i in range(60)]})
    assert "age" in names and not any("keys" in note for note in notes)


def test_read_csv_keeps_key_columns_raw():
    frame = read_csv(to_csv(churn_frame(40)))
    assert list(frame.columns)[:2] == ["RowNumber", "CustomerId"]
