"""dlviz: the entry point. Page config, navigation over pages/, and the shared data sidebar.

`streamlit run streamlit_app.py` first imports this file once, at server start, and finds `app` (an ASGI `st.App`):
its lifespan prepares the server before anyone visits (`ui.server_lifespan`). Streamlit then runs the file as the
app's script, under the name "__main__", for every visit. Where a Streamlit (or `AppTest`) does not do the former,
the first visit prepares the server instead.
"""

import streamlit as st


def main() -> None:
    from dlviz import ui

    ui.leave_legacy_pages_mode()
    st.set_page_config(page_title="dlviz — epochs, batch size, learning rate", page_icon="📉", layout="wide")
    pages = [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/epochs.py", title="Epochs", icon=":material/timer:", url_path="epochs"),
        st.Page("pages/batch_size.py", title="Batch size", icon=":material/stacks:", url_path="batch_size"),
        st.Page("pages/learning_rate.py", title="Learning rate", icon=":material/speed:", url_path="learning_rate"),
        st.Page("pages/interplay.py", title="Batch size × learning rate", icon=":material/grid_on:",
                url_path="interplay"),
    ]
    page = st.navigation(pages)
    charts_page = page.url_path != ""  # every page but home draws charts
    if charts_page:  # before the server's work, so that the browser loads plotly meanwhile
        ui.preload_chart_code()
    ui.warm_up()
    st.session_state["_selection"] = ui.data_sidebar()
    page.run()
    if not charts_page:  # home: while the visitor reads, for the page they open next
        ui.preload_chart_code()


if __name__ == "__main__":
    main()
else:  # imported by `streamlit run` at server start
    import contextlib

    @contextlib.asynccontextmanager
    async def lifespan(app):
        from dlviz import ui  # only now: its caches want the runtime, which the app has started by now

        async with ui.server_lifespan(app):
            yield

    app = st.App(__file__, lifespan=lifespan)
