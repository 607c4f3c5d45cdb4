"""Batch size x learning rate: a grid of real runs from the same start. Where is the good region, and does it move
towards larger learning rates as the batch grows?"""

import streamlit as st

from dlviz import charts, interplay, ui
from dlviz.interplay import OUTCOME_LABELS, SAME_EPOCHS, SAME_UPDATES
from dlviz.runs import updates_per_epoch

LR_CHOICES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0]
BUDGET_LABELS = {SAME_EPOCHS: "epochs", SAME_UPDATES: "weight updates"}
LOOK_LABELS = {"row": "one batch size (a row)", "column": "one learning rate (a column)", "cell": "one cell"}

st.title("Batch size × learning rate: how the two work together")
st.markdown("The three settings are a balance: **changing one often requires adjusting the others**, and a larger "
            "batch often allows a somewhat higher learning rate. Every cell below is a real run of the lesson's "
            "model from the same initial weights; brighter cells did better, a grey ✕ diverged, and an orange "
            "outline marks the best learning rate for each batch size. Does the good region move to the right "
            "as the batch grows?")
chosen = ui.selection()
n_train = len(chosen.dataset.y_train)
batch_choices = [b for b in (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192) if b < n_train] + [n_train]
PARAMS = [
    ui.Param("gbatches", list(interplay.capped_batch_sizes(interplay.DEFAULT_BATCH_SIZES, n_train)),
             ui.parse_number_list(batch_choices), ui.dump_list),
    ui.Param("glrs", list(interplay.DEFAULT_LEARNING_RATES), ui.parse_number_list(LR_CHOICES), ui.dump_list),
    ui.Param("budget", SAME_EPOCHS, ui.parse_choice(interplay.BUDGETS)),
    ui.Param("gepochs", interplay.DEFAULT_EPOCHS, ui.parse_int(1, 200)),
    ui.Param("gupdates", interplay.DEFAULT_UPDATES, ui.parse_int(10, 2000)),
    ui.Param("outcome", interplay.DEFAULT_OUTCOME, ui.parse_choice(interplay.OUTCOMES)),
]
ui.init_params(PARAMS)
# On a smaller dataset than before (or than the link was made for), batches larger than the training set become
# the whole training set; sizes this dataset does not offer are dropped.
st.session_state["gbatches"] = [b for b in interplay.capped_batch_sizes(st.session_state["gbatches"], n_train)
                                if b in batch_choices]
ui.show_param_notices()

with ui.controls():
    c1, c2 = st.columns([2, 3])
    batches = c1.multiselect("Batch sizes (rows)", batch_choices, key="gbatches",
                             format_func=lambda b: f"{b} (whole training set)" if b == n_train else str(b))
    rates = c2.multiselect("Learning rates (columns, log scale)", LR_CHOICES, key="glrs", format_func=ui.format_lr)
    c3, c4, c5 = st.columns(3)
    budget = c3.radio("Give every cell the same number of…", interplay.BUDGETS, key="budget", horizontal=True,
                      format_func=BUDGET_LABELS.get,
                      help="Same epochs: every cell sees the same training rows the same number of times. Same weight "
                           "updates: every cell takes the same number of steps, so bigger batches see more data.")
    if budget == SAME_EPOCHS:
        amount = c4.slider("Epochs per cell", 1, 200, key="gepochs")
    else:
        amount = c4.slider("Weight updates per cell", 10, 2000, step=10, key="gupdates")
    outcome = c5.selectbox("Colour the cells by", interplay.OUTCOMES, key="outcome", format_func=OUTCOME_LABELS.get,
                           help="Final validation loss: the model you get at the end of the budget. Lowest validation "
                                "loss: as if every run had stopped at its best epoch. Diverged: which runs blew up.")
ui.sync_params(PARAMS)

if not batches or not rates:
    st.info("Pick at least one batch size and one learning rate.")
    st.stop()

specs = interplay.grid_specs(chosen.base_spec(), batches, rates, n_train, budget, amount)
batch_sizes = interplay.capped_batch_sizes(batches, n_train)
row_epochs = [interplay.epochs_for(budget, amount, b, n_train) for b in batch_sizes]
row_updates = [e * updates_per_epoch(n_train, b) for e, b in zip(row_epochs, batch_sizes)]
st.caption(interplay.budget_sentence(budget, amount, n_train, batch_sizes, row_epochs, row_updates))
ui.lesson_settings(**{"hidden units": chosen.hidden_units, "seed": chosen.seed, "optimizer": "Adam"})

if budget == SAME_EPOCHS:
    row_labels = [f"{b} ({u:,} updates)" for b, u in zip(batch_sizes, row_updates)]
else:
    row_labels = [f"{b} ({e} epoch{'s' if e != 1 else ''})" for b, e in zip(batch_sizes, row_epochs)]
chart = ui.LiveChart("interplay")


def heatmap(grid: interplay.Grid, final: bool, selected=()):
    values = interplay.outcome_matrix(grid, outcome)
    color_range = None
    if outcome in (interplay.FINAL_VAL_LOSS, interplay.BEST_VAL_LOSS):
        # Anything no better than the untrained model gets the darkest colour, so the good region keeps its contrast.
        start = next((h.initial_val_loss for row in grid.histories for h in row if h is not None), None)
        finite = values[values == values]
        if start is not None and finite.size:
            color_range = (float(finite.min()), float(max(finite.min() + 1e-3, min(finite.max(), start))))
    anchor = interplay.best_cell(grid, outcome) if final else None
    guide = (interplay.linear_scaling_guide(grid.batch_sizes, grid.batch_sizes[anchor[0]],
                                            grid.learning_rates[anchor[1]]) if anchor else None)
    return charts.grid_heatmap_figure(
        grid.batch_sizes, grid.learning_rates, values, value_label=OUTCOME_LABELS[outcome],
        higher_is_better=outcome in interplay.HIGHER_IS_BETTER, diverged=grid.diverged(),
        diverged_epochs=grid.diverged_epochs(), best_columns=interplay.best_columns(grid, outcome) if final else None,
        guide_rates=guide, selected=selected, row_labels=row_labels, status_only=outcome == interplay.DIVERGED,
        color_range=color_range, percent=outcome == interplay.FINAL_VAL_ACCURACY,
        title=("Which runs diverged (✕), and the best learning rate per batch size by final validation loss"
               if outcome == interplay.DIVERGED else None), presenter=ui.presenter())


histories = ui.run_sweep(chosen, specs, lambda partial: chart.show(heatmap(interplay.Grid.from_runs(partial, specs),
                                                                           final=False)))
if not histories:
    st.stop()
grid = interplay.Grid.from_runs(histories, specs)
best = interplay.best_cell(grid, outcome)

# The cells to look at below: by default the grid's best cell and its row.
LOOK_PARAMS = [
    ui.Param("look", "row", ui.parse_choice(tuple(LOOK_LABELS))),
    ui.Param("cb", grid.batch_sizes[best[0]] if best else grid.batch_sizes[0], ui.parse_choice(batch_choices)),
    ui.Param("clr", grid.learning_rates[best[1]] if best else grid.learning_rates[0], ui.parse_choice(LR_CHOICES)),
    ui.Param("gmetric", "loss", ui.parse_choice(("loss", "accuracy"))),
    ui.Param("gx", "epoch", ui.parse_choice(("epoch", "updates"))),
]
ui.init_params(LOOK_PARAMS)
if st.session_state["cb"] not in grid.batch_sizes:
    st.session_state["cb"] = LOOK_PARAMS[1].default
if st.session_state["clr"] not in grid.learning_rates:
    st.session_state["clr"] = LOOK_PARAMS[2].default
look, picked_batch, picked_rate = st.session_state["look"], st.session_state["cb"], st.session_state["clr"]
row, column = grid.batch_sizes.index(picked_batch), grid.learning_rates.index(picked_rate)
cells = {"row": [(row, j) for j in range(grid.shape[1])], "column": [(i, column) for i in range(grid.shape[0])],
         "cell": [(row, column)]}[look]
chart.show(heatmap(grid, final=True, selected=cells))

st.subheader("What this shows")
for sentence in interplay.findings(grid, outcome, budget, n_train):
    st.markdown(f"- {sentence}")
st.caption("The dashed line is the **linear-scaling rule of thumb** (Goyal et al. 2017): multiply the batch size by "
           "k, multiply the learning rate by k. It is drawn through the best cell of the grid. It was worked out for "
           "SGD on large image models, so treat it as a starting point to check, not a law; with Adam the best "
           "learning rate usually grows more slowly.")
columns = interplay.best_columns(grid, outcome)
ranking = interplay.ranking_outcome(outcome)
scores = interplay.outcome_matrix(grid, ranking)
ui.table({
    "batch size": list(grid.batch_sizes),
    "epochs": grid.epochs(),
    "weight updates": grid.updates(n_train),
    "best learning rate": [ui.format_lr(grid.learning_rates[j]) if j is not None else "all diverged" for j in columns],
    f"its {OUTCOME_LABELS[ranking]}": [
        (f"{scores[i, j]:.1%}" if ranking == interplay.FINAL_VAL_ACCURACY else f"{scores[i, j]:.3f}")
        if j is not None else "—" for i, j in enumerate(columns)],
})
cells_run = [(b, r, grid.histories[i][j]) for i, b in enumerate(grid.batch_sizes)
             for j, r in enumerate(grid.learning_rates) if grid.histories[i][j] is not None]
ui.download_runs([h for *_, h in cells_run], [f"batch {b}, lr {ui.format_lr(r)}" for b, r, _ in cells_run],
                 "interplay")

st.subheader("Look closer: the curves behind the cells")
with ui.controls():
    d1, d2, d3, d4, d5 = st.columns([3, 2, 2, 2, 2])
    d1.radio("Overlay", tuple(LOOK_LABELS), key="look", format_func=LOOK_LABELS.get, horizontal=True)
    d2.selectbox("Batch size", grid.batch_sizes, key="cb", disabled=look == "column",
                 help="The row to overlay (or the cell's row).")
    d3.selectbox("Learning rate", grid.learning_rates, key="clr", format_func=ui.format_lr, disabled=look == "row",
                 help="The column to overlay (or the cell's column).")
    metric = d4.radio("Metric", ("loss", "accuracy"), key="gmetric", horizontal=True)
    x_axis = d5.radio("x-axis", ("epoch", "updates"), key="gx", horizontal=True,
                      format_func={"epoch": "epochs", "updates": "weight updates"}.get)
ui.sync_params(LOOK_PARAMS)

shown = [grid.histories[i][j] for i, j in cells]
if look == "row":
    labels = [f"lr {ui.format_lr(grid.learning_rates[j])}" for _, j in cells]
    title = f"Batch size {picked_batch}: every learning rate"
elif look == "column":
    labels = [f"batch {grid.batch_sizes[i]}" for i, _ in cells]
    title = f"Learning rate {ui.format_lr(picked_rate)}: every batch size"
else:
    labels = [f"batch {picked_batch}, lr {ui.format_lr(picked_rate)}"]
    title = f"Batch size {picked_batch}, learning rate {ui.format_lr(picked_rate)}"
st.plotly_chart(charts.curves_figure(shown, labels, metric=metric, x_axis=x_axis, log_y=metric == "loss",
                                     title=title, presenter=ui.presenter()), width="stretch", key="interplay_curves")
for history, label in zip(shown, labels):
    if history.diverged:
        st.caption(f"✕ {label} diverged at epoch {history.diverged_at}: its curve stops there.")
