"""What DevTools' Runtime domain costs a page: plotly's module evaluated in a Chromium with and without
`Runtime.enable`, with and without the compile hint, in the same run.

    python bench/devtools_cost.py [--repeat 5]

Why it matters: Playwright sends `Runtime.enable` to every page it drives, a student's browser has no DevTools
attached, and the first-visit timings (`bench/first_visit.py`, `tests/browser/test_first_visit.py`) are taken without
it (tests/browser/devtools.py). This measures the difference on the one task that dominates it.

A local server gives a probe page and Streamlit's own frontend files. The page imports Streamlit's entry module, has
plotly's chart module (4.7 MB) preloaded, waits 1.5 s, then times `import()` of that module and records the long
tasks meanwhile. Each run is a fresh Chromium (empty cache) driven over a bare DevTools connection; the variants take
turns, so load changes hit them all. Prints medians per variant and the ratio Runtime on / Runtime off.
"""

from __future__ import annotations

import argparse
import http.server
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dlviz.webhints import COMPILE_HINT  # noqa: E402
from tests.browser.devtools import BareChromium  # noqa: E402
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, machine_load  # noqa: E402

STATIC = (Path(st.__file__).parent / "static").resolve()
PROBE = """<!doctype html><html><body><div id="root"></div><script type="module">
const chart = "/static/js/$CHART" + location.search;
await import("/static/js/$ENTRY");
const link = document.createElement("link");
link.rel = "modulepreload"; link.href = chart; document.head.append(link);
await new Promise(resolve => setTimeout(resolve, 1500));
const long = [];
new PerformanceObserver(list => list.getEntries().forEach(e => long.push(e.duration))).observe({type: "longtask"});
const started = performance.now();
await import(chart);
const took = performance.now() - started;
setTimeout(() => { window.__result = {import_ms: took, longest_task_ms: Math.max(0, ...long)}; }, 100);
</script></body></html>"""


class Files(http.server.BaseHTTPRequestHandler):
    """The probe page at /, Streamlit's frontend files under /static/; `?hint=1` puts the compile hint in front."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        url = urlsplit(self.path)
        if url.path == "/":
            body, kind = self.server.probe, "text/html"
        else:
            file = (STATIC / url.path.lstrip("/")).resolve()
            if not file.is_relative_to(STATIC) or not file.is_file():
                self.send_error(404)
                return
            body = file.read_bytes()
            kind = "text/javascript" if file.suffix == ".js" else "application/octet-stream"
            if url.query == "hint=1":
                body = COMPILE_HINT + body
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def measure(url: str, runtime: bool) -> dict:
    with BareChromium(CHROMIUM, CHROMIUM_ARGS) as tab:
        if runtime:
            tab.send("Runtime.enable")  # what Playwright does to every page
        tab.send("Page.navigate", url=url)
        tab.wait_for("window.__result !== undefined", timeout=60, what="the probe page's result")
        return tab.evaluate("window.__result")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant (default 5)")
    args = parser.parse_args()

    chart = next((STATIC / "static" / "js").glob("PlotlyChart.*.js")).name
    entry = next((STATIC / "static" / "js").glob("index.*.js")).name
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    server.probe = PROBE.replace("$CHART", chart).replace("$ENTRY", entry).encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"

    variants = {(hint, runtime): [] for hint in (False, True) for runtime in (False, True)}
    for repetition in range(args.repeat):
        for (hint, runtime), results in variants.items():
            results.append(measure(base + ("?hint=1" if hint else ""), runtime))
        print(f"run {repetition + 1}/{args.repeat}: " + "; ".join(
            f"{'hint' if hint else 'as shipped'}, Runtime {'on' if runtime else 'off'} "
            f"{results[-1]['import_ms']:.0f} ms" for (hint, runtime), results in variants.items()), flush=True)
    server.shutdown()

    load = machine_load()
    print(f"\nplotly's module ({chart}), import() after a preload; medians of {args.repeat} fresh Chromiums each; "
          f"load average {load['load_average_1min']} on {load['cpus']} CPUs")
    print(f"{'module':<14} {'Runtime off':>12} {'Runtime on':>11} {'on/off':>7}   longest task off / on")
    for hint in (False, True):
        off, on = variants[(hint, False)], variants[(hint, True)]
        off_ms = statistics.median(r["import_ms"] for r in off)
        on_ms = statistics.median(r["import_ms"] for r in on)
        name = "compile hint" if hint else "as shipped"
        print(f"{name:<14} {off_ms:>10.0f}ms {on_ms:>9.0f}ms {on_ms / off_ms:>6.2f}x"
              f"   {statistics.median(r['longest_task_ms'] for r in off):.0f} / "
              f"{statistics.median(r['longest_task_ms'] for r in on):.0f} ms")


if __name__ == "__main__":
    main()
