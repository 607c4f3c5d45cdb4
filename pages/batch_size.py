"""Batch size: same data, same start, several batch sizes. Noise, and how many updates an epoch makes."""

import streamlit as st

from dlviz import charts, defaults, settings
from dlviz.analysis import sweeps
from dlviz.text import lessons
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, histories_frame
from dlviz.text.predictions import Context
from dlviz.ui import batch_fair, controls, layout, predict, sidebar, sweep, teaching

st.title("Batch size: how often does the model update?")
layout.intro("The weights change once per **batch**. Small batches make many small, noisy steps per epoch; large "
             "batches make few, smooth ones. Switch the x-axis to *weight updates* to compare them step for step.")
chosen = sidebar.selection()
n_train = len(chosen.dataset.y_train)
controls.check_link(settings.BATCH_PAGE)
controls.show_notices()

with layout.controls():
    batches = controls.draw(settings.BATCH_SIZES)  # a row of its own, so that every chosen value shows
    c2, c3, c4 = st.columns([3, 2, 2])
    epochs = controls.draw(settings.BATCH_EPOCHS, c2)
    x_axis = controls.draw(settings.BATCH_X, c3)
    metric = controls.draw(settings.BATCH_METRIC, c4)
    log_x = controls.draw(settings.BATCH_LOG_X, c3, disabled=x_axis != "updates") and x_axis == "updates"
    budget = controls.draw(settings.BATCH_BUDGET, c2)
    layout.fixed_settings(**{"learning rate": LESSON_LEARNING_RATE, "hidden units": chosen.hidden_units,
                             "seeds": ", ".join(map(str, chosen.seeds))})

# A batch larger than the training rows is one batch of all of them: the same run as the whole training set.
too_big = [b for b in batches if b > n_train]
batches = sorted({min(b, n_train) for b in batches})
if too_big:
    st.info(f"Batch size {', '.join(f'{b:,}' for b in too_big)} is larger than the {n_train:,} training rows: one "
            f"batch holds all of them, so it trains as batch {n_train:,} (the whole training set).")
specs = sweep.within_budget(chosen, defaults.batch_size_specs(chosen.base_spec(), batches, epochs, budget, n_train))
if not specs:
    st.info("Pick at least one batch size to train." if not batches else "Nothing to train at these settings.")
    st.stop()
labels = [f"batch {s.batch_size:,}" for s in specs]
chart = layout.LiveChart("batch_size")


def label(history) -> str:
    return f"batch {history.spec.batch_size:,}"


def figure(histories, marks=None):
    return charts.curves_figure(charts.group_runs(histories, label), marks=marks, metric=metric, x_axis=x_axis,
                                log_x=log_x, x_max=max(s.epochs for s in specs), each_seed=chosen.each_seed,
                                answers=not layout.answers_hidden(), presenter=layout.presenter())


histories = sweep.train(chosen, chosen.with_seeds(specs), lambda partial: chart.show(figure(partial)))
if histories:
    found = sweeps.analyze_batch_sizes(histories, standardized=chosen.standardized)
    if not predict.gate("batch_size", found, Context.of("batch_size", histories, n_train)):
        st.stop()
    layout.final_chart(chart, figure(histories, teaching.chart_marks(found, lambda v: f"batch {v:,}")),
                       max(h.epochs_run for h in histories))
    layout.download_runs(lambda: histories_frame(histories, [f"batch {h.spec.batch_size}" for h in histories]),
                         "batch_size")
    st.subheader("The loss of every weight update")
    layout.plot(charts.update_loss_figure(charts.group_runs(histories, label), x_axis=x_axis, log_x=log_x,
                                          x_max=max(s.epochs for s in specs), presenter=layout.presenter()),
                "batch_size_updates")
    counts = {  # what the settings make (the x-axis shows it too), not what training found
        "batch size": [s.batch_size for s in specs],
        "updates per epoch": [v.updates_per_epoch for v in found.per_value],
        "updates in total": [v.total_updates for v in found.per_value],
    }
    layout.number_table(counts if layout.answers_hidden() else {
        **counts,
        "final validation accuracy": [f"{v.final_val_accuracy.mean:.1%}" + (  # a range only over several seeds
            f" ({v.final_val_accuracy.low:.1%}–{v.final_val_accuracy.high:.1%})" if v.n_seeds > 1 else "")
            for v in found.per_value],
    })
    teaching.sweep_teaching("batch_size", found, dict(zip([s.batch_size for s in specs], labels)),
                            LESSON_BATCH_SIZE,
                            lambda value: lessons.lesson_code(next(s.epochs for s in specs if s.batch_size == value),
                                                              value, LESSON_LEARNING_RATE, chosen.hidden_units,
                                                              chosen.dataset.n_features,
                                                              standardize=chosen.standardized))
    batch_fair.draw(chosen, histories, batches, epochs, budget)
