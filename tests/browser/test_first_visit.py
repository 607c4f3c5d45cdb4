"""First visits: on the freshly started server, how long each page at its defaults takes to show complete curves.

Runs before any other browser test (conftest orders it first), so the first page opened meets a server no one has
visited; the chart pages come first, since a shared link to one of them is the common first visit. The server warmed
itself at start (`ui.server_lifespan`). Each page is opened by a new visitor (a fresh browser, empty cache), so
Streamlit's and plotly's JavaScript is fetched and compiled every time, as it is for a person.

Each page is timed twice: in a visitor's browser (Chromium without DevTools' Runtime domain, which Playwright keeps
on and which slows plotly's code down: tests/browser/devtools.py), the figure the 3 s target is about, and then
under Playwright, as the other browser tests see it. Both must end with the same charts. The figures are printed
and written to tests/browser/screenshots/first_visit.json; speed is not asserted here (it lives in bench/, see
bench/first_visit.py, which gives every page a server of its own): only that the curves are complete.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
import streamlit as st

from dlviz import defaults
from dlviz.webhints import COMPILE_HINT
from tests.browser.helpers import (FIRST_VISIT_TARGET_SECONDS, app_pages, assert_healthy, describe_first_visit,
                                   first_visit, machine_load, measured, query, visitor_first_visit, wait_settled,
                                   write_json)

pytestmark = pytest.mark.browser


def test_first_visit_of_every_page_at_defaults(new_page, server):
    fresh_server = not server.visited
    paths = sorted(app_pages(), key=lambda path: path == "/")  # chart pages first, home last
    visitors = [visitor_first_visit(server, path) for path in paths]  # each asserts complete curves
    # Opened by its URL on a server no one had visited, the page still runs inside the app's navigation (the
    # sidebar lists the pages by their titles), not in Streamlit's legacy `pages/` mode.
    assert "Batch size × learning rate" in visitors[0]["nav"]
    driven = [first_visit(new_page(None), server, path) for path in paths]
    for visitor, playwright in zip(visitors, driven):
        # Both ways end with the same charts: the same traces and x values, legends and axis titles.
        assert visitor["shown"] == playwright["shown"], visitor["path"]
    rows = [{**_figures(visitor), "under_playwright": _figures(playwright)}
            for visitor, playwright in zip(visitors, driven)]
    report = {"server_pid": server.pid, "fresh_server": fresh_server, "target_s": FIRST_VISIT_TARGET_SECONDS,
              **machine_load(), "pages": rows}
    saved = write_json("first_visit.json", report)
    measured(f"\n[first visit] fresh server: {fresh_server}; target < {FIRST_VISIT_TARGET_SECONDS:g} s per page, "
             f"in a visitor's browser (no DevTools runtime); load average {report['load_average_1min']} on "
             f"{report['cpus']} CPUs ({saved})")
    for row in rows:
        measured(f"[first visit] {describe_first_visit(row)}; under Playwright "
                 f"{row['under_playwright']['complete_s']:.2f} s")


def _figures(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in ("shown", "nav")}


def test_the_server_warmed_itself_and_hints_the_chart_code(server):
    """`streamlit run` found the st.App: its lifespan warmed the server, its middleware sends the preload hint and
    the chart module with V8's compile hint in front."""
    assert "the server is warm" in server.log.read_text()
    with urllib.request.urlopen(f"{server.url}/epochs", timeout=10) as response:
        link = response.headers["Link"]
    assert link and link.endswith("; rel=modulepreload") and "/PlotlyChart." in link
    module = link.split(">")[0].lstrip("<")
    with urllib.request.urlopen(server.url + module, timeout=10) as response:  # the hinted module exists
        assert response.status == 200 and "javascript" in response.headers["Content-Type"]
        assert response.read(len(COMPILE_HINT) + 7) == COMPILE_HINT + b"import{"
        assert "immutable" in response.headers["Cache-Control"]
    with urllib.request.urlopen(server.url + "/", timeout=10) as response:
        assert response.headers["Link"] is None  # home draws no chart at once


def test_the_frontend_files_from_memory_carry_streamlits_headers(server):
    """Each kind of the frontend's files, answered from memory (GET) with the headers Streamlit's own file serving
    sends (HEAD still goes to Streamlit), and the bytes on disk."""
    static = Path(st.__file__).parent / "static"
    files = [sorted(static.glob(pattern))[0] for pattern in
             ("static/js/index.*.js", "static/css/*.css", "static/media/*.woff2", "static/media/*.svg")]
    for file in files:
        url = f"{server.url}/{file.relative_to(static).as_posix()}"
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as response:
            streamlits = response.headers
        with urllib.request.urlopen(url, timeout=10) as response:
            ours, body = response.headers, response.read()
        assert body == file.read_bytes(), file.name
        for name in ("Content-Type", "Content-Length", "Cache-Control"):
            assert ours[name] == streamlits[name], (file.name, name, ours[name], streamlits[name])


def test_a_page_link_connects_at_once_and_the_sidebar_still_navigates(new_page, server):
    """Opened at a page's own URL, Streamlit's frontend would first look for its server under that path (a 404 and a
    100 ms wait); the page's HTML tells it where the server is (`webhints.base_url_script`). Moving to another page
    from the sidebar still puts that page's path in the address bar, with that page's own settings."""
    page = new_page(None)
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    server.visited.append("/learning_rate")
    page.goto(server.url + "/learning_rate")
    wait_settled(page, 1)
    assert_healthy(page, 1)
    assert page.evaluate("window.__streamlit.BACKEND_BASE_URL") == server.url + "/"
    assert [url for url in requests if "/_stcore/" in url and "/learning_rate/" in url] == []
    assert f"{server.url}/_stcore/health" in requests and not errors, errors
    page.get_by_test_id("stSidebarNav").get_by_text("Epochs", exact=True).click()
    page.wait_for_url(f"{server.url}/epochs**")
    page.get_by_text("Epochs: how long should a model train?").wait_for()
    wait_settled(page, 1)
    assert_healthy(page, 1)
    assert query(page)["epochs"] == str(defaults.EPOCHS_PAGE_EPOCHS)  # not the learning-rate page's, nor 1
