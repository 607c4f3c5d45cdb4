"""First visits to each page against the floor: a one-chart Streamlit page served the same way, in the same run.

    python bench/first_visit.py [--repeat N] [--pages /epochs,/learning_rate] [--links default|small] [--json out]

For every page and repetition: a fresh `streamlit run streamlit_app.py` (loopback, headless, its own process group),
opened by a first visitor (a new browser context: empty cache, a new Streamlit session) and then by a second one,
each timed from the navigation until the page is drawn: the script done, no progress bar, every chart's SVG drawn
(tests/support/browser.py::SETTLED_JS). Once per repetition, the floor: a page with a title and one 3-point plotly
chart, from a temporary folder, served by `streamlit run` the same way and visited the same two ways.

Prints each page's first- and second-visitor times and their ratios to the floor's (the goal: a second visitor within
1.5x of the floor), with the machine's load average. Public things only: Playwright drives Debian's Chromium; the
server is ready when `GET /` answers 200.

`--links default` opens each page at its defaults (what a shared link without settings shows; served from the shipped
runs, `dlviz/precomputed/default_runs.npz`, when they exist, else trained by the first visitor); `--links small` opens
the browser tests' small views (tests/support/browser.py::SMALL_VIEWS: 500 rows, one seed, a few epochs), which
the first visitor trains and the second finds in the server's run store.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import (APP_FILE, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, app_paths,  # noqa: E402
                                   machine_load, min_charts, problems, start_server, stop_server, wait_settled)

FLOOR_SOURCE = '''import plotly.graph_objects as go
import streamlit as st

st.title("Floor")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 0, 2])))
'''
GOAL = 1.5  # a second visitor within 1.5x of the floor (issue 17)


def visit(browser, url: str, charts: int) -> float:
    """Seconds from navigation until the page is drawn, for a new visitor (a fresh context: empty cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        started = time.monotonic()
        page.goto(url)
        wait_settled(page, charts)
        seconds = time.monotonic() - started
        found = problems(page)
        if found:
            raise RuntimeError(f"{url} shows: {found}")
        return seconds
    finally:
        context.close()


def two_visitors(browser, script: Path, path: str, charts: int, log: Path) -> tuple[float, float]:
    """(first visitor, second visitor) seconds on a fresh server of `script`."""
    server = start_server(log, script)
    try:
        return visit(browser, server.url + path, charts), visit(browser, server.url + path, charts)
    finally:
        stop_server(server.process)


def links(kind: str) -> dict[str, str]:
    if kind == "default":
        return {path: path for path in app_paths()}
    from tests.support.browser import SMALL_VIEWS

    return {path: f"{path}?{query}" for path, query in SMALL_VIEWS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", default="", help="comma-separated URL paths (default: every page)")
    parser.add_argument("--links", choices=("default", "small"), default="default")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    targets = links(args.links)
    if args.pages:
        targets = {p: targets[p] for p in args.pages.split(",")}
    from dlviz import precomputed

    if args.links == "default" and not precomputed.PATH.exists():
        print(f"note: {precomputed.PATH.name} is missing: the first visitor of each page trains its defaults")
    from playwright.sync_api import sync_playwright

    logs = Path(tempfile.mkdtemp(prefix="dlviz_first_visit_"))
    floors: list[tuple[float, float]] = []
    rows: dict[str, list[tuple[float, float]]] = {path: [] for path in targets}
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        floor_script = Path(folder) / "floor.py"
        floor_script.write_text(FLOOR_SOURCE)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for repetition in range(args.repeat):
                floors.append(two_visitors(browser, floor_script, "/", 1, logs / "floor.log"))
                print(f"[{repetition + 1}] floor: first {floors[-1][0]:.2f} s, second {floors[-1][1]:.2f} s "
                      f"(load {machine_load()['load_average_1min']})", flush=True)
                for path, link in targets.items():
                    rows[path].append(two_visitors(browser, APP_FILE, link, min_charts(path),
                                                   logs / f"{path.strip('/') or 'home'}.log"))
                    print(f"[{repetition + 1}] {link}: first {rows[path][-1][0]:.2f} s, second "
                          f"{rows[path][-1][1]:.2f} s (load {machine_load()['load_average_1min']})", flush=True)
        finally:
            browser.close()

    load = machine_load()
    floor_first = statistics.median(f for f, _ in floors)
    floor_second = statistics.median(s for _, s in floors)
    print(f"\nMedians of {args.repeat} fresh server(s) per page; links: {args.links}; load average "
          f"{load['load_average_1min']} on {load['cpus']} CPUs; floor (one-chart page): first visitor "
          f"{floor_first:.2f} s, second {floor_second:.2f} s")
    print(f"| page | first visitor | / floor | second visitor | / floor | second within {GOAL}x |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path, times in rows.items():
        first = statistics.median(f for f, _ in times)
        second = statistics.median(s for _, s in times)
        print(f"| {path} | {first:.2f} s | {first / floor_first:.2f}x | {second:.2f} s | "
              f"{second / floor_second:.2f}x | {'yes' if second / floor_second <= GOAL else 'no'} |")
    if args.json:
        args.json.write_text(json.dumps({**load, "links": args.links, "floor": floors, "pages": rows}, indent=2))


if __name__ == "__main__":
    main()
