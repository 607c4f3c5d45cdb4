"""Benchmark: a class on one small server, measured as Community Cloud serves it (issue 25).

    python bench/class.py --visitors 30      # about 3-5 minutes here
    python bench/class.py --visitors 5       # a smaller run

Run it under the shared lock: `flock /tmp/dlviz-bench.lock python bench/class.py --visitors 30`.

The server (`streamlit run`, 127.0.0.1 only) is pinned to core 0 and the visitors' browser (one headless Chromium,
one context per visitor: a new Streamlit session each) to core 1, as on Community Cloud, where the browsers run on
the students' laptops. The server appends one JSON line per request that reached its trainer (DLVIZ_TIMING_LOG: when
it arrived, when its job started, when its result came, the server's CPU seconds), so every figure is read from the
server's side and the browser's CPU does not count.

1. Warm-up: one visitor opens a non-default sweep (the server's first training, behind the warm-up job that imports
   TensorFlow): reported, not compared.
2. The class: `--visitors` visitors at once open `/learning_rate?seed=S`, each with its own S (no two sweeps share a
   run, each trains in full); every page stays open until all have their chart, and the server's resident memory is
   read meanwhile. One browser on one core loads 30 pages over minutes, so the requests reach the server spread out.
3. The shared link: the same visitors all follow one link nobody opened before: it must train once.
4. Back to back: the class's sweeps trained one after another in this process, pinned to core 0, after one untimed
   warm-up sweep: the plain approach.

Printed: each visitor's wait (arrival to result, at the server) against its place in line when it arrived x the
back-to-back time per sweep; fair = every wait within one sweep's time of that. server_total = the time during
which at least one visitor of the class waited at the server (the first arrival to the last result, less any time
the server sat idle before the next request arrived); ratio = server_total / back_to_back; server_cpu_ratio = the
server's CPU seconds during the class / the back-to-back process's. The last line is exactly `class visitors=<n>
server_total=<s> back_to_back=<s> ratio=<x> server_cpu_ratio=<x> fair=<yes|no> peak_rss_mb=<n>`; the exit status
is 1 if a page failed, the shared link trained more than once, or the server logged a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.browser import (CHROMIUM, CHROMIUM_ARGS, SETTLED_JS, report_problems,  # noqa: E402
                                   start_server, stop_server)

PAGE = "/learning_rate"
FIRST_SEED, WARM_SEED, SHARED_SEED = 100, 999, 777  # visitors' seeds 100, 103, ...; none is the default 42
PAGE_TIMEOUT_MS = 600_000
SERVER_CORE, BROWSER_CORE = 0, 1
PROBLEMS_JS = """() => [...document.querySelectorAll(
  '[data-testid="stException"], [data-testid="stAlertContentError"]')].map(e => e.innerText.slice(0, 300))"""


def page_specs(seed: int):
    """The dataset and the specs (every seed) the learning-rate page trains for `?seed=<seed>`."""
    from dlviz import defaults, kinds, settings
    from dlviz.runs import RunSpec

    dataset = defaults.default_dataset()
    base = RunSpec(dataset.fingerprint, hidden_units=settings.HIDDEN.default, seed=seed)
    specs = kinds.LEARNING_RATE.specs(base, settings.LEARNING_RATES.default, settings.LR_EPOCHS.default)
    return dataset, defaults.with_seeds(specs, defaults.seeds(seed))


def cpu_seconds(pid: int, stat: str = "stat") -> float:
    with open(f"/proc/{pid}/{stat}") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def threads_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of a process's live threads, by kind: the trainer, TensorFlow's own threads, the event loop
    (the main thread), and the rest of the process (script runs of the sessions, threads that ended)."""
    kinds = {"trainer": 0.0, "tensorflow": 0.0, "event loop": 0.0}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as handle:
                name = handle.read().strip()
            kind = ("trainer" if name.startswith("dlviz-trainer") else "tensorflow" if name.startswith("tf_")
                    else "event loop" if tid == str(pid) else None)
            if kind:
                kinds[kind] += cpu_seconds(pid, f"task/{tid}/stat")
        except OSError:
            continue
    kinds["rest"] = cpu_seconds(pid) - sum(kinds.values())
    return kinds


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) of a process, in MB."""
    with open(f"/proc/{pid}/status") as handle:
        kilobytes = next(int(line.split()[1]) for line in handle if line.startswith(field + ":"))
    return kilobytes / 1024


def read_log(path: Path, after: int = 0) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[after:]]


async def settle(page, url: str, query: str, charts: int = 1) -> list[str]:
    """Open `query` on `page` and wait until it has settled; the problems it shows (or that it never settled)."""
    try:
        await page.goto(f"{url}{PAGE}?{query}", timeout=PAGE_TIMEOUT_MS)
        await page.wait_for_function(SETTLED_JS, arg=charts, timeout=PAGE_TIMEOUT_MS, polling=500)
    except Exception as exc:  # noqa: BLE001  (a page that never settles is reported, the figures still printed)
        return [f"{query}: {type(exc).__name__}"]
    return [f"{query}: {p}" for p in await page.evaluate(PROBLEMS_JS)]


async def serve(url: str, server_pid: int, class_queries: list[str], shared: str) -> dict:
    """The warm-up visit; the class (every visitor at once asks for its sweep, and keeps its page open); then all
    follow the shared link."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(viewport={"width": 1000, "height": 700})).new_page()
            started = time.monotonic()
            problems = await settle(page, url, f"seed={WARM_SEED}", 1)
            warm = time.monotonic() - started
            cpu, threads, peak = cpu_seconds(server_pid), threads_cpu(server_pid), []

            async def watch_memory() -> None:  # while the class's pages are open
                while True:
                    peak.append(memory_mb(server_pid, "VmRSS"))
                    await asyncio.sleep(0.5)

            watcher = asyncio.create_task(watch_memory())
            class_start = time.monotonic()  # CLOCK_MONOTONIC: the server's log uses the same clock
            pages: list = []

            async def visitor(query: str) -> list[str]:  # a fresh context: a new Streamlit session
                page = await (await browser.new_context(viewport={"width": 1000, "height": 700})).new_page()
                pages.append(page)
                return await settle(page, url, query)

            problems += sum(await asyncio.gather(*map(visitor, class_queries)), [])
            await asyncio.sleep(2.0)
            watcher.cancel()
            class_cpu = cpu_seconds(server_pid) - cpu
            by_thread = {kind: seconds - threads[kind] for kind, seconds in threads_cpu(server_pid).items()}
            rss_open, shared_start = memory_mb(server_pid, "VmRSS"), time.monotonic()
            problems += sum(await asyncio.gather(*(settle(p, url, shared, 1) for p in pages)), [])
        finally:
            await browser.close()
    return {"warm": warm, "class_cpu": class_cpu, "by_thread": by_thread, "class_start": class_start,
            "shared_start": shared_start, "problems": problems, "rss_open": rss_open,
            "peak": memory_mb(server_pid, "VmHWM"), "rss_max": max(peak)}


def back_to_back(seeds: list[int]) -> tuple[float, float]:
    """Seconds and CPU seconds to train the class's sweeps one after another in this process, on the server's
    core."""
    os.sched_setaffinity(0, {SERVER_CORE})
    from dlviz.engine.sweep import train_sweep

    train_sweep(*page_specs(WARM_SEED))
    prepared = [page_specs(seed) for seed in seeds]
    started, cpu = time.perf_counter(), time.process_time()
    for dataset, specs in prepared:
        train_sweep(dataset, specs)
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=30, help="concurrent visitors (default 30, at most 40)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # a run ended by its time bound keeps what it printed
    if not 1 <= args.visitors <= 40 or not os.path.exists(CHROMIUM) or os.cpu_count() < 2:
        raise SystemExit(f"needs 1-40 visitors, {CHROMIUM} and two cores")
    from dlviz import settings

    step = settings.SEEDS.default
    seeds = [FIRST_SEED + step * n for n in range(args.visitors)]
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="dlviz-class-"))
    timing = folder / "timing.jsonl"
    os.environ["DLVIZ_TIMING_LOG"] = str(timing)
    os.sched_setaffinity(0, {SERVER_CORE})  # the server inherits core 0 ...
    server = start_server(folder / "server.log")
    os.sched_setaffinity(0, {BROWSER_CORE})  # ... and the browser, started from here, core 1
    try:
        at_start = memory_mb(server.pid, "VmRSS")
        figures = asyncio.run(serve(server.url, server.pid, [f"seed={s}" for s in seeds], f"seed={SHARED_SEED}"))
    finally:
        stop_server(server.process)
    requests = read_log(timing)
    warm_lines = [x for x in requests if x["arrival"] < figures["class_start"]]
    class_round = [x for x in requests if figures["class_start"] <= x["arrival"] < figures["shared_start"]]
    class_lines = [x for x in class_round if x["start"] is not None]  # a page's rerun finds its runs stored
    shared_lines = [x for x in requests if x["arrival"] >= figures["shared_start"]]
    sequential, sequential_cpu = back_to_back(seeds)
    per_sweep = sequential / len(seeds)

    # Place in line at arrival: the class's requests whose result had not come yet and whose job started before.
    waits, fair = [], True
    for line in class_lines:
        ahead = sum(1 for o in class_lines
                    if o["start"] != line["start"] and o["start"] < line["start"] and o["end"] > line["arrival"])
        wait, expected = line["end"] - line["arrival"], (ahead + 1) * per_sweep
        fair &= wait <= expected + per_sweep
        waits.append((wait, ahead, expected))
    # The server-side total: the time during which at least one visitor waited at the server (a browser on one core
    # loads 30 pages over a while; the server idle before a request arrives is not the class's cost).
    total, reach = 0.0, float("-inf")
    for arrival, end in sorted((x["arrival"], x["end"]) for x in class_lines):
        total += max(0.0, end - max(arrival, reach))
        reach = max(reach, end)
    span = max(x["end"] for x in class_lines) - min(x["arrival"] for x in class_lines)
    ratio, cpu_ratio = total / sequential, figures["class_cpu"] / sequential_cpu
    trained_shared = len({x["start"] for x in shared_lines if x["start"] is not None})
    print(f"dlviz class benchmark: {len(seeds)} visitors on {PAGE} ({step} seeds per value), server on core "
          f"{SERVER_CORE}, browser on core {BROWSER_CORE}; load average {' / '.join(f'{x:.2f}' for x in load_before)} "
          f"before, {' / '.join(f'{x:.2f}' for x in os.getloadavg())} after; logs in {folder}")
    print(f"warm-up visit (the server's first training, behind the TensorFlow warm-up): {figures['warm']:.2f} s; "
          f"server wait {warm_lines[0]['end'] - warm_lines[0]['arrival']:.2f} s" if warm_lines else "no warm-up line")
    print("visitor  wait_s  ahead_at_arrival  expected_s (= (ahead + 1) x time per sweep)")
    for n, (wait, ahead, expected) in enumerate(waits):
        print(f"  {n:3d}  {wait:7.2f}  {ahead:5d}  {expected:9.2f}")
    sorted_waits = sorted(w for w, _, _ in waits)
    print(f"waits at the server: median {statistics.median(sorted_waits):.2f} s, worst {sorted_waits[-1]:.2f} s; "
          f"time per sweep back to back {per_sweep:.3f} s")
    print(f"server_total {total:.2f} s of waiting at the server; first arrival to last result {span:.2f} s")
    print(f"server CPU during the class {figures['class_cpu']:.1f} s ("
          + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in figures["by_thread"].items())
          + f"); back to back {sequential_cpu:.1f} s")
    print(f"server memory: {at_start:.0f} MB at start, {figures['rss_max']:.0f} MB at most while the class's "
          f"{len(seeds)} pages were open ({figures['rss_open']:.0f} MB with all open after the last chart), peak "
          f"(VmHWM) {figures['peak']:.0f} MB by the end")
    print(f"shared link: {len(shared_lines)} requests, {trained_shared} training(s); class round: {len(class_round)} "
          f"requests, {len(class_lines)} trained")
    failed = report_problems(figures["problems"], (folder / "server.log").read_text(errors="replace"))
    failed |= trained_shared != 1 or len(class_lines) != len(seeds)
    print(f"class visitors={len(seeds)} server_total={total:.2f} back_to_back={sequential:.2f} ratio={ratio:.2f} "
          f"server_cpu_ratio={cpu_ratio:.2f} fair={'yes' if fair else 'no'} peak_rss_mb={figures['peak']:.0f}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
