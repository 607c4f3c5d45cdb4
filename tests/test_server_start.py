"""What `streamlit run streamlit_app.py` does before anyone visits: Streamlit finds the app's `st.App`, whose
lifespan warms the server (`ui.warm_server`) and whose middleware (`dlviz.webhints`) hints the chart code to browsers
and tells them where the server is, and serves the frontend's files from memory, the chart code ready to compile. The
real server is checked in tests/browser/test_first_visit.py."""

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


PAGE_HTML = b'<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8" /></head><body></body></html>'


def respond(path: str, method: str = "GET", content_type: bytes = b"text/html", headers=(), link=LINK):
    """One request through the chart pages' middleware (/epochs and /interplay, under the base URL /dlviz)."""
    middleware = webhints.ChartPages(stub_app(content_type, PAGE_HTML),
                                     pages={"/dlviz/epochs": "epochs", "/dlviz/interplay": "interplay"}, link=link)
    return run_asgi(middleware, {"method": method, "path": path, "headers": list(headers)})


def test_chart_pages_get_the_preload_and_the_base_url_script():
    for path, page in (("/dlviz/epochs", "epochs"), ("/dlviz/epochs/", "epochs"), ("/dlviz/interplay", "interplay")):
        start, body = respond(path, headers=[(b"accept-encoding", b"gzip")])
        script = webhints.base_url_script(page)
        assert body["body"] == PAGE_HTML.replace(b"<head>", b"<head>" + script)
        assert (b"link", LINK) in start["headers"]
        assert dict(start["headers"])[b"content-length"] == str(len(body["body"])).encode()
    assert b'var s="/interplay"' in webhints.base_url_script("interplay")
    assert respond("/dlviz/epochs", link=None)[0]["headers"] == [  # no chart module: the script only
        (b"content-type", b"text/html"), (b"content-length", str(len(respond("/dlviz/epochs")[1]["body"])).encode())]
    for path, method, content_type, headers in [
            ("/dlviz/", "GET", b"text/html", []), ("/dlviz/batch_size", "GET", b"text/html", []),
            ("/epochs", "GET", b"text/html", []),  # not under the base URL
            ("/dlviz/epochs", "POST", b"text/html", []), ("/dlviz/epochs", "HEAD", b"text/html", []),
            ("/dlviz/epochs", "GET", b"text/html", [(b"range", b"bytes=0-9")]),
            ("/dlviz/epochs", "GET", b"application/json", [])]:
        start, body = respond(path, method, content_type, headers)
        assert all(name != b"link" for name, _ in start["headers"]), (path, method, content_type)
        assert body["body"] == PAGE_HTML, (path, method, content_type, headers)


def test_the_page_html_is_asked_for_uncompressed_and_a_compressed_answer_is_left_alone():
    seen = []

    async def gzipping_app(scope, receive, send):
        seen.append(dict(scope["headers"]))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html"), (b"content-encoding", b"gzip"), (b"etag", b'"e"')]})
        await send({"type": "http.response.body", "body": b"\x1f\x8b", "more_body": True})
        await send({"type": "http.response.body", "body": b"..."})

    middleware = webhints.ChartPages(gzipping_app, pages={"/epochs": "epochs"}, link=LINK)
    start, body = run_asgi(middleware, {"method": "GET", "path": "/epochs",
                                        "headers": [(b"accept-encoding", b"gzip, br"), (b"cookie", b"x")]})
    assert seen == [{b"cookie": b"x"}]
    assert body["body"] == b"\x1f\x8b..." and (b"etag", b'"e"') in start["headers"]


def fake_static(root: Path) -> Path:
    """A static folder laid out as Streamlit's: content-hashed files under static/js, static/css, static/media."""
    for name, body in [("static/js/PlotlyChart.abc.js", b"import{a}from'./b.js';export{a}"),
                       ("static/js/index.def.js", b"export const b=1"), ("static/css/index.ghi.css", b"a{}"),
                       ("static/media/Font.jkl.woff2", b"wOF2"), ("index.html", b"<html></html>")]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    return root


def test_the_frontend_files_come_from_memory_and_the_chart_module_with_the_compile_hint(tmp_path):
    static = fake_static(tmp_path)
    middleware = webhints.StaticAssets(stub_app(b"application/javascript", b"from streamlit"), static_dir=static,
                                       base_url="/dlviz", hinted=["/dlviz/static/js/PlotlyChart.abc.js"])

    def get(path: str) -> tuple[dict, bytes]:
        start, body = run_asgi(middleware, {"method": "GET", "path": path})
        assert start["status"] == 200
        return dict(start["headers"]), body["body"]

    headers, body = get("/dlviz/static/js/PlotlyChart.abc.js")
    assert body == b"//# allFunctionsCalledOnLoad\nimport{a}from'./b.js';export{a}"
    assert headers[b"content-length"] == str(len(body)).encode()
    assert headers[b"content-type"] == streamlits_type("PlotlyChart.abc.js")
    assert headers[b"cache-control"] == b"public, immutable, max-age=31536000"
    for path, expected in [("/dlviz/static/js/index.def.js", b"export const b=1"),
                           ("/dlviz/static/css/index.ghi.css", b"a{}"),
                           ("/dlviz/static/media/Font.jkl.woff2", b"wOF2")]:
        headers, body = get(path)
        assert body == expected, path  # as on disk, no hint
        assert headers[b"content-type"] == streamlits_type(path.rsplit("/", 1)[1]), path
    # Read once: later answers come from memory, even if the file went away.
    (static / "static/js/index.def.js").unlink()
    assert get("/dlviz/static/js/index.def.js")[1] == b"export const b=1"
    # Anything else is Streamlit's to answer.
    for scope in [{"method": "HEAD", "path": "/dlviz/static/js/PlotlyChart.abc.js"},
                  {"method": "GET", "path": "/dlviz/static/js/PlotlyChart.abc.js", "headers": [(b"Range", b"0-9")]},
                  {"method": "GET", "path": "/dlviz/static/js/PlotlyChart.abc.js",
                   "headers": [(b"if-none-match", b'"x"')]},
                  {"method": "GET", "path": "/static/js/PlotlyChart.abc.js"},  # not under the base URL
                  {"method": "GET", "path": "/dlviz/static/js/other.js"},  # not a file of the frontend
                  {"method": "GET", "path": "/dlviz/static/js/../../index.html"},
                  {"method": "GET", "path": "/dlviz/index.html"}, {"method": "GET", "path": "/dlviz/epochs"}]:
        assert run_asgi(middleware, scope)[1]["body"] == b"from streamlit", scope


def streamlits_type(name: str) -> bytes:
    """The Content-Type Streamlit's static files (Starlette's FileResponse) send for a file called `name` here."""
    from starlette.responses import FileResponse

    return FileResponse(name).headers["content-type"].encode()


def test_the_content_types_are_streamlits():
    """As Starlette guesses them on this machine (its mime.types can differ); the real server is compared in
    tests/browser/test_first_visit.py."""
    for name in ("a.b.js", "a.b.css", "a.b.svg", "a.b.png", "a.b.woff2", "a.b.gif"):
        assert webhints.content_type(f"/static/media/{name}") == streamlits_type(name), name
    assert webhints.content_type("/static/css/a.b.css") == b"text/css; charset=utf-8"


def test_the_middleware_list(tmp_path):
    """Without a chart module: no preload, no hint; else both, under the base URL. The benches leave parts out."""
    other = fake_static(tmp_path)
    (other / "static/js/PlotlyChart.abc.js").rename(other / "static/js/Plot.abc.js")  # a release that renamed it
    plain = webhints.middleware(other, ["epochs"])
    assert [m.cls for m in plain] == [webhints.ChartPages, webhints.StaticAssets]
    assert plain[0].kwargs["link"] is None and plain[1].kwargs["hinted"] == ()
    both = webhints.middleware(STATIC, ["epochs"], "/dlviz")
    assert [m.cls for m in both] == [webhints.ChartPages, webhints.StaticAssets]
    assert both[0].kwargs["pages"] == {"/dlviz/epochs": "epochs"}
    assert both[0].kwargs["link"].startswith(b"</dlviz/static/js/PlotlyChart.")
    (hinted,) = both[1].kwargs["hinted"]
    assert hinted.startswith("/dlviz/static/js/PlotlyChart.") and both[1].kwargs["base_url"] == "/dlviz"
    no_hint = webhints.middleware(STATIC, ["epochs"], compile_hint=False)
    assert [m.cls for m in no_hint] == [webhints.ChartPages, webhints.StaticAssets]
    assert no_hint[1].kwargs["hinted"] == ()
    assert [m.cls for m in webhints.middleware(STATIC, ["epochs"], from_memory=False)] == [webhints.ChartPages]


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
