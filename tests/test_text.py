"""Words for learners: one formatter per kind, sentences from constructed findings (ties, winners, one seed,
divergence, baselines, unscaled inputs), the lesson's code (compiles, runs, standardises as dlviz does), the quiz."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from dlviz import kinds
from dlviz.text import findings as words
from dlviz.text.format import format_count, format_loss, format_lr, format_percent, value_label
from dlviz.text.lessons import Question, lesson_code
from tests.support.histories import batch_runs, falling, lr_sweep, make, overfitting_curves

SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")


def test_formatters_never_write_scientific_notation():
    assert [format_lr(r) for r in (1e-5, 3e-5, 1e-4, 0.003, 0.01, 1.0, 10.0)] == [
        "0.00001", "0.00003", "0.0001", "0.003", "0.01", "1", "10"]
    assert [format_loss(x) for x in (0.44612, 0.043, 0.00042, 2.5, 12.34, 1234.5, 2.3e9, float("nan"))] == [
        "0.446", "0.043", "0.00042", "2.50", "12.3", "1,234", "2.3 billion", "NaN"]
    assert format_percent(0.859) == "85.9%" and format_count(16000) == "16,000"
    assert value_label(kinds.LEARNING_RATE, 1e-5) == "lr 0.00001"
    assert value_label(kinds.BATCH_SIZE, 1024) == "batch 1,024"


def all_text(findings) -> str:
    return " ".join(words.sentences(findings))


def test_a_clear_winner_is_named_with_its_evidence():
    found = kinds.LEARNING_RATE.analyze(lr_sweep())
    text = words.ranking_sentence(found)
    assert "learning rate 0.01 reaches 0.361 (0.351-0.371 over 3 seeds)" in text and "every seed" in text
    assert not SCIENTIFIC.search(all_text(found))
    # The speed verdicts compare the mean of the last 3 epochs, and say so beside the number.
    speed = " ".join(words.speed_sentences(found))
    assert "(mean of the last 3 epochs and of 3 seeds) in 20 epochs" in speed and "training loss over the last 3 epochs is" in speed


def test_a_tie_names_the_values_that_tie():
    found = kinds.LEARNING_RATE.analyze(lr_sweep(gap=0.005))
    text = words.ranking_sentence(found)
    assert text.startswith("No clear difference at 3 seeds between learning rates 0.001 and 0.01")
    assert "up to 0.020" in text
    assert "every seed" in words.COMPARISON_RULE and "spread" in words.COMPARISON_RULE


def test_a_tie_says_why_it_leaves_a_value_out():
    """The newcomer's case: batch 32 missing from "8, 128 and 512 tie" with no reason. A value the leader beats is
    named with its number and the evidence."""
    text = words.ranking_sentence(kinds.LEARNING_RATE.analyze(lr_sweep(gap=0.005)))
    assert text.endswith("Behind learning rate 0.01 on every seed and by more than the seeds' spread: learning rate "
                         "0.1 (0.600).")


def test_validation_above_training_is_said_from_the_printed_numbers():
    run = make(falling(0.3), falling(0.3), accuracy=[0.8804] * 20, val_accuracy=[0.9166] * 20)
    text = words.accuracy_gap_sentence(kinds.EPOCHS.analyze([run]).per_value[0])
    assert "training accuracy is 88.0% and validation accuracy 91.7%, validation 3.7 points above training." in text


def test_one_seed_says_why_it_names_no_winner():
    text = words.ranking_sentence(kinds.LEARNING_RATE.analyze(lr_sweep(offsets={1: 0.0}, gap=0.01)))
    assert "No clear difference in this run" in text and words.ONE_SEED_NOTE in text


def _without_the_one_seed_note(text: str) -> str:
    return text.replace(words.ONE_SEED_NOTE, "")


@pytest.mark.parametrize("found", [
    pytest.param(lambda: kinds.LEARNING_RATE.analyze(lr_sweep(offsets={1: 0.0})), id="lr clear"),
    pytest.param(lambda: kinds.LEARNING_RATE.analyze(lr_sweep(offsets={1: 0.0}, gap=0.005)), id="lr tie"),
    pytest.param(lambda: kinds.BATCH_SIZE.analyze(batch_runs(0.1, seeds=(1,))), id="batch smaller better"),
    pytest.param(lambda: kinds.BATCH_SIZE.analyze(batch_runs(0.005, seeds=(1,))), id="batch no difference"),
    pytest.param(lambda: kinds.EPOCHS.analyze([make(*overfitting_curves())], patience=5), id="epochs")])
def test_one_seed_text_speaks_of_the_run_never_of_seeds(found):
    """With seeds=1 no "mean over 1 seed", "on every seed", "(1 seed)" or "seeds' spread": only the note on why one
    run cannot separate close values mentions seeds."""
    found = found()
    text = _without_the_one_seed_note(all_text(found))
    assert "seed" not in text, text


def test_one_seed_winner_and_batch_answer_say_this_run():
    text = words.ranking_sentence(kinds.LEARNING_RATE.analyze(lr_sweep(offsets={1: 0.0})))
    assert text.startswith("The lowest validation loss, smoothed over 3 epochs, in this run: learning rate 0.01 "
                           "reaches 0.361, better than every other value by more than 0.020, the margin a single run "
                           "needs")
    batch = words.generalisation_sentence(kinds.BATCH_SIZE.analyze(batch_runs(0.1, seeds=(1,))))
    assert "in this run; lower by more than 0.020" in batch and "mean over" not in batch


def test_divergence_over_seeds_gives_ranges_not_one_seeds_numbers():
    # Two seeds blow up differently: the jump and ratio are ranges; the start is one number wherever it is said
    # (the seeds' mean, as the curve's first point shows it), and so are the end and start after (issue 26).
    runs = [make([18.5, 0.9, 0.8, 0.75, 0.75], lr=1.0, seed=1, initial_loss=0.72, diverged_at=1,
                 final_positive_share=0.4),
            make([11.5, 0.9, 0.8, 0.76, 0.76], lr=1.0, seed=2, initial_loss=0.74, diverged_at=1,
                 final_positive_share=0.4)]
    text = words.divergence_sentence(kinds.LEARNING_RATE, kinds.LEARNING_RATE.analyze(runs).value(1.0))
    assert text.startswith("At learning rate 1, training loss jumped to 11.5-18.5 in epoch 1 (on 2 of 2 seeds), "
                           "16x-26x its starting loss (0.730, the mean of the 2 seeds): the run diverged.")
    assert text.endswith("training loss over the last 3 epochs was still 0.770, above its starting 0.730 (means of "
                         "the 2 diverged seeds).")


def test_divergence_then_a_constant_predictor():
    found = kinds.LEARNING_RATE.analyze(lr_sweep())
    text = words.divergence_sentence(kinds.LEARNING_RATE, found.value(1.0))
    assert text.startswith("At learning rate 1, training loss jumped to 15.0 in epoch 1 (on 3 of 3 seeds), 22x its "
                           "starting loss (0.690, the mean of the 3 seeds)")
    assert "predicts the same class for every row" in text and "87.5%" in text
    # Without the evidence, nothing is said about afterwards.
    unknown = [make([15.0, 2.0, 1.5], lr=1.0, seed=s, initial_loss=0.69, diverged_at=1) for s in (1, 2)]
    assert "same class" not in words.divergence_sentence(kinds.LEARNING_RATE,
                                                         kinds.LEARNING_RATE.analyze(unknown).value(1.0))


def test_after_a_divergence_the_verdict_and_its_number_agree():
    # Last epoch (0.700) below the start (0.721), last-3 mean (0.726) above: the sentence must not say "below".
    dipped = [make([18.5, 0.9, 0.8, 0.76, 0.74, 0.738, 0.70], lr=1.0, seed=1, initial_loss=0.721, diverged_at=1,
                   final_positive_share=0.4)]
    text = words.divergence_sentence(kinds.LEARNING_RATE, kinds.LEARNING_RATE.analyze(dipped).value(1.0))
    assert "came back" not in text and "below" not in text
    assert "did not recover: training loss over the last 3 epochs was still 0.726, above its starting 0.721" in text
    flat = [make([11.5, 0.74, 0.735, 0.735, 0.735], lr=1.0, seed=1, initial_loss=0.736, diverged_at=1,
                 final_positive_share=0.4)]
    text = words.divergence_sentence(kinds.LEARNING_RATE, kinds.LEARNING_RATE.analyze(flat).value(1.0))
    assert text.endswith("Afterwards it learned nothing useful: training loss over the last 3 epochs was 0.735, not "
                         "clearly below a constant guess's 0.693.")
    back = [make([18.5, 0.9, 0.6, 0.6, 0.6], lr=1.0, seed=s, initial_loss=0.721, diverged_at=1,
                 final_positive_share=0.4) for s in (1, 2)]
    text = words.divergence_sentence(kinds.LEARNING_RATE, kinds.LEARNING_RATE.analyze(back).value(1.0))
    assert ("It came back afterwards: training loss over the last 3 epochs was 0.600, below its starting 0.721 and "
            "clearly below a constant guess's 0.693 (means of the 2 diverged seeds).") in text


def test_accuracy_below_the_baseline_says_so():
    runs = [make(falling(0.3, 5), falling(0.35, 5), lr=0.01, seed=s, accuracy=[0.9] * 5,
                 val_accuracy=[0.86] * 4 + [0.859], majority_val_accuracy=0.875) for s in (1, 2)]
    text = " ".join(words.sentences(kinds.LEARNING_RATE.analyze(runs)))
    assert "validation accuracy ends at 85.9% (on all 2 seeds) — worse than always answering the training rows' " \
           "majority class (87.5% on these rows)" in text


def test_huge_unscaled_losses_point_at_the_toggle():
    runs = [make([3e9, 2e9, 1.5e9], [4e9, 2e9, 1.6e9], lr=r, initial_loss=3e9) for r in (1e-3, 1e-2)]
    text = " ".join(words.sentences(kinds.LEARNING_RATE.analyze(runs, standardized=False)))
    assert "Standardise features" in text and "billion" in text and not SCIENTIFIC.search(text)
    assert "Standardise features" not in " ".join(words.sentences(kinds.LEARNING_RATE.analyze(runs)))
    # A huge run that also "turns" is not called overfitting on the epochs page.
    train, val = overfitting_curves()
    huge = make(train * 1e9, val * 1e9, initial_loss=0.7e9)
    text = " ".join(words.sentences(kinds.EPOCHS.analyze([huge], standardized=False)))
    assert "overfitting" not in text and "Standardise features" in text


@pytest.mark.parametrize("gap, phrase", [(0.1, "the smaller batch did generalise better"),
                                         (0.005, "did not clearly generalise better"),
                                         (-0.1, "the larger batch generalised better")])
def test_the_batch_page_answers_with_this_datas_numbers(gap, phrase):
    found = kinds.BATCH_SIZE.analyze(batch_runs(gap))
    text = " ".join(words.sentences(found))
    assert phrase in text and "batch 8" in text and "batch 512" in text
    assert "160 weight updates per epoch" in text


def test_epochs_page_sentences():
    train, val = overfitting_curves()
    runs = [make(train, np.roll(val, k), seed=s, accuracy=np.linspace(0.7, 0.95, 60), val_accuracy=np.full(60, 0.8))
            for s, k in ((1, 0), (2, 2))]
    text = words.sentences(kinds.EPOCHS.analyze(runs, patience=5))
    # One statistic per claim (issue 26): the star's epoch and value, labelled; the end is the last epoch's mean.
    assert text[0].startswith("Validation loss is lowest at epoch 17 (0.313, mean of 2 seeds, smoothed over 3 "
                              "epochs) and rises to 0.378 at epoch 60 (means of 2 seeds)")
    assert "on every one of 2 seeds" in text[0]
    assert text[1].startswith("EarlyStopping with patience 5 would stop after epochs")
    assert "a gap of 15.0 points" in text[2]


# ---------------------------------------------------------------------------------------------------------------
# The lesson's code


def _call(tree, name):
    def named(func: str) -> bool:  # "model.fit" matches exactly; "Adam" matches any "x.y.Adam"
        return func == name if "." in name else func.split(".")[-1] == name

    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and named(ast.unparse(n.func))]
    assert len(calls) == 1, name
    return calls[0]


def _keywords(call):
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if isinstance(k.value, ast.Constant)}


def test_lesson_code_has_the_pages_values():
    code = lesson_code(epochs=37, batch_size=64, learning_rate=0.00003, hidden_units=48, n_features=20)
    tree = ast.parse(code)
    assert _keywords(_call(tree, "model.fit")) == {"epochs": 37, "batch_size": 64, "validation_split": 0.2}
    assert _keywords(_call(tree, "Adam")) == {"learning_rate": 0.00003} and "3e-05" not in code
    assert _keywords(_call(tree, "train_test_split")) == {"test_size": 0.2, "random_state": 42}
    assert "set_random_seed" not in code and "seed" in code  # no seed, and a comment that says so
    assert "StandardScaler().fit(X_train[:n_fit])" in code and "EarlyStopping" not in code
    stratified = ast.parse(lesson_code(10, 32, 0.01, stratify=True, early_stopping_patience=3))
    splits = [ast.unparse(n) for n in ast.walk(stratified)
              if isinstance(n, ast.Call) and ast.unparse(n.func) == "train_test_split"]
    # the test rows, then the validation tail (tests/test_printed_code.py: its rows are the page's rows)
    assert splits[0].endswith("stratify=y)") and splits[1].endswith("stratify=y_train)") and len(splits) == 2
    assert _keywords(_call(stratified, "EarlyStopping"))["patience"] == 3
    assert "StandardScaler" not in lesson_code(10, 32, 0.01, standardize=False)


def test_lesson_code_standardises_exactly_as_dlviz(tmp_path, monkeypatch):
    from dlviz.data import practice_frame, prepare

    frame = practice_frame(n_rows=200)  # 160 training rows: Keras and dlviz both hold out the last 32
    frame.to_csv(tmp_path / "data.csv", index=False)
    monkeypatch.chdir(tmp_path)
    code = lesson_code(epochs=1, batch_size=50, learning_rate=0.01)
    namespace: dict = {}
    exec(compile(code.split("# No seed is set")[0], "<lesson-data>", "exec"), namespace)
    dataset = prepare(frame)
    rows = np.concatenate([dataset.x_train, dataset.x_val])
    # float32 storage in dlviz: 1e-5 is far below anything a learner could see in a curve.
    np.testing.assert_allclose(namespace["X_train"], rows, atol=1e-5)
    np.testing.assert_allclose(namespace["X_test"], dataset.x_test, atol=1e-5)


def test_lesson_code_runs_on_a_csv(tmp_path, monkeypatch, capsys):
    from dlviz.data import practice_frame

    practice_frame(n_rows=200).to_csv(tmp_path / "data.csv", index=False)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(lesson_code(2, 50, 0.01, early_stopping_patience=1, stratify=True), "<lesson>", "exec"), namespace)
    assert 1 <= len(namespace["history"].history["loss"]) <= 2
    assert "Test accuracy" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------------------
# What to look for and the quiz


def test_what_to_look_for_and_quiz_shape():
    for kind in kinds.ONE_SETTING:
        assert kind.look_for and kind.quiz, kind.name
        for q in kind.quiz:
            assert isinstance(q, Question) and 0 <= q.answer < len(q.options)
    assert "overfitting" in " ".join(kinds.EPOCHS.look_for).lower()
    assert next(q for q in kinds.LEARNING_RATE.quiz if "step size" in q.prompt).correct_option == "Learning rate"


def constructed_findings():
    train, val = overfitting_curves()
    epochs = kinds.EPOCHS.analyze([make(train, val, accuracy=np.linspace(0.7, 0.95, 60), val_accuracy=np.full(60, 0.8),
                                  updates_per_epoch=40)])
    return {kinds.EPOCHS: epochs, kinds.BATCH_SIZE: kinds.BATCH_SIZE.analyze(batch_runs(0.005)),
            kinds.LEARNING_RATE: kinds.LEARNING_RATE.analyze(lr_sweep())}


@pytest.mark.parametrize("kind", kinds.ONE_SETTING, ids=lambda kind: kind.name)
def test_explanations_quote_the_runs_numbers_and_survive_anything(kind):
    found = constructed_findings()
    for question in kind.quiz:
        generic = question.explain(None)
        specific = question.explain(found[kind])
        assert len(generic) > 40 and set(re.findall(r"\d+(?:\.\d+)?", specific)) - set(
            re.findall(r"\d+(?:\.\d+)?", generic)), specific
        assert not SCIENTIFIC.search(specific)
        assert question.explain(kind.analyze([]))


def test_the_generalisation_quiz_reports_a_tie_honestly():
    text = kinds.BATCH_SIZE.quiz[1].explain(constructed_findings()[kinds.BATCH_SIZE])
    assert "did not clearly generalise better" in text


def test_dlviz_holds_out_the_rows_keras_holds_out():
    import math

    from dlviz.data import practice_frame, prepare

    dataset = prepare(practice_frame(n_rows=203))  # 162 training rows: Keras trains on floor(129.6) = 129
    assert len(dataset.y_train) == math.floor((len(dataset.y_train) + len(dataset.y_val)) * (1 - 0.2))


def test_validation_below_training_gets_one_sentence_only_where_the_runs_show_it():
    """Issue 26, item 8."""
    from dlviz import kinds
    from dlviz.text.findings import validation_below_sentence

    train = list(np.linspace(0.7, 0.3, 20))
    early = [make(train, [train[0] - 0.05, train[1] - 0.01] + [t + 0.02 for t in train[2:]], lr=0.01, seed=s)
             for s in (1, 2)]
    never = [make(train, [t + 0.02 for t in train], lr=0.1, seed=s) for s in (1, 2)]
    found = kinds.LEARNING_RATE.analyze(early + never)
    assert found.validation_below == ((0.01, 2),)
    sentence = validation_below_sentence(found)
    assert "(learning rate 0.01: epochs 1-2)" in sentence and "mean over its batches" in sentence
    assert validation_below_sentence(kinds.LEARNING_RATE.analyze(never)) is None
