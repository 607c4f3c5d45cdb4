"""Epochs: one long run. Where does validation turn, and where should training stop?"""

import streamlit as st

from dlviz import charts, defaults, diagnose, lessons, ui
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE

PARAMS = [
    ui.Param("epochs", defaults.EPOCHS_PAGE_EPOCHS, ui.parse_int(1, 300)),
    ui.Param("stop", defaults.EPOCHS_PAGE_EPOCHS, ui.parse_int(1, 300)),
    ui.Param("patience", 5, ui.parse_int(1, 50)),
]

st.title("Epochs: how long should a model train?")
st.markdown("One run, many epochs. An epoch is one pass over the training rows. Watch the **validation** curve: "
            "at first it improves with training, then it turns — the model starts to memorise the training rows.")
chosen = ui.selection()
ui.init_params(PARAMS)
ui.show_param_notices()

with ui.controls():
    left, middle, right = st.columns([3, 3, 2])
    epochs = left.slider("Train for up to N epochs", 1, 300, key="epochs")
    st.session_state["stop"] = min(int(st.session_state["stop"]), epochs)
    if epochs > 1:
        stop = middle.slider("Stop after epoch E", 1, epochs, key="stop",
                             help="Marks epoch E on the curves (dotted line) and reports the validation metrics there.")
    else:  # a slider needs two ends: with a single epoch there is nothing to choose
        stop = 1
        middle.caption("Stop after epoch E: **1** (the run has a single epoch)")
    patience = right.number_input("Early-stopping patience", 1, 50, key="patience",
                                  help="Epochs without a lower validation loss before EarlyStopping ends training.")
ui.sync_params(PARAMS)
ui.lesson_settings(**{"batch size": LESSON_BATCH_SIZE, "learning rate": LESSON_LEARNING_RATE,
                      "hidden units": chosen.hidden_units, "seed": chosen.seed})

spec = defaults.epochs_specs(chosen.base_spec(), epochs)[0]
chart = ui.LiveChart("epochs")


def figure(history, upto=None, findings=None):
    """The run's chart; with the run's `findings` (the final drawing) also the stop, overfitting and EarlyStopping
    marks."""
    overfit = findings.get(diagnose.OVERFITTING) if findings else None
    early = findings.get(diagnose.EARLY_STOPPING) if findings else None
    best = diagnose.best_epoch(history)
    return charts.epochs_figure(
        history, stop_epoch=stop if findings else None, best_epoch=best[0] if best else None,
        overfit_region=(overfit.data["best_epoch"], overfit.data["end_epoch"]) if overfit else None,
        early_stop_epoch=early.data["stop_epoch"] if early else None, upto_epoch=upto, presenter=ui.presenter())


histories = ui.run_sweep(chosen, [spec], lambda partial: partial[0] and chart.show(figure(partial[0])))
if histories:
    history = histories[0]
    findings = diagnose.diagnose_epochs(history, patience)
    chart.show(figure(history, findings=findings))
    st.caption("Dotted line: your stop epoch E. Star: the lowest validation loss. Shaded: overfitting (validation "
               "loss above its best while training loss keeps falling). Dash-dot line: where EarlyStopping would "
               f"stop. {history.updates_per_epoch} weight updates per epoch · trained in {history.wall_time:.1f} s.")
    at = min(stop, history.epochs_run)
    cols = st.columns(4)
    cols[0].metric(f"Validation loss at epoch {at}", f"{history.val_loss[at - 1]:.3f}")
    cols[1].metric(f"Validation accuracy at epoch {at}", f"{history.val_accuracy[at - 1]:.1%}")
    best = diagnose.best_epoch(history)
    if best is not None:
        cols[2].metric(f"Lowest validation loss (epoch {best[0]})", f"{best[1]:.3f}")
        cols[3].metric(f"Validation accuracy at epoch {best[0]}", f"{history.val_accuracy[best[0] - 1]:.1%}")
    early = findings.get(diagnose.EARLY_STOPPING)
    if early is not None:
        kept, last = early.data["best_epoch"], history.epochs_run
        st.markdown(f"**Early stopping preview** (patience {patience}): {early.sentence}")
        ui.table({
            "": [f"EarlyStopping keeps epoch {kept}", f"Last epoch ({last})"],
            "validation loss": [round(history.val_loss[kept - 1], 4), round(history.val_loss[last - 1], 4)],
            "validation accuracy": [f"{history.val_accuracy[kept - 1]:.1%}", f"{history.val_accuracy[last - 1]:.1%}"],
        })
    buttons = st.columns([1, 1, 2])
    with buttons[0]:
        chart.replay_button(lambda upto: figure(history, upto, findings if upto is None else None),
                            history.epochs_run)
    with buttons[1]:
        ui.download_runs(histories, [f"epochs {epochs}"], "epochs")
    ui.what_this_run_shows(findings)
    ui.lesson_tabs("epochs", findings, lessons.lesson_code(
        epochs, LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, chosen.hidden_units, chosen.dataset.n_features,
        early_stopping_patience=patience))
