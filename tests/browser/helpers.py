"""What the browser tests look at, and the server they look at: start a fresh `streamlit run`, know when a page has
finished drawing, read what its charts show, time a first visit, read the server's peak memory.

Waits are on conditions in the page (script state, progress bars, rendered plotly SVG), never on sleeps. Used by
tests/browser/ and by bench/first_visit.py.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_FILE = ROOT / "streamlit_app.py"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # gitignored: screenshots of failures, measurements
TIMEOUT_MS = 60_000  # CI machines are slow; every wait is on a condition, so a pass never takes this long
SERVER_START_SECONDS = 60
CHROMIUM = "/usr/bin/chromium"  # Debian's; no browser can be downloaded here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
FIRST_VISIT_TARGET_SECONDS = 3.0
# A page's charts: plotly charts, but not the hidden empty one that makes the browser load plotly early
# (`dlviz.ui.preload_chart_code`).
PRELOAD_CLASS = "st-key-dlviz_preload_chart_code"  # Streamlit's class for the key `dlviz.ui.PRELOAD_KEY`
_NOT_PRELOAD = f":not(.{PRELOAD_CLASS}, .{PRELOAD_CLASS} *)"
CHART = '[data-testid="stPlotlyChart"]' + _NOT_PRELOAD


# ---------------------------------------------------------------------------------------------------------------
# The server


class ServerError(RuntimeError):
    """The app did not start."""


@dataclass
class Server:
    """A running app: where it answers, its process, and which pages have been opened on it."""

    url: str
    process: subprocess.Popen
    log: Path
    visited: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def start_server(log_path: Path, script: Path = APP_FILE) -> Server:
    """A fresh `streamlit run streamlit_app.py` (or another `script`, run from its folder; bench/first_visit.py
    compares) as a new process leading its own process group, on localhost only, returned once `/_stcore/health`
    answers "ok". Raises ServerError, with the end of its log, if it does not."""
    port = free_port()
    url = f"http://localhost:{port}"
    command = [sys.executable, "-m", "streamlit", "run", script.name,
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false",
               # Others edit the sources while tests run: a changed file must not prompt a rerun mid-test.
               "--server.fileWatcherType", "none"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=script.parent, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_end_with_parent,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not healthy(url):
        problem = (f"streamlit exited with {process.returncode} before it answered" if process.poll() is not None
                   else f"{url}/_stcore/health did not answer 'ok' within {SERVER_START_SECONDS} s"
                   if time.monotonic() > deadline else None)
        if problem:
            stop_server(process)
            raise ServerError(f"{problem}; end of its log ({log_path}):\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return Server(url=url, process=process, log=log_path)


def _parent_death_signal():
    """prctl(PR_SET_PDEATHSIG), looked up here in the parent so the forked child only calls it (Linux only)."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _parent_death_signal()


def _end_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the test process dies without its teardown (killed, crashed), so no
    server is left behind. Elsewhere than Linux the teardown alone stops the server."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def stop_server(process: subprocess.Popen) -> None:
    """End the server and anything it started: its whole process group (it leads its own session)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------------------------------------------------------
# The page

# True once the script run is over and the page has drawn its final state, or once it has failed: an exception box
# ends the wait at once so that the assertion after it can say what went wrong instead of timing out.
SETTLED_JS = """
(minCharts) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')) return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  if (document.querySelector('[data-testid="stProgress"]')) return false;
  // An element whose code is still loading shows Streamlit's skeleton (e.g. a multiselect without its tags yet).
  if (document.querySelector('[data-testid="stSkeleton"]$NOT_PRELOAD')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const charts = [...document.querySelectorAll('$CHART')];
  if (charts.length < minCharts) return false;
  // A chart slot (element container) exists before plotly's lazily loaded code has drawn into it.
  const slots = [...document.querySelectorAll('.stPrintGraphic$NOT_PRELOAD')];
  return slots.every(s => s.querySelector('.main-svg')) && charts.every(c => c.querySelector('.main-svg'));
}
""".replace("$CHART", CHART).replace("$NOT_PRELOAD", _NOT_PRELOAD)

CHARTS_JS = """
() => [...document.querySelectorAll('$CHART .js-plotly-plot')].map(plot => ({
  traces: (plot.data || []).map(t => ({name: t.name || null, x: Array.isArray(t.x) ? t.x : null})),
  legend: [...plot.querySelectorAll('.legendtext')].map(e => e.textContent),
  ytitles: [...plot.querySelectorAll('.g-ytitle, .g-y2title')].map(e => e.textContent),
}))
""".replace("$CHART", CHART).replace("$NOT_PRELOAD", _NOT_PRELOAD)


def app_page_table() -> list[tuple[str, str, str, str]]:
    """`streamlit_app.py`'s `PAGES` list (script, title, icon, URL path), read from its source without running it
    (importing it would build the server's `st.App`)."""
    for node in ast.parse(APP_FILE.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["PAGES"]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no PAGES list in {APP_FILE}")


def app_pages() -> list[str]:
    """The URL path of every page of the app."""
    return ["/" + url_path for *_, url_path in app_page_table()]


def min_charts(path: str) -> int:
    """Every page but home shows at least one chart."""
    return 0 if path == "/" else 1


def wait_settled(page, charts: int = 0, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the script has run, no progress bar is left, and at least `charts` charts are fully drawn."""
    page.wait_for_function(SETTLED_JS, arg=charts, timeout=timeout)


def problems(page) -> list[str]:
    """The text of every exception box and st.error on the page (main area and sidebar)."""
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return boxes.all_inner_texts()


def assert_healthy(page, charts: int = 0) -> None:
    """No exception, no st.error, and at least `charts` plotly charts, each with a rendered SVG."""
    assert not problems(page), f"{page.url} shows: {problems(page)}"
    found = page.locator(CHART)
    assert found.count() >= charts, f"{page.url}: expected at least {charts} chart(s), found {found.count()}"
    for i in range(found.count()):
        assert found.nth(i).locator(".main-svg").count() > 0, f"{page.url}: chart {i} has no rendered SVG"


def charts(page) -> list[dict]:
    """Per chart: its traces (name, x), legend entries and y-axis titles, read from the live plotly element."""
    return page.evaluate(CHARTS_JS)


def legend(page, chart: int = 0) -> list[str]:
    return charts(page)[chart]["legend"]


def query(page) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(page.url).query))


# Marks, in ms since navigation started, of where the time of a first visit goes: the server's script runs (from the
# first "running" to the last "notRunning": session start, warm-up, training or cache look-up, figures) and the
# browser's drawing of the first chart (Streamlit's frontend loads plotly's code lazily, at the first chart).
MARKS_JS = """
window.__marks = {};
new MutationObserver(() => {
  const marks = window.__marks, now = performance.now();
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  if (state !== window.__state) {  // a change of the script state, not any other change of the page
    if (state === 'running' && !('script_started' in marks)) marks.script_started = now;
    if (state === 'notRunning' && 'script_started' in marks) marks.script_done = now;
    window.__state = state;
  }
  if (!('first_chart' in marks) && document.querySelector('$CHART .main-svg')) {
    marks.first_chart = now;
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-test-script-state']});
""".replace("$CHART", CHART).replace("$NOT_PRELOAD", _NOT_PRELOAD)


# What a first visit ends with, read in the page: the marks, the load event, what the charts show, any problem.
VISIT_STATE_JS = """
() => ({
  marks: window.__marks || {},
  load_event_ms: performance.getEntriesByType('navigation')[0].loadEventStart,
  problems: [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]')]
    .map(e => e.innerText),
  drawn: [...document.querySelectorAll('$CHART')].map(c => c.querySelector('.main-svg') !== null),
  shown: ($CHARTS_JS)(),
  nav: (document.querySelector('[data-testid="stSidebarNav"]') || {}).innerText || '',
})
""".replace("$CHARTS_JS", CHARTS_JS.strip()).replace("$CHART", CHART)


def first_visit(page, server: Server, path: str) -> dict:
    """Open `path` in a fresh Playwright page (nothing loaded yet) and time it until its curves are complete: charts
    drawn, no progress bar, the script done. Playwright keeps DevTools' Runtime domain on, which slows the page's
    JavaScript down (tests/browser/devtools.py); `visitor_first_visit` times what a visitor's browser does."""
    page.add_init_script(MARKS_JS)
    server.visited.append(path)
    started = time.monotonic()
    page.goto(server.url + path)
    wait_settled(page, min_charts(path))
    complete = time.monotonic() - started
    return checked_visit(path, complete, page.evaluate(VISIT_STATE_JS))


def visitor_first_visit(server: Server, path: str) -> dict:
    """`first_visit` in a visitor's browser: a fresh Chromium (empty cache) driven over a bare DevTools connection
    that never turns on the Runtime domain (tests/browser/devtools.py). Same start, same end, same checks."""
    from tests.browser.devtools import BareChromium

    with BareChromium(CHROMIUM, CHROMIUM_ARGS, preexec_fn=_end_with_parent) as tab:
        tab.send("Page.enable")  # for the script below; the Page domain does not slow the page down
        tab.send("Page.addScriptToEvaluateOnNewDocument", source=MARKS_JS)
        server.visited.append(path)
        started = time.monotonic()
        tab.send("Page.navigate", url=server.url + path)
        try:
            tab.wait_for(f"({SETTLED_JS})({min_charts(path)})", timeout=TIMEOUT_MS / 1000,
                         what=f"{path} to finish drawing (script done, charts drawn, no progress bar)")
            complete = time.monotonic() - started
            return checked_visit(path, complete, tab.evaluate(f"({VISIT_STATE_JS})()"))
        except Exception as exc:  # keep what the visitor saw, as the Playwright tests do
            exc.add_note(f"screenshot: {_screenshot(tab, 'visitor_first_visit' + path.replace('/', '_'))}")
            raise


def _screenshot(tab, name: str) -> str:
    import base64

    try:
        shot = tab.send("Page.captureScreenshot", format="png")["data"]
    except Exception as exc:  # a crashed page: say so, do not hide the visit's own failure
        return f"none ({exc})"
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot))
    return str(path)


def checked_visit(path: str, complete: float, state: dict) -> dict:
    """Assert a first visit ended complete and healthy (no exception or error, every chart drawn, with traces);
    return its figures in seconds, what its charts show (`shown`) and the sidebar's text (`nav`)."""
    assert not state["problems"], f"{path} shows: {state['problems']}"
    assert len(state["drawn"]) >= min_charts(path) and all(state["drawn"]), f"{path}: charts drawn {state['drawn']}"
    assert all(chart["traces"] for chart in state["shown"]), f"{path}: a chart without traces"
    marks = {name: round(ms / 1000, 2) for name, ms in state["marks"].items()}
    return {"path": path, "complete_s": round(complete, 2), "load_event_s": round(state["load_event_ms"] / 1000, 2),
            "script_done_s": marks.get("script_done"), "first_chart_s": marks.get("first_chart"),
            "charts": len(state["drawn"]), "under_target": complete < FIRST_VISIT_TARGET_SECONDS,
            "shown": state["shown"], "nav": state["nav"]}


def describe_first_visit(row: dict) -> str:
    return (f"{row['path']:<16} complete curves in {row['complete_s']:5.2f} s (load event {row['load_event_s']} s, "
            f"script done {row['script_done_s']} s, first chart drawn {row['first_chart_s']} s; "
            f"{row['charts']} chart(s)){'' if row['under_target'] else '  <- over target'}")


def machine_load() -> dict:
    """Other work on the machine slows a visit down: keep the load next to any timing."""
    return {"cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2)}


# ---------------------------------------------------------------------------------------------------------------
# The server's memory


def peak_memory_kib(pid: int) -> dict[str, int]:
    """Peak resident memory (VmHWM) of a process and of all its descendants, in KiB."""
    def status(p: int) -> dict[str, str]:
        with open(f"/proc/{p}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)

    def children(p: int) -> list[int]:
        found = []
        for task in os.listdir(f"/proc/{p}/task"):
            try:
                with open(f"/proc/{p}/task/{task}/children") as f:
                    found += [int(c) for c in f.read().split()]
            except FileNotFoundError:  # the thread ended meanwhile
                pass
        return found

    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += children(p)
    peaks = {}
    for p in tree:
        try:
            peaks[p] = int(status(p)["VmHWM"].split()[0])
        except (FileNotFoundError, KeyError):  # ended, or a zombie
            pass
    return {"server_kib": peaks.get(pid, 0), "children_kib": sum(v for p, v in peaks.items() if p != pid),
            "total_kib": sum(peaks.values()), "processes": len(peaks)}


# What the browser tests measured, for the end of the run's output (tests/browser/conftest.py prints it): without
# `-s` pytest hides a test's own prints, and CI's log is where the figures should be read.
MEASUREMENTS: list[str] = []


def measured(line: str) -> None:
    """Print a measurement now (seen with `-s`) and again in the run's closing summary."""
    print(line)
    MEASUREMENTS.append(line.strip())


def write_json(name: str, content: dict) -> Path:
    """Record a measurement next to the screenshots."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    path.write_text(json.dumps(content, indent=2) + "\n")
    return path
