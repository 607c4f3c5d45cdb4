"""The learning-rate page's "Why big steps oscillate" section: full-batch runs, their sharpness against 2/lr (or
Adam's 38/lr), a sentence per run, and the one-dimensional valley (`section`)."""

from __future__ import annotations

import streamlit as st

from dlviz.analysis.stability import classify
from dlviz.charts.stability import stability_figure, valley_figure
from dlviz.runs import ADAM, GD, StabilityRun, stability_specs
from dlviz.text.predictions import Context
from dlviz.text.stability import predict_questions, quiz_question, regime_sentence, valley_sentence
from dlviz import jobs, kinds, settings
from dlviz.ui import controls, layout, predict, teaching
from dlviz.ui.sweep import run_job
from dlviz.ui.sidebar import Selection

_ROWS_PER_STEP = 256  # a full-batch step costs about one one-lane sweep step per this many rows (x2: the sharpness)


def runs(selection: Selection, optimizer: str) -> list[StabilityRun] | None:
    """The section's runs for `optimizer` on the sidebar's data, width and first seed: shipped for the defaults
    (`dlviz.precomputed.stability`), else trained through the one training path."""
    from dlviz.precomputed import stability as shipped

    specs = stability_specs(selection.dataset.fingerprint, optimizer, selection.seed, selection.hidden_units)
    found = shipped.load()
    if all(spec in found for spec in specs):
        return [found[spec] for spec in specs]
    dataset = selection.dataset
    work = sum(2 * s.steps * max(1.0, len(dataset.y_train) / _ROWS_PER_STEP) for s in specs)
    return run_job(specs, jobs.full_batch, dataset, specs, work=work, label="full-batch runs")


def section(selection: Selection) -> None:
    """Draw the section (heading, switch, the two replayed panels, a sentence per run, the valley)."""
    st.subheader("Why big steps oscillate")
    layout.intro(
        "Gradient descent crosses a valley of curvature λ stably only with a step below **2/λ**. A network's "
        "curvature is its **sharpness**, the largest eigenvalue of the loss's Hessian (power iteration on "
        "Hessian-vector products). These runs take **full-batch** steps (plain gradient descent on the whole training "
        "set) because there the rule is exact: mini-batches add noise of their own. The sharpness rises until it "
        "reaches 2/lr, then hovers there, the **edge of stability** (Cohen et al. 2021, arXiv 2103.00065); a run "
        "starting above it is thrown somewhere flatter, the **catapult** (Lewkowycz et al. 2020). The page's rates "
        "show none of this under plain gradient descent, so this section uses rates of its own.")
    adam = controls.draw(settings.LR_OPTIMIZER) == ADAM
    if adam:
        st.caption("Adam divides each step by its running gradient size (P = (1 − β1ᵗ)·diag(√v̂ + ε)): its threshold "
                   "is on the **preconditioned sharpness** λmax(P⁻¹ᐟ²HP⁻¹ᐟ²), 2(1 + β1)/((1 − β1)·lr) = 38/lr at "
                   "Keras' β1 = 0.9 (Cohen et al. 2022, arXiv 2207.14484). Full batch, Keras' Adam update.")
    found = runs(selection, ADAM if adam else GD)
    if not found:
        return
    regimes = [classify(r) for r in found]
    spec = found[0].spec
    context = Context(kinds.LEARNING_RATE, f"stability_{spec.fingerprint}_{spec.seed}_{spec.hidden_units}",
                      tuple(r.spec.learning_rate for r in found), spec.steps, len(selection.dataset.y_train))
    if not adam and not predict.gate(regimes, context, predict_questions):
        return
    presenter = layout.presenter()
    figure = layout.built_once(("stability", [r.spec for r in found], adam, presenter),
                               lambda: stability_figure(found, adam=adam, presenter=presenter))
    layout.plot(figure, "lr_stability_chart")
    if layout.answers_hidden():
        st.caption("Which runs will stay below their line, which will climb to it and hover, and which start above "
                   "it? The sentences show with the answers.")
    else:
        st.markdown("\n".join(f"- {regime_sentence(r, adam)}" for r in regimes))
        if not adam:
            teaching.check_yourself("stability", [quiz_question(regimes)], None)
    layout.plot(layout.built_once(("valley", presenter), lambda: valley_figure(presenter=presenter)),
                "lr_stability_valley")
    # λ, the sharpness at the start, is measured by the gradient-descent runs; the Adam view trains none for it.
    st.caption(valley_sentence(None if adam else float(found[0].sharpness[0])))
