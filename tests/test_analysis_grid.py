"""The batch size x learning rate grid: building it, reading it per seed, best learning rate per row under the rule
(ties marked as ties), the guide, the sentences, and one real small grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlviz import charts
from dlviz.analysis import grid as g
from dlviz.analysis.grid import (BEST_VAL_LOSS, DIVERGED, FINAL_VAL_ACCURACY, FINAL_VAL_LOSS, SAME_EPOCHS,
                                 SAME_UPDATES, Grid, GridError)
from dlviz.runs import MAX_EPOCHS, RunHistory, RunSpec
from dlviz.text.grid import budget_sentence, grid_sentences

BASE = RunSpec("fingerprint", hidden_units=8, seed=1)
OFFSETS = {1: 0.0, 2: 0.01, 3: -0.01}  # seed-to-seed spread 0.02


def fake(batch_size, rate, final_val, *, seed=1, best_val=None, accuracy=0.8, diverged=False, epochs=3):
    """A finished run whose validation loss falls to `best_val` and ends at `final_val` (flat for 3 epochs)."""
    best_val = final_val if best_val is None else best_val
    spec = BASE.replace(batch_size=batch_size, learning_rate=rate, epochs=epochs, seed=seed)
    if diverged:
        return RunHistory(spec, loss=[0.7, float("nan")], accuracy=[0.5, 0.5], val_loss=[0.7, float("nan")],
                          val_accuracy=[0.5, 0.5], diverged_at=2, nan_at=2, initial_val_loss=0.69)
    val = ([0.69, best_val] + [final_val] * max(epochs - 2, 1))[-epochs:] if best_val != final_val else \
        [final_val] * epochs
    return RunHistory(spec, loss=list(val), accuracy=[accuracy] * epochs, val_loss=val,
                      val_accuracy=[accuracy] * epochs, initial_val_loss=0.69)


def fake_grid(final, batches=(16, 64, 256, 1024), rates=(1e-3, 1e-2, 1e-1, 1.0), offsets=OFFSETS):
    runs = [fake(b, r, (v if v is not None else 1.0) + d, seed=s, diverged=v is None)
            for b, row in zip(batches, final) for r, v in zip(rates, row) for s, d in offsets.items()]
    return Grid.from_runs(runs)


MOVING = [[0.45, 0.50, None, None],
          [0.50, 0.44, 0.60, None],
          [0.60, 0.46, 0.55, None],
          [0.68, 0.55, 0.45, None]]


def test_building_the_grid():
    assert g.capped_batch_sizes([1024, 16, 64, 256], 2560) == (16, 64, 256, 1024)
    assert g.capped_batch_sizes([512, 1024], 300) == (300,)
    assert g.epochs_for(SAME_UPDATES, 300, 1024, 2560) == 100 and g.epochs_for(SAME_UPDATES, 10, 16, 2560) == 1
    assert g.epochs_for(SAME_UPDATES, 10**6, 2560, 2560) == MAX_EPOCHS
    with pytest.raises(GridError, match="budget"):
        g.epochs_for("minutes", 5, 16, 2560)
    specs = g.grid_specs(BASE, [256, 16], [0.1, 1e-3], 2560, SAME_EPOCHS, 7, seeds=(1, 2))
    assert [(s.batch_size, s.learning_rate, s.seed) for s in specs][:3] == [(16, 1e-3, 1), (16, 1e-3, 2), (16, 0.1, 1)]
    assert len(specs) == 8 and {s.epochs for s in specs} == {7}
    assert [s.seed for s in g.grid_specs(BASE, [16], [0.01], 2560, SAME_EPOCHS, 7)] == [1]
    with pytest.raises(GridError, match="at least one"):
        g.grid_specs(BASE, [], [0.01], 2560, SAME_EPOCHS, 7)


def test_grid_arranges_seeds_into_cells():
    grid = fake_grid(MOVING)
    assert grid.shape == (4, 4) and grid.n_seeds == 3 and all(
        h.complete for row in grid.histories for cell in row for h in cell)
    cell = grid.histories[grid.batch_sizes.index(64)][grid.learning_rates.index(1e-2)]
    assert [h.spec.seed for h in cell] == [1, 2, 3]
    assert grid.diverged().sum() == 5 and grid.diverged_epochs()[0, 2] == 2
    assert all(epoch is not None for epoch in grid.blown[0][2])  # every seed of the cell
    assert grid.updates(2560) == [3 * 160, 3 * 40, 3 * 10, 3 * 3]


def test_unfinished_cells_are_blank():
    specs = g.grid_specs(BASE, [16, 64], [0.01, 0.1], 2560, SAME_EPOCHS, 3)
    grid = Grid.from_runs([fake(16, 0.01, 0.5), None, None, None], specs)
    values = g.outcome_matrix(grid, FINAL_VAL_LOSS)
    assert values[0, 0] == pytest.approx(0.5) and np.isnan(values[0, 1]) and np.isnan(values[1]).all()


def test_outcomes_are_seed_means_with_their_spread():
    grid = fake_grid([[0.5, None]], batches=(16,), rates=(0.01, 0.1))
    assert g.outcome_matrix(grid, FINAL_VAL_LOSS)[0, 0] == pytest.approx(0.5)
    stat = g.cell_stat(grid, 0, 0, FINAL_VAL_LOSS)
    assert (stat.low, stat.high) == pytest.approx((0.49, 0.51))
    assert g.outcome_matrix(grid, DIVERGED).tolist() == [[0.0, 1.0]]
    assert np.isnan(g.outcome_matrix(grid, FINAL_VAL_LOSS)[0, 1])
    assert g.outcome_matrix(grid, FINAL_VAL_ACCURACY)[0, 0] == pytest.approx(0.8)
    with pytest.raises(GridError, match="outcome"):
        g.outcome_matrix(grid, "speed")


def test_best_learning_rate_per_row_and_ties():
    grid = fake_grid(MOVING)
    rows = g.row_bests(grid)
    # Every row's best is ahead of its runner-up by 0.05 or more on every seed, against a spread of 0.02.
    assert [r.column for r in rows] == [0, 1, 1, 2]
    assert [r.tied_columns for r in rows] == [(0,), (1,), (1,), (2,)]
    assert g.best_columns(grid) == [r.column for r in rows]
    assert g.best_cell(grid) == (1, 1)


def test_a_cell_within_the_spread_ties():
    close = fake_grid([[0.450, 0.455, 0.60]], batches=(16,), rates=(1e-3, 1e-2, 1e-1))
    (row,) = g.row_bests(close)
    assert row.column is None and row.tied_columns == (0, 1) and row.tied_rates == (1e-3, 1e-2)
    assert row.leader_column == 0


def test_a_row_where_everything_diverged_has_no_best():
    grid = fake_grid([[None] * 4, [0.5, 0.4, None, None]], batches=(16, 64))
    assert g.best_columns(grid) == [None, 1]


def test_guide_and_exponent():
    assert g.linear_scaling_guide([16, 64, 256, 1024], 64, 0.01) == pytest.approx([0.0025, 0.01, 0.04, 0.16])
    assert g.scaling_exponent(16, 1e-3, 1024, 8e-3) == pytest.approx(0.5)
    rates = [1e-4, 1e-3, 1e-2, 1e-1]
    assert charts.lr_axis_position(math.sqrt(1e-3 * 1e-2), rates) == pytest.approx(1.5)
    assert charts.lr_axis_position(1e-5, rates) == pytest.approx(-1.0)


def test_sentences_when_the_best_rate_rises_with_batch_size():
    text = grid_sentences(fake_grid(MOVING), FINAL_VAL_LOSS, SAME_EPOCHS, 2560)
    assert text[0].startswith("At batch 16 the best learning rate is 0.001 (0.450)")
    assert "mean over 3 seeds" in text[0]
    assert "rose at least 100x (0.001 to 0.1)" in text[1]
    assert "close to the linear-scaling rule" in text[2]
    divergence = next(s for s in text if "diverged" in s)
    assert divergence == ("5 of 16 cells diverged on at least one seed (✕): at learning rate 1 at every batch size; "
                          "at learning rate 0.1 only at batch 16.")
    assert any(s.startswith("Larger batches stand bigger steps here") for s in text)


def test_the_divergence_sentence_is_true_of_every_row():
    # The newcomer's /interplay default: lr 1 diverged everywhere, lr 0.3 only at batch 16 and 1024 (not 64, 256).
    rates = (1e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
    cells = [[0.5] * 4 + [None, None], [0.5] * 5 + [None], [0.5] * 5 + [None], [0.5] * 4 + [None, None]]
    text = grid_sentences(fake_grid(cells, rates=rates), FINAL_VAL_LOSS, SAME_EPOCHS, 2560)
    divergence = next(s for s in text if "diverged" in s)
    assert divergence == ("6 of 24 cells diverged on at least one seed (✕): at learning rate 1 at every batch size; "
                          "at learning rate 0.3 only at batch 16 and 1,024.")
    # Not nested (1024 diverged where 64 and 256 did not): no "larger batches stand bigger steps".
    assert not any("bigger steps" in s for s in text)
    # A block of rates where every batch size diverged reads "from ... up"; one seed: no seed talk.
    block = [[0.5, None, None, None], [0.5, 0.5, None, None]]
    text = grid_sentences(fake_grid(block, batches=(16, 256), offsets={1: 0.0}), FINAL_VAL_LOSS)
    assert ("5 of 8 cells diverged (✕): from learning rate 0.1 up at every batch size; at learning rate 0.01 only at "
            "batch 16.") in text
    assert "batch 256 diverged at fewer learning rates than batch 16" in " ".join(text)


def test_sentences_say_no_clear_shift_when_the_ties_overlap():
    flat = grid_sentences(fake_grid([[0.45, 0.455], [0.455, 0.45]], batches=(16, 256), rates=(1e-3, 1e-2)))
    assert "learning rates 0.001 and 0.01 tie" in flat[0] and "No clear shift" in flat[1]
    falling = grid_sentences(fake_grid([[0.5, 0.4], [0.4, 0.5]], batches=(16, 256), rates=(1e-3, 1e-2)))
    assert "fell from 0.01 at batch 16 to 0.001 at batch 256" in falling[1]
    assert grid_sentences(fake_grid([[None, None]], batches=(16,), rates=(1.0, 10.0)))[0].startswith(
        "Every run of the grid diverged")


def test_budget_sentence_and_same_updates():
    assert "rows once, so every cell sees the same number of samples (2,560)" in budget_sentence(
        SAME_EPOCHS, 1, 2560, [16, 1024], [1, 1], [160, 3])
    assert "batch 16 goes through the rows twice, batch 1,024 goes through the rows 3 times" in budget_sentence(
        SAME_UPDATES, 9, 2560, [16, 1024], [2, 3], [320, 9])


def test_overfitting_cells_use_the_one_definition():
    train = list(np.linspace(0.6, 0.2, 8))
    val = [0.6, 0.5, 0.42, 0.40, 0.41, 0.46, 0.52, 0.58]
    runs = [RunHistory(BASE.replace(batch_size=16, learning_rate=0.01, epochs=8, seed=s), loss=train,
                       val_loss=val, accuracy=[0.8] * 8, val_accuracy=[0.8] * 8) for s in (1, 2)]
    grid = Grid.from_runs(runs + [fake(16, 0.001, 0.45, seed=s) for s in (1, 2)])
    assert g.overfit_cells(grid).tolist() == [[False, True]]  # columns: 0.001, 0.01
    assert any("overfit on every seed" in s for s in grid_sentences(grid, FINAL_VAL_LOSS))
    assert not any("overfit" in s for s in grid_sentences(grid, BEST_VAL_LOSS))


def test_heatmap_accepts_the_grid():
    grid = fake_grid(MOVING)
    fig = charts.grid_heatmap_figure(grid.batch_sizes, grid.learning_rates, g.outcome_matrix(grid, FINAL_VAL_LOSS),
                                     value_label="final validation loss", diverged=grid.diverged(),
                                     diverged_epochs=grid.diverged_epochs(), best_columns=g.best_columns(grid),
                                     guide_rates=g.linear_scaling_guide(grid.batch_sizes, 64, 0.01))
    assert "diverged" in [t.name for t in fig.data]


def test_real_small_grid(tiny_dataset):
    n_train = len(tiny_dataset.y_train)
    specs = g.grid_specs(RunSpec(tiny_dataset.fingerprint, hidden_units=8, seed=1), [16, 128], [1e-3, 0.03, 30.0],
                         n_train, SAME_EPOCHS, 3, seeds=(1, 2))
    from dlviz.engine.sweep import train_sweep

    grid = Grid.from_runs(train_sweep(tiny_dataset, specs), specs)
    assert grid.shape == (2, 3) and grid.n_seeds == 2 and all(
        h.complete for row in grid.histories for cell in row for h in cell)
    assert grid.diverged()[:, 2].all()
    for row in g.row_bests(grid):
        assert set(row.tied_rates) <= {1e-3, 0.03}
    assert all(isinstance(s, str) and s for s in grid_sentences(grid, FINAL_VAL_LOSS, SAME_EPOCHS, n_train))
