"""Serving Streamlit's frontend files to first visitors: dlviz's in-memory `webhints.StaticAssets` against Streamlit's
own file serving, in the same run.

    python bench/static_assets.py [--visitors 20] [--repeat 3]

A first visit to a chart page fetches about 100 of the frontend's content-hashed files (7.6 MB of JavaScript, CSS
and fonts). The list is recorded once from a real first visit to /epochs in Chromium. Then, for each repetition,
two fresh `streamlit run` servers of the same app:

- **dlviz**: `streamlit run streamlit_app.py` as shipped: the files come from memory (each read once, on the first
  request for it), the chart module with V8's compile hint.
- **Streamlit's serving**: the shipped app with its middleware from `streamlit_app.frontend_middleware(
  from_memory=False)` (a throw-away entry file): Starlette's `StaticFiles`, as Streamlit serves them.

Each server gets `--visitors` first visits one after another, each fetching the whole list over 6 keep-alive
connections as a browser does. Prints the server's CPU time per visitor (user + system, from /proc) and the time to
fetch the list, as medians, and their ratios. The client runs on the same cores: read the server's CPU, and the
ratios.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.entries import app_without  # noqa: E402
from tests.browser.helpers import (APP_FILE, CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, TIMEOUT_MS,  # noqa: E402
                                   first_visit, machine_load, start_server, stop_server)

CONNECTIONS = 6  # what a browser opens per host over HTTP/1.1


def record_assets(path: str = "/epochs") -> list[str]:
    """The frontend files a real first visit to `path` fetches, as URL paths ("/static/js/index.<hash>.js")."""
    from playwright.sync_api import sync_playwright

    server = start_server(SCREENSHOTS / "bench_static_assets_record.log")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            first_visit(page, server, path)
            urls = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
            browser.close()
    finally:
        stop_server(server.process)
    return sorted({urlsplit(url).path for url in urls if "/static/" in urlsplit(url).path})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def visit(url: str, assets: list[str]) -> int:
    """Fetch every asset over `CONNECTIONS` keep-alive connections; the bytes received."""
    parts = urlsplit(url)
    shares = [assets[i::CONNECTIONS] for i in range(CONNECTIONS)]

    def fetch(share: list[str]) -> int:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        received = 0
        try:
            for asset in share:
                connection.request("GET", asset, headers={"Accept-Encoding": "gzip, deflate, br"})
                response = connection.getresponse()
                body = response.read()
                assert response.status == 200, (asset, response.status)
                received += len(body)
        finally:
            connection.close()
        return received

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        return sum(pool.map(fetch, shares))


def serve(script: Path, assets: list[str], visitors: int) -> dict:
    """A fresh server for `script`; `visitors` first visits' worth of assets, one after another."""
    server = start_server(SCREENSHOTS / f"bench_{script.stem}.log", script)
    try:
        cpu, wall, received = [], [], 0
        for _ in range(visitors):
            before, started = cpu_seconds(server.pid), time.perf_counter()
            received = visit(server.url, assets)
            wall.append(time.perf_counter() - started)
            cpu.append(cpu_seconds(server.pid) - before)
        return {"cpu_s": statistics.median(cpu), "first_cpu_s": cpu[0], "wall_s": statistics.median(wall),
                "first_wall_s": wall[0], "mb": received / 1e6}
    finally:
        stop_server(server.process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=20, help="first visits per server (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh servers per variant (default 3)")
    args = parser.parse_args()

    assets = record_assets()
    print(f"A first visit to /epochs fetches {len(assets)} frontend files.", flush=True)
    rows = {"dlviz": [], "streamlit": []}
    streamlit_entry = app_without("streamlit_assets", from_memory=False)
    try:
        for repetition in range(args.repeat):
            for name, script in (("dlviz", APP_FILE), ("streamlit", streamlit_entry)):  # in turn, so load hits both
                row = serve(script, assets, args.visitors)
                rows[name].append(row)
                print(f"{name:<10} {row['mb']:.1f} MB per visitor; server CPU {row['cpu_s'] * 1000:.0f} ms per "
                      f"visitor (first {row['first_cpu_s'] * 1000:.0f} ms); fetched in {row['wall_s'] * 1000:.0f} ms "
                      f"(first {row['first_wall_s'] * 1000:.0f} ms)", flush=True)
    finally:
        streamlit_entry.unlink(missing_ok=True)

    load = machine_load()
    print(f"\n{len(assets)} files per first visit; {args.visitors} visitors per server; {args.repeat} server(s) per "
          f"variant; medians; load average {load['load_average_1min']} on {load['cpus']} CPUs")
    print(f"{'':<26} {'dlviz':>8} {'Streamlit':>10} {'Streamlit/dlviz':>16}")
    for key, label in (("cpu_s", "server CPU per visitor"), ("first_cpu_s", "… for the first visitor"),
                       ("wall_s", "time to fetch them all"), ("first_wall_s", "… for the first visitor")):
        mine = statistics.median(r[key] for r in rows["dlviz"])
        theirs = statistics.median(r[key] for r in rows["streamlit"])
        print(f"{label:<26} {mine * 1000:>6.0f}ms {theirs * 1000:>8.0f}ms {theirs / mine:>15.2f}x")


if __name__ == "__main__":
    main()
