"""Learning rate: same data, same start, several step sizes: too slow, good, oscillating, diverging."""

import streamlit as st

from dlviz import charts, defaults, settings
from dlviz.analysis import sweeps
from dlviz.text import findings as text
from dlviz.text import lessons
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, histories_frame
from dlviz.text.format import format_lr
from dlviz.text.predictions import Context
from dlviz.ui import controls, layout, predict, range_test, sidebar, stability, sweep, teaching

st.title("Learning rate: how big is each step?")
layout.intro("The learning rate scales every weight update. Too small and the model crawls; too large and the loss "
             "oscillates or explodes (a ✕ marks where a run **diverged**: its loss shot far above where it started).")
chosen = sidebar.selection()
controls.check_link(settings.LR_PAGE)
controls.show_notices()

with layout.controls():
    rates = controls.draw(settings.LEARNING_RATES)  # a row of its own, so that every chosen value shows
    c2, c3, c4 = st.columns([3, 2, 2])
    epochs = controls.draw(settings.LR_EPOCHS, c2)
    metric = controls.draw(settings.LR_METRIC, c3)
    log_y = controls.draw(settings.LR_LOG_Y, c4)
    layout.fixed_settings(**{"batch size": LESSON_BATCH_SIZE, "hidden units": chosen.hidden_units,
                             "seeds": ", ".join(map(str, chosen.seeds))})

rates = sorted(rates)
specs = sweep.within_budget(chosen, defaults.learning_rate_specs(chosen.base_spec(), rates, epochs))
if not specs:
    st.info("Pick at least one learning rate to train." if not rates else "Nothing to train at these settings.")
labels = [f"lr {format_lr(r)}" for r in rates]
chart = layout.LiveChart("learning_rate")


def label(history) -> str:
    return f"lr {format_lr(history.spec.learning_rate)}"


def figure(histories, marks=None):
    return charts.curves_figure(charts.group_runs(histories, label), marks=marks, metric=metric, log_y=log_y,
                                x_max=max(s.epochs for s in specs), each_seed=chosen.each_seed,
                                answers=not layout.answers_hidden(), presenter=layout.presenter())


histories = sweep.train(chosen, chosen.with_seeds(specs), lambda partial: chart.show(figure(partial)))
if histories:
    found = sweeps.analyze_learning_rates(histories, standardized=chosen.standardized)
    if not predict.gate("learning_rate", found, Context.of("learning_rate", histories,
                                                           len(chosen.dataset.y_train))):
        st.stop()
    layout.final_chart(chart, figure(histories, teaching.chart_marks(found, lambda v: f"lr {format_lr(v)}")),
                       max(h.epochs_run for h in histories))
    layout.download_runs(lambda: histories_frame(
        histories, [f"lr {format_lr(h.spec.learning_rate)}" for h in histories]), "learning_rate")
    teaching.sweep_teaching("learning_rate", found, dict(zip(rates, labels)), LESSON_LEARNING_RATE,
                            lambda value: lessons.lesson_code(epochs, LESSON_BATCH_SIZE, value, chosen.hidden_units,
                                                              chosen.dataset.n_features,
                                                              standardize=chosen.standardized))

stability.section(chosen)
range_test.section(chosen, rates)
