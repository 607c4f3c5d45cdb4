"""dlviz's entry point, run for every visit (`streamlit run streamlit_app.py`): the page config, navigation over
the pages (`dlviz.settings.PAGES`), the sidebar every page shares, then the page the visitor opened."""

import streamlit as st

from dlviz import settings
from dlviz.ui import layout, sidebar, sweep

st.set_page_config(page_title="dlviz — epochs, batch size, learning rate", page_icon=":material/show_chart:",
                   layout="wide", initial_sidebar_state="collapsed" if layout.presenter() else "auto")
page = st.navigation([st.Page(p.script, title=p.title, icon=p.icon, url_path=p.url_path or None,
                              default=not p.url_path) for p in settings.PAGES])
sidebar.draw(page.url_path)
try:
    page.run()
finally:
    sidebar.end_of_run()
sweep.warm_up()  # once per process, after the first page is drawn: TensorFlow loads in the training process
