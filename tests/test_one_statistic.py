"""Issue 26, items 1, 2, 3 and 7 (findings): one statistic per claim, runs told as they trained, a run that blew up
or learned nothing decided before any ranking, and a model that beats no constant guess said to have learned nothing.
Each case of the issue, with tiny hand-written histories (no training)."""

from __future__ import annotations

import numpy as np

from dlviz import charts, kinds
from dlviz.analysis import grid as g
from dlviz.analysis import sweeps
from dlviz.charts import Marks
from dlviz.runs import RunHistory, RunSpec
from dlviz.text import findings as words
from dlviz.text import grid as grid_text
from dlviz.text.format import format_loss
from tests.support.histories import falling, make

# The epochs page's case: the raw mean dips once early (epoch 6) below the smoothed mean's lowest point (epoch 15).
DIP = 6


def _dipping(seed: int, offset: float, n: int = 30) -> RunHistory:
    epochs = np.arange(1, n + 1)
    val = 0.45 + 0.0004 * (epochs - 15) ** 2 / 4 + offset
    val[DIP - 1] -= 0.012  # one dip of one epoch
    return make(falling(0.2, n), val, seed=seed, initial_loss=0.69 + offset, accuracy=np.full(n, 0.8),
                val_accuracy=np.full(n, 0.78))


def _star(fig) -> tuple[float, float, str]:
    trace = next(t for t in fig.data if t.name and (t.name.endswith(" best") or t.name == "lowest validation loss")
                 and len(t.x))
    return trace.x[0], trace.y[0], trace.hovertemplate


def test_epochs_page_star_metric_and_sentence_state_one_lowest():
    runs = [_dipping(1, 0.0), _dipping(2, 0.006)]
    v = kinds.EPOCHS.analyze(runs).per_value[0]
    mean_raw = np.mean([h.val_loss for h in runs], axis=0)
    assert v.best_epoch == 15 and mean_raw[DIP - 1] < mean_raw[14]  # the drawn mean dips below the star
    smoothed_mean = np.convolve(mean_raw, np.ones(3) / 3, mode="same")[14]
    assert abs(v.score.mean - smoothed_mean) < 1e-12
    fig = charts.epochs_figure(runs, marks=Marks(best_epoch=v.best_epoch, best_value=v.score.mean))
    x, y, hover = _star(fig)
    # the ★ sits at the statistic and is named for it, with the number the text prints
    assert (x, y) == (15, v.score.mean)
    assert "mean of 2 seeds, smoothed over 3 epochs" in hover and format_loss(v.score.mean) in hover
    text = " ".join(words.sentences(kinds.EPOCHS.analyze(runs)))
    assert f"lowest at epoch 15 ({format_loss(v.score.mean)}, mean of 2 seeds, smoothed over 3 epochs)" in text


def test_batch_page_star_and_text_agree():
    runs = [_dipping(s, d) for s, d in ((1, 0.0), (2, 0.006))]
    runs += [make(falling(0.2, 30), np.asarray(h.val_loss) + 0.1, batch=256, seed=h.spec.seed, initial_loss=0.69)
             for h in runs]
    for h in runs[:2]:
        h.spec = h.spec.replace(batch_size=8)
    found = kinds.BATCH_SIZE.analyze(runs)
    best = found.value(8)
    assert found.best_value == 8
    groups = charts.group_runs(runs, lambda h: f"batch {h.spec.batch_size}")
    fig = charts.curves_figure(groups, marks={"batch 8": Marks(best_epoch=best.best_epoch,
                                                               best_value=best.score.mean)})
    _, y, hover = _star(fig)
    said = format_loss(best.score.mean)
    assert y == best.score.mean and said in hover
    assert f"batch size 8 reaches {said}" in words.ranking_sentence(found)


def test_learning_rate_start_loss_is_the_seeds_mean_the_curve_starts_at():
    runs = []
    for seed, start in ((42, 0.721), (43, 0.729), (44, 0.736)):
        runs += [make(falling(0.65, 20, start), falling(0.66, 20, start), lr=1e-4, seed=seed, initial_loss=start),
                 make(falling(0.30, 20, start), falling(0.35, 20, start), lr=1e-2, seed=seed, initial_loss=start)]
    found = kinds.LEARNING_RATE.analyze(runs)
    first_point = np.mean([h.curve("loss")[0] for h in runs if h.spec.learning_rate == 1e-4])
    assert found.value(1e-4).start_loss.mean == first_point
    slow = " ".join(words.speed_sentences(found))
    assert f"fell from {format_loss(first_point)} to" in slow and "0.721 to" not in slow


def test_uploaded_csv_end_of_overfitting_is_the_last_epochs_validation_loss():
    n = 100
    epochs = np.arange(1, n + 1)
    val = np.where(epochs <= 20, 0.7 - 0.0125 * epochs, 0.45 + 0.003 * (epochs - 20))
    val[-1] -= 0.012  # the last epoch is lower than the 3-epoch mean around it
    run = make(np.linspace(0.7, 0.1, n), val, accuracy=np.full(n, 0.8), val_accuracy=np.full(n, 0.7))
    v = kinds.EPOCHS.analyze([run]).per_value[0]
    text = words.overfitting_sentence(kinds.EPOCHS, v)
    assert f"rises to {format_loss(val[-1])} at epoch 100" in text  # what "Validation loss at epoch 100" shows


def test_a_run_that_learned_nothing_on_one_seed_is_never_tied_for_best():
    # lr 0.1's second seed memorises its training rows while validation loss stays at a constant guess's
    runs = []
    for seed in (1, 2):
        runs.append(make(falling(0.3), falling(0.35), lr=0.01, seed=seed, initial_loss=0.69))
        val = falling(0.34) if seed == 1 else np.full(20, 0.70)
        runs.append(make(falling(0.3), val, lr=0.1, seed=seed, initial_loss=0.69))
    found = kinds.LEARNING_RATE.analyze(runs)
    assert found.ranking.leader == 0.01 and 0.1 not in found.ranking.tied
    assert sweeps.TIED_BEST not in found.value(0.1).verdicts


def _cell(batch, rate, val, seed=1, epochs=3):
    spec = RunSpec("x", batch_size=batch, learning_rate=rate, epochs=epochs, seed=seed, hidden_units=8)
    return RunHistory(spec, loss=[0.6, 0.5, 0.45][:epochs], accuracy=[0.8] * epochs, val_loss=list(val),
                      val_accuracy=[0.8] * epochs, initial_loss=0.69, initial_val_loss=0.69)


def test_grid_cells_with_huge_validation_losses_are_crossed_and_never_tied():
    runs = []
    for seed, d in ((1, 0.0), (2, 0.01), (3, -0.01)):
        runs += [_cell(16, 1e-3, [0.6, 0.5, 0.45 + d], seed), _cell(16, 1e-2, [0.6, 0.5, 0.46 + d], seed)]
        runs.append(_cell(16, 1.0, [0.6, 0.5, 0.44] if seed != 2 else [5.0, 222.67, 563.01], seed))
    grid = g.Grid.from_runs(runs)
    assert grid.diverged().tolist() == [[False, False, True]]
    assert grid.diverged_epochs().tolist() == [[0, 0, 2]]  # the first epoch above 10x a constant guess's
    (row,) = g.row_bests(grid)
    assert 1.0 not in row.tied_rates and set(row.tied_rates) == {1e-3, 1e-2}


def test_grid_learned_nothing_cells_are_not_ranked():
    runs = [_cell(16, 1e-3, [0.6, 0.5, 0.45]), _cell(16, 1e-4, [0.69, 0.69, 0.69])]
    grid = g.Grid.from_runs(runs)
    assert grid.learned_nothing.tolist() == [[True, False]]
    assert g.row_bests(grid)[0].ranking.stats[0].value == 1e-3 and len(g.row_bests(grid)[0].ranking.stats) == 1


def test_grid_text_tells_the_runs_as_they_trained():
    # The largest grid a link allows, trimmed to 1 epoch: never "200 times".
    epochs = grid_text.budget_sentence(g.SAME_EPOCHS, 200, 6400, [16, 6400], [1, 1], [400, 1])
    assert "rows once" in epochs and "200 times" not in epochs
    # "Same weight updates" trimmed to 160-186 updates per cell: said, and no conclusion across batch sizes.
    asked = [g.epochs_for(g.SAME_UPDATES, 300, b, 2560) for b in (16, 1024)]
    trimmed = [e * 6 // 10 for e in asked]
    updates = [e * u for e, u in zip(trimmed, (160, 3))]
    budget = grid_text.budget_sentence(g.SAME_UPDATES, 300, 2560, [16, 1024], trimmed, updates)
    assert "trimmed" in budget and "every cell takes about 300" not in budget
    runs = []
    for seed, d in ((1, 0.0), (2, 0.002)):
        for batch, epochs, good in ((16, trimmed[0], 1e-2), (1024, trimmed[1], 1e-3)):
            for rate in (1e-3, 1e-2):
                val = [0.6] * (epochs - 1) + [(0.40 if rate == good else 0.50) + d]
                runs.append(RunHistory(RunSpec("x", batch_size=batch, learning_rate=rate, epochs=epochs, seed=seed),
                                       loss=[0.5] * epochs, accuracy=[0.8] * epochs, val_loss=val,
                                       val_accuracy=[0.8] * epochs, initial_loss=0.69))
    grid = g.Grid.from_runs(runs)
    told = " ".join(grid_text.grid_sentences(grid, g.FINAL_VAL_LOSS, g.SAME_UPDATES, 2560, amount=300))
    assert "opposite of the rule of thumb" not in told and "no conclusion" in told
    assert "opposite of the rule of thumb" in " ".join(grid_text.grid_sentences(grid, g.FINAL_VAL_LOSS,
                                                                                g.SAME_UPDATES, 2560))
    assert grid_text.capped_sentence([16, 8192], 6400).endswith("so it trains as batch 6,400.")


def test_random_labels_learned_nothing_whatever_the_accuracy():
    n = 30
    run = make(np.linspace(0.69, 0.2, n), np.linspace(0.70, 0.95, n), accuracy=np.linspace(0.5, 0.95, n),
               val_accuracy=np.full(n, 0.552), majority_val_accuracy=0.406, prior_loss=0.6925)
    found = kinds.EPOCHS.analyze([run])
    text = " ".join(words.sentences(found))
    assert "overfitting" not in text and "points above" not in text
    assert "learned nothing the validation rows confirm, whatever its accuracy" in text
    assert found.per_value[0].overfit_region is None and not found.per_value[0].rankable


def test_a_majority_under_half_is_explained_and_equal_shares_never_differ():
    run = make(falling(0.3), falling(0.35), accuracy=[0.9] * 20, val_accuracy=[0.6] * 20, majority_val_accuracy=0.484)
    said = words.accuracy_sentence(kinds.EPOCHS, kinds.EPOCHS.analyze([run]).per_value[0])
    assert "(48.4% on these rows, under 50% because that class is the minority among the validation rows)" in said
    even = make(falling(0.3), falling(0.35), val_accuracy=[0.4168] * 20, majority_val_accuracy=0.4171)
    said = words.accuracy_sentence(kinds.LEARNING_RATE, kinds.LEARNING_RATE.analyze([even]).per_value[0])
    assert "worse than" not in said and "no better than" in said


def test_unscaled_inputs_are_named_and_no_empty_value():
    money = make([3e9, 2e9, 1e9], [4e9, 2e9, 1.5e9])
    text = " ".join(words.sentences(kinds.EPOCHS.analyze([money], standardized=False)))
    assert "(at value )" not in text and "not standardised" in text
    # a learning rate that blew up with standardisation off points at the inputs too
    found = kinds.LEARNING_RATE.analyze([make([15.0] + [0.7] * 9, [14.0] + [0.71] * 9, lr=1.0, initial_loss=0.69,
                                         diverged_at=1), make(falling(0.3, 10), falling(0.35, 10), lr=0.01,
                                                              initial_loss=0.69)], standardized=False)
    assert any("likely cause" in s and "Standardise features" in s for s in words.sentences(found))


def test_the_predict_check_states_the_stars_lowest():
    from dlviz.text.predictions import Context, check_turn

    runs = [_dipping(1, 0.0), _dipping(2, 0.006)]
    found = kinds.EPOCHS.analyze(runs)
    v = found.per_value[0]
    said = check_turn(40, found, Context.of(kinds.EPOCHS, runs, 1000)).sentence
    assert f"its lowest ({format_loss(v.score.mean)} at epoch {v.best_epoch}, mean of 2 seeds" in said
