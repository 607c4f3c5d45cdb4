"""dlviz: the entry point. Page config, navigation over pages/, and the shared data sidebar.

`streamlit run streamlit_app.py` first imports this file once, at server start, and finds `app` (an ASGI `st.App`):
its lifespan prepares the server before anyone visits (`ui.server_lifespan`), and its middleware tells browsers
opening a chart page to load the chart code at once and where the server is, and serves Streamlit's frontend files
from memory, the chart code ready to compile (`dlviz.webhints`).
Streamlit then runs the file as the app's script, under the name "__main__", for every visit. Where a Streamlit (or
`AppTest`) does not do the former, the first visit prepares the server instead.
"""

import streamlit as st

# (script, title, icon, URL path); the first is the home page, every other page draws charts.
PAGES = [
    ("pages/home.py", "Home", ":material/home:", ""),
    ("pages/epochs.py", "Epochs", ":material/timer:", "epochs"),
    ("pages/batch_size.py", "Batch size", ":material/stacks:", "batch_size"),
    ("pages/learning_rate.py", "Learning rate", ":material/speed:", "learning_rate"),
    ("pages/interplay.py", "Batch size × learning rate", ":material/grid_on:", "interplay"),
]
CHART_PAGES = [url_path for *_, url_path in PAGES[1:]]


def main() -> None:
    from dlviz import ui

    ui.leave_legacy_pages_mode()
    st.set_page_config(page_title="dlviz — epochs, batch size, learning rate", page_icon="📉", layout="wide")
    page = st.navigation([st.Page(script, title=title, icon=icon, url_path=url_path or None, default=not url_path)
                          for script, title, icon, url_path in PAGES])
    charts_page = page.url_path in CHART_PAGES
    if charts_page:  # before the server's work, so that the browser loads plotly meanwhile
        ui.preload_chart_code()
    ui.warm_up()
    st.session_state["_selection"] = ui.data_sidebar()
    page.run()
    if not charts_page:  # home: while the visitor reads, for the page they open next
        ui.preload_chart_code()


def frontend_middleware(**leave_out: bool) -> list:
    """The `st.App` middleware that gets the frontend and the chart code to browsers sooner (`dlviz.webhints`). The
    benches also start the app with parts left out: `compile_hint=False` (bench/first_visit.py), `from_memory=False`
    (bench/static_assets.py)."""
    from pathlib import Path

    from dlviz import webhints

    return webhints.middleware(Path(st.__file__).parent / "static", CHART_PAGES,
                               st.get_option("server.baseUrlPath"), **leave_out)


if __name__ == "__main__":
    main()
else:  # imported by `streamlit run` at server start (which finds `app` by reading this file: keep `st.App(` here)
    import contextlib

    @contextlib.asynccontextmanager
    async def lifespan(app):
        from dlviz import ui  # only now: its caches want the runtime, which the app has started by now

        async with ui.server_lifespan(app):
            yield

    app = st.App(__file__, lifespan=lifespan, middleware=frontend_middleware())
