"""The batch page's fair comparison (issue 27): the gradient noise scale, each batch size at its own best learning
rate, and the weight updates each needs to reach a target; one function the page calls after its own chart."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from dlviz import defaults
from dlviz.analysis import batch_fair as bf
from dlviz.charts import batch_fair as charts
from dlviz.runs import LESSON_LEARNING_RATE, RunHistory
from dlviz.text import batch_fair as text
from dlviz.ui import layout, sweep
from dlviz.ui.sidebar import Selection


def _section(title: str, source: str, figure, key: str, sentence: str) -> None:
    st.subheader(title)
    st.caption(f"{text.SOURCES[source]} {text.ADAM}")
    layout.plot(figure, key)
    if not layout.answers_hidden():
        st.markdown(sentence)


def draw(chosen: Selection, histories: Sequence[RunHistory], batches: Sequence[int], epochs: int,
         budget: str) -> None:
    """Draw the three panels under the page's chart: the noise scale of the page's own runs (`histories`), then a
    learning-rate sweep (`defaults.OWN_RATES`) per batch size in `batches` on the sidebar's seeds, for `epochs` under
    `budget` (the page's choice; shipped for the defaults, shared with any page that trains the same specs), read
    as the isolation plot and the updates to a target. With the answers hidden, the charts show without their
    sentences."""
    presenter = layout.presenter()
    curves = bf.noise_curves(histories)
    if curves:
        _section("The gradient noise scale", "noise", charts.noise_figure(curves, presenter=presenter),
                 "batch_noise", text.noise_sentence(curves, chosen.n_seeds))
    n_train = len(chosen.dataset.y_train)
    specs = defaults.batch_size_specs(chosen.base_spec(), batches, epochs, budget, n_train, rates=defaults.OWN_RATES)
    if any(sweep.run_store().get(spec) is None for spec in chosen.with_seeds(specs)):  # shipped runs are not trimmed
        specs = sweep.within_budget(chosen, specs)
    runs = sweep.train(chosen, chosen.with_seeds(specs)) if specs else None
    if not runs:
        return
    isolated = bf.isolation(runs, LESSON_LEARNING_RATE)
    if len(isolated.batches) < 2:
        return
    _section("Each batch size at its own best learning rate", "isolation",
             charts.isolation_figure(isolated, presenter=presenter), "batch_isolation",
             text.isolation_sentence(isolated))
    steps = bf.steps_to_target(isolated, runs)
    _section("Weight updates to reach a target", "steps", charts.steps_figure(steps, presenter=presenter),
             "batch_steps", text.steps_sentence(steps))
