"""Learning rate: same data, same start, several step sizes: too slow, good, oscillating, diverging; why big steps
oscillate; and the range test."""

import streamlit as st

from dlviz import kinds, settings
from dlviz.ui import controls, layout, range_test, stability, sweep_page
from dlviz.ui.sidebar import selection

st.title("Learning rate: how big is each step?")
layout.intro("The learning rate scales every weight update. Too small and the model crawls; too large and the loss "
             "oscillates or explodes (a ✕ marks where a run **diverged**: its loss shot far above where it started).")
sweep_page.draw(kinds.LEARNING_RATE)
stability.section(selection())
range_test.section(selection(), controls.value(settings.LEARNING_RATES))
