"""Batch size: same data, same start, several batch sizes. Noise, and how many updates an epoch makes."""

import streamlit as st

from dlviz import charts, defaults, diagnose, lessons, ui
from dlviz.runs import LESSON_LEARNING_RATE

st.title("Batch size: how often does the model update?")
st.markdown("The weights change once per **batch**. Small batches make many small, noisy steps per epoch; large "
            "batches make few, smooth ones. Switch the x-axis to *weight updates* to compare them step for step.")
chosen = ui.selection()
n_train = len(chosen.dataset.y_train)
choices = [b for b in (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192) if b < n_train] + [n_train]
PARAMS = [
    ui.Param("batches", [b for b in defaults.BATCH_SIZES if b in choices] or choices[:1],
             ui.parse_number_list(choices), ui.dump_list),
    ui.Param("epochs", defaults.BATCH_PAGE_EPOCHS, ui.parse_int(1, 200)),
    ui.Param("x", "epoch", ui.parse_choice(("epoch", "updates"))),
    ui.Param("metric", "loss", ui.parse_choice(("loss", "accuracy"))),
]
ui.init_params(PARAMS)
# After a change to fewer rows (or from a link), a batch larger than the training set becomes the whole set: the
# same run. Say so instead of silently dropping the value.
too_big = [b for b in st.session_state["batches"] if b not in choices and b > n_train]
kept = [b for b in st.session_state["batches"] if b in choices]
if too_big:
    kept = sorted(set(kept) | {n_train})
    ui.add_notice(f"Batch size {ui.dump_list(too_big)} is larger than the {n_train:,} training rows; using the whole "
                  f"training set ({n_train:,}) instead.")
st.session_state["batches"] = kept
ui.show_param_notices()

with ui.controls():
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    batches = c1.multiselect("Batch sizes", choices, key="batches",
                             format_func=lambda b: f"{b} (whole training set)" if b == n_train else str(b))
    epochs = c2.slider("Epochs", 1, 200, key="epochs")
    x_axis = c3.radio("x-axis", ("epoch", "updates"), key="x", horizontal=True,
                      format_func={"epoch": "epochs", "updates": "weight updates"}.get)
    metric = c4.radio("Metric", ("loss", "accuracy"), key="metric", horizontal=True)
ui.sync_params(PARAMS)
ui.lesson_settings(**{"learning rate": LESSON_LEARNING_RATE, "hidden units": chosen.hidden_units,
                      "seed": chosen.seed})

batches = sorted(batches)
specs = defaults.batch_size_specs(chosen.base_spec(), batches, epochs)
labels = [f"batch {b}" for b in batches]
chart = ui.LiveChart("batch_size")


def figure(histories, upto=None, marks=None):
    pairs = [(h, label) for h, label in zip(histories, labels) if h is not None and h.epochs_run]
    return charts.curves_figure([h for h, _ in pairs], [label for _, label in pairs], **(marks or {}), metric=metric,
                                x_axis=x_axis, upto_epoch=upto, presenter=ui.presenter())


histories = ui.run_sweep(chosen, specs, lambda partial: chart.show(figure(partial)))
if histories:
    findings = diagnose.diagnose_batch_sizes(histories)
    ui.sweep_chart(chart, figure, histories, labels, findings, "batch_size")
    st.plotly_chart(charts.update_loss_figure(histories, labels, x_axis="updates" if x_axis == "updates" else "epoch",
                                              presenter=ui.presenter()), width="stretch")
    ui.table({
        "batch size": batches,
        "updates per epoch": [h.updates_per_epoch for h in histories],
        "updates in total": [h.total_updates for h in histories],
        "wall time (s)": [round(h.wall_time, 2) for h in histories],
        "best validation accuracy": [f"{max(h.val_accuracy):.1%}" for h in histories],
    })
    ui.sweep_teaching("batch_size", findings, batches, labels, lambda value: lessons.lesson_code(
        epochs, value, LESSON_LEARNING_RATE, chosen.hidden_units, chosen.dataset.n_features))
