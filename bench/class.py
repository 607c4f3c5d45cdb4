"""Benchmark: a class on one small server, measured as Community Cloud serves it (issue 25).

    python bench/class.py --visitors 30      # about 8-10 minutes here
    python bench/class.py --visitors 5       # a smaller run

Run it under the shared lock: `flock /tmp/dlviz-bench.lock python bench/class.py --visitors 30`.

The server (`streamlit run`, 127.0.0.1 only) is pinned to core 0 and the visitors' browser (one headless Chromium,
one context per visitor: a new Streamlit session each) to core 1, as on Community Cloud, where the browsers run on
the students' laptops. The server appends one JSON line per request that reached its trainer (DLVIZ_TIMING_LOG: when
it arrived, when its job started, when its result came, the server's CPU seconds), so every figure is read from the
server's side and the browser's CPU does not count.

The server is measured as its process tree, as the container on Community Cloud counts it: the streamlit process and
all its descendants (the child process it trains in, on core 0 too), found
anew in /proc at each reading. Its CPU seconds are summed over them and split by thread (the child's main thread is
the trainer); its resident memory is VmRSS summed over them, and its peak is each process's own peak (VmHWM) summed:
an upper bound of their peak at any one moment.

1. Warm-up: one visitor opens a non-default sweep (the server's first training, behind the warm-up job that imports
   TensorFlow): reported, not compared.
2. The class: `--visitors` visitors at once open `/learning_rate?seed=S`, each with its own S (no two sweeps share a
   run, each trains in full). The page trains two jobs for a seed of its own: the sweep, then the "Why big steps
   oscillate" section's full-batch runs (`dlviz.ui.stability`, shipped for the default seed only). Every page stays
   open until all are drawn, and the server's resident memory (its tree's) is read meanwhile. One browser on one
   core loads 30 pages over minutes, so the requests reach the server spread out.
3. The shared link: the same visitors all follow one link nobody opened before: each of its jobs must train once.
4. Back to back: the class's jobs (each seed's sweep and full-batch runs) trained one after another in this process,
   pinned to core 0, after one untimed warm-up of each: the plain approach, the same training without pages. It runs
   before the class and again after it, and the class is compared with the mean of the two (a shared machine's
   speed drifts by 10% and more over the minutes between them).

Printed: each request's wait (arrival to result, at the server) against its place in line: the jobs ahead of it when
it arrived plus its own, at the times they took at the server (start to result; the running one's rest); fair = first
come, first served (no job that arrived later started earlier) and every wait within one sweep's time of that
(nobody passed over, no time lost in line). Beside it, not judged: the same place in line at the class's mean time
per job of each kind (the jobs' times spread and drift during a class, so this reading can fail with every job
served in order) and at back-to-back times (how much slower the class served each job is the ratios' business). server_total = the time during
which at least one request of the class waited at the server (the first arrival to the last result, less any time
the server sat idle before the next request arrived); ratio = server_total / back_to_back; server_cpu_ratio = the
server's CPU seconds (its process tree) during the class / the back-to-back process's for the same jobs;
peak_rss_mb = the tree's peak, the sum of each process's VmHWM. The last line is exactly
`class visitors=<n> server_total=<s> back_to_back=<s> ratio=<x> server_cpu_ratio=<x> fair=<yes|no>
peak_rss_mb=<n>`, printed also when a page times out or fails (then fair=no, with the reason on the line before);
the exit status is 1 if a page failed or timed out, a job of the shared link trained more than once, or the server
logged a traceback. `--timeout` bounds the browser's part (default 20 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.browser import (CHROMIUM, CHROMIUM_ARGS, SETTLED_JS, cpu_seconds, process_tree,  # noqa: E402
                                   report_problems, start_server, stop_server, tree_cpu_seconds)

PAGE = "/learning_rate"
FIRST_SEED, WARM_SEED, SHARED_SEED = 100, 999, 777  # visitors' seeds 100, 103, ...; none is the default 42
SWEEP, SECTION = "RunSpec", "StabilitySpec"  # the two jobs a page asks for, by the first word of their logged key
RUN_START = time.monotonic()
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


def section_specs(seed: int):
    """The learning-rate page's "Why big steps oscillate" runs for `?seed=<seed>` (plain gradient descent)."""
    from dlviz import defaults, settings
    from dlviz.runs import GD, stability_specs

    return stability_specs(defaults.default_dataset().fingerprint, GD, seed, settings.HIDDEN.default)


def job_kind(line: dict) -> str:
    return SECTION if line["key"].startswith("(" + SECTION) else SWEEP


TRAINER_CHILD = "trainer (child process)"


def threads_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of a process and all its live descendants ("process"), and of three kinds of thread among
    them: TensorFlow's own ("tensorflow", named tf_...), the process's main thread ("event loop") and its descendants'
    main threads (TRAINER_CHILD: the server's training process runs its jobs in its main thread)."""
    seconds = {"process": 0.0, "tensorflow": 0.0, "event loop": 0.0, TRAINER_CHILD: 0.0}
    for process in process_tree(pid):
        try:
            total, tids = cpu_seconds(process), os.listdir(f"/proc/{process}/task")
        except OSError:
            if process == pid:
                raise
            continue
        seconds["process"] += total
        for tid in tids:
            try:
                with open(f"/proc/{process}/task/{tid}/comm") as handle:
                    name = handle.read().strip()
                kind = ("tensorflow" if name.startswith("tf_") else None if tid != str(process)
                        else "event loop" if process == pid else TRAINER_CHILD)
                if kind:
                    seconds[kind] += cpu_seconds(process, f"task/{tid}/stat")
            except OSError:
                continue
    return seconds


def by_thread(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds between two `threads_cpu` readings of the server's tree: the trainer (the training process's main
    thread, TRAINER_CHILD), TensorFlow's threads, the server's event loop, and the rest (the sessions' script runs,
    the trainer's relay thread, the child's other threads: the engine's gradient-noise worker and the request reader,
    and threads that ended)."""
    spent = {key: seconds - before.get(key, 0.0) for key, seconds in after.items()}
    split = {key: spent[key] for key in (TRAINER_CHILD, "tensorflow", "event loop")}
    return {**split, "sessions and the rest": spent["process"] - sum(split.values())}


def memory_mb(pid: int, field: str) -> float:
    """VmRSS or VmHWM summed over a process and all its live descendants, in MB. The sum of VmRSS is the tree's
    resident memory now (a page shared by two processes, such as a library's, counts twice); the sum of VmHWM adds
    each process's own peak, reached at its own time: an upper bound of the tree's peak at any one moment."""
    kilobytes = 0
    for process in process_tree(pid):
        try:
            with open(f"/proc/{process}/status") as handle:
                kilobytes += next(int(line.split()[1]) for line in handle if line.startswith(field + ":"))
        except (OSError, StopIteration):  # ended meanwhile, or a zombie (no memory lines)
            if process == pid:
                raise
    return kilobytes / 1024


def read_log(path: Path, after: int = 0) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[after:]]


async def settle(page, url: str, query: str, deadline: float, charts: int = 1) -> list[str]:
    """Open `query` on `page` and wait until it has settled, at most until `deadline` (monotonic); the problems it
    shows (or that it never settled)."""
    try:
        timeout = max(1.0, deadline - time.monotonic()) * 1000
        await page.goto(f"{url}{PAGE}?{query}", timeout=timeout)
        await page.wait_for_function(SETTLED_JS, arg=charts, timeout=max(1.0, deadline - time.monotonic()) * 1000,
                                     polling=500)
    except Exception as exc:  # noqa: BLE001  (a page that never settles is reported, the figures still printed)
        return [f"{query}: {type(exc).__name__} (not settled {time.monotonic() - RUN_START:.0f} s into the run)"]
    return [f"{query}: {p}" for p in await page.evaluate(PROBLEMS_JS)]


async def serve(url: str, server_pid: int, class_queries: list[str], shared: str, deadline: float) -> dict:
    """The warm-up visit; the class (every visitor at once asks for its sweep, and keeps its page open); then all
    follow the shared link. Every wait ends by `deadline` (monotonic)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(viewport={"width": 1000, "height": 700})).new_page()
            started = time.monotonic()
            problems = await settle(page, url, f"seed={WARM_SEED}", deadline)
            warm = time.monotonic() - started
            cpu, threads, peak = tree_cpu_seconds(server_pid), threads_cpu(server_pid), []
            rss_warm = memory_mb(server_pid, "VmRSS")

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
                return await settle(page, url, query, deadline)

            problems += sum(await asyncio.gather(*map(visitor, class_queries)), [])
            await asyncio.sleep(2.0)
            watcher.cancel()
            class_cpu = tree_cpu_seconds(server_pid) - cpu
            split = by_thread(threads, threads_cpu(server_pid))
            rss_open, shared_start = memory_mb(server_pid, "VmRSS"), time.monotonic()
            problems += sum(await asyncio.gather(*(settle(p, url, shared, deadline) for p in pages)), [])
        finally:
            await browser.close()
    return {"warm": warm, "class_cpu": class_cpu, "by_thread": split, "class_start": class_start,
            "shared_start": shared_start, "problems": problems, "rss_open": rss_open, "rss_warm": rss_warm,
            "peak": memory_mb(server_pid, "VmHWM"), "rss_max": max(peak)}


def back_to_back(seeds: list[int]) -> tuple[dict[str, float], float, float]:
    """Seconds per job kind (summed over the seeds), CPU seconds to train the class's jobs one after another in
    this process, on the server's core (each seed's sweep, then its section's full-batch runs), and of those the CPU
    seconds of threads that are neither this one nor TensorFlow's (the engine's gradient-noise worker: in the server
    it is counted with the sessions)."""
    os.sched_setaffinity(0, {SERVER_CORE})
    from dlviz.engine.stability import train_full_batch
    from dlviz.engine.sweep import train_sweep

    def section(dataset, seed: int) -> None:
        for spec in section_specs(seed):
            train_full_batch(dataset, spec)

    dataset = page_specs(WARM_SEED)[0]
    train_sweep(*page_specs(WARM_SEED))
    section(dataset, WARM_SEED)
    prepared = [page_specs(seed) for seed in seeds]
    seconds, cpu, threads = {SWEEP: 0.0, SECTION: 0.0}, time.process_time(), threads_cpu(os.getpid())
    for seed, (dataset, specs) in zip(seeds, prepared):
        for kind, job in ((SWEEP, lambda: train_sweep(dataset, specs)), (SECTION, lambda: section(dataset, seed))):
            begun = time.perf_counter()
            job()
            seconds[kind] += time.perf_counter() - begun
    split = {key: seconds - threads.get(key, 0.0) for key, seconds in threads_cpu(os.getpid()).items()}
    workers = split["process"] - split["tensorflow"] - split["event loop"]  # "event loop": this main thread here
    return seconds, time.process_time() - cpu, workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=30, help="concurrent visitors (default 30, at most 40)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds the browser's part may take (1200)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # a run ended by its time bound keeps what it printed
    if not 1 <= args.visitors <= 40 or not os.path.exists(CHROMIUM) or os.cpu_count() < 2:
        raise SystemExit(f"needs 1-40 visitors, {CHROMIUM} and two cores")
    from dlviz import settings

    step = settings.SEEDS.default
    seeds = [FIRST_SEED + step * n for n in range(args.visitors)]
    load_before = os.getloadavg()
    plain_before = back_to_back(seeds)
    folder = Path(tempfile.mkdtemp(prefix="dlviz-class-"))
    timing = folder / "timing.jsonl"
    os.environ["DLVIZ_TIMING_LOG"] = str(timing)
    os.sched_setaffinity(0, {SERVER_CORE})  # the server inherits core 0 ...
    server = start_server(folder / "server.log")
    os.sched_setaffinity(0, {BROWSER_CORE})  # ... and the browser, started from here, core 1
    try:
        at_start = memory_mb(server.pid, "VmRSS")
        figures = asyncio.run(serve(server.url, server.pid, [f"seed={s}" for s in seeds], f"seed={SHARED_SEED}",
                                    time.monotonic() + args.timeout))
    finally:
        stop_server(server.process)
    requests = read_log(timing) if timing.exists() else []
    warm_lines = [x for x in requests if x["arrival"] < figures["class_start"]]
    class_round = [x for x in requests if figures["class_start"] <= x["arrival"] < figures["shared_start"]]
    class_lines = [x for x in class_round if x["start"] is not None]  # a page's rerun finds its runs stored
    # A script run stopped by a rerun while it waited logs nothing; its job trains on, and the rerun finds it stored.
    trained_keys = {x["key"] for x in class_lines}
    unlogged = {x["key"] for x in class_round if x["start"] is None and x["key"] not in trained_keys}
    shared_lines = [x for x in requests if x["arrival"] >= figures["shared_start"]]
    plain_after = back_to_back(seeds)
    seconds = {kind: (plain_before[0][kind] + plain_after[0][kind]) / 2 for kind in plain_before[0]}
    sequential_cpu, workers_cpu = ((a + b) / 2 for a, b in zip(plain_before[1:], plain_after[1:]))
    sequential = sum(seconds.values())
    per_job = {kind: total / len(seeds) for kind, total in seconds.items()}
    per_sweep = per_job[SWEEP]

    # Ahead at arrival: the class's jobs whose result had not come yet and that started before. Fair: first come,
    # first served (no job that arrived later started earlier) and no time lost in line: every wait within one
    # sweep's time of the work ahead of it at the server (the times those jobs took there, the running one's rest)
    # plus its own. Printed beside it, not judged: the same at the class's mean time per job of each kind (the jobs'
    # times spread and drift, so it can fail with every job in order) and at back-to-back times (the ratios judge
    # the slowdown).
    served = {kind: statistics.mean([x["end"] - x["start"] for x in class_lines if job_kind(x) == kind] or [math.nan])
              for kind in per_job}
    waits, unfair, within_mean, within_back_to_back = [], [], 0, 0
    for line in class_lines:
        ahead = [o for o in class_lines
                 if o["start"] != line["start"] and o["start"] < line["start"] and o["end"] > line["arrival"]]
        passed = sum(o["arrival"] > line["arrival"] and o["start"] < line["start"] for o in class_lines)
        wait = line["end"] - line["arrival"]
        expected = sum(o["end"] - max(o["start"], line["arrival"]) for o in ahead) + line["end"] - line["start"]
        if passed or wait > expected + served[SWEEP]:
            unfair.append(f"a {job_kind(line)} job waited {wait:.1f} s, {len(ahead)} ahead ({passed} of them arrived "
                          f"later): expected {expected:.1f}")
        at_mean = sum(served[job_kind(o)] for o in ahead) + served[job_kind(line)]
        within_mean += wait <= at_mean + served[SWEEP]
        plain = sum(per_job[job_kind(o)] for o in ahead) + per_job[job_kind(line)]
        within_back_to_back += wait <= plain + per_sweep
        waits.append((job_kind(line), wait, len(ahead), expected, at_mean, plain))
    # The server-side total: the time during which at least one visitor waited at the server (a browser on one core
    # loads 30 pages over a while; the server idle before a request arrives is not the class's cost).
    total, reach = 0.0, float("-inf")
    for arrival, end in sorted((x["arrival"], x["end"]) for x in class_lines):
        total += max(0.0, end - max(arrival, reach))
        reach = max(reach, end)
    span = (max(x["end"] for x in class_lines) - min(x["arrival"] for x in class_lines)) if class_lines else 0.0
    ratio, cpu_ratio = total / sequential, figures["class_cpu"] / sequential_cpu
    trained_shared = {kind: len({x["start"] for x in shared_lines if x["start"] is not None and job_kind(x) == kind})
                      for kind in per_job}
    print(f"dlviz class benchmark: {len(seeds)} visitors on {PAGE} ({step} seeds per value), server on core "
          f"{SERVER_CORE}, browser on core {BROWSER_CORE}; load average {' / '.join(f'{x:.2f}' for x in load_before)} "
          f"before, {' / '.join(f'{x:.2f}' for x in os.getloadavg())} after; logs in {folder}")
    print(f"warm-up visit (the server's first training, behind the TensorFlow warm-up): {figures['warm']:.2f} s; "
          f"server wait {warm_lines[0]['end'] - warm_lines[0]['arrival']:.2f} s" if warm_lines else "no warm-up line")
    print("request  job            wait_s  ahead_at_arrival  expected_s (those ahead + own, at the times they took)  "
          "mean_s (the same at the class's mean time per job)  back_to_back_s (at back-to-back times)")
    for n, (kind, wait, ahead, expected, at_mean, plain) in enumerate(waits):
        print(f"  {n:3d}  {kind:13s}  {wait:7.2f}  {ahead:5d}  {expected:9.2f}  {at_mean:9.2f}  {plain:9.2f}")
    for kind in per_job:
        kind_waits = [w for k, w, *_ in waits if k == kind]
        if kind_waits:
            print(f"{kind} waits at the server: median {statistics.median(kind_waits):.2f} s, worst "
                  f"{max(kind_waits):.2f} s; a job took {served[kind]:.3f} s at the server in the class, "
                  f"{per_job[kind]:.3f} s back to back")
    print(f"back to back before the class {sum(plain_before[0].values()):.2f} s ({plain_before[1]:.1f} s CPU), after "
          f"it {sum(plain_after[0].values()):.2f} s ({plain_after[1]:.1f} s CPU): the class is compared with the mean")
    print(f"server_total {total:.2f} s of waiting at the server; first arrival to last result {span:.2f} s")
    print(f"server CPU (the server and its child processes) during the class {figures['class_cpu']:.1f} s ("
          + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in figures["by_thread"].items())
          + f"; of the rest, the engine's gradient-noise worker took {workers_cpu:.1f} s back to back); back to back "
          f"{sequential_cpu:.1f} s; per visitor {figures['class_cpu'] / len(seeds):.2f} s against "
          f"{sequential_cpu / len(seeds):.2f} s")
    print(f"server memory (VmRSS summed over the server and its child processes): {at_start:.0f} MB at start, "
          f"{figures['rss_warm']:.0f} MB after the first training, "
          f"{figures['rss_max']:.0f} MB at most while the class's {len(seeds)} pages were open "
          f"({figures['rss_open']:.0f} MB with all open after the last chart: "
          f"{(figures['rss_open'] - figures['rss_warm']) / len(seeds):.1f} MB a visitor, its stored runs included), "
          f"peak {figures['peak']:.0f} MB by the end (each process's own VmHWM summed: an upper bound of their peak at "
          "any one moment)")
    print(f"shared link: {len(shared_lines)} requests, trainings by job {trained_shared}; class round: "
          f"{len(class_round)} requests, {len(class_lines)} trained with their wait logged and {len(unlogged)} trained "
          f"while their page reran (no wait logged) (expected {len(per_job) * len(seeds)} jobs)")
    failed = report_problems(figures["problems"], (folder / "server.log").read_text(errors="replace"))
    all_trained = len(class_lines) + len(unlogged) == len(per_job) * len(seeds)
    failed |= any(n != 1 for n in trained_shared.values()) or not all_trained
    if figures["problems"] or not all_trained:
        unfair.insert(0, f"{len(figures['problems'])} page(s) failed or timed out; {len(class_lines) + len(unlogged)} "
                         f"of {len(per_job) * len(seeds)} jobs trained")
    if unfair:
        print("not fair: " + "; ".join(unfair[:5]))
    print(f"waits within one sweep's time of their place in line (not judged) at the class's mean time per job: "
          f"{within_mean} of {len(waits)}; at back-to-back times per job: {within_back_to_back} of {len(waits)}")
    print(f"class visitors={len(seeds)} server_total={total:.2f} back_to_back={sequential:.2f} ratio={ratio:.2f} "
          f"server_cpu_ratio={cpu_ratio:.2f} fair={'no' if unfair else 'yes'} peak_rss_mb={figures['peak']:.0f}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
