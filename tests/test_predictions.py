"""Predict first (issue 19): the checks against constructed histories (a right answer, a wrong one, a tie -> cannot
tell), the questions built from the sweep, and the flow on a page through AppTest."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlviz.analysis import grid as g
from dlviz import kinds
from dlviz.text import predictions as p
from dlviz.text.predictions import CANNOT_TELL, RIGHT, WRONG, Context
from tests.support.histories import SEED_OFFSETS, falling, lr_sweep, make, overfitting_curves
from tests.support import figures, open_page

N_TRAIN = 1000


def by_key(context: Context) -> dict[str, p.Question]:
    return {q.key: q for q in context.kind.questions(context)}


def verdict(kind, histories, findings, key, answer, n_train=N_TRAIN, **context):
    ctx = Context.of(kind, histories, n_train, **context)
    return by_key(ctx)[key].check(answer, findings, ctx)


# ---------------------------------------------------------------------------------------------------------------
# Epochs


def overfitting_runs():
    train, val = overfitting_curves()  # lowest near epoch 14 of 60, then up by 0.07
    return [make(train, np.roll(val, shift), seed=s) for s, shift in ((1, 0), (2, 1), (3, -1))]


def plateau_runs():
    """Validation loss falls to 0.40 by epoch 10, then wobbles within 0.004 (no seed rises clearly)."""
    epochs = np.arange(1, 31)
    runs = []
    for seed in (1, 2):
        wobble = 0.002 * np.sin(epochs * (1.3 + seed))
        val = np.where(epochs <= 10, 0.70 - 0.03 * epochs, 0.40) + wobble
        runs.append(make(0.7 * np.exp(-epochs / 8) + 0.1, val, seed=seed))
    return runs


def test_the_turn_of_an_overfitting_run():
    runs = overfitting_runs()
    found = kinds.EPOCHS.analyze(runs)
    right = verdict(kinds.EPOCHS, runs, found, "turn", 15)
    wrong = verdict(kinds.EPOCHS, runs, found, "turn", 40)
    assert right.kind == RIGHT and wrong.kind == WRONG
    assert "You said epoch 40" in wrong.sentence and "at epoch 60" in wrong.sentence
    assert "epochs 1" in wrong.sentence  # the seeds' lowest points, e.g. "epochs 13-15"


def test_a_flat_stretch_cannot_tell_a_late_turn():
    runs = plateau_runs()
    found = kinds.EPOCHS.analyze(runs)
    assert found.per_value[0].overfit_region is None
    assert verdict(kinds.EPOCHS, runs, found, "turn", 10).kind == RIGHT
    late = verdict(kinds.EPOCHS, runs, found, "turn", 28)  # the wobble's lowest point is near the end, within noise
    assert late.kind == CANNOT_TELL and "by epoch 10" in late.sentence, late.sentence
    assert verdict(kinds.EPOCHS, runs, found, "turn", 2).kind == WRONG


def test_still_falling_at_the_end():
    falling_runs = overfitting_runs()  # training loss keeps falling about 6% per 3 epochs at epoch 60
    flat = [make(np.r_[falling(0.3, 10), np.full(10, 0.3)], seed=s) for s in (1, 2)]
    mixed = [falling_runs[0], flat[1]]
    assert verdict(kinds.EPOCHS, falling_runs, kinds.EPOCHS.analyze(falling_runs), "falling", True).kind == RIGHT
    assert verdict(kinds.EPOCHS, falling_runs, kinds.EPOCHS.analyze(falling_runs), "falling", False).kind == WRONG
    flat_verdict = verdict(kinds.EPOCHS, flat, kinds.EPOCHS.analyze(flat), "falling", False)
    assert flat_verdict.kind == RIGHT and "flattened" in flat_verdict.sentence
    assert verdict(kinds.EPOCHS, mixed, kinds.EPOCHS.analyze(mixed), "falling", True).kind == CANNOT_TELL


# ---------------------------------------------------------------------------------------------------------------
# Batch size


def batch_runs(noise_8: float, noise_512: float, seeds=(1, 2, 3), n_train=1280):
    """Batch 8 and 512 on `seeds`; per-update loss scatters by `noise_*` around the same trend."""
    rng = np.random.default_rng(1)
    runs = []
    for seed in seeds:
        for batch, noise in ((8, noise_8), (512, noise_512)):
            per_epoch = -(-n_train // batch)
            steps = np.arange(10 * per_epoch)
            updates = 0.4 + 0.3 * np.exp(-steps / (3 * per_epoch)) + noise * rng.standard_normal(len(steps))
            loss = updates.reshape(10, per_epoch).mean(axis=1)
            runs.append(make(loss, loss + 0.05, batch=batch, seed=seed, update_loss=updates,
                             updates_per_epoch=per_epoch))
    return runs


def test_the_noisiest_batch_right_wrong_and_tied():
    runs = batch_runs(0.2, 0.02)
    found = kinds.BATCH_SIZE.analyze(runs)
    assert verdict(kinds.BATCH_SIZE, runs, found, "noisiest", 8).kind == RIGHT
    wrong = verdict(kinds.BATCH_SIZE, runs, found, "noisiest", 512)
    assert wrong.kind == WRONG and "batch size 8" in wrong.sentence
    tied_runs = batch_runs(0.1, 0.1)
    tied = verdict(kinds.BATCH_SIZE, tied_runs, kinds.BATCH_SIZE.analyze(tied_runs), "noisiest", 512)
    assert tied.kind == CANNOT_TELL and "tie" in tied.sentence


def test_updates_per_epoch_is_the_rows_over_the_batch_rounded_up():
    runs = batch_runs(0.1, 0.02, seeds=(1,))
    found = kinds.BATCH_SIZE.analyze(runs)
    ctx = Context.of(kinds.BATCH_SIZE, runs, 1000)
    question = by_key(ctx)["updates"]
    assert p.asked_batch(ctx.values) == 512 and "batch size 512" in question.prompt  # 128 not swept: the middle
    assert question.check(2, found, ctx).kind == RIGHT  # 1000 / 512 = 1.95 -> 2
    wrong = question.check(1, found, ctx)
    assert wrong.kind == WRONG and "rounded up to 2" in wrong.sentence and "smaller" in wrong.sentence
    assert p.asked_batch((32, 128, 512)) == 128
    exact = Context.of(kinds.BATCH_SIZE, runs, 1024)
    assert "= exactly 2." in by_key(exact)["updates"].check(2, found, exact).sentence


# ---------------------------------------------------------------------------------------------------------------
# Learning rate


def test_the_lowest_validation_loss_right_wrong_and_tied():
    runs = lr_sweep(gap=0.04)  # 0.01 beats 0.001 by 0.04 on every seed; the seeds' spread is 0.02
    found = kinds.LEARNING_RATE.analyze(runs)
    assert verdict(kinds.LEARNING_RATE, runs, found, "lowest", 0.01).kind == RIGHT
    wrong = verdict(kinds.LEARNING_RATE, runs, found, "lowest", 0.001)
    assert wrong.kind == WRONG and "learning rate 0.01" in wrong.sentence
    assert verdict(kinds.LEARNING_RATE, runs, found, "lowest", 1.0).kind == WRONG  # diverged
    tied_runs = lr_sweep(gap=0.005)
    tied = verdict(kinds.LEARNING_RATE, tied_runs, kinds.LEARNING_RATE.analyze(tied_runs), "lowest", 0.001)
    assert tied.kind == CANNOT_TELL and "neither answer is right" not in tied.sentence
    assert ("one of the learning rates that tie for the lowest validation loss (0.001: " in tied.sentence
            and tied.sentence.endswith("these 3 seeds cannot tell them apart."))


def test_a_pick_in_a_tie_and_a_pick_outside_it():
    # 0.001 and 0.01 tie (gap 0.005 under the spread); 0.1 is clearly beaten by the leader 0.01.
    runs = lr_sweep(gap=0.005)
    found = kinds.LEARNING_RATE.analyze(runs)
    for answer in (0.001, 0.01):
        tied = verdict(kinds.LEARNING_RATE, runs, found, "lowest", answer)
        assert tied.kind == CANNOT_TELL and "that tie" in tied.sentence and "neither" not in tied.sentence
    other = verdict(kinds.LEARNING_RATE, runs, found, "lowest", 0.1)
    assert other.kind == WRONG and "learning rate 0.01 had the lowest validation loss" in other.sentence
    assert "it ties with 0.001, which these 3 seeds cannot tell apart from it" in other.sentence
    # One seed: no seed talk; a tied pick is one "this run cannot tell apart".
    one = lr_sweep(offsets={1: 0.0}, gap=0.005)
    found = kinds.LEARNING_RATE.analyze(one)
    tied = verdict(kinds.LEARNING_RATE, one, found, "lowest", 0.001)
    assert tied.kind == CANNOT_TELL and tied.sentence.endswith("this run cannot tell them apart.")
    other = verdict(kinds.LEARNING_RATE, one, found, "lowest", 0.1)
    assert other.kind == WRONG and "seed" not in other.sentence and "margin a single run needs" in other.sentence


def test_which_rates_blow_up():
    runs = lr_sweep()
    found = kinds.LEARNING_RATE.analyze(runs)
    right = verdict(kinds.LEARNING_RATE, runs, found, "blow_up", [1.0])
    assert right.kind == RIGHT and "learning rate 1 diverged at epoch 1 on all 3 seeds" in right.sentence
    assert verdict(kinds.LEARNING_RATE, runs, found, "blow_up", [0.1, 1.0]).kind == WRONG
    assert verdict(kinds.LEARNING_RATE, runs, found, "blow_up", []).kind == WRONG
    # 0.1 blows up on one seed of three: the run cannot settle an answer about 0.1
    some = [make([15.0] + [0.7] * 19, lr=0.1, seed=1, initial_loss=0.69, diverged_at=1)
            if (h.spec.learning_rate, h.spec.seed) == (0.1, 1) else h for h in runs]
    found_some = kinds.LEARNING_RATE.analyze(some)
    assert verdict(kinds.LEARNING_RATE, some, found_some, "blow_up", [1.0]).kind == CANNOT_TELL
    assert verdict(kinds.LEARNING_RATE, some, found_some, "blow_up", []).kind == WRONG  # 1.0 blew up on every seed


# ---------------------------------------------------------------------------------------------------------------
# Batch size x learning rate


def grid_runs(best_small: float, best_large: float, gap: float = 0.1):
    """Batches 16 and 256 x rates 0.001, 0.01, 0.1: each row's `best_*` rate ends `gap` below the others."""
    runs = []
    for seed, d in SEED_OFFSETS.items():
        for batch, best in ((16, best_small), (256, best_large)):
            for rate in (0.001, 0.01, 0.1):
                end = 0.3 + d + (0.0 if rate == best else gap)
                runs.append(make(falling(end, 10), falling(end, 10), lr=rate, batch=batch, seed=seed))
    return runs


@pytest.mark.parametrize("best_small, best_large, gap, answer, kind", [
    (0.001, 0.1, 0.1, p.RISES, RIGHT), (0.001, 0.1, 0.1, p.SAME, WRONG), (0.1, 0.001, 0.1, p.FALLS, RIGHT),
    (0.01, 0.01, 0.1, p.SAME, RIGHT), (0.001, 0.1, 0.005, p.RISES, CANNOT_TELL)])
def test_does_the_best_rate_rise_with_the_batch(best_small, best_large, gap, answer, kind):
    runs = grid_runs(best_small, best_large, gap)
    grid = g.Grid.from_runs(runs)
    found = verdict(kinds.GRID, runs, grid, "trend", answer)
    assert found.kind == kind, found.sentence
    assert "batch 16" in found.sentence and "batch 256" in found.sentence


# ---------------------------------------------------------------------------------------------------------------
# Questions from the sweep


def test_questions_take_their_options_from_the_sweep():
    runs = lr_sweep()
    ctx = Context.of(kinds.LEARNING_RATE, runs, N_TRAIN)
    asked = by_key(ctx)
    assert asked["lowest"].options == (1e-4, 1e-3, 1e-2, 0.1, 1.0) and asked["lowest"].labels[0] == "lr 0.0001"
    assert asked["blow_up"].widget == p.MULTISELECT and asked["lowest"].widget == p.RADIO
    epochs = by_key(Context.of(kinds.EPOCHS, overfitting_runs(), N_TRAIN))
    assert (epochs["turn"].widget, epochs["turn"].low, epochs["turn"].high) == (p.SLIDER, 1, 60)
    assert Context.of(kinds.LEARNING_RATE, runs, N_TRAIN).key == ctx.key
    assert Context.of(kinds.LEARNING_RATE, runs[:-3], N_TRAIN).key != ctx.key  # another sweep asks again
    assert by_key(Context.of(kinds.LEARNING_RATE, [runs[0]], N_TRAIN)) == {}  # one value: nothing to compare
    assert math.isnan(p.tail_change(make([0.5])))


# ---------------------------------------------------------------------------------------------------------------
# On a page (AppTest; tiny sweeps)

SMALL = {"rows": "500", "seeds": "2", "lrs": ["0.001", "0.1"], "lr_epochs": "3"}


def _verdicts(at) -> list[str]:
    return [e.value for e in list(at.success) + list(at.error) + list(at.info) if "You said" in e.value]


def test_predict_first_holds_the_curves_until_the_learner_answers():
    at = open_page("app_pages/learning_rate.py", predict="true", **SMALL)
    assert at.sidebar.toggle(key="predict").value is True
    assert not figures(at) and any(h.value == "Predict first" for h in at.subheader)
    (lowest,) = [r for r in at.radio if "lowest validation loss" in r.label]
    assert lowest.options == ["lr 0.001", "lr 0.1"]
    lowest.set_value(0.001)
    (blow,) = [m for m in at.multiselect if "blow up" in m.label]
    blow.set_value([0.1])
    next(b for b in at.button if b.label == "Show the curves").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert figures(at)
    shown = _verdicts(at)
    assert len(shown) == 2 and any("learning rate 0.001" in s for s in shown)
    at.run()  # the answers stay checked for this sweep
    assert figures(at) and len(_verdicts(at)) == 2


def test_just_show_me_and_the_mode_off():
    at = open_page("app_pages/learning_rate.py", predict="true", **SMALL)
    next(b for b in at.button if b.label == "just show me").click().run()
    assert figures(at) and not _verdicts(at)
    off = open_page("app_pages/learning_rate.py", **SMALL)
    assert off.sidebar.toggle(key="predict").value is False
    assert figures(off) and not any(h.value == "Predict first" for h in off.subheader)


@pytest.mark.parametrize("page, query, verdicts, unanswered", [
    ("app_pages/epochs.py", {"epochs": "4"}, 1, 1),            # the slider always has an answer; the radio is left
    ("app_pages/batch_size.py", {"b_epochs": "2", "batches": ["8", "128"]}, 1, 2),  # the number is answered below;
    # the two radios (noisiest, the noise scale's growth) are left
    ("app_pages/interplay.py", {"g_batches": ["16", "128"], "g_lrs": ["0.001", "0.1"], "g_epochs": "2"}, 0, 1),
])
def test_every_sweep_page_asks_first(page, query, verdicts, unanswered):
    at = open_page(page, predict="true", rows="500", seeds="2", **query)
    assert not figures(at) and any(h.value == "Predict first" for h in at.subheader)
    for number in at.number_input:
        number.set_value(3)  # 320 training rows / batch 128 = 2.5, rounded up
    next(b for b in at.button if b.label == "Show the curves").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert figures(at)
    assert len(_verdicts(at)) == verdicts
    assert sum("not answered" in c.value for c in at.caption) == unanswered
    if page == "app_pages/batch_size.py":
        assert any("rounded up to 3" in s.value for s in at.success)
