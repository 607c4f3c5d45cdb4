"""What `streamlit run streamlit_app.py` does before anyone visits: Streamlit finds the app's `st.App`, whose
lifespan warms the server (`ui.warm_server`) and whose middleware hints the chart code to browsers
and serves it ready to compile (`dlviz.webhints`). The real server is checked in tests/browser/test_first_visit.py."""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path

import streamlit as st

from dlviz import defaults, webhints
from tests.browser.helpers import PRELOAD_CLASS, app_page_table

ROOT = Path(__file__).resolve().parents[1]
APP_FILE = ROOT / "streamlit_app.py"
STATIC = Path(st.__file__).parent / "static"


def test_streamlit_run_finds_the_asgi_app():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(APP_FILE)
    assert found.is_asgi_app and found.app_name == "app"


def test_every_page_file_exists_and_only_home_has_no_charts():
    pages = app_page_table()
    assert [url for *_, url in pages] == ["", "epochs", "batch_size", "learning_rate", "interplay"]
    assert all((ROOT / script).is_file() for script, *_ in pages)
    assert {p.name for p in (ROOT / "pages").glob("*.py")} == {Path(script).name for script, *_ in pages}


def test_the_installed_streamlit_has_the_chart_module():
    """If a Streamlit release renames plotly's module, the hint silently disappears: fail here instead."""
    module = webhints.chart_module(STATIC)
    assert module is not None and (STATIC / module).is_file() and module.startswith("static/js/PlotlyChart.")


def test_url_paths_under_a_base_url():
    assert webhints.url_path("epochs") == "/epochs"
    assert webhints.url_path("/epochs/", "/dlviz/") == "/dlviz/epochs"
    assert webhints.url_path("static/js/P.js", "a/b") == "/a/b/static/js/P.js"


def test_link_header_under_a_base_url():
    assert webhints.link_header("static/js/P.js") == b"</static/js/P.js>; rel=modulepreload"
    assert webhints.link_header("static/js/P.js", "/dlviz/") == b"</dlviz/static/js/P.js>; rel=modulepreload"
    assert webhints.link_header("static/js/P.js", "a/b") == b"</a/b/static/js/P.js>; rel=modulepreload"


LINK = b"</x.js>; rel=modulepreload"


def run_asgi(middleware, scope: dict) -> list[dict]:
    """Run one request through an ASGI middleware; the messages it sent back."""
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    # In a thread of its own: Playwright's tests (run earlier in the same process) leave an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware({"type": "http", "headers": [], **scope}, receive, send)).result()
    return sent


def stub_app(content_type: bytes = b"text/html", body: bytes = b"<html></html>"):
    """Streamlit's server as far as the middleware sees it: every request answered with `body`."""
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.body", "body": body})

    return app


def respond(path: str, method: str = "GET", content_type: bytes = b"text/html"):
    """One request through the preload middleware (hinting on /epochs and /interplay, under the base URL /dlviz)."""
    middleware = webhints.ModulePreload(stub_app(content_type), paths=["/dlviz/epochs", "/dlviz/interplay"],
                                        link=LINK)
    return run_asgi(middleware, {"method": method, "path": path})


def test_the_hint_goes_on_chart_pages_only():
    for path in ("/dlviz/epochs", "/dlviz/epochs/", "/dlviz/interplay"):
        start, body = respond(path)
        assert (b"link", LINK) in start["headers"] and body["body"] == b"<html></html>"
    for path, method, content_type in [("/dlviz/", "GET", b"text/html"), ("/dlviz/batch_size", "GET", b"text/html"),
                                       ("/epochs", "GET", b"text/html"),  # not under the base URL
                                       ("/dlviz/epochs", "POST", b"text/html"),
                                       ("/dlviz/epochs", "GET", b"application/json")]:
        start, _ = respond(path, method, content_type)
        assert all(name != b"link" for name, _ in start["headers"]), (path, method, content_type)


def test_the_chart_module_is_served_with_the_compile_hint(tmp_path):
    module = tmp_path / "PlotlyChart.abc.js"
    module.write_bytes(b"import{a}from'./b.js';export{a}")
    middleware = webhints.CompileHint(stub_app(b"application/javascript", b"from streamlit"),
                                      path="/dlviz/static/js/PlotlyChart.abc.js", file=module)
    start, body = run_asgi(middleware, {"method": "GET", "path": "/dlviz/static/js/PlotlyChart.abc.js"})
    assert body["body"] == b"//# allFunctionsCalledOnLoad\nimport{a}from'./b.js';export{a}"
    headers = dict(start["headers"])
    assert start["status"] == 200 and headers[b"content-length"] == str(len(body["body"])).encode()
    assert headers[b"content-type"].startswith(b"text/javascript") and b"immutable" in headers[b"cache-control"]
    # Anything else is Streamlit's to answer.
    for scope in [{"method": "HEAD", "path": "/dlviz/static/js/PlotlyChart.abc.js"},
                  {"method": "GET", "path": "/dlviz/static/js/PlotlyChart.abc.js", "headers": [(b"Range", b"0-9")]},
                  {"method": "GET", "path": "/dlviz/static/js/PlotlyChart.abc.js",
                   "headers": [(b"if-none-match", b'"x"')]},
                  {"method": "GET", "path": "/static/js/PlotlyChart.abc.js"},
                  {"method": "GET", "path": "/dlviz/static/js/index.js"}]:
        assert run_asgi(middleware, scope)[1]["body"] == b"from streamlit", scope


def test_the_middleware_list(tmp_path):
    """No chart module, no middleware; else both, under the base URL; the bench can leave the compile hint out."""
    assert webhints.middleware(tmp_path, ["epochs"]) == []
    both = webhints.middleware(STATIC, ["epochs"], "/dlviz")
    assert [m.cls for m in both] == [webhints.ModulePreload, webhints.CompileHint]
    assert both[0].kwargs["paths"] == ("/dlviz/epochs",)
    assert both[1].kwargs["path"].startswith("/dlviz/static/js/PlotlyChart.")
    assert [m.cls for m in webhints.middleware(STATIC, ["epochs"], compile_hint=False)] == [webhints.ModulePreload]


def test_warm_server_puts_every_default_sweep_in_the_cache():
    from dlviz import ui

    ui.warm_server()
    dataset = ui._builtin_dataset(defaults.DATASET, defaults.ROWS, defaults.STANDARDIZE)
    for specs in defaults.default_sweeps(dataset).values():
        assert (dataset.fingerprint, tuple(specs)) in ui.sweep_cache()


def test_the_browser_tests_know_the_hidden_chart():
    """The browser tests leave the hidden chart (`ui.preload_chart_code`) out of a page's charts by its CSS class."""
    from dlviz.ui import PRELOAD_KEY

    assert PRELOAD_CLASS == f"st-key-{PRELOAD_KEY}"
