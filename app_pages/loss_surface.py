"""Where the steps go: every run of a learning-rate or batch-size sweep drawn on the real loss surface of the lesson's
model, over a 2-D slice through its weights (Li et al. 2018), with the straight-line view (Goodfellow et al. 2015).
A page of its own: the view needs every run's path and about 2,000 loss evaluations on top of the sweep, so it has
its own job on the one trainer (`run_job`), and a visitor to the learning-rate and batch-size pages does not pay for it.
"""

import streamlit as st

from dlviz import defaults, jobs, kinds, settings
from dlviz.analysis.landscape import Landscape, landscape_frame
from dlviz.charts.landscape import line_figure, surface_figure
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, LandscapeError, RunSpec
from dlviz.text import landscape as words
from dlviz.engine.queue import sweep_work
from dlviz.text.format import value_label
from dlviz.ui import controls, layout, predict, sidebar
from dlviz.ui.sweep import run_job


def loss_maps(fingerprint: str, specs: tuple[RunSpec, ...], dataset) -> tuple[Landscape, Landscape] | None:
    """Both zooms of the sweep's view: shipped (`dlviz.precomputed.surface`, no TensorFlow), else the runs trained
    with their paths and the view computed on the one trainer (`run_job`, stored by the specs; the paths dropped)."""
    from dlviz.precomputed import surface

    shipped = tuple(surface.shipped(fingerprint, specs, zoom) for zoom in (True, False))
    if all(view is not None for view in shipped):
        return shipped  # type: ignore[return-value]

    work = 2 * sweep_work(specs, len(dataset.y_train))  # the map costs about as much as the paths' training
    return run_job(("loss_maps", specs), jobs.loss_maps, dataset, specs, work=work, label="loss map")


st.title("Where the steps go")
layout.intro("Each run of a sweep starts from the same weights and takes its own steps. Here they are drawn on the "
             "**real loss surface** of the lesson's model: colours are the training loss (log scale), lines the "
             "runs' paths; beside the map, each run's loss at the same recorded weights. Press ▶ to replay both.")
chosen = sidebar.selection()
controls.show_notices()
if predict.active():
    st.caption("Predict first asks its questions on the four sweep pages; this page shows its runs directly.")
with layout.controls():
    c1, c3, c4 = st.columns([2, 3, 2])
    sweep = controls.draw(settings.SURFACE_SWEEP, c1)
    epochs = controls.draw(settings.SURFACE_EPOCHS, c3)
    zoom = controls.draw(settings.SURFACE_ZOOM, c4)
    # A row of its own, so that every chosen value shows.
    values = controls.draw(settings.SURFACE_VALUES[sweep])

if not values:
    st.info("Choose at least one value.")
    st.stop()
specs = tuple(defaults.surface_specs(chosen.base_spec(), sweep, sorted(values), epochs, len(chosen.dataset.y_train)))
kind = kinds.by_name(sweep)
labels = [value_label(kind, getattr(s, kind.field)) for s in specs]
fixed = {"batch size": LESSON_BATCH_SIZE, "learning rate": LESSON_LEARNING_RATE, "hidden units": chosen.hidden_units,
         "seed": chosen.seed}
fixed.pop(kind.noun)

try:
    maps = loss_maps(chosen.dataset.fingerprint, specs, chosen.dataset)
except LandscapeError as error:
    st.error(str(error))
    st.stop()
if maps is None:
    st.stop()
landscape = maps[0 if zoom else 1]

# Presenter mode, "Hide the answers": the map, the paths and the curves plainly (no star, no ✕), the slice described,
# and every sentence and table that states a finding held back until the teacher reveals them.
answers = not layout.answers_hidden()
if not layout.presenter():  # in presenter mode the chart comes first, on the screen
    layout.fixed_settings(**fixed)
layout.plot(surface_figure(landscape, labels, presenter=layout.presenter(), answers=answers), "surface_map")
layout.reveal_answers()  # draws nothing when the answers are shown
if answers:
    st.markdown(words.comparison_sentence(landscape, labels))
st.markdown(words.plane_sentence(landscape, labels, answers=answers))
if answers:
    st.markdown("\n".join(f"- {words.run_sentence(landscape, i, label)}" for i, label in enumerate(labels)))
    layout.number_table(words.path_table(landscape, labels))
    st.caption(words.PATH_TABLE_NOTE)

st.subheader("The straight line from start to end")
st.markdown(words.LINE_VIEW_INTRO)
layout.plot(line_figure(landscape, labels, presenter=layout.presenter()), "surface_line")
if answers:
    st.markdown("\n".join(f"- {words.line_sentence(line, label)}" for label, line in zip(labels, landscape.lines)))

st.download_button("Download the paths (CSV)", lambda: landscape_frame(landscape, labels).to_csv(index=False),
                   file_name=f"dlviz_paths_{sweep}.csv", mime="text/csv", key="surface_csv", on_click="ignore")
