"""Where the steps go: every run of a learning-rate or batch-size sweep drawn on the real loss surface of the lesson's
model, over a 2-D slice through its weights (Li et al. 2018), with the straight-line view (Goodfellow et al. 2015).

A page of its own, not a section of the learning-rate and batch-size pages: the view needs every run's recorded path
and about 2,000 loss evaluations on top of the sweep, so it has its own cache (`st.cache_data`, keyed by the sweep's
specs and the map's settings) and its own controls (which sweep, zoom), and a visitor to those pages does not pay for
it. It runs either sweep with the values those pages use.
"""

import numpy as np
import streamlit as st

from dlviz import defaults, settings
from dlviz.analysis.landscape import Landscape, LandscapeError, landscape_frame, zoom_runs
from dlviz.charts.landscape import line_figure, surface_figure
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, RunSpec
from dlviz.text.format import format_lr
from dlviz.ui import controls, layout, sidebar


@st.cache_data(max_entries=3, show_spinner=False)  # at most 3 x 16 MB (engine.landscape.MAX_PATH_BYTES)
def recorded_paths(fingerprint: str, specs: tuple[RunSpec, ...], _dataset):
    """Every run's recorded path (real training); keyed by the data's fingerprint and the specs."""
    from dlviz.engine.landscape import sweep_paths

    return sweep_paths(_dataset, specs)


@st.cache_data(max_entries=6, show_spinner=False)
def loss_map(fingerprint: str, specs: tuple[RunSpec, ...], zoom: bool, _dataset) -> Landscape:
    """The plane, the 41 x 41 loss map and every path on it, for one sweep and zoom setting."""
    from dlviz.engine.landscape import centre_run_of, compute_landscape
    from dlviz.engine.runtime import TRAINING_LOCK

    paths = recorded_paths(fingerprint, specs, _dataset)
    with TRAINING_LOCK:  # TensorFlow work in two sessions at once changes each other's numbers
        if not zoom:
            return compute_landscape(_dataset, paths)
        centre = centre_run_of(_dataset, paths)
        extent = zoom_runs([p.trajectory for p in paths], centre)
        return compute_landscape(_dataset, paths, centre_run=centre, extent_runs=extent)


def run_sentence(landscape: Landscape, run: int, label: str) -> str:
    """One run's path in numbers: how far it got, how straight, where it ended, whether it left the map."""
    s = landscape.stats[run]
    text = (f"**{label}** ended {s.distance_from_start:.3g} from its start after a path of {s.path_length:.3g} "
            f"(straightness {s.straightness:.0%}), at training loss {s.final_loss:.3f}")
    if landscape.diverged[run]:
        blew_up = landscape.diverged_at[run] if landscape.diverged_at else None
        text += (f"; its loss blew up in epoch {blew_up}" if blew_up else "; it diverged")
        text += ", so it did not shape the map"
    if s.left_map_at is not None:
        text += f"; it leaves the map at epoch {landscape.epochs[run][s.left_map_at]:.3g} (✕)"
    return text + "."


def plane_sentence(landscape: Landscape, labels: list[str]) -> str:
    plane = landscape.plane
    fitted = list(plane.fitted_runs)
    residual = np.concatenate([landscape.residual[i] for i in fitted])
    gap = np.abs(np.concatenate([landscape.point_loss[i] - landscape.projected_loss[i] for i in fitted]))
    rows = (f"all {landscape.train_rows:,}" if landscape.loss_rows == landscape.train_rows
            else f"a fixed sample of {landscape.loss_rows:,} of the {landscape.train_rows:,}")
    left_out = [labels[i] for i in range(landscape.n_runs) if i not in fitted]
    return (f"This map is a 2-D slice through a space of {plane.n_params:,} weights, centred on the final weights of "
            f"{labels[landscape.centre_run]} (the lowest training loss at the end, this seed). Its two directions "
            f"capture {plane.explained[0]:.0%} and {plane.explained[1]:.0%} of the paths' movement "
            f"({plane.explained_total:.0%} together)"
            + (f"; {', '.join(left_out)} diverged and did not shape it" if left_out else "") + ". "
            f"The recorded points lie on average {residual.mean():.2g} (at most {residual.max():.2g}) off the slice; "
            f"the map shows the loss where each point projects, which differs from the loss at the point itself by "
            f"up to {gap.max():.2g} (median {np.median(gap):.2g}). Loss is the training loss on {rows} training "
            f"rows.")


st.title("Where the steps go")
layout.intro("Each run of a sweep starts from the same weights and takes its own steps. Here they are drawn on the "
             "**real loss surface** of the lesson's model: colours are the training loss (log scale), lines the "
             "runs' paths. Press ▶ to replay them.")
chosen = sidebar.selection()
controls.check_link(settings.SURFACE_PAGE)
controls.show_notices()
with layout.controls():
    c1, c3, c4 = st.columns([2, 3, 2])
    sweep = controls.draw(settings.SURFACE_SWEEP, c1)
    epochs = controls.draw(settings.SURFACE_EPOCHS, c3)
    zoom = controls.draw(settings.SURFACE_ZOOM, c4)
    # A row of its own, so that every chosen value shows.
    values = controls.draw(settings.SURFACE_RATES if sweep == "learning_rate" else settings.SURFACE_BATCHES)

values = sorted(values)
if len(values) < 1:
    st.info("Choose at least one value.")
    st.stop()
base = chosen.base_spec()
if sweep == "learning_rate":
    specs = tuple(defaults.learning_rate_specs(base, values, epochs))
    labels = [f"lr {format_lr(v)}" for v in values]
    fixed = {"batch size": LESSON_BATCH_SIZE, "hidden units": chosen.hidden_units, "seed": chosen.seed}
else:
    n_train = len(chosen.dataset.y_train)
    specs = tuple(defaults.batch_size_specs(base, sorted({min(v, n_train) for v in values}), epochs))
    labels = [f"batch {s.batch_size:,}" for s in specs]
    fixed = {"learning rate": LESSON_LEARNING_RATE, "hidden units": chosen.hidden_units, "seed": chosen.seed}

try:
    with st.spinner("Training the runs and recording their paths, then computing the map…"):
        landscape = loss_map(chosen.dataset.fingerprint, specs, zoom, chosen.dataset)
except LandscapeError as error:
    st.error(str(error))
    st.stop()

if not layout.presenter():  # in presenter mode the chart comes first, on the screen
    layout.fixed_settings(**fixed)
layout.plot(surface_figure(landscape, labels, presenter=layout.presenter()), "surface_map")
st.markdown(plane_sentence(landscape, labels))
st.markdown("\n".join(f"- {run_sentence(landscape, i, label)}" for i, label in enumerate(labels)))
layout.number_table({
    "value": labels,
    "distance from start": [f"{s.distance_from_start:.3g}" for s in landscape.stats],
    "path length": [f"{s.path_length:.3g}" for s in landscape.stats],
    "straightness": [f"{s.straightness:.0%}" for s in landscape.stats],
    "training loss at the end": [f"{s.final_loss:.3f}" for s in landscape.stats],
    "largest distance from the slice": [f"{s.max_residual:.2g}" for s in landscape.stats],
})
st.caption("Distances are Euclidean norms of the change in all weights. Path length adds up the straight steps "
           "between recorded points (at the start, 8 points in epoch 1, then every epoch), so it is a lower bound; "
           "straightness is distance / path length (100% = a straight walk).")

st.subheader("The straight line from start to end")
st.markdown("Goodfellow, Vinyals and Saxe (2015): the loss on the straight line between the starting weights "
            "(0) and a run's final weights (1). If it falls all the way, the path's detours were not needed to get "
            "there; a bump means the straight line crosses a ridge the path went around.")
layout.plot(line_figure(landscape, labels, presenter=layout.presenter()), "surface_line")
st.markdown("\n".join(
    f"- **{label}**: " + ("the training loss falls all along the line" if line.monotone else
                          f"the training loss climbs by up to {line.rise:.3g} on the way")
    for label, line in zip(labels, landscape.lines)))

st.download_button("Download the paths (CSV)", lambda: landscape_frame(landscape, labels).to_csv(index=False),
                   file_name=f"dlviz_paths_{sweep}.csv", mime="text/csv", key="surface_csv", on_click="ignore")
