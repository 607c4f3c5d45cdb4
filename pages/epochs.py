"""Epochs: one long run. Where does validation turn, and where should training stop?"""

import numpy as np
import streamlit as st

from dlviz import charts, defaults, ui
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE

PARAMS = [
    ui.Param("epochs", defaults.EPOCHS_PAGE_EPOCHS, ui.parse_int(1, 300)),
    ui.Param("stop", defaults.EPOCHS_PAGE_EPOCHS, ui.parse_int(1, 300)),
]

st.title("Epochs: how long should a model train?")
st.markdown("One run, many epochs. An epoch is one pass over the training rows. Watch the **validation** curve: "
            "at first it improves with training, then it turns — the model starts to memorise the training rows.")
chosen = ui.selection()
ui.init_params(PARAMS)
ui.show_param_notices()

left, right = st.columns(2)
epochs = left.slider("Train for up to N epochs", 1, 300, key="epochs")
st.session_state["stop"] = min(int(st.session_state["stop"]), epochs)
stop = right.slider("Stop after epoch E", 1, epochs, key="stop",
                    help="Marks epoch E on the curves and reports the model's validation metrics there.")
ui.sync_params(PARAMS)
ui.lesson_settings(**{"batch size": LESSON_BATCH_SIZE, "learning rate": LESSON_LEARNING_RATE,
                      "hidden units": chosen.hidden_units, "seed": chosen.seed})

spec = defaults.epochs_specs(chosen.base_spec(), epochs)[0]
chart = ui.LiveChart("epochs")


def draw(history, final: bool = False):
    if history is None or history.epochs_run == 0:
        return
    best = int(np.nanargmin(history.val_loss)) + 1 if np.isfinite(history.val_loss).any() else None
    chart.show(charts.epochs_figure(history, stop_epoch=stop if final else None, best_epoch=best))
    return best


histories = ui.run_sweep(chosen, [spec], lambda partial: draw(partial[0]))
if histories:
    history = histories[0]
    best = draw(history, final=True)
    at = min(stop, history.epochs_run)
    cols = st.columns(4)
    cols[0].metric(f"Validation loss at epoch {at}", f"{history.val_loss[at - 1]:.3f}")
    cols[1].metric(f"Validation accuracy at epoch {at}", f"{history.val_accuracy[at - 1]:.1%}")
    if best is not None:
        cols[2].metric(f"Lowest validation loss (epoch {best})", f"{history.val_loss[best - 1]:.3f}")
        cols[3].metric(f"Validation accuracy at epoch {best}", f"{history.val_accuracy[best - 1]:.1%}")
    st.caption(f"{history.updates_per_epoch} weight updates per epoch · trained in {history.wall_time:.1f} s")
