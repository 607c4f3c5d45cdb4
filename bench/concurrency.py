"""Benchmark: how long 20 concurrent visitors wait for their charts on one `streamlit run` server on this machine.

    python bench/concurrency.py               # 20 visitors (about 2 minutes on 2 cores)
    python bench/concurrency.py --visitors 5  # a smaller run

Starts the app as a real server on a free localhost port, opens pages with one headless Chromium (Debian's
/usr/bin/chromium, through Playwright), one browser context per visitor (a new Streamlit session each), and times each
page from navigation until it has finished drawing: the script run is over, no progress bar is left and every chart
it should show is rendered. Rounds, in this order:

- first visit: each default page once, one after another (the server's first runs: imports, the shipped default
  sweeps loaded into the shared run store). Reported, not compared.
- single: each default page once more, alone (warm). `single` is their mean.
- default20: 20 visitors at once on the default pages (/epochs, /batch_size, /learning_rate in turn), all warm: the
  sweeps are shared from the cache, so this measures serving and drawing under load.
- first training: one non-default sweep (/learning_rate?seed=999): the server imports TensorFlow and traces the
  engine. Reported, not compared.
- cold single: one more non-default sweep (/learning_rate?seed=1000) that must train.
- cold20: 20 visitors at once, each on a different non-default sweep (/learning_rate?seed=N, N = 1..20) that must
  train; the server's one `dlviz.engine.queue.Trainer` trains them one at a time, first come first served,
  so this is at best 20 x cold single.

Absolute seconds depend on the machine; the ratios to one request are what to compare. The browser runs on the same
cores as the server (20 fresh contexts each download, parse and draw Streamlit's frontend and plotly), so the table also
gives the server's own CPU seconds per round (the streamlit process and all its descendants, such as the child
process it trains in, as the container counts them): what the server spent, apart from the browser. Every page is
checked for an exception box or st.error, and the server's output for a traceback. The output ends with exactly one
line `concurrency default20=<s> single=<s> cold20=<s>`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.browser import (CHROMIUM, CHROMIUM_ARGS, SETTLED_JS, report_problems,  # noqa: E402
                                   start_server, stop_server, tree_cpu_seconds)
DEFAULT_PAGES = ("/epochs", "/batch_size", "/learning_rate")
CHARTS = {"/epochs": 1, "/batch_size": 2, "/learning_rate": 1}  # charts each page shows when complete
PAGE_TIMEOUT_MS = 900_000  # cold20 trains 20 sweeps one after another on a small CPU

PROBLEMS_JS = """
() => [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]')]
      .map(e => e.innerText.slice(0, 300))
"""


@dataclass
class Visit:
    path: str
    seconds: float
    problems: list[str]


@dataclass
class Round:
    name: str
    total: float  # from the first navigation to the last page settled
    visits: list[Visit]
    server_cpu: float = 0.0  # CPU seconds the server spent during the round (all its processes' threads)

    @property
    def problems(self) -> list[str]:
        return [f"{v.path}: {p}" for v in self.visits for p in v.problems]


# ---------------------------------------------------------------------------------------------------------------
# The server (started and stopped by the browser tests' helpers)


# ---------------------------------------------------------------------------------------------------------------
# The visitors


async def visit(browser, url: str, path: str) -> Visit:
    """A new visitor (fresh context: new Streamlit session) opens `path` and waits until the page has settled."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(url + path, timeout=PAGE_TIMEOUT_MS)
        route = path.split("?")[0]
        await page.wait_for_function(SETTLED_JS, arg=CHARTS[route], timeout=PAGE_TIMEOUT_MS, polling=100)
        seconds = time.perf_counter() - started
        return Visit(path, seconds, await page.evaluate(PROBLEMS_JS))
    finally:
        await context.close()


async def run_round(browser, url: str, name: str, paths: list[str], server_pid: int) -> Round:
    cpu = tree_cpu_seconds(server_pid)
    started = time.perf_counter()
    visits = await asyncio.gather(*(visit(browser, url, path) for path in paths))
    return Round(name, time.perf_counter() - started, list(visits), tree_cpu_seconds(server_pid) - cpu)


async def benchmark(url: str, visitors: int, server_pid: int) -> list[Round]:
    from playwright.async_api import async_playwright

    rounds = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in DEFAULT_PAGES:
                rounds.append(await run_round(browser, url, f"first visit {path}", [path], server_pid))
            for path in DEFAULT_PAGES:
                rounds.append(await run_round(browser, url, f"single {path}", [path], server_pid))
            rounds.append(await run_round(browser, url, f"default{visitors}",
                                          [DEFAULT_PAGES[i % len(DEFAULT_PAGES)] for i in range(visitors)],
                                          server_pid))
            # The server's first training imports TensorFlow and traces the engine: not what a later sweep costs.
            rounds.append(await run_round(browser, url, "first training", ["/learning_rate?seed=999"], server_pid))
            rounds.append(await run_round(browser, url, "cold single", ["/learning_rate?seed=1000"], server_pid))
            rounds.append(await run_round(browser, url, f"cold{visitors}",
                                          [f"/learning_rate?seed={n}" for n in range(1, visitors + 1)], server_pid))
        finally:
            await browser.close()
    return rounds


# ---------------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=20, help="concurrent visitors per round (default 20)")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} not found (apt-get install -y chromium)")

    log_path = Path(tempfile.mkdtemp(prefix="dlviz-bench-")) / "server.log"
    server = start_server(log_path)
    try:
        rounds = asyncio.run(benchmark(server.url, args.visitors, server.pid))
    finally:
        stop_server(server.process)
    log = log_path.read_text(errors="replace")

    by_name = {r.name: r for r in rounds}
    single = statistics.mean(by_name[f"single {p}"].total for p in DEFAULT_PAGES)
    default_n = by_name[f"default{args.visitors}"].total
    cold_single = by_name["cold single"].total
    cold_n = by_name[f"cold{args.visitors}"].total

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"dlviz under concurrent visitors: {os.cpu_count()} cores, load average {load} (1/5/15 min; other "
          f"processes share these cores), server log {log_path}")
    print(f"{'round':<26} {'pages':>5} {'total s':>8} {'page min':>9} {'median':>7} {'max':>7} {'ratio':>7} "
          f"{'server cpu s':>13}")
    for r in rounds:
        seconds = [v.seconds for v in r.visits]
        reference = cold_single if r.name.startswith("cold") else single
        ratio = "" if r.name.startswith("first") else f"{r.total / reference:.1f}x"
        print(f"{r.name:<26} {len(r.visits):>5} {r.total:>8.2f} {min(seconds):>9.2f} "
              f"{statistics.median(seconds):>7.2f} {max(seconds):>7.2f} {ratio:>7} {r.server_cpu:>13.1f}")
    print(f"ratio columns: total against one warm default page (single = {single:.2f} s, the mean of the three) "
          f"or, for cold rounds, against one cold sweep ({cold_single:.2f} s); server cpu: CPU seconds of the "
          "streamlit process and its child processes during the round (the browser's own work is not in it)")

    failed = report_problems([p for r in rounds for p in r.problems], log)
    print(f"concurrency default{args.visitors}={default_n:.2f} single={single:.2f} cold{args.visitors}={cold_n:.2f}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
