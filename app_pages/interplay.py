"""Batch size x learning rate: a grid of real runs from the same start. Where is the good region, and does it move
towards larger learning rates as the batch grows?"""

import streamlit as st

from dlviz import charts, kinds, settings
from dlviz.analysis import grid as interplay
from dlviz.analysis.grid import SAME_EPOCHS
from dlviz.text import grid as grid_text
from dlviz.text.grid import OUTCOME_LABELS
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, histories_frame, updates_per_epoch
from dlviz.text.format import format_lr
from dlviz.text.predictions import Context
from dlviz.ui import controls, layout, predict, sidebar, sweep

st.title("Batch size × learning rate: how the two work together")
layout.intro("The three settings are a balance: **changing one often requires adjusting the others**, and a larger "
             "batch often allows a somewhat higher learning rate. Every cell below is a real run of the lesson's "
             "model from the same initial weights; brighter cells did better, a grey ✕ diverged, and an orange "
             "outline marks the best learning rate for each batch size. Does the good region move to the right "
             "as the batch grows?")
chosen = sidebar.selection()
n_train = len(chosen.dataset.y_train)
controls.show_notices()

with layout.controls():
    batches = controls.draw(settings.GRID_BATCH_SIZES)  # rows of their own, so that every chosen value shows
    rates = controls.draw(settings.GRID_LEARNING_RATES)
    c3, c4, c5 = st.columns(3)
    budget = controls.draw(settings.GRID_BUDGET, c3)
    amount = controls.draw(settings.GRID_EPOCHS if budget == SAME_EPOCHS else settings.GRID_UPDATES, c4)
    outcome = controls.draw(settings.GRID_OUTCOME, c5)
    layout.fixed_settings(**{"hidden units": chosen.hidden_units, "optimizer": "Adam",
                             "seeds": ", ".join(map(str, chosen.seeds))})

if not batches or not rates:
    st.info("Pick at least one batch size and one learning rate.")
    st.stop()

batch_sizes = interplay.capped_batch_sizes(batches, n_train)
specs = sweep.within_budget(chosen, interplay.grid_specs(chosen.base_spec(), batches, rates, n_train, budget,
                                                         amount))
if not specs:
    st.stop()
row_epochs = [next(s.epochs for s in specs if s.batch_size == b) for b in batch_sizes]
row_updates = [e * updates_per_epoch(n_train, b) for e, b in zip(row_epochs, batch_sizes)]
st.caption(grid_text.budget_sentence(budget, amount, n_train, batch_sizes, row_epochs, row_updates))
if capped := grid_text.capped_sentence(batches, n_train):
    st.info(capped)

row_labels = [f"{b:,} ({u:,} updates)" if budget == SAME_EPOCHS else f"{b:,} ({e} epoch{'s' * (e != 1)})"
              for b, e, u in zip(batch_sizes, row_epochs, row_updates)]
chart = layout.LiveChart(kinds.GRID.name)


def heatmap(grid: interplay.Grid, final: bool, selected=()):
    return charts.outcome_heatmap(grid, outcome, final=final, answers=not layout.answers_hidden(), selected=selected,
                                  row_labels=row_labels, presenter=layout.presenter())


seeded = chosen.with_seeds(specs)
histories = sweep.train(chosen, seeded, lambda partial: chart.show(
    heatmap(interplay.Grid.from_runs(partial, seeded), final=False)))
if not histories:
    st.stop()
grid = interplay.Grid.from_runs(histories, seeded)
if not predict.gate(grid, Context.of(kinds.GRID, histories, n_train, outcome)):
    st.stop()
hidden = layout.answers_hidden()
# The cells to look at below: by default the grid's best cell and its row; while the answers are hidden the lesson's
# batch size and learning rate (or the first), which say nothing about the runs.
# (Their controls are drawn further down, under the table; the heatmap above needs their values now.)
anchor = None if hidden else interplay.best_cell(grid, outcome)
best = anchor or (
    grid.batch_sizes.index(LESSON_BATCH_SIZE) if LESSON_BATCH_SIZE in grid.batch_sizes else 0,
    grid.learning_rates.index(LESSON_LEARNING_RATE) if LESSON_LEARNING_RATE in grid.learning_rates else 0)
look, picked_batch, picked_rate = (controls.value(setting) for setting in (
    settings.GRID_LOOK, settings.GRID_CELL_BATCH, settings.GRID_CELL_RATE))
# The controls below start on these when the grid lacks their values (nothing is written to them).
picked_batch = picked_batch if picked_batch in grid.batch_sizes else grid.batch_sizes[best[0]]
picked_rate = picked_rate if picked_rate in grid.learning_rates else grid.learning_rates[best[1]]
row, column = grid.batch_sizes.index(picked_batch), grid.learning_rates.index(picked_rate)
cells = {"row": [(row, j) for j in range(grid.shape[1])], "column": [(i, column) for i in range(grid.shape[0])],
         "cell": [(row, column)]}[look]
chart.show(heatmap(grid, final=True, selected=cells))

st.subheader("What this shows")
if hidden:
    layout.reveal_answers()
else:
    for sentence in grid_text.grid_sentences(grid, outcome, budget, n_train, amount):
        st.markdown(f"- {sentence}")
if anchor is not None and len(grid.learning_rates) > 1:  # the dashed line is drawn
    st.caption("The dashed line is the **linear-scaling rule of thumb** (Goyal et al. 2017): multiply the batch size "
               "by k, multiply the learning rate by k. It is drawn through the best cell of the grid. It was worked "
               "out for SGD on large image models, so treat it as a starting point to check, not a law; with Adam "
               "the best learning rate usually grows more slowly.")
rows = interplay.row_bests(grid, outcome)
ranking = interplay.ranking_outcome(outcome)
scores = interplay.outcome_matrix(grid, ranking)
counts = {"batch size": list(grid.batch_sizes), "epochs": grid.epochs(), "weight updates": grid.updates(n_train)}
layout.number_table(counts if hidden else {
    **counts,
    "best learning rate": [format_lr(grid.learning_rates[row.column]) if row.column is not None
                           else "tie: " + ", ".join(format_lr(r) for r in row.tied_rates) if row.tied_rates
                           else "none (each blew up or learned nothing)" for row in rows],
    f"its {OUTCOME_LABELS[ranking]}" + (f" (mean of {grid.n_seeds} seeds)" if grid.n_seeds > 1 else ""): [
        grid_text.outcome_text(ranking, scores[i, j]) if j is not None else "—"
        for i, j in enumerate(row.leader_column for row in rows)],
})
layout.download_runs(lambda: histories_frame(histories, [
    f"batch {h.spec.batch_size}, lr {format_lr(h.spec.learning_rate)}" for h in histories]), kinds.GRID.name)

st.subheader("Look closer: the curves behind the cells")
with layout.controls():
    d1, d2, d3, d4, d5 = st.columns([3, 2, 2, 2, 2])
    look = controls.draw(settings.GRID_LOOK, d1)
    controls.draw(settings.GRID_CELL_BATCH, d2, choices=grid.batch_sizes, default=picked_batch,
                  disabled=look == "column")
    controls.draw(settings.GRID_CELL_RATE, d3, choices=grid.learning_rates, default=picked_rate,
                  disabled=look == "row")
    metric = controls.draw(settings.GRID_METRIC, d4)
    x_axis = controls.draw(settings.GRID_X, d5)

name, title = {"row": ("lr {rate}", "Batch size {batch}: every learning rate"),  # a curve's name, the chart's title
               "column": ("batch {batch}", "Learning rate {rate}: every batch size")}.get(
    look, ("batch {batch}, lr {rate}", "Batch size {batch}, learning rate {rate}"))
groups = {name.format(batch=f"{grid.batch_sizes[i]:,}", rate=format_lr(grid.learning_rates[j])):
          [h for h in grid.histories[i][j] if h is not None] for i, j in cells}
title = title.format(batch=f"{picked_batch:,}", rate=format_lr(picked_rate))
layout.plot(charts.curves_figure(groups, metric=metric, x_axis=x_axis, each_seed=chosen.each_seed, title=title,
                                 answers=not hidden, presenter=layout.presenter()), "interplay_curves")
