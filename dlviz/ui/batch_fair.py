"""The batch page's fair comparison (issue 27): the gradient noise scale, each batch size at its own best learning
rate, and the weight updates each needs to reach a target; one function the page calls after its own chart."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import streamlit as st

from dlviz import defaults, kinds
from dlviz.analysis import batch_fair as bf
from dlviz.charts import batch_fair as charts
from dlviz.runs import LESSON_LEARNING_RATE, RunHistory
from dlviz.text import batch_fair as text
from dlviz.ui import layout, sweep
from dlviz.ui.sweep_page import SweepPage


def _section(title: str, source: str, figure: Callable[[], Any], key: str, runs: Sequence[RunHistory], sentence: str,
             answer: bool = True) -> None:
    """A panel: its title, its source, its chart (`figure()`, built once per `runs` and presenter mode:
    `layout.built_once`) and its sentence. With the answers hidden, the sentence waits, and so does the chart when it
    is itself an `answer` (who needs which rate, which updates)."""
    st.subheader(title)
    st.caption(f"{text.SOURCES[source]} {text.ADAM}")
    if answer and layout.answers_hidden():
        st.caption("This chart is an answer: it shows when the answers do.")
        return
    layout.plot(layout.built_once((key, tuple(h.spec for h in runs), layout.presenter()), figure), key)
    if not layout.answers_hidden():
        st.markdown(sentence)


def draw(page: SweepPage) -> None:
    """Draw the three panels under the batch page's sweep: the noise scale of its own runs, then a learning-rate
    sweep (`defaults.OWN_RATES`) per batch size on the sidebar's seeds at the page's epochs and budget (shipped for
    the defaults; a run shared with any page that trains the same spec), read as the isolation plot and the updates
    to a target. With the answers hidden, the noise chart shows without its sentence and the other two wait."""
    chosen, presenter = page.chosen, layout.presenter()
    curves = page.found.noise_scale  # the findings' noise curves (`analysis.sweeps.analyze_values`)
    if curves:
        _section("The gradient noise scale", "noise", lambda: charts.noise_figure(curves, presenter=presenter),
                 "batch_noise", page.histories, text.noise_sentence(curves, chosen.n_seeds), answer=False)
    n_train = len(chosen.dataset.y_train)
    specs = defaults.own_rate_specs(kinds.BATCH_SIZE.specs(chosen.base_spec(), page.values, page.epochs,
                                                           page.options["budget"], n_train))
    if any(sweep.trainer().get(spec) is None for spec in chosen.with_seeds(specs)):  # shipped runs are not trimmed
        specs = sweep.within_budget(chosen, specs)
    runs = sweep.train(chosen, chosen.with_seeds(specs)) if specs else None
    if not runs:
        return
    isolated = bf.isolation(runs, LESSON_LEARNING_RATE)
    if len(isolated.batches) < 2:
        return
    steps = bf.steps_to_target(isolated, runs)  # no target (NaN) where every run learned nothing
    _section("Each batch size at its own best learning rate", "isolation",
             lambda: charts.isolation_figure(isolated, presenter=presenter), "batch_isolation", runs,
             text.isolation_sentence(isolated, learned=steps.target == steps.target))
    _section("Weight updates to reach a target", "steps", lambda: charts.steps_figure(steps, presenter=presenter),
             "batch_steps", runs, text.steps_sentence(steps))
