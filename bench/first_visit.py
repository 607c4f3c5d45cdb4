"""First visit to each page, each on a server of its own: time to complete curves in a real browser, against the
plain approach and against the browser's floor, in the same run.

    python bench/first_visit.py [--repeat N] [--pages /epochs,/learning_rate] [--driver playwright] [--json out.json]

For every page (from `streamlit_app.py`) and every repetition, four fresh `streamlit run` servers, each opened by a
new visitor's browser (a fresh Chromium, empty cache) as soon as `/_stcore/health` answers, timed from the
navigation until the charts are drawn with no progress bar left. The browser is driven over a bare DevTools
connection that leaves DevTools' Runtime domain off, as a student's browser has it (tests/browser/devtools.py);
`--driver playwright` times the same visits under Playwright, which turns that domain on and slows plotly's code down:

- **dlviz**: `streamlit run streamlit_app.py` as shipped. Streamlit finds its `st.App`, whose lifespan imports the
  app and warms the server before the first visit, and whose middleware hints plotly's module to the browser
  (preload, and V8's compile hint), tells it where the server is and serves the frontend's files from memory. The
  page is then opened again by a second new visitor, and the server's peak resident memory is read.
- **no compile hint**: the shipped app, its middleware from `streamlit_app.frontend_middleware(compile_hint=False)`
  (a throw-away entry file): plotly's module is preloaded but served as Streamlit ships it, so the browser compiles
  its functions one by one, on the main thread, as they are first called.
- **plain**: the same app started without its `st.App` (a throw-away entry file that only runs the script), as
  Streamlit runs an ordinary script: the first visitor pays for the imports and the warm-up.
- **floor**, once per repetition: a Streamlit page with nothing but one 3-point plotly chart, from a temporary
  folder, served by Streamlit as it comes: what a first visit to any plotly chart costs in this browser on this
  machine, before any page content.

Prints the medians against the 3 s target, and the ratios no hint/dlviz, plain/dlviz and dlviz/floor. Needs
Debian's Chromium at /usr/bin/chromium and the Playwright Python package. The machine is shared: read the ratios,
and the load average printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.entries import app_without  # noqa: E402
from tests.browser.helpers import (APP_FILE, CHROMIUM, CHROMIUM_ARGS, FIRST_VISIT_TARGET_SECONDS,  # noqa: E402
                                   SCREENSHOTS, TIMEOUT_MS, app_pages, describe_first_visit, first_visit,
                                   machine_load, peak_memory_kib, start_server, stop_server, visitor_first_visit)

# Runs the app's script as Streamlit runs any script: no `st.App` for `streamlit run` to find. It must sit beside
# streamlit_app.py (pages/ are found from the script's folder), so it is written there for the run and removed.
PLAIN_ENTRY = ROOT / "_bench_plain_entry.py"
PLAIN_SOURCE = 'import runpy\n\nrunpy.run_path("streamlit_app.py", run_name="__main__")\n'
FLOOR_SOURCE = ('import plotly.graph_objects as go\nimport streamlit as st\n\n'
                'st.plotly_chart(go.Figure(go.Scatter(y=[1, 3, 2])))\n')


def visit(browser, server, path: str) -> dict:
    """A new visitor's first visit: a fresh bare Chromium, or (`browser` given) a new Playwright context."""
    if browser is None:
        row = visitor_first_visit(server, path)
    else:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            row = first_visit(context.new_page(), server, path)
        finally:
            context.close()
    return {key: value for key, value in row.items() if key not in ("shown", "nav")}


def first_visits(browser, script: Path, path: str, second: bool = False) -> dict:
    """A fresh server for `script`; its first visit to `path` (and a second visitor's, and the peak memory)."""
    server = start_server(SCREENSHOTS / f"bench_{script.stem}.log", script)
    try:
        row = visit(browser, server, path)
        if second:
            row["second_visit_s"] = visit(browser, server, path)["complete_s"]
            row["peak_mib"] = round(peak_memory_kib(server.pid)["total_kib"] / 1024, 1)
        return row
    finally:
        stop_server(server.process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="fresh servers per page and variant (default 1)")
    parser.add_argument("--pages", help="comma-separated URL paths (default: every page of the app)")
    parser.add_argument("--driver", choices=("visitor", "playwright"), default="visitor",
                        help="a bare Chromium without DevTools' runtime (default), or Playwright")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    pages = args.pages.split(",") if args.pages else app_pages()

    rows, floors = [], []
    PLAIN_ENTRY.write_text(PLAIN_SOURCE)
    no_hint_entry = app_without("no_hint", compile_hint=False)
    try:
        with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
            floor_app = Path(folder) / "floor.py"
            floor_app.write_text(FLOOR_SOURCE)
            browser = None  # the visitor's browser: a fresh Chromium per visit
            if args.driver == "playwright":
                from playwright.sync_api import sync_playwright

                browser = stack.enter_context(sync_playwright()).chromium.launch(executable_path=CHROMIUM,
                                                                                 args=CHROMIUM_ARGS)
                stack.callback(browser.close)
            for repetition in range(args.repeat):
                floors.append(first_visits(browser, floor_app, "/")["complete_s"])
                print(f"floor (one-chart page): {floors[-1]:.2f} s", flush=True)
                for path in pages:  # the variants in turn, so that load changes hit them all
                    dlviz = first_visits(browser, APP_FILE, path, second=True)
                    no_hint = first_visits(browser, no_hint_entry, path)
                    plain = first_visits(browser, PLAIN_ENTRY, path)
                    rows.append({**dlviz, "no_hint_s": no_hint["complete_s"], "plain_s": plain["complete_s"],
                                 "plain_script_done_s": plain["script_done_s"]})
                    print(f"dlviz {describe_first_visit(dlviz)}; second visitor {dlviz['second_visit_s']:.2f} s; "
                          f"server peak {dlviz['peak_mib']} MiB | no compile hint: {no_hint['complete_s']:.2f} s | "
                          f"plain: {plain['complete_s']:.2f} s", flush=True)
    finally:
        PLAIN_ENTRY.unlink(missing_ok=True)
        no_hint_entry.unlink(missing_ok=True)

    load = machine_load()
    floor = statistics.median(floors)
    print(f"\nTarget < {FIRST_VISIT_TARGET_SECONDS:g} s per page; driver {args.driver}; load average "
          f"{load['load_average_1min']} on {load['cpus']} CPUs; {args.repeat} fresh server(s) per page and variant; "
          f"medians; floor (a one-chart Streamlit page) {floor:.2f} s")
    print(f"{'page':<16} {'dlviz':>7} {'script done':>12} {'2nd visitor':>12} {'no hint':>8} {'no hint/dlviz':>14} "
          f"{'plain':>7} {'plain/dlviz':>12} {'dlviz/floor':>12} {'peak MiB':>9}")
    for path in pages:
        mine = [r for r in rows if r["path"] == path]
        first = statistics.median(r["complete_s"] for r in mine)
        script = statistics.median(r["script_done_s"] or 0.0 for r in mine)
        second = statistics.median(r["second_visit_s"] for r in mine)
        no_hint = statistics.median(r["no_hint_s"] for r in mine)
        plain = statistics.median(r["plain_s"] for r in mine)
        peak = max(r["peak_mib"] for r in mine)
        print(f"{path:<16} {first:>6.2f}s {script:>11.2f}s {second:>11.2f}s {no_hint:>7.2f}s {no_hint / first:>13.2f}x "
              f"{plain:>6.2f}s {plain / first:>11.2f}x "
              f"{first / floor:>11.2f}x {peak:>9.1f}{'' if first < FIRST_VISIT_TARGET_SECONDS else '  over target'}")
    if args.json:
        args.json.write_text(json.dumps({**load, "driver": args.driver, "target_s": FIRST_VISIT_TARGET_SECONDS,
                                         "floor_s": floors, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
