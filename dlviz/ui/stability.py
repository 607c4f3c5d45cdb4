"""The learning-rate page's "Why big steps oscillate" section: full-batch runs, their sharpness against 2/lr (or
Adam's 38/lr), a sentence per run, and the one-dimensional valley (`section`)."""

from __future__ import annotations

from typing import Callable, Hashable, TypeVar

import streamlit as st

from dlviz.analysis.stability import CATAPULT, DIVERGED, classify
from dlviz.charts.stability import stability_figure, valley_figure
from dlviz.runs import ADAM, GD, StabilityRun, StabilitySpec, TrainingError, stability_specs
from dlviz.text.stability import regime_sentence, valley_sentence
from dlviz.ui import layout
from dlviz.ui.sidebar import Selection

T = TypeVar("T")
ROWS_PER_STEP = 256  # a full-batch step of n rows costs about n / 256 one-lane steps of the sweeps (measured ~2.5 ms
#                      for 2,560 rows against ~0.2 ms); the sharpness measurement about as much again


# TODO(run_job): the one training path (issue 25, `dlviz.ui.sweep.run_job`) replaces this stand-in when it lands.
@st.cache_data(max_entries=16, show_spinner="Training full-batch runs and measuring their sharpness…")
def _cached_job(key: Hashable, _job: Callable) -> object:
    from dlviz.engine.runtime import TRAINING_LOCK  # TensorFlow is imported only when something trains

    with TRAINING_LOCK:
        return _job(lambda fraction, message: None)


def run_job(key: Hashable, job: Callable[[Callable[[float, str], None]], T], *, work: float, label: str) -> T | None:
    """Stand-in for `dlviz.ui.sweep.run_job` (same signature): `job(report)` once per `key`, cached."""
    try:
        return _cached_job(key, job)
    except TrainingError as exc:
        st.error(str(exc))
        return None


def runs(selection: Selection, optimizer: str) -> list[StabilityRun] | None:
    """The section's runs for `optimizer` on the sidebar's data, width and first seed: shipped for the defaults
    (`dlviz.precomputed.stability`), else trained through the one training path."""
    from dlviz.precomputed import stability as shipped

    specs = stability_specs(selection.dataset.fingerprint, optimizer, selection.seed, selection.hidden_units)
    found = shipped.load()
    if all(spec in found for spec in specs):
        return [found[spec] for spec in specs]
    dataset = selection.dataset

    def job(report: Callable[[float, str], None]) -> list[StabilityRun]:
        from dlviz.engine.stability import train_full_batch

        done: list[StabilityRun] = []
        for i, spec in enumerate(specs):
            done.append(train_full_batch(dataset, spec, lambda f: report((i + f) / len(specs),
                                                                         f"lr {spec.learning_rate:g}")))
        return done

    work = sum(2 * s.steps * max(1.0, len(dataset.y_train) / ROWS_PER_STEP) for s in specs)
    return run_job(specs, job, work=work, label="full-batch runs")


def start_sharpness(selection: Selection) -> float | None:
    """The sharpness of the lesson's model at its seeded start on the sidebar's data (the gradient-descent runs' step
    0), for the valley; None when those runs are not available."""
    found = runs(selection, GD)
    return float(found[0].sharpness[0]) if found else None


def section(selection: Selection) -> None:
    """Draw the section (heading, switch, the two replayed panels, a sentence per run, the valley)."""
    st.subheader("Why big steps oscillate")
    st.markdown(
        "A valley of curvature λ is crossed stably by gradient descent only when the step is below **2/λ**. The "
        "curvature of a network's loss is its **sharpness**, the largest eigenvalue of the loss's Hessian (measured "
        "here by power iteration on Hessian-vector products). These runs use **full-batch** steps (the whole "
        "training set every step, plain gradient descent) because that is where the rule is exact: a mini-batch "
        "adds noise of its own. Under full-batch gradient descent the sharpness rises until it reaches 2/lr and then "
        "hovers there, the **edge of stability** (Cohen et al. 2021, arXiv 2103.00065); a run that starts above it "
        "is thrown to a flatter place, the **catapult** (Lewkowycz et al. 2020). The page's learning rates are "
        "tuned for Adam at batch 32 and show none of this under plain gradient descent, so this section uses its "
        "own rates.")
    adam = st.radio("Optimizer", ["Plain gradient descent", "The lesson's Adam"], horizontal=True,
                    key="lr_stability_optimizer") == "The lesson's Adam"
    if adam:
        st.caption("Adam divides each step by its running gradient size (P = (1 − β1ᵗ)·diag(√v̂ + ε)): its threshold is "
                   "on the **preconditioned sharpness** λmax(P⁻¹ᐟ²HP⁻¹ᐟ²), 2(1 + β1)/((1 − β1)·lr) = 38/lr at Keras' "
                   "β1 = 0.9 (Cohen et al. 2022, arXiv 2207.14484). Full batch, Keras' Adam update.")
    found = runs(selection, ADAM if adam else GD)
    if not found:
        return
    layout.plot(stability_figure(found, adam=adam, presenter=layout.presenter()), "lr_stability_chart")
    regimes = [classify(r.losses, r.sharpness_steps, r.sharpness, r.threshold, r.learning_rate) for r in found]
    if layout.answers_hidden():
        st.caption("Which runs will stay below their line, which will climb to it and hover, and which start above "
                   "it? The sentences show with the answers.")
    else:
        st.markdown("\n".join(f"- {regime_sentence(r, adam)}" for r in regimes))
        if not any(r.kind in (CATAPULT, DIVERGED) for r in regimes) and not adam:
            st.caption("No run here started above 2/lr.")
    curvature = start_sharpness(selection)
    if curvature is not None:
        layout.plot(valley_figure(curvature, presenter=layout.presenter()), "lr_stability_valley")
        st.caption(valley_sentence(curvature))
