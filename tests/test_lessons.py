"""The lesson text: code that compiles (and runs) with the page's values, and quiz explanations that quote the
numbers of real findings and still say something sensible without them."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from dlviz import diagnose as dg
from dlviz.lessons import QUIZ, WHAT_TO_LOOK_FOR, Question, lesson_code
from dlviz.training import RunSpec, train_sweep

PAGES = ("epochs", "batch_size", "learning_rate")


def test_what_to_look_for_covers_every_page():
    assert set(WHAT_TO_LOOK_FOR) == set(PAGES)
    for lines in WHAT_TO_LOOK_FOR.values():
        assert 2 <= len(lines) <= 3 and all(isinstance(line, str) and len(line) > 20 for line in lines)
    assert "overfitting" in " ".join(WHAT_TO_LOOK_FOR["epochs"]).lower()
    assert "smoother" in " ".join(WHAT_TO_LOOK_FOR["batch_size"]).lower()
    assert "oscillat" in " ".join(WHAT_TO_LOOK_FOR["learning_rate"]).lower()


def _call(tree: ast.AST, name: str) -> ast.Call:
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith(name)]
    assert len(calls) == 1, name
    return calls[0]


def _keywords(call: ast.Call) -> dict:
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if isinstance(k.value, ast.Constant)}


def test_lesson_code_compiles_with_the_values():
    code = lesson_code(epochs=37, batch_size=64, learning_rate=0.003, hidden_units=48, n_features=20)
    compile(code, "<lesson>", "exec")
    tree = ast.parse(code)
    assert _keywords(_call(tree, "fit")) == {"epochs": 37, "batch_size": 64, "validation_split": 0.2}
    assert _keywords(_call(tree, "Adam")) == {"learning_rate": 0.003}
    assert _keywords(_call(tree, "train_test_split")) == {"test_size": 0.2, "random_state": 42}
    assert ast.literal_eval(_call(tree, "Input").keywords[0].value) == (20,)
    dense = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "layers.Dense"]
    assert [ast.literal_eval(d.args[0]) for d in dense] == [48, 1]
    assert 'loss="binary_crossentropy"' in code and "StandardScaler()" in code and "pd.read_csv('data.csv')" in code
    assert "EarlyStopping" not in code


def test_lesson_code_with_early_stopping_and_tiny_rates():
    code = lesson_code(100, 32, 1e-05, early_stopping_patience=7)
    compile(code, "<lesson>", "exec")
    tree = ast.parse(code)
    assert _keywords(_call(tree, "EarlyStopping")) == {"monitor": "val_loss", "patience": 7,
                                                       "restore_best_weights": True}
    assert ast.unparse(_call(tree, "fit")).count("callbacks=[early_stopping]") == 1
    assert _keywords(_call(tree, "Adam")) == {"learning_rate": 1e-05}
    assert "X_train.shape[1]" in code


def test_lesson_code_runs_on_a_csv(tmp_path, monkeypatch, capsys):
    from dlviz.data import practice_frame

    practice_frame(n_rows=200).to_csv(tmp_path / "data.csv", index=False)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(lesson_code(epochs=2, batch_size=50, learning_rate=0.01, early_stopping_patience=1), "<lesson>",
                 "exec"), namespace)
    history = namespace["history"].history
    assert 1 <= len(history["loss"]) <= 2 and "val_loss" in history
    assert 0.0 <= namespace["test_accuracy"] <= 1.0
    assert "Test accuracy" in capsys.readouterr().out


def test_quiz_shape():
    assert set(QUIZ) == set(PAGES)
    prompts = [q.prompt for questions in QUIZ.values() for q in questions]
    assert "What happens if we train for too many epochs?" in prompts
    assert "Does increasing batch size reduce the number of updates?" in prompts
    assert "Why do smaller batch sizes sometimes generalize better?" in prompts
    assert "Which hyperparameter directly controls step size?" in prompts
    assert any("trains very fast but has poor validation accuracy" in p for p in prompts)
    for questions in QUIZ.values():
        for question in questions:
            assert isinstance(question, Question)
            assert 0 <= question.answer < len(question.options) and len(set(question.options)) == len(question.options)
    step = next(q for q in QUIZ["learning_rate"] if "step size" in q.prompt)
    assert step.correct_option == "Learning rate"
    practice = next(q for q in QUIZ["learning_rate"] if "very fast" in q.prompt)
    assert practice.correct_option.lower().startswith("learning rate") and "lower" in practice.correct_option


@pytest.fixture(scope="module")
def real_findings(tiny_dataset):
    data = tiny_dataset
    base = RunSpec(data.fingerprint, epochs=15, batch_size=32, learning_rate=0.01)
    (long_run,) = train_sweep(data, [base.replace(epochs=40, learning_rate=0.03)])
    batches = train_sweep(data, [base.replace(batch_size=b) for b in (8, 32, 128)])
    rates = train_sweep(data, [base.replace(learning_rate=r) for r in (1e-4, 1e-2, 0.3, 3.0)])
    return {"epochs": dg.diagnose_epochs(long_run), "batch_size": dg.diagnose_batch_sizes(batches),
            "learning_rate": dg.diagnose_learning_rates(rates)}


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


@pytest.mark.parametrize("page", PAGES)
def test_explanations_quote_real_numbers(real_findings, page):
    findings = real_findings[page]
    generic = {q.prompt: q.explain(dg.Findings(page)) for q in QUIZ[page]}
    for question in QUIZ[page]:
        text = question.explain(findings)
        assert isinstance(text, str) and len(text) > 40
        assert _numbers(text), text
        # With findings, the explanation quotes numbers the fallback does not have: the run's own.
        assert set(_numbers(text)) - set(_numbers(generic[question.prompt])), text


def test_explanations_use_the_specific_numbers(real_findings):
    epochs = real_findings["epochs"]
    turn = epochs.get(dg.OVERFITTING)
    assert turn is not None  # 384 training rows at lr 0.03 for 40 epochs overfit
    text = QUIZ["epochs"][0].explain(epochs)
    assert f"epoch {turn.data['best_epoch']} " in text and dg.format_loss(turn.data["best_val_loss"]) in text
    updates = QUIZ["batch_size"][0].explain(real_findings["batch_size"])
    assert "48 updates per epoch" in updates and "3 (" in updates  # 384 rows: 48 batches of 8, 3 of 128
    rates = real_findings["learning_rate"]
    assert rates.has(dg.DIVERGED, 3.0)
    assert "3.0" in QUIZ["learning_rate"][0].explain(rates)


@pytest.mark.parametrize("page", PAGES)
def test_explanations_survive_missing_findings(page):
    empty = dg.Findings(page)
    nothing_useful = dg.Findings(page, [dg.Finding("something_else", None, "x", {})])
    for question in QUIZ[page]:
        for findings in (empty, nothing_useful, None, dg.diagnose_epochs(_flat_history())):
            text = question.explain(findings)
            assert isinstance(text, str) and len(text) > 40


@pytest.mark.parametrize("page", PAGES)
def test_explanations_accept_findings_from_another_page(real_findings, page):
    for other in PAGES:
        for question in QUIZ[page]:
            assert question.explain(real_findings[other])


def _flat_history():
    from dlviz.training import RunHistory

    return RunHistory(spec=RunSpec("x", epochs=3), loss=[0.7, 0.6, 0.5], val_loss=[0.7, 0.6, 0.55],
                      accuracy=[0.5, 0.6, 0.7], val_accuracy=[0.5, 0.6, 0.65], update_loss=np.zeros(0, np.float32))
