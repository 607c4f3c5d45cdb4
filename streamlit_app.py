"""dlviz: the entry point. Page config, navigation over app_pages/, and the shared sidebar.

`streamlit run streamlit_app.py` runs this file for every visit: it declares the pages (`dlviz.settings.PAGES`), draws
the sidebar every page shares, and runs the page the visitor opened.
"""

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
sweep.warm_up()  # once per process, after the first page is drawn: TensorFlow loads on the trainer's thread
