"""First visits: on the freshly started server, how long each page at its defaults takes to show complete curves.

Runs before any other browser test (conftest orders it first), so the first page opened meets a server no one has
visited; the chart pages come first, since a shared link to one of them is the common first visit. The server warmed
itself at start (`ui.server_lifespan`). Each page is opened by a new visitor (fresh browser context, empty cache), so
Streamlit's and plotly's JavaScript is fetched and compiled every time, as it is for a person. The figures are
printed and written to tests/browser/screenshots/first_visit.json; the target is under 3 s per page, but speed is
not asserted here (it lives in bench/, see bench/first_visit.py, which gives every page a server of its own): only
that the curves are complete.
"""

from __future__ import annotations

import urllib.request

import pytest

from dlviz.webhints import COMPILE_HINT
from tests.browser.helpers import (FIRST_VISIT_TARGET_SECONDS, app_pages, describe_first_visit, first_visit,
                                   machine_load, write_json)

pytestmark = pytest.mark.browser


def test_first_visit_of_every_page_at_defaults(new_page, server):
    fresh_server = not server.visited
    paths = sorted(app_pages(), key=lambda path: path == "/")  # chart pages first, home last
    first = new_page(None)
    results = [first_visit(first, server, paths[0])]  # asserts complete curves
    # Opened by its URL on a server no one had visited, the page still runs inside the app's navigation (the
    # sidebar lists the pages by their titles), not in Streamlit's legacy `pages/` mode.
    assert first.get_by_test_id("stSidebarNav").get_by_text("Batch size × learning rate").count() == 1
    results += [first_visit(new_page(None), server, path) for path in paths[1:]]
    report = {"server_pid": server.pid, "fresh_server": fresh_server, "target_s": FIRST_VISIT_TARGET_SECONDS,
              **machine_load(), "pages": results}
    saved = write_json("first_visit.json", report)
    print(f"\n[first visit] fresh server: {fresh_server}; target < {FIRST_VISIT_TARGET_SECONDS:g} s per page; "
          f"load average {report['load_average_1min']} on {report['cpus']} CPUs ({saved})")
    for row in results:
        print(f"[first visit] {describe_first_visit(row)}")


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
