"""Epochs: one long run. Where does validation turn, and where should training stop?"""

import streamlit as st

from dlviz import charts, defaults, diagnose, lessons, settings
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, histories_frame
from dlviz.ui import controls, layout, sidebar, sweep, teaching

st.title("Epochs: how long should a model train?")
st.markdown("One run, many epochs. An epoch is one pass over the training rows. Watch the **validation** curve: "
            "at first it improves with training, then it turns — the model starts to memorise the training rows.")
chosen = sidebar.selection()
controls.check_link(settings.EPOCHS_PAGE)
controls.show_notices()

with layout.controls():
    left, middle, right = st.columns([3, 3, 2])
    epochs = controls.draw(settings.EPOCHS, left)
    stop = controls.draw(settings.STOP, middle, high=max(epochs, 2), disabled=epochs == 1)
    patience = controls.draw(settings.PATIENCE, right)
stop = min(stop, epochs)
layout.fixed_settings(**{"batch size": LESSON_BATCH_SIZE, "learning rate": LESSON_LEARNING_RATE,
                         "hidden units": chosen.hidden_units, "seeds": ", ".join(map(str, chosen.seeds))})

specs, trimmed = sweep.fit_budget(defaults.epochs_specs(chosen.base_spec(), epochs), len(chosen.dataset.y_train),
                                  chosen.n_seeds)
if trimmed:
    st.warning(trimmed, icon="✂️")
chart = layout.LiveChart("epochs")


def figure(history, upto=None, findings=None):
    """The run's chart; with the run's `findings` (the final drawing) also the stop, overfitting and EarlyStopping
    marks."""
    overfit = findings.get(diagnose.OVERFITTING) if findings else None
    early = findings.get(diagnose.EARLY_STOPPING) if findings else None
    best = diagnose.best_epoch(history)
    return charts.epochs_figure(
        history, stop_epoch=stop if findings else None, best_epoch=best[0] if best else None,
        overfit_region=(overfit.data["best_epoch"], overfit.data["end_epoch"]) if overfit else None,
        early_stop_epoch=early.data["stop_epoch"] if early else None, upto_epoch=upto, presenter=layout.presenter())


histories = sweep.train(chosen, chosen.with_seeds(specs), lambda partial: partial[0] and chart.show(figure(partial[0])))
if histories:
    history = histories[0]
    findings = diagnose.diagnose_epochs(history, patience)
    chart.show(figure(history, findings=findings))
    st.caption("Dotted line: your stop epoch E. Star: the lowest validation loss. Shaded: overfitting (validation "
               "loss above its best while training loss keeps falling). Dash-dot line: where EarlyStopping would "
               f"stop. {history.updates_per_epoch:,} weight updates per epoch.")
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
        layout.number_table({
            "": [f"EarlyStopping keeps epoch {kept}", f"Last epoch ({last})"],
            "validation loss": [f"{history.val_loss[kept - 1]:.4f}", f"{history.val_loss[last - 1]:.4f}"],
            "validation accuracy": [f"{history.val_accuracy[kept - 1]:.1%}", f"{history.val_accuracy[last - 1]:.1%}"],
        })
    layout.download_runs(lambda: histories_frame(histories, [f"epochs {epochs}"] * len(histories)), "epochs")
    teaching.what_this_run_shows(findings)
    teaching.lesson_tabs("epochs", findings, lessons.lesson_code(
        epochs, LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, chosen.hidden_units, chosen.dataset.n_features,
        early_stopping_patience=patience))
