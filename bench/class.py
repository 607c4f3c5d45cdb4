"""Benchmark: a class of visitors on one small server, each asking for a sweep nobody else asked for (issue 19).

    python bench/class.py                    # 20 visitors (a few minutes on 2 shared cores)
    python bench/class.py --visitors 5       # a smaller run
    python bench/class.py --vary epochs --epochs-param lr_epochs   # once the page's parameter is renamed

Starts the app with `streamlit run` on a free loopback port (127.0.0.1 only), warms it with one non-default sweep
(the server's first training pays for the TensorFlow import and tracing: reported, not compared), then opens the
learning-rate page for `--visitors` visitors at once in one headless Chromium (Debian's /usr/bin/chromium through
Playwright), one browser context each (a new Streamlit session each). Each visitor's URL asks for a different
non-default sweep of the page's default rates:

- `--vary seed` (default): `/learning_rate?<seed-param>=N`, N = 1..visitors, every sweep the same size;
- `--vary epochs`: `/learning_rate?<epochs-param>=E`, E = default + 1 .. default + visitors (sweeps of growing size).

A visitor's wait is from navigation until the page has settled (script over, no progress bar, the chart drawn), and
is checked: no exception or st.error, at least one trace per rate. The same class then comes again, every sweep now
cached: the cost of serving and drawing the pages on these cores without any training. Then the same sweeps are
trained back to back in this process (`dlviz.training.train_sweep` on the page's dataset and specs, after one untimed
warm-up sweep). Printed: median and worst wait, the class's total, the back-to-back total and the ratio (target:
within 1.3x), the server's CPU seconds during the class, the cached class's total, and any problem. The browser
shares the server's cores, so much of the ratio is the browser's own work; `training_ratio` = (class total - cached
class total) / back to back is closer to the queue's own overhead, and `cpu_ratio`, the same in CPU seconds (the
server's during each round, this process's back to back), is the least sensitive to other load on shared cores. The
output ends with exactly one line `class visitors=<n> median=<s> worst=<s> total=<s> back_to_back=<s> ratio=<x>
cached_total=<s> training_ratio=<x> cpu_ratio=<x>`;
the exit status is 1 if a page failed or the server logged a traceback.

Untested here until the UI uses `dlviz.engine.queue.TrainingQueue`: whether the waiting text ("2 sweeps ahead of
yours, about 6 s") appears; today the bench measures the training lock's first-come-unordered service.
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
from tests.browser.helpers import (CHART, CHROMIUM, CHROMIUM_ARGS, SETTLED_JS, start_server,  # noqa: E402
                                   stop_server)

PAGE = "/learning_rate"
SEED_PARAM = "seed"  # today's names; the lead's settings table may rename them (pass --seed-param / --epochs-param)
EPOCHS_PARAM = "epochs"
WARM_SEED = 999
PAGE_TIMEOUT_MS = 600_000  # the last of 20 visitors waits for 20 trainings on a small shared CPU
CLASS_TIMEOUT_S = 1_200  # the whole class round, however it goes
TARGET_RATIO = 1.3

PAGE_STATE_JS = """
() => ({
  problems: [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]')]
    .map(e => e.innerText.slice(0, 300)),
  traces: [...document.querySelectorAll('$CHART .js-plotly-plot')].map(p => (p.data || []).map(t => t.name || '')),
})
""".replace("$CHART", CHART)


@dataclass
class Visit:
    query: str
    seconds: float
    problems: list[str]


def queries(vary: str, visitors: int, seed_param: str, epochs_param: str) -> list[tuple[str, dict]]:
    """Per visitor: the URL query and the RunSpec fields it changes from the page's defaults."""
    from dlviz import defaults

    if vary == "seed":
        return [(f"{seed_param}={n}", {"seed": n}) for n in range(1, visitors + 1) if n != defaults.SEED]
    return [(f"{epochs_param}={defaults.LR_PAGE_EPOCHS + n}", {"epochs": defaults.LR_PAGE_EPOCHS + n})
            for n in range(1, visitors + 1)]


def page_specs(changes: dict):
    """The specs the learning-rate page trains for a URL that changes `changes` (default dataset, default rates)."""
    from dlviz import defaults
    from dlviz.runs import RunSpec

    dataset = defaults.default_dataset()
    base = RunSpec(dataset.fingerprint, hidden_units=defaults.HIDDEN_UNITS, seed=changes.get("seed", defaults.SEED))
    return dataset, defaults.learning_rate_specs(base, epochs=changes.get("epochs", defaults.LR_PAGE_EPOCHS))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def visit(browser, url: str, query: str, rates: int) -> Visit:
    """A new visitor (fresh context: a new Streamlit session) opens the page and waits until it has settled."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(f"{url}{PAGE}?{query}", timeout=PAGE_TIMEOUT_MS)
        await page.wait_for_function(SETTLED_JS, arg=1, timeout=PAGE_TIMEOUT_MS, polling=100)
        seconds = time.perf_counter() - started
        state = await page.evaluate(PAGE_STATE_JS)
        problems = list(state["problems"])
        shown = sum(name.startswith("lr ") for name in (state["traces"] or [[]])[0])
        if shown < rates:
            problems.append(f"{shown} learning-rate traces on the chart, {rates} asked for")
        return Visit(query, seconds, problems)
    finally:
        await context.close()


async def serve_class(url: str, class_queries: list[str], warm_query: str, rates: int, server_pid: int):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm = await visit(browser, url, warm_query, rates)
            cpu = cpu_seconds(server_pid)
            started = time.perf_counter()
            visits = await asyncio.wait_for(
                asyncio.gather(*(visit(browser, url, q, rates) for q in class_queries)), CLASS_TIMEOUT_S)
            total = time.perf_counter() - started
            server_cpu = cpu_seconds(server_pid) - cpu
            # The same class again: every sweep is cached now, so this is the cost of serving and drawing alone.
            cpu = cpu_seconds(server_pid)
            started = time.perf_counter()
            again = await asyncio.wait_for(
                asyncio.gather(*(visit(browser, url, q, rates) for q in class_queries)), CLASS_TIMEOUT_S)
            return (warm, list(visits), total, server_cpu, list(again), time.perf_counter() - started,
                    cpu_seconds(server_pid) - cpu)
        finally:
            await browser.close()


def back_to_back(changes: list[dict], warm_changes: dict) -> tuple[float, float]:
    """Seconds and CPU seconds (this process, all threads) to train the same sweeps one after another in this
    process, after one untimed warm-up sweep."""
    from dlviz.training import train_sweep

    train_sweep(*page_specs(warm_changes))
    prepared = [page_specs(c) for c in changes]
    started, cpu = time.perf_counter(), time.process_time()
    for dataset, specs in prepared:
        train_sweep(dataset, specs)
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=20, help="concurrent visitors (default 20, at most 40)")
    parser.add_argument("--vary", choices=("seed", "epochs"), default="seed")
    parser.add_argument("--seed-param", default=SEED_PARAM)
    parser.add_argument("--epochs-param", default=EPOCHS_PARAM)
    args = parser.parse_args()
    if not 1 <= args.visitors <= 40:
        raise SystemExit("--visitors must be between 1 and 40")
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} not found (apt-get install -y chromium)")
    from dlviz import defaults

    class_ = queries(args.vary, args.visitors, args.seed_param, args.epochs_param)
    warm_query, warm_changes = f"{args.seed_param}={WARM_SEED}", {"seed": WARM_SEED}
    rates = len(defaults.LEARNING_RATES)

    log_path = Path(tempfile.mkdtemp(prefix="dlviz-class-")) / "server.log"
    server = start_server(log_path)  # 127.0.0.1 only
    try:
        warm, visits, total, server_cpu, again, cached_total, cached_cpu = asyncio.run(
            serve_class(server.url, [q for q, _ in class_], warm_query, rates, server.pid))
    finally:
        stop_server(server.process)
    sequential, sequential_cpu = back_to_back([c for _, c in class_], warm_changes)
    log = log_path.read_text(errors="replace")

    waits = sorted(v.seconds for v in visits)
    median, worst = statistics.median(waits), waits[-1]
    ratio = total / sequential
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"dlviz class benchmark: {len(visits)} visitors on {PAGE}, varying {args.vary}; {os.cpu_count()} cores, "
          f"load average {load} (1/5/15 min; other processes share these cores); server log {log_path}")
    print(f"warm-up visit ({warm.query}, the server's first training): {warm.seconds:.2f} s")
    print(f"waits: median {median:.2f} s, best {waits[0]:.2f} s, worst {worst:.2f} s")
    print(f"class total {total:.2f} s (server CPU {server_cpu:.1f} s); the same {len(visits)} sweeps back to back in "
          f"one process {sequential:.2f} s; ratio {ratio:.2f}x (target within {TARGET_RATIO}x)")
    training = total - cached_total
    print(f"the same class again, every sweep cached (serving and drawing alone): {cached_total:.2f} s; the class's "
          f"total less that: {training:.2f} s, {training / sequential:.2f}x the back-to-back training")
    cpu_ratio = (server_cpu - cached_cpu) / sequential_cpu
    print(f"CPU seconds (less sensitive to other load on the machine): server during the class {server_cpu:.1f}, "
          f"during the cached class {cached_cpu:.1f}; back to back {sequential_cpu:.1f}; (class - cached) / back to "
          f"back = {cpu_ratio:.2f}x")
    problems = [f"{v.query}: {p}" for v in [warm] + visits + again for p in v.problems]
    tracebacks = log.count("Traceback")
    print(f"pages with a problem: {len(problems)}; tracebacks in the server output: {tracebacks}")
    for problem in problems[:10]:
        print(f"  {problem}")
    if tracebacks:
        start = log.index("Traceback")
        print(log[start:start + 3000])
    print(f"class visitors={len(visits)} median={median:.2f} worst={worst:.2f} total={total:.2f} "
          f"back_to_back={sequential:.2f} ratio={ratio:.2f} cached_total={cached_total:.2f} "
          f"training_ratio={training / sequential:.2f} cpu_ratio={cpu_ratio:.2f}")
    if problems or tracebacks:
        sys.exit(1)


if __name__ == "__main__":
    main()
