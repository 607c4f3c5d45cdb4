"""First visits: on the freshly started server, how long each page at its defaults takes to show complete curves.

Runs before any other browser test (conftest orders it first), so the first page opened meets a server no one has
visited: that visit also loads the shipped default results (`ui.warm_up`). Each page is opened by a new visitor
(fresh browser context, empty cache), so Streamlit's and plotly's JavaScript is fetched and parsed every time, as it
is for a person. The figures are printed and written to tests/browser/screenshots/first_visit.json; the target is
under 3 s per page, but speed is not asserted here (it lives in bench/, see bench/first_visit.py, which gives every
page a server of its own): only that the curves are complete.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import (FIRST_VISIT_TARGET_SECONDS, app_pages, describe_first_visit, first_visit,
                                   machine_load, write_json)


@pytest.mark.browser
def test_first_visit_of_every_page_at_defaults(new_page, server):
    fresh_server = not server.visited
    results = [first_visit(new_page(None), server, path) for path in app_pages()]  # asserts complete curves
    report = {"server_pid": server.pid, "fresh_server": fresh_server, "target_s": FIRST_VISIT_TARGET_SECONDS,
              **machine_load(), "pages": results}
    saved = write_json("first_visit.json", report)
    print(f"\n[first visit] fresh server: {fresh_server}; target < {FIRST_VISIT_TARGET_SECONDS:g} s per page; "
          f"load average {report['load_average_1min']} on {report['cpus']} CPUs ({saved})")
    for row in results:
        print(f"[first visit] {describe_first_visit(row)}")
