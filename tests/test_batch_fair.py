"""The batch page's fair comparison read from constructed runs: steps to a target and its regimes, the isolation
plot's ranking, the noise-scale curves, and the sentences that quote them."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from dlviz.analysis import batch_fair as bf
from dlviz import kinds
from dlviz.charts import batch_fair as charts
from dlviz.text import batch_fair as text
from dlviz.text import predictions
from tests.support.histories import make
from tests.support import figures, notices, open_page

N_TRAIN = 1280
# Epoch at which each batch size first reaches the low loss: 800, 400, 200, 160 and 160 updates.
REACH = {8: 5, 16: 5, 32: 5, 64: 8, 128: 16}


def _reaching(batch: int, epoch: int, seed: int, lr: float = 0.01, epochs: int = 20):
    val = [0.5] * (epoch - 1) + [0.30] * (epochs - epoch + 1)
    history = make(val, val, lr=lr, batch=batch, seed=seed, updates_per_epoch=N_TRAIN // batch)
    history.noise_scale = [10.0 * (1 + e) for e in range(epochs + 1)]
    return history


@pytest.fixture
def scaling_runs():
    return [_reaching(b, e, seed) for b, e in REACH.items() for seed in (1, 2)]


def test_steps_to_target_reads_the_first_epoch_under_the_target(scaling_runs):
    found = bf.steps_to_target(bf.isolation(scaling_runs, 0.01), scaling_runs)
    assert found.target == pytest.approx(0.315)
    assert [s.mean for s in found.updates] == [800, 400, 200, 160, 160]
    assert found.regimes == (bf.PERFECT, bf.PERFECT, bf.DIMINISHING, bf.NONE)
    assert found.noise_scale == pytest.approx(60.0)  # batch 8 reached it after epoch 5
    sentence = text.steps_sentence(found)
    assert "Perfect scaling up to about 32 rows, diminishing returns beyond" in sentence
    assert "64→128: no fewer updates" in sentence and "batch 8 is known to within 160 updates" in sentence
    figure = charts.steps_figure(found)
    assert [round(y) for y in figure.data[0].y] == [800, 400, 200, 100, 50]  # perfect scaling from batch 8


def test_a_batch_that_never_reaches_the_target_is_named_and_the_runs_cannot_tell():
    runs = [_reaching(8, 5, 1), _reaching(512, 25, 1)]
    runs[1].val_loss = [math.nan] * 20  # batch 512 never has a finite validation loss
    found = bf.steps_to_target(bf.isolation(runs, 0.01), runs)
    assert math.isnan(found.updates[1].mean) and not found.regimes
    sentence = text.steps_sentence(found)
    assert "Batch 512 did not reach it" in sentence and "cannot tell" in sentence


def _scored(batch, lr, level, seed):
    val = list(np.linspace(0.6, level, 10))
    return make(val, val, lr=lr, batch=batch, seed=seed, updates_per_epoch=N_TRAIN // batch)


def test_isolation_finds_each_batch_sizes_own_rate_and_whether_the_gap_closes():
    offsets = {1: 0.0, 2: 0.005, 3: -0.005}
    levels = {(8, 0.001): 0.30, (8, 0.01): 0.40, (512, 0.001): 0.45, (512, 0.01): 0.302}
    runs = [_scored(b, lr, level + d, seed) for (b, lr), level in levels.items() for seed, d in offsets.items()]
    found = bf.isolation(runs, 0.01)
    assert [(b.batch_size, b.best_rate) for b in found.batches] == [(8, 0.001), (512, 0.01)]
    assert found.at_fixed.best == 512 and found.at_own.best is None
    sentence = text.isolation_sentence(found)
    assert "batch 512 has the lowest validation loss beyond the seed spread" in sentence
    assert "every batch size ties" in sentence and "the gap closes once each has its own rate" in sentence
    assert "batch 8 lr 0.001; batch 512 lr 0.01" in sentence
    assert "the preferred rate rises with the batch size" in sentence
    figure = charts.isolation_figure(found)
    assert list(figure.data[1].text) == ["lr 0.001", "lr 0.01"]


def test_noise_curves_take_the_geometric_mean_and_range_over_seeds():
    runs = [make([0.5, 0.4], batch=32, seed=s) for s in (1, 2)]
    runs[0].noise_scale, runs[1].noise_scale = [50.0, 100.0, 400.0], [200.0, 400.0, 1600.0]
    [curve] = bf.noise_curves(runs + [make([0.5], batch=8)])  # a run without the measurement is left out
    assert curve.mean == pytest.approx((100.0, 200.0, 800.0))
    assert (curve.low[-1], curve.high[-1]) == (400.0, 1600.0)
    sentence = text.noise_sentence([curve], 2)
    assert sentence.startswith("At the start, batches beyond about 100 rows add little per step; by epoch 2, "
                               "about 800")


def test_the_noise_question_checks_growth_against_the_seeds_ranges():
    runs = [make([0.5, 0.4], batch=32, seed=s) for s in (1, 2)]
    runs[0].noise_scale, runs[1].noise_scale = [50.0, 100.0, 400.0], [200.0, 400.0, 1600.0]
    context = SimpleNamespace(histories=tuple(runs), values=())
    [question] = text.questions(context)  # the batch page's own questions need swept values

    def found():  # the page's findings carry the noise curves (analysis.sweeps.analyze_values(noise=True))
        return SimpleNamespace(noise_scale=bf.noise_curves(runs))

    assert question.check(text.GROWN, found(), context).kind == predictions.RIGHT  # 400-1,600 lies above 50-200
    assert question.check(text.SHRUNK, found(), context).kind == predictions.WRONG
    runs[1].noise_scale = [200.0, 100.0, 60.0]  # the last epoch's range (60-400) overlaps the start's
    verdict = question.check(text.GROWN, found(), context)
    assert verdict.kind == predictions.CANNOT_TELL and "cannot tell" in verdict.sentence
    explained = text.QUIZ.explain(SimpleNamespace(noise_scale=bf.noise_curves(runs)))
    assert "batch 32's runs measured about 100 rows at the start and about 150 after epoch 2" in explained


@pytest.mark.parametrize("budget", ["epochs", "updates"])
def test_the_batch_page_shows_the_three_panels_from_the_shipped_runs(budget):
    at = open_page("app_pages/batch_size.py", b_budget=budget)
    shown = {f["layout"]["title"]["text"].split("<br>")[0]: f for f in figures(at)}
    assert any(title.startswith("Gradient noise scale") for title in shown)
    isolation = next(f for title, f in shown.items() if title.startswith("Lowest validation loss"))
    assert [t["name"] for t in isolation["data"]] == ["lr 0.01 (the lesson's)", "its own best rate"]
    assert all(label.startswith("lr ") for label in isolation["data"][1]["text"])
    assert any(title.startswith("Weight updates to reach") for title in shown)
    said = " ".join(m.value for m in at.markdown)
    assert "At the start, batches beyond about" in said and "Target: validation loss" in said
    assert not notices(at)  # the shipped rate sweep is not trimmed


def test_the_isolation_plot_and_the_target_state_the_findings_statistic():
    """The newcomer's case: one statistic under one name. Two seeds whose lowest points fall at different epochs:
    the findings' lowest validation loss is the lowest point of the seeds' mean smoothed curve (each seed's smoothed
    value there), not each seed's own lowest point."""
    shapes = {1: [0.6, 0.5, 0.40, 0.45, 0.5, 0.5, 0.5, 0.5], 2: [0.6, 0.5, 0.5, 0.5, 0.5, 0.45, 0.40, 0.45]}
    runs = [make(v, v, batch=b, seed=s, updates_per_epoch=N_TRAIN // b) for b in (8, 512) for s, v in shapes.items()]
    found = bf.isolation(runs, 0.01)
    said = kinds.BATCH_SIZE.analyze(runs).value(8).score
    assert found.at_fixed.stat(8).per_seed == said.per_seed
    assert said.per_seed == pytest.approx((0.5, 0.425))  # the mean's epoch 8, not seed 1's own lowest 0.45 at 3
    assert bf.steps_to_target(found, runs).target == pytest.approx(1.05 * 0.5)


def test_runs_that_learned_nothing_set_no_target_and_name_no_regime():
    runs = [make([0.70] * 5, [0.70, 0.71, 0.70, 0.72, 0.71], batch=b, seed=1, updates_per_epoch=N_TRAIN // b)
            for b in (8, 32, 128)]
    found = bf.steps_to_target(bf.isolation(runs, 0.01), runs)
    assert math.isnan(found.target) and not found.regimes
    sentence = text.steps_sentence(found)
    assert "learned nothing" in sentence and "no target" in sentence and "Target:" not in sentence
    assert "(no target)" in charts.steps_figure(found).layout.title.text


def test_one_seed_has_no_seed_spread():
    runs = [_scored(b, lr, level, 1) for (b, lr), level in
            {(8, 0.01): 0.30, (32, 0.01): 0.40, (128, 0.01): 0.301}.items()]
    for h in runs:
        h.noise_scale = [800.0] * 11
    sentence = text.isolation_sentence(bf.isolation(runs, 0.01))
    assert "batch 8 and 128 tie and batch 32 trails beyond the margin a single run needs (0.020)" in sentence
    assert "seed spread" not in sentence
    noise = text.noise_sentence(bf.noise_curves(runs), 1)
    assert "in this run" in noise and "; range" not in noise


def test_the_noise_legend_rounds_as_the_sentence_does(scaling_runs):
    for h in scaling_runs:
        h.noise_scale = [1051.0] * 21
    found = bf.steps_to_target(bf.isolation(scaling_runs, 0.01), scaling_runs)
    assert "B_simple was about 1,100" in text.steps_sentence(found)
    assert "B_simple ≈ 1,100" in [t.name for t in charts.steps_figure(found).data]


def test_runs_that_learned_nothing_on_one_seed_are_told_as_they_ran():
    """The newcomer's case: 500 rows, 1 seed, 5 epochs at equal weight updates. Every run stays above a constant
    guess's loss; whole epochs give batch 8 40 updates against 50 for batch 32."""
    at = open_page("app_pages/batch_size.py", rows="500", seeds="1", b_epochs="5", b_budget="updates")
    said = " ".join(m.value for m in at.markdown)
    assert "they learned nothing the validation rows confirm, so there is no target to time" in said
    assert "neither the gap between batch sizes nor their preferred rates can be read here" in said
    assert "the gap closes" not in said and "Preferred rates" not in said
    assert "the seed spread" not in said and "Target:" not in said and "; range" not in said
    assert "about the same number, 40-51 updates." in " ".join(c.value for c in at.caption)


def test_an_uploaded_csv_gets_the_four_panels():
    """The noise scale, the per-update chart's companions (isolation plot, updates to a target) on the learner's own
    file: 600 rows of the practice generator uploaded as CSV, trained on one seed for 3 epochs."""
    from dlviz.data import practice_frame

    at = open_page("app_pages/batch_size.py", rows="500", seeds="1", b_epochs="3", batches=["32", "128"])
    at.sidebar.radio(key="data").set_value("upload").run()
    at.file_uploader(key="upload").set_value(("good.csv", practice_frame(600).to_csv(index=False).encode(),
                                              "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert any(t.startswith("Gradient noise scale B_simple") for t in titles)
    assert any(t.startswith("Lowest validation loss: the lesson's rate against each batch's own") for t in titles)
    assert any(t.startswith("Weight updates to reach validation loss") for t in titles)
    said = " ".join(m.value for m in at.markdown)
    assert "B_simple" in said or "noise scale" in said
