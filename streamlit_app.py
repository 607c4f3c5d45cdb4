"""dlviz: the entry point. Page config, navigation over pages/, and the shared data sidebar."""

import streamlit as st

from dlviz import ui

ui.leave_legacy_pages_mode()
st.set_page_config(page_title="dlviz — epochs, batch size, learning rate", page_icon="📉", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/epochs.py", title="Epochs", icon=":material/timer:", url_path="epochs"),
    st.Page("pages/batch_size.py", title="Batch size", icon=":material/stacks:", url_path="batch_size"),
    st.Page("pages/learning_rate.py", title="Learning rate", icon=":material/speed:", url_path="learning_rate"),
    st.Page("pages/interplay.py", title="Batch size × learning rate", icon=":material/grid_on:", url_path="interplay"),
]
page = st.navigation(pages)
ui.warm_up()
st.session_state["_selection"] = ui.data_sidebar()
page.run()
