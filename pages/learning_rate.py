"""Learning rate: same data, same start, several step sizes: too slow, good, oscillating, diverging."""

import streamlit as st

from dlviz import charts, defaults, diagnose, lessons, ui
from dlviz.runs import LESSON_BATCH_SIZE

CHOICES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0]
PARAMS = [
    ui.Param("lrs", list(defaults.LEARNING_RATES), ui.parse_number_list(CHOICES), ui.dump_list),
    ui.Param("epochs", defaults.LR_PAGE_EPOCHS, ui.parse_int(1, 200)),
    ui.Param("metric", "loss", ui.parse_choice(("loss", "accuracy"))),
    ui.Param("logy", True, ui.parse_bool, lambda v: "1" if v else "0"),
]

st.title("Learning rate: how big is each step?")
st.markdown("The learning rate scales every weight update. Too small and the model crawls; too large and the loss "
            "oscillates or explodes (a ✕ marks a run that **diverged**: its loss became NaN/inf or shot far above "
            "where it started).")
chosen = ui.selection()
ui.init_params(PARAMS)
ui.show_param_notices()

with ui.controls():
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    rates = c1.multiselect("Learning rates (log scale)", CHOICES, key="lrs", format_func=ui.format_lr)
    epochs = c2.slider("Epochs", 1, 200, key="epochs")
    metric = c3.radio("Metric", ("loss", "accuracy"), key="metric", horizontal=True)
    log_y = c4.toggle("Log loss axis", key="logy", help="A log axis keeps a diverging run from flattening the others.")
ui.sync_params(PARAMS)
ui.lesson_settings(**{"batch size": LESSON_BATCH_SIZE, "hidden units": chosen.hidden_units, "seed": chosen.seed})

rates = sorted(rates)
specs = defaults.learning_rate_specs(chosen.base_spec(), rates, epochs)
labels = [f"lr {ui.format_lr(r)}" for r in rates]
chart = ui.LiveChart("learning_rate")


def figure(histories, upto=None, marks=None):
    pairs = [(h, label) for h, label in zip(histories, labels) if h is not None and h.epochs_run]
    return charts.curves_figure([h for h, _ in pairs], [label for _, label in pairs], **(marks or {}), metric=metric,
                                log_y=log_y, upto_epoch=upto, presenter=ui.presenter())


histories = ui.run_sweep(chosen, specs, lambda partial: chart.show(figure(partial)))
if histories:
    findings = diagnose.diagnose_learning_rates(histories)
    ui.sweep_chart(chart, figure, histories, labels, findings, "learning_rate")
    ui.sweep_teaching("learning_rate", findings, rates, labels, lambda value: lessons.lesson_code(
        epochs, LESSON_BATCH_SIZE, value, chosen.hidden_units, chosen.dataset.n_features))

st.subheader("Find a learning rate in one short run")
st.markdown("The **learning-rate range test** (Smith 2017; fastai's `lr_find`) trains once while the learning rate "
            "grows at every update from 1e-6 to 10, recording the loss. Where the loss falls, steps are useful; "
            "where it shoots up they are too big. The suggestion is a tenth of the rate at the lowest smoothed loss.")
if st.toggle("Run the range test", key="lr_finder"):
    found = ui.lr_finder_result(chosen, LESSON_BATCH_SIZE)
    if found is not None:
        st.plotly_chart(charts.lr_finder_figure(found, presenter=ui.presenter()), width="stretch")
        st.caption(found.sentence())
        pick = ui.nearest_choice(found.suggestion, CHOICES)
        st.button(f"Add learning rate {ui.format_lr(pick)} to the sweep", disabled=pick in rates,
                  on_click=lambda: st.session_state.update(lrs=sorted({*st.session_state["lrs"], pick})))
