"""Learning rate: same data, same start, several step sizes: too slow, good, oscillating, diverging."""

import streamlit as st

from dlviz import charts, kinds, settings
from dlviz.runs import LESSON_BATCH_SIZE
from dlviz.text import findings as text
from dlviz.text.format import format_lr
from dlviz.ui import controls, layout, sweep, sweep_page
from dlviz.ui.sidebar import selection

st.title("Learning rate: how big is each step?")
layout.intro("The learning rate scales every weight update. Too small and the model crawls; too large and the loss "
             "oscillates or explodes (a ✕ marks where a run **diverged**: its loss shot far above where it started).")
sweep_page.draw(kinds.LEARNING_RATE)

st.subheader("Find a learning rate in one short run")
st.markdown("The **learning-rate range test** (Smith 2017; fastai's `lr_find`) trains once while the learning rate "
            "grows at every update from 1e-6 to 10, recording the loss. Where the loss falls, steps are useful; "
            "where it shoots up they are too big. The suggestion is a tenth of the rate at the lowest smoothed loss.")
if st.toggle("Run the range test", key="lr_range_test"):
    found = sweep.range_test(selection(), LESSON_BATCH_SIZE)
    if found is not None:
        hidden = layout.answers_hidden()
        layout.plot(charts.lr_finder_figure(found, answers=not hidden, presenter=layout.presenter()),
                    "lr_range_test_chart")
        if hidden:  # the marks, the sentence and the suggested rate come with the answers
            st.caption("Where is the loss lowest, and where does it fall fastest? The marks and the suggested "
                       "learning rate show with the answers.")
        else:
            st.caption(text.range_test_sentence(found))
            rates = controls.value(settings.LEARNING_RATES)
            pick = settings.nearest_choice(found.suggestion)
            st.button(f"Add learning rate {format_lr(pick)} to the sweep", disabled=pick in rates,
                      on_click=lambda: controls.set_value(settings.LEARNING_RATES, sorted({*rates, pick})))
