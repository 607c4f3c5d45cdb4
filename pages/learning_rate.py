"""Learning rate: same data, same start, several step sizes: too slow, good, oscillating, diverging."""

import streamlit as st

from dlviz import charts, defaults, ui
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


def draw(histories):
    pairs = [(h, l) for h, l in zip(histories, labels) if h is not None and h.epochs_run]
    if pairs:
        chart.show(charts.curves_figure([h for h, _ in pairs], [l for _, l in pairs], metric=metric,
                                                log_y=log_y))


histories = ui.run_sweep(chosen, specs, draw)
if histories:
    draw(histories)
    for history, label in zip(histories, labels):
        if history.diverged:
            st.caption(f"✕ {label} diverged at epoch {history.diverged_at}: its curve stops there.")
