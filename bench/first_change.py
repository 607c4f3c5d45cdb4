"""Benchmark: the first change after a server start against a later change of the same size (issue 25).

    python bench/first_change.py                      # this checkout
    python bench/first_change.py --root /work/main    # another checkout (e.g. before the warm-up), same measure

Run it under the shared lock: `flock /tmp/dlviz-bench.lock python bench/first_change.py`.

Starts the app (`streamlit run`, 127.0.0.1 only; server on core 0, headless Chromium on core 1), opens the
learning-rate page at its defaults (shipped: nothing trains) and waits until the server's CPU is idle (the warm-up
job, if the app has one, is over: a visitor reads the page before changing anything). Then the visitor changes the
first seed twice, each change a sweep of the same size that nobody trained before (`?seed=500`, then `?seed=600`:
5 rates x 3 seeds). Each change is timed in the browser (navigation until the page has settled with its chart) and at
the server (DLVIZ_TIMING_LOG: the request's arrival to its result). The last line is exactly `first_change first=<s>
later=<s> ratio=<x> server_first=<s> server_later=<s> server_ratio=<x>` (target: ratio within 1.5x).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.browser import (CHROMIUM, CHROMIUM_ARGS, SETTLED_JS, report_problems,  # noqa: E402
                                   start_server, stop_server, tree_cpu_seconds)

PAGE = "/learning_rate"
CHANGES = ("seed=500", "seed=600")
IDLE_TIMEOUT_S = 90
TIMEOUT_MS = 300_000


async def wait_idle(pid: int) -> float:
    """Seconds until the server (with its training child) used under 0.05 s of CPU in one second (at most
    IDLE_TIMEOUT_S)."""
    started, before = time.monotonic(), tree_cpu_seconds(pid)
    while time.monotonic() - started < IDLE_TIMEOUT_S:
        await asyncio.sleep(1.0)
        now = tree_cpu_seconds(pid)
        if now - before < 0.05:
            break
        before = now
    return time.monotonic() - started


async def visit(url: str, pid: int) -> tuple[float, list[float], list[str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 800})
            await page.goto(f"{url}{PAGE}", timeout=TIMEOUT_MS)
            await page.wait_for_function(SETTLED_JS, arg=1, timeout=TIMEOUT_MS, polling=100)
            idle = await wait_idle(pid)
            seconds, problems = [], []
            for query in CHANGES:
                started = time.perf_counter()
                await page.goto(f"{url}{PAGE}?{query}", timeout=TIMEOUT_MS)
                await page.wait_for_function(SETTLED_JS, arg=1, timeout=TIMEOUT_MS, polling=100)
                seconds.append(time.perf_counter() - started)
                problems += await page.evaluate("""() => [...document.querySelectorAll(
                  '[data-testid="stException"], [data-testid="stAlertContentError"]')].map(e => e.innerText)""")
            return idle, seconds, problems
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose streamlit_app.py is served")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dlviz-first-change-"))
    timing = folder / "timing.jsonl"
    os.environ["DLVIZ_TIMING_LOG"] = str(timing)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    os.sched_setaffinity(0, {0})  # the server inherits core 0, the browser started after core 1
    server = start_server(folder / "server.log", args.root / "streamlit_app.py")
    os.sched_setaffinity(0, {1})
    try:
        idle, (first, later), problems = asyncio.run(visit(server.url, server.pid))
    finally:
        stop_server(server.process)
    lines = [json.loads(line) for line in timing.read_text().splitlines()] if timing.exists() else []
    waits = [x["end"] - x["arrival"] for x in lines if x["start"] is not None]
    server_first, server_later = (waits + [float("nan")] * 2)[:2]
    print(f"dlviz first change: {args.root}, load average {load} before; server idle {idle:.1f} s after the first "
          f"page; changes {', '.join(CHANGES)} (same size); logs in {folder}")
    print(f"browser: first change {first:.2f} s, later change {later:.2f} s; server (arrival to result): "
          f"{server_first:.2f} s and {server_later:.2f} s" + ("" if lines else " (no timing log: an older app)"))
    failed = report_problems(problems, (folder / "server.log").read_text(errors="replace"))
    print(f"first_change first={first:.2f} later={later:.2f} ratio={first / later:.2f} server_first={server_first:.2f} "
          f"server_later={server_later:.2f} server_ratio={server_first / server_later:.2f}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
