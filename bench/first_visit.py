"""First visit to each page, each on a server of its own: time to complete curves in a real browser, and memory.

    python bench/first_visit.py [--repeat N] [--pages /epochs,/learning_rate] [--json out.json]

For every page (from `streamlit_app.py`) and every repetition: start a fresh `streamlit run`, open the page at its
defaults in a new Chromium context and time it from `page.goto` until its charts are drawn with no progress bar left
(the first visitor after a start, who also pays for `ui.warm_up`); then open it again as a second new visitor (a
warm server, but a cold browser) and read the server's peak resident memory. Prints the figures against the 3 s
target and the first/second-visit ratio (how much the first visitor pays for starting the server's work).
Needs Debian's Chromium at /usr/bin/chromium and the Playwright Python package.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.helpers import (CHROMIUM, CHROMIUM_ARGS, FIRST_VISIT_TARGET_SECONDS, SCREENSHOTS,  # noqa: E402
                                   TIMEOUT_MS, app_pages, describe_first_visit, first_visit, machine_load,
                                   peak_memory_kib, start_server, stop_server)


def visit(browser, server, path: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        return first_visit(context.new_page(), server, path)
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="fresh servers per page (default 1)")
    parser.add_argument("--pages", help="comma-separated URL paths (default: every page of the app)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    pages = args.pages.split(",") if args.pages else app_pages()

    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in pages:
            for _ in range(args.repeat):
                server = start_server(SCREENSHOTS / "bench_server.log")
                try:
                    first = visit(browser, server, path)
                    second = visit(browser, server, path)
                    memory = peak_memory_kib(server.pid)
                finally:
                    stop_server(server.process)
                rows.append({**first, "second_visit_s": second["complete_s"],
                             "peak_mib": round(memory["total_kib"] / 1024, 1)})
                print(f"first visit {describe_first_visit(first)}; second visitor {second['complete_s']:.2f} s; "
                      f"server peak {rows[-1]['peak_mib']} MiB", flush=True)
        browser.close()

    load = machine_load()
    print(f"\nTarget < {FIRST_VISIT_TARGET_SECONDS:g} s per page; load average {load['load_average_1min']} on "
          f"{load['cpus']} CPUs; {args.repeat} fresh server(s) per page; medians:")
    print(f"{'page':<16} {'first visit':>12} {'script done':>12} {'2nd visitor':>12} {'first/2nd':>10} {'peak MiB':>9}")
    for path in pages:
        mine = [r for r in rows if r["path"] == path]
        first = statistics.median(r["complete_s"] for r in mine)
        script = statistics.median(r["script_done_s"] or 0.0 for r in mine)
        second = statistics.median(r["second_visit_s"] for r in mine)
        peak = max(r["peak_mib"] for r in mine)
        print(f"{path:<16} {first:>11.2f}s {script:>11.2f}s {second:>11.2f}s {first / second:>9.2f}x {peak:>9.1f}"
              f"{'' if first < FIRST_VISIT_TARGET_SECONDS else '  over target'}")
    if args.json:
        args.json.write_text(json.dumps({**load, "target_s": FIRST_VISIT_TARGET_SECONDS, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
