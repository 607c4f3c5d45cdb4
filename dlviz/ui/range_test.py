"""The learning-rate page's range test: run on the sidebar's seeds (at least 3, stacked), drawn as the seeds' band,
answered with an interval, and the page's learning-rate choices inside it offered to the sweep (`section`)."""

from __future__ import annotations

import streamlit as st

from dlviz import charts, defaults, settings
from dlviz.runs import LESSON_BATCH_SIZE
from dlviz.text.findings import range_interval_sentence
from dlviz.text.format import format_lr
from dlviz.ui import controls, layout, sweep
from dlviz.ui.sidebar import Selection

_MIN_SEEDS = 3


def section(selection: Selection, rates: list[float]) -> None:
    """Draw the range test (heading, explanation, a toggle that runs it, chart, interval, "add to the sweep")."""
    seeds = selection.seeds if selection.n_seeds >= _MIN_SEEDS else defaults.seeds(selection.seed, _MIN_SEEDS)
    st.subheader("Find a learning rate in one short run")
    st.markdown("The **learning-rate range test** (Smith 2017; fastai's `lr_find`) trains while the learning rate "
                "grows at every update from 1e-6 to 10, recording the loss. Where the loss falls, steps are useful; "
                "where it shoots up they are too big. Each seed suggests a tenth of the rate at its lowest smoothed "
                f"loss, and that moves from seed to seed, so the test runs on {len(seeds)} seeds "
                f"({', '.join(map(str, seeds))}"
                + ("" if selection.n_seeds >= _MIN_SEEDS else f": the sidebar's, and the next ones up to {_MIN_SEEDS}")
                + ") and suggests the interval they span.")
    if not st.toggle("Run the range test", key="lr_range_test"):
        return
    found = sweep.range_test(selection, seeds, LESSON_BATCH_SIZE)
    if found is None:
        return
    hidden, interval = layout.answers_hidden(), (min(r.suggestion for r in found), max(r.suggestion for r in found))
    key = ("range_test", selection.dataset.fingerprint, selection.hidden_units, seeds, hidden, layout.presenter())
    layout.plot(layout.built_once(key, lambda: charts.range_band_figure(
        found, interval, seeds=seeds, answers=not hidden, presenter=layout.presenter())), "lr_range_test_chart")
    if hidden:  # the interval, the sentence and the offered rates come with the answers
        st.caption("Where is the loss lowest, and where does it fall fastest? The suggested interval shows with the "
                   "answers.")
        return
    st.caption(range_interval_sentence(found, seeds, interval))
    # The page's choices inside the interval, or the one nearest its middle on a log scale.
    picks = ([c for c in settings.LEARNING_RATE_CHOICES if interval[0] <= c <= interval[1]]
             or [settings.nearest_choice((interval[0] * interval[1]) ** 0.5)])
    st.button(f"Add learning rate {', '.join(map(format_lr, picks))} to the sweep", disabled=set(picks) <= set(rates),
              on_click=lambda: controls.set_value(settings.LEARNING_RATES, sorted({*rates, *picks})))
