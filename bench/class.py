"""Benchmark: a class of visitors on one small server, each asking for a sweep nobody else asked for (issue 19).

    python bench/class.py                    # 20 visitors (a few minutes on 2 shared cores)
    python bench/class.py --visitors 5       # a smaller run
    python bench/class.py --vary epochs      # sweeps of growing size (lr_epochs = default + 1 .. + visitors)

Run it under the shared lock: `flock /tmp/dlviz-bench.lock python bench/class.py`.

Starts the app with `streamlit run` on a free loopback port (127.0.0.1 only), warms it with one non-default sweep
(the server's first training pays for the TensorFlow import and tracing: reported, not compared), then opens the
learning-rate page for `--visitors` visitors at once in one headless Chromium (Debian's /usr/bin/chromium through
Playwright), one browser context each (a new Streamlit session each). Each visitor's URL asks for a different
non-default sweep of the page's default rates, at the sidebar's default seeds per value:

- `--vary seed` (default): `/learning_rate?seed=S`, S = 100, 100 + k, 100 + 2k, ... (k = seeds per value, so no two
  visitors' sweeps share a run and every sweep trains in full), every sweep the same size;
- `--vary epochs`: `/learning_rate?lr_epochs=E`, E = default + 1 .. default + visitors (sweeps of growing size).

The server trains through its one `dlviz.engine.queue.TrainingQueue` (first come first served, one sweep at a time;
a waiting page shows its place in line). A visitor's wait is from navigation until the page has settled (script over,
no progress bar, the chart drawn), and is checked: no exception or st.error, at least one trace per rate. The same
class then comes again, every sweep cached: the cost of serving and drawing the pages on these cores without any
training. Then the same sweeps (every seed) are trained back to back in this process (`dlviz.engine.sweep.train_sweep`
on the page's dataset and specs, after one untimed warm-up sweep).

Printed: median and worst wait, the class's total, the back-to-back total and the ratio (target: within 1.3x), and
where the CPU went in each round: the server's process, split into TensorFlow's compute threads (`tf_Compute`, the
training's arithmetic) and its other threads (Python: the trainer's step loop, every session's script, the web
server), read from /proc/<pid>/task; Chromium's processes (every descendant of this process outside the server's);
and this process (Playwright's client). The back-to-back run is split the same way. The browser shares the server's
2 cores, so on one machine hosting 20 browsers much of the wall-clock ratio is the browser's work, which a real
class does on 20 laptops; `server_cpu_ratio` = the server's CPU seconds during the class / the back-to-back CPU
seconds is the overhead of serving a class on the server alone (its TensorFlow threads also spin longer on cores
crowded by the browser), and `training_ratio` = (class total - cached class total) / back to back is the wall-clock
share of the training. The output ends with exactly one line `class visitors=<n> median=<s> worst=<s> total=<s>
back_to_back=<s> ratio=<x> cached_total=<s> training_ratio=<x> server_cpu_ratio=<x> browser_cpu=<s>`; the exit
status is 1 if a page failed or the server logged a traceback.
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
from tests.browser.helpers import (CHART, CHROMIUM, CHROMIUM_ARGS, SETTLED_JS, report_problems,  # noqa: E402
                                   start_server, stop_server)

PAGE = "/learning_rate"
FIRST_SEED = 100  # visitors' first seeds: 100, 100 + k, ... (the default 42 and the warm-up's 999 lie outside)
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


@dataclass
class Cpu:
    """CPU seconds: the server's TensorFlow compute threads (`tf_Compute`: the training's arithmetic) and its other
    threads (Python: the trainer's step loop, every session's script, the web server), the browser, this process."""

    server_tf: float
    server_py: float
    browser: float
    client: float

    @property
    def server(self) -> float:
        return self.server_tf + self.server_py

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.server_tf - other.server_tf, self.server_py - other.server_py, self.browser - other.browser,
                   self.client - other.client)


@dataclass
class Round:
    """One round of visitors: their visits, wall seconds, and CPU seconds of the server, the browser, this process."""

    visits: list[Visit]
    seconds: float
    cpu: Cpu


def queries(vary: str, visitors: int) -> list[tuple[str, dict]]:
    """Per visitor: the URL query and the RunSpec fields it changes from the page's defaults."""
    from dlviz import settings

    if vary == "seed":
        step = settings.SEEDS.default  # seeds per value: visitor n trains seeds S, S + 1, ..., S + step - 1
        return [(f"{settings.SEED.key}={FIRST_SEED + step * n}", {"seed": FIRST_SEED + step * n})
                for n in range(visitors)]
    first = settings.LR_EPOCHS.default
    return [(f"{settings.LR_EPOCHS.key}={first + n}", {"epochs": first + n}) for n in range(1, visitors + 1)]


def page_specs(changes: dict):
    """The dataset and the specs (every seed) the learning-rate page trains for a URL that changes `changes`
    (default dataset, default rates, default seeds per value)."""
    from dlviz import defaults, kinds, settings
    from dlviz.runs import RunSpec

    dataset = defaults.default_dataset()
    seed = changes.get("seed", settings.SEED.default)
    base = RunSpec(dataset.fingerprint, hidden_units=settings.HIDDEN.default, seed=seed)
    specs = kinds.LEARNING_RATE.specs(base, settings.LEARNING_RATES.default,
                                         changes.get("epochs", settings.LR_EPOCHS.default))
    return dataset, defaults.with_seeds(specs, defaults.seeds(seed))


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its children it has reaped) from /proc; None once gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def threads_cpu(pid: int) -> tuple[float, float]:
    """(TensorFlow compute threads, everything else) CPU seconds so far of one process. TensorFlow names its compute
    threads `tf_Compute` and keeps them for the life of the process, so they are read per thread from
    /proc/<pid>/task; the rest is the process's total (/proc/<pid>/stat, which keeps the time of threads that ended,
    such as Streamlit's script runs) less theirs."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0, 0.0
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # its own threads, not its children
    tf = 0.0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as handle:
                if not handle.read().startswith("tf_Compute"):
                    continue
            with open(f"/proc/{pid}/task/{tid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tf += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return tf, total - tf


def cpu_now(server_pid: int) -> Cpu:
    """CPU seconds so far of the server (its TensorFlow threads and the rest), of the rest of this process's
    descendants (Playwright's driver and Chromium's processes: the browser), and of this process. A process that
    ended counts once reaped (its parent's cutime), which Chromium does for its closed renderers."""
    stats = {int(d): s for d in os.listdir("/proc") if d.isdigit() and (s := _stat(int(d))) is not None}
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)

    def tree(root: int, skip: int | None = None) -> float:
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            if pid == skip or pid not in stats:
                continue
            total += stats[pid][1]
            todo += children.get(pid, [])
        return total

    me = os.getpid()
    own = stats[me][1] if me in stats else 0.0
    server_tf, server_py = threads_cpu(server_pid)
    return Cpu(server_tf, server_py, tree(me, skip=server_pid) - own, own)


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


async def serve_class(url: str, class_queries: list[str], warm_query: str, rates: int,
                      server_pid: int) -> tuple[Visit, Round, Round]:
    """The warm-up visit, the class (every sweep trains), and the same class again (every sweep cached)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm = await visit(browser, url, warm_query, rates)

            async def one_round() -> Round:
                cpu, started = cpu_now(server_pid), time.perf_counter()
                visits = await asyncio.wait_for(
                    asyncio.gather(*(visit(browser, url, q, rates) for q in class_queries)), CLASS_TIMEOUT_S)
                return Round(list(visits), time.perf_counter() - started, cpu_now(server_pid) - cpu)

            trained = await one_round()
            return warm, trained, await one_round()
        finally:
            await browser.close()


def back_to_back(changes: list[dict], warm_changes: dict) -> tuple[float, Cpu]:
    """Seconds and CPU seconds (this process: its TensorFlow threads and the rest) to train the same sweeps one
    after another in this process, after one untimed warm-up sweep."""
    from dlviz.engine.sweep import train_sweep

    train_sweep(*page_specs(warm_changes))
    prepared = [page_specs(c) for c in changes]
    started, (tf, other) = time.perf_counter(), threads_cpu(os.getpid())
    for dataset, specs in prepared:
        train_sweep(dataset, specs)
    tf_after, other_after = threads_cpu(os.getpid())
    return time.perf_counter() - started, Cpu(tf_after - tf, other_after - other, 0.0, 0.0)


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=20, help="concurrent visitors (default 20, at most 40)")
    parser.add_argument("--vary", choices=("seed", "epochs"), default="seed")
    args = parser.parse_args()
    if not 1 <= args.visitors <= 40:
        raise SystemExit("--visitors must be between 1 and 40")
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} not found (apt-get install -y chromium)")
    from dlviz import settings

    class_ = queries(args.vary, args.visitors)
    warm_query, warm_changes = f"{settings.SEED.key}={WARM_SEED}", {"seed": WARM_SEED}
    rates = len(settings.LEARNING_RATES.default)
    load_before = load_average()

    log_path = Path(tempfile.mkdtemp(prefix="dlviz-class-")) / "server.log"
    server = start_server(log_path)  # 127.0.0.1 only
    try:
        warm, trained, cached = asyncio.run(
            serve_class(server.url, [q for q, _ in class_], warm_query, rates, server.pid))
    finally:
        stop_server(server.process)
    load_after_class = load_average()
    sequential, sequential_cpu = back_to_back([c for _, c in class_], warm_changes)
    log = log_path.read_text(errors="replace")

    visits, total, cpu = trained.visits, trained.seconds, trained.cpu
    waits = sorted(v.seconds for v in visits)
    median, worst = statistics.median(waits), waits[-1]
    ratio = total / sequential
    print(f"dlviz class benchmark: {len(visits)} visitors on {PAGE}, varying {args.vary} "
          f"({settings.SEEDS.default} seeds per value); {os.cpu_count()} cores, load average {load_before} before, "
          f"{load_after_class} after the class, {load_average()} at the end (1/5/15 min; other processes share "
          f"these cores); server log {log_path}")
    print(f"warm-up visit ({warm.query}, the server's first training): {warm.seconds:.2f} s")
    print(f"waits: median {median:.2f} s, best {waits[0]:.2f} s, worst {worst:.2f} s")
    print(f"class total {total:.2f} s; the same {len(visits)} sweeps back to back in one process {sequential:.2f} s; "
          f"ratio {ratio:.2f}x (target within {TARGET_RATIO}x)")
    training = total - cached.seconds
    print(f"the same class again, every sweep cached (serving and drawing alone): {cached.seconds:.2f} s; the class's "
          f"total less that: {training:.2f} s, {training / sequential:.2f}x the back-to-back training")
    print("CPU seconds        server = TensorFlow + other threads   browser  client")
    for name, c in (("class", cpu), ("cached class", cached.cpu), ("back to back", sequential_cpu)):
        print(f"  {name:15} {c.server:7.1f} = {c.server_tf:10.1f} + {c.server_py:13.1f} {c.browser:9.1f} "
              f"{c.client:7.1f}")
    print("  (server: the streamlit process, or this process training back to back; browser: Chromium and "
          "Playwright's driver; client: this process during the rounds)")
    server_ratio = cpu.server / sequential_cpu.server
    print(f"server CPU during the class / back-to-back CPU = {server_ratio:.2f}x (the class's overhead on the server "
          f"alone: TensorFlow threads {cpu.server_tf / sequential_cpu.server_tf:.2f}x, other threads "
          f"{cpu.server_py:.1f} s against {sequential_cpu.server_py:.1f} s); the browser's share of all CPU during "
          f"the class: {cpu.browser / max(1e-9, cpu.server + cpu.browser + cpu.client):.0%}")
    page, sweep = cached.cpu.server / len(visits), sequential_cpu.server / len(visits)
    print(f"per visitor, server CPU: {page:.2f} s to serve the page with its sweep cached, {sweep:.2f} s to train the "
          f"sweep back to back; a class cannot cost the server less than (page + sweep) / sweep = "
          f"{(page + sweep) / sweep:.2f}x the back-to-back CPU, whatever the queue does")
    failed = report_problems([f"{v.query}: {p}" for v in [warm] + visits + cached.visits for p in v.problems], log)
    print(f"class visitors={len(visits)} median={median:.2f} worst={worst:.2f} total={total:.2f} "
          f"back_to_back={sequential:.2f} ratio={ratio:.2f} cached_total={cached.seconds:.2f} "
          f"training_ratio={training / sequential:.2f} server_cpu_ratio={server_ratio:.2f} "
          f"browser_cpu={cpu.browser:.1f}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
