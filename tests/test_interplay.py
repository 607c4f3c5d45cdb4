"""The batch size x learning rate grid: building it, reading it (on hand-made histories), the scaling guide, the
findings sentences, and one real small grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlviz import charts, interplay
from dlviz.interplay import (BEST_VAL_LOSS, DIVERGED, FINAL_VAL_ACCURACY, FINAL_VAL_LOSS, SAME_EPOCHS, SAME_UPDATES,
                             Grid, GridError)
from dlviz.runs import MAX_EPOCHS, RunHistory, RunSpec

BASE = RunSpec("fingerprint", hidden_units=8, seed=3)


def fake(batch_size: int, rate: float, final_val: float, *, best_val: float | None = None, accuracy: float = 0.8,
         diverged: bool = False, epochs: int = 3) -> RunHistory:
    """A finished run whose validation loss falls to `best_val` and ends at `final_val`."""
    best_val = final_val if best_val is None else best_val
    spec = BASE.replace(batch_size=batch_size, learning_rate=rate, epochs=epochs)
    if diverged:
        return RunHistory(spec, loss=[0.7, float("nan")], accuracy=[0.5, 0.5], val_loss=[0.7, float("nan")],
                          val_accuracy=[0.5, 0.5], diverged_at=2, initial_val_loss=0.69)
    val = [0.69, best_val, final_val][-epochs:]
    return RunHistory(spec, loss=list(val), accuracy=[accuracy] * epochs, val_loss=val,
                      val_accuracy=[accuracy] * epochs, initial_val_loss=0.69)


def fake_grid(final: list[list[float | None]], batches=(16, 64, 256, 1024), rates=(1e-3, 1e-2, 1e-1, 1.0),
              accuracy: list[list[float]] | None = None) -> Grid:
    """A grid from a matrix of final validation losses; None is a diverged cell."""
    runs = [fake(b, r, v if v is not None else 1.0, diverged=v is None,
                 accuracy=accuracy[i][j] if accuracy else 0.8)
            for i, (b, row) in enumerate(zip(batches, final)) for j, (r, v) in enumerate(zip(rates, row))]
    return Grid.from_runs(runs)


# The lesson's pattern: the best learning rate moves right as the batch grows, and the big ones diverge earlier
# for small batches.
MOVING = [[0.45, 0.50, None, None],
          [0.50, 0.44, 0.60, None],
          [0.60, 0.46, 0.55, None],
          [0.68, 0.55, 0.45, None]]


# ---------------------------------------------------------------------------------------------------------------
# Building the grid


def test_batch_sizes_are_sorted_deduplicated_and_capped_to_the_training_rows():
    assert interplay.capped_batch_sizes([1024, 16, 64, 256], 2560) == (16, 64, 256, 1024)
    assert interplay.capped_batch_sizes([16, 64, 256, 1024], 300) == (16, 64, 256, 300)
    assert interplay.capped_batch_sizes([512, 1024], 300) == (300,)


def test_epochs_for_each_budget():
    assert interplay.epochs_for(SAME_EPOCHS, 20, 1024, 2560) == 20
    assert interplay.epochs_for(SAME_UPDATES, 300, 1024, 2560) == 100  # 3 updates per epoch
    assert interplay.epochs_for(SAME_UPDATES, 300, 16, 2560) == 2       # 160 per epoch: 300 is nearer 2 epochs
    assert interplay.epochs_for(SAME_UPDATES, 10, 16, 2560) == 1        # at least one epoch
    assert interplay.epochs_for(SAME_UPDATES, 10**6, 2560, 2560) == MAX_EPOCHS
    with pytest.raises(GridError, match="budget"):
        interplay.epochs_for("minutes", 5, 16, 2560)


def test_the_budget_sentence_counts_passes_in_words():
    same_epochs = interplay.budget_sentence(SAME_EPOCHS, 1, 2560, [16, 1024], [1, 1], [160, 3])
    assert "the 2,560 training rows once, so every cell sees the same number of samples (2,560)" in same_epochs
    assert same_epochs.endswith("batch 16 makes 160, batch 1024 makes 3.")
    assert "time(s)" not in same_epochs
    assert "rows 20 times," in interplay.budget_sentence(SAME_EPOCHS, 20, 2560, [16], [20], [3200])
    same_updates = interplay.budget_sentence(SAME_UPDATES, 300, 2560, [16, 256, 1024], [2, 30, 100], [320, 300, 300])
    assert same_updates.startswith("**Same weight updates**: every cell takes about 300 steps")
    assert same_updates.endswith("batch 16 goes through the rows twice, batch 256 goes through the rows 30 times, "
                                 "batch 1024 goes through the rows 100 times.")


def test_grid_specs_are_row_major_and_differ_only_in_the_grid_settings():
    specs = interplay.grid_specs(BASE, [256, 16], [0.1, 1e-3, 0.01], 2560, SAME_EPOCHS, 7)
    assert [(s.batch_size, s.learning_rate) for s in specs] == [
        (16, 1e-3), (16, 0.01), (16, 0.1), (256, 1e-3), (256, 0.01), (256, 0.1)]
    assert {s.replace(batch_size=0, learning_rate=0) for s in specs} == {BASE.replace(batch_size=0, learning_rate=0,
                                                                                         epochs=7)}
    by_updates = interplay.grid_specs(BASE, [16, 1024], [0.01], 2560, SAME_UPDATES, 300)
    assert [s.epochs for s in by_updates] == [2, 100]
    with pytest.raises(GridError, match="at least one"):
        interplay.grid_specs(BASE, [], [0.01], 2560)


def test_the_default_grid_passes_the_pages_work_caps():
    from dlviz import ui

    specs = interplay.grid_specs(BASE, interplay.DEFAULT_BATCH_SIZES, interplay.DEFAULT_LEARNING_RATES, 2560,
                                 SAME_EPOCHS, interplay.DEFAULT_EPOCHS)
    assert len(specs) == 36 and ui.work_check(specs, 2560) is None  # the practice data at 4,000 rows
    by_updates = interplay.grid_specs(BASE, interplay.DEFAULT_BATCH_SIZES, interplay.DEFAULT_LEARNING_RATES, 2560,
                                      SAME_UPDATES, interplay.DEFAULT_UPDATES)
    assert ui.work_check(by_updates, 2560) is None


def test_grid_arranges_flat_runs_into_rows_and_columns():
    grid = fake_grid(MOVING)
    assert grid.shape == (4, 4)
    assert grid.cell(64, 1e-2).spec.batch_size == 64 and grid.cell(64, 1e-2).spec.learning_rate == 1e-2
    assert grid.done().all()
    assert grid.diverged().sum() == 5 and grid.diverged()[0, 2]
    assert grid.diverged_epochs()[0, 2] == 2 and grid.diverged_epochs()[0, 0] == 0
    assert grid.epochs() == [3, 3, 3, 3]
    assert grid.updates(2560) == [3 * 160, 3 * 40, 3 * 10, 3 * 3]


def test_unfinished_cells_are_blank():
    specs = interplay.grid_specs(BASE, [16, 64], [0.01, 0.1], 2560, SAME_EPOCHS, 3)
    grid = Grid.from_runs([fake(16, 0.01, 0.5), None, None, None], specs)
    values = interplay.outcome_matrix(grid, FINAL_VAL_LOSS)
    assert values.shape == (2, 2)
    assert values[0, 0] == 0.5 and np.isnan(values[0, 1]) and np.isnan(values[1]).all()
    assert interplay.best_columns(grid) == [0, None]


# ---------------------------------------------------------------------------------------------------------------
# Reading the grid


def test_outcome_matrices():
    grid = Grid.from_runs([fake(16, 0.01, 0.5, best_val=0.4, accuracy=0.75), fake(16, 0.1, 0.3, diverged=True)])
    assert interplay.outcome_matrix(grid, FINAL_VAL_LOSS).tolist()[0][0] == 0.5
    assert interplay.outcome_matrix(grid, BEST_VAL_LOSS).tolist()[0][0] == 0.4
    assert interplay.outcome_matrix(grid, FINAL_VAL_ACCURACY).tolist()[0][0] == 0.75
    assert interplay.outcome_matrix(grid, DIVERGED).tolist() == [[0.0, 1.0]]
    # A diverged run has no score: its last numbers describe an explosion.
    assert np.isnan(interplay.outcome_matrix(grid, FINAL_VAL_LOSS)[0, 1])
    with pytest.raises(GridError, match="outcome"):
        interplay.outcome_matrix(grid, "speed")


def test_best_learning_rate_per_batch_size_moves_right():
    grid = fake_grid(MOVING)
    assert interplay.best_columns(grid) == [0, 1, 1, 2]
    assert interplay.best_learning_rates(grid) == [1e-3, 1e-2, 1e-2, 1e-1]
    assert interplay.best_cell(grid) == (1, 1)
    # The diverged view ranks by the final validation loss.
    assert interplay.best_learning_rates(grid, DIVERGED) == [1e-3, 1e-2, 1e-2, 1e-1]


def test_accuracy_is_higher_better_and_ties_go_to_the_lower_loss():
    accuracy = [[0.80, 0.80, 0.5, 0.5], [0.7, 0.82, 0.7, 0.5], [0.7, 0.7, 0.9, 0.5], [0.6, 0.6, 0.6, 0.6]]
    grid = fake_grid([[0.50, 0.45, 0.6, 0.6]] * 4, accuracy=accuracy)
    assert interplay.best_columns(grid, FINAL_VAL_ACCURACY) == [1, 1, 2, 1]
    assert interplay.best_cell(grid, FINAL_VAL_ACCURACY) == (2, 2)


def test_a_row_where_everything_diverged_has_no_best():
    grid = fake_grid([[None] * 4, [0.5, 0.4, None, None]], batches=(16, 64))
    assert interplay.best_learning_rates(grid) == [None, 1e-2]


def test_linear_scaling_guide_and_exponent():
    assert interplay.linear_scaling_guide([16, 64, 256, 1024], 64, 0.01) == pytest.approx([0.0025, 0.01, 0.04, 0.16])
    assert interplay.scaling_exponent(16, 1e-3, 1024, 1e-3 * 64) == pytest.approx(1.0)
    assert interplay.scaling_exponent(16, 1e-3, 1024, 8e-3) == pytest.approx(0.5)


def test_guide_positions_on_the_learning_rate_axis():
    rates = [1e-4, 1e-3, 1e-2, 1e-1]
    assert interplay.lr_axis_position(1e-3, rates) == pytest.approx(1.0)
    assert interplay.lr_axis_position(math.sqrt(1e-3 * 1e-2), rates) == pytest.approx(1.5)  # half-way on a log axis
    assert interplay.lr_axis_position(1.0, rates) == pytest.approx(4.0)   # extrapolated beyond the last column
    assert interplay.lr_axis_position(1e-5, rates) == pytest.approx(-1.0)
    assert interplay.lr_axis_position(3e-3, [1e-3, 1e-1]) == pytest.approx(math.log10(3) / 2)  # uneven columns


# ---------------------------------------------------------------------------------------------------------------
# Findings


def test_findings_when_the_best_rate_rises_with_batch_size():
    text = interplay.findings(fake_grid(MOVING), FINAL_VAL_LOSS, SAME_EPOCHS, 2560)
    assert text[0] == ("At batch 16 the best learning rate is 0.001 (final validation loss 0.450); at batch 64 it is "
                       "0.01; at batch 256 it is 0.01; at batch 1024 it is 0.1 (final validation loss 0.450).")
    assert "As the batch grew 64× (16 → 1024), the best learning rate rose 100× (0.001 → 0.1)" in text[1]
    assert "64× fewer updates" in text[1]
    assert "close to the linear-scaling rule" in text[2]  # 100x for 64x: exponent 1.1
    divergence = next(s for s in text if "diverged" in s)
    assert divergence.startswith("5 of 16 runs diverged")
    assert "from learning rate 0.1 at batch 16 but only from 1 at batch 1024" in divergence
    assert any("At the smallest learning rate (0.001), batch 16 reaches" in s for s in text)


def test_findings_compare_a_gentle_rise_with_the_square_root_rule():
    gentle = [[0.45, 0.50, 0.60], [0.50, 0.45, 0.60]]  # 10x learning rate for 64x batch: exponent 0.55
    text = interplay.findings(fake_grid(gentle, batches=(16, 1024), rates=(1e-3, 1e-2, 1e-1)), FINAL_VAL_LOSS)
    assert "rose 10×" in text[1]
    assert "less than the linear-scaling rule" in text[2] and "square-root" in text[2] and "^0.55" in text[2]


def test_findings_say_honestly_when_the_best_rate_does_not_move_or_falls():
    flat = interplay.findings(fake_grid([[0.5, 0.4], [0.5, 0.4]], batches=(16, 256), rates=(1e-3, 1e-2)))
    assert "stayed at 0.01" in flat[1] and "does not show the shift" in flat[1]
    falling = interplay.findings(fake_grid([[0.5, 0.4], [0.4, 0.5]], batches=(16, 256), rates=(1e-3, 1e-2)))
    assert "fell from 0.01 at batch 16 to 0.001 at batch 256" in falling[1] and "opposite" in falling[1]
    assert interplay.findings(fake_grid([[None, None]], batches=(16,), rates=(1.0, 10.0)))[0].startswith(
        "Every run of the grid diverged")


def test_findings_with_the_same_number_of_updates_mention_the_data_seen():
    grid = Grid.from_runs([fake(16, 0.01, 0.5, epochs=2), fake(1024, 0.01, 0.45, epochs=3)])
    text = interplay.findings(grid, FINAL_VAL_LOSS, SAME_UPDATES, 2560)
    assert any("batch 1024 went through the training rows 3 times and batch 16 2 times" in s for s in text)


def test_findings_point_at_overfitting_when_judged_at_the_end():
    grid = Grid.from_runs([fake(16, 0.01, 0.6, best_val=0.4), fake(16, 0.001, 0.45)])
    assert any("overfitting" in s for s in interplay.findings(grid, FINAL_VAL_LOSS))
    assert not any("overfitting" in s for s in interplay.findings(grid, BEST_VAL_LOSS))


# ---------------------------------------------------------------------------------------------------------------
# Figure and a real grid


def test_heatmap_marks_diverged_best_and_guide():
    grid = fake_grid(MOVING)
    values = interplay.outcome_matrix(grid, FINAL_VAL_LOSS)
    fig = charts.grid_heatmap_figure(grid.batch_sizes, grid.learning_rates, values, value_label="final validation loss",
                                     diverged=grid.diverged(), diverged_epochs=grid.diverged_epochs(),
                                     best_columns=interplay.best_columns(grid),
                                     guide_rates=interplay.linear_scaling_guide(grid.batch_sizes, 64, 0.01),
                                     selected=[(0, 0)])
    names = [t.name for t in fig.data]
    assert "diverged" in names and "best learning rate per batch size" in names
    assert any("linear scaling" in (n or "") for n in names)
    texts = [a.text for a in fig.layout.annotations]
    assert texts.count("✕ ep 2") == 5 and "0.440" in texts
    assert len(fig.layout.shapes) == 4 + 1  # four best cells and one selected
    guide = next(t for t in fig.data if "linear scaling" in (t.name or ""))
    assert guide.x[2] == pytest.approx(interplay.lr_axis_position(0.01, grid.learning_rates))  # through (64, 0.01)


def test_real_small_grid(tiny_dataset):
    n_train = len(tiny_dataset.y_train)
    base = RunSpec(tiny_dataset.fingerprint, hidden_units=8, seed=1)
    specs = interplay.grid_specs(base, [16, 128], [1e-3, 0.03, 30.0], n_train, SAME_EPOCHS, 3)
    progress = []
    grid = interplay.run_grid(tiny_dataset, specs, progress.append)
    assert grid.shape == (2, 3) and grid.done().all()
    starts = {h.initial_val_loss for row in grid.histories for h in row}
    assert len(starts) == 1  # every cell from the same initial weights
    assert [[h.spec.learning_rate for h in row] for row in grid.histories] == [[1e-3, 0.03, 30.0]] * 2
    assert grid.diverged()[:, 2].all()  # a learning rate of 30 explodes at any batch size
    assert progress and progress[-1].fraction == 1.0
    best = interplay.best_learning_rates(grid)
    assert all(rate in (1e-3, 0.03) for rate in best)
    text = interplay.findings(grid, FINAL_VAL_LOSS, SAME_EPOCHS, n_train)
    assert text[0].startswith("At batch 16 the best learning rate is")
    assert all(isinstance(s, str) and s for s in text)
