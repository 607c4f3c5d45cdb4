"""Epochs: one long run. Where does validation turn, and where should training stop?"""

import streamlit as st

from dlviz import charts, kinds, settings
from dlviz.text import findings as text
from dlviz.text import lessons
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, histories_frame
from dlviz.text.format import format_loss, value_label
from dlviz.text.predictions import Context
from dlviz.ui import controls, layout, predict, sidebar, sweep, teaching

st.title("Epochs: how long should a model train?")
layout.intro("One run, many epochs. An epoch is one pass over the training rows. Watch the **validation** curve: "
             "at first it improves with training, then it turns — the model starts to memorise the training rows.")
chosen = sidebar.selection()
controls.show_notices()

with layout.controls():
    left, middle, right = st.columns([3, 3, 2])
    epochs = controls.draw(settings.EPOCHS, left)
    # A stop at the end of the run stays at the end when the run grows or shrinks (it marks "the last epoch").
    before = st.session_state.get("dlviz_epochs_before")
    if before is not None and before != epochs and controls.value(settings.STOP) == before:
        controls.set_value(settings.STOP, epochs)
    st.session_state["dlviz_epochs_before"] = epochs
    stop = controls.draw(settings.STOP, middle, high=max(epochs, 2), disabled=epochs == 1)
    patience = controls.draw(settings.PATIENCE, right)
    layout.fixed_settings(**{"batch size": LESSON_BATCH_SIZE, "learning rate": LESSON_LEARNING_RATE,
                             "hidden units": chosen.hidden_units, "seeds": ", ".join(map(str, chosen.seeds))})
stop = min(stop, epochs)

specs = sweep.within_budget(chosen, kinds.EPOCHS.specs(chosen.base_spec(), epochs=epochs))
chart = layout.LiveChart(kinds.EPOCHS.name)


def figure(runs, found=None):
    """The seeds' runs; with the findings (the final drawing) also the stop, overfitting and EarlyStopping marks
    (the findings' marks only while the answers are shown)."""
    value = found.per_value[0] if found else None
    early = [e.stop_epoch for e in found.early_stops if e.stop_epoch is not None] if found else []
    return charts.epochs_figure(
        runs, marks=(teaching.chart_marks(found) or {}).get(value_label(kinds.EPOCHS, None)) if found else None,
        stop_epoch=stop if found else None,
        early_stop_epoch=min(early) if early and value and min(early) < value.epochs_run else None,
        x_max=epochs, each_seed=chosen.each_seed, answers=not layout.answers_hidden(), presenter=layout.presenter())


histories = sweep.train(chosen, chosen.with_seeds(specs), lambda partial: chart.show(
    figure([h for h in partial if h is not None and h.epochs_run])) if partial[0] and partial[0].epochs_run else None)
if histories:
    history = histories[0]
    found = kinds.EPOCHS.analyze(histories, patience=patience, standardized=chosen.standardized)
    if not predict.gate(found, Context.of(kinds.EPOCHS, histories, len(chosen.dataset.y_train))):
        st.stop()
    final = figure(histories, found)
    caption = teaching.epochs_chart_caption(final, history.updates_per_epoch, len(histories))
    layout.final_chart(chart, final, history.epochs_run)  # `final` becomes the shared replay: read it before
    st.caption(caption)
    at = min(stop, history.epochs_run)
    seeds_note = f" (mean of {len(histories)} seeds)" if len(histories) > 1 else None

    def mean_at(key: str, epoch: int) -> float:
        return sum(getattr(h, key)[epoch - 1] for h in histories) / len(histories)

    cols = st.columns(4)
    where = f"epoch {at}" + (" (the last)" if at == history.epochs_run else f" of {history.epochs_run}")
    cols[0].metric(f"Validation loss at {where}", format_loss(mean_at('val_loss', at)), help=seeds_note)
    cols[1].metric(f"Validation accuracy at {where}", f"{mean_at('val_accuracy', at):.1%}", help=seeds_note)
    best = None if layout.answers_hidden() else found.per_value[0].best_epoch
    if best is not None:  # the one statistic the star, its hover and the text state
        cols[2].metric(f"Lowest 3-epoch mean of validation loss (epoch {best})",
                       format_loss(found.per_value[0].score.mean),
                       help=text.statistic_label(len(histories)).capitalize() + ".")
        cols[3].metric(f"Validation accuracy at epoch {best}", f"{mean_at('val_accuracy', best):.1%}", help=seeds_note)
    if not layout.answers_hidden() and (early_text := text.early_stopping_sentence(found)):
        st.markdown(f"**Early stopping preview** (patience {patience}): {early_text}")
    layout.download_runs(lambda: histories_frame(histories, [f"epochs {epochs}"] * len(histories)), kinds.EPOCHS.name)
    teaching.what_this_run_shows(found)
    teaching.lesson_tabs(kinds.EPOCHS, found, lessons.lesson_code(
        specs[0].epochs, LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, chosen.hidden_units, chosen.dataset.n_features,
        early_stopping_patience=patience, standardize=chosen.standardized, stratify=chosen.dataset.stratified))
