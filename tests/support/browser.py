"""What the browser tests look at, and the server they look at: start a fresh `streamlit run`, know when a page has
finished drawing, read the controls and charts as a person sees them, read the server's peak memory.

Public things only: the server is ready when `GET /` answers 200, and a page is drawn when its elements are (DOM
`data-testid`s that Streamlit's own end-to-end tests use, plotly's rendered SVG). Waits are on conditions in the
page, never on sleeps. Used by tests/browser/ and by bench/first_visit.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_FILE = ROOT / "streamlit_app.py"
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"  # gitignored
# Every wait is on a condition, so a pass never takes this long; a first visit that imports TensorFlow and trains
# on a loaded 2-core machine took 25 s here.
TIMEOUT_MS = 120_000
SERVER_START_SECONDS = 90
CHROMIUM = "/usr/bin/chromium"  # Debian's; no browser can be downloaded here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
CHART = '[data-testid="stPlotlyChart"]'
# Small settings for every sidebar: one seed, 500 rows (320 training rows). Pages add their own small values.
SMALL = "rows=500&seeds=1"
# Every page with small settings: one seed, 500 rows, a few epochs, two or three values.
SMALL_VIEWS = {
    "/": SMALL,
    "/epochs": f"epochs=6&{SMALL}",
    "/batch_size": f"b_epochs=3&batches=32&batches=128&{SMALL}",
    "/learning_rate": f"lr_epochs=3&lrs=0.001&lrs=0.01&lrs=0.1&{SMALL}",
    "/interplay": f"g_epochs=2&g_batches=32&g_batches=128&g_lrs=0.001&g_lrs=0.01&g_lrs=0.1&{SMALL}",
    "/loss_surface": f"s_epochs=2&s_lrs=0.001&s_lrs=0.01&s_lrs=0.1&{SMALL}",
}


def shot_name(path: str) -> str:
    """A screenshot's file name for a page's path."""
    return path.strip("/") or "home"


def app_paths() -> list[str]:
    """The URL path of every page, from the one table of pages (`dlviz.settings.PAGES`): "/", "/epochs", ..."""
    from dlviz import settings

    return ["/" + page.url_path for page in settings.PAGES]


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


def answers(url: str) -> bool:
    """Does `GET url/` answer HTTP 200? (Streamlit's index page: no session is started by it.)"""
    try:
        with urllib.request.urlopen(f"{url}/", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start_server(log_path: Path, script: Path = APP_FILE) -> Server:
    """A fresh `streamlit run <script>` (run from its folder) leading its own process group, on 127.0.0.1 only,
    returned once `GET /` answers 200. Raises ServerError, with the end of its log, if it does not."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
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
    while not answers(url):
        problem = (f"streamlit exited with {process.returncode} before it answered" if process.poll() is not None
                   else f"GET {url}/ did not answer 200 within {SERVER_START_SECONDS} s"
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
    """In the child, before exec: get SIGTERM if the test process dies without its teardown, so no server is left
    behind. Elsewhere than Linux the teardown alone stops the server."""
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

# True once the script run is over and the page shows its final state, or once it has failed: an exception box ends
# the wait at once so that the assertion after it can say what went wrong instead of timing out.
SETTLED_JS = """
(minCharts) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  if (document.querySelector('[data-testid="stProgress"], [data-testid="stSkeleton"], [data-stale="true"]'))
    return false;
  const charts = [...document.querySelectorAll('$CHART')];
  if (charts.length < minCharts) return false;
  // A chart's slot exists before plotly's lazily loaded code has drawn into it.
  return charts.every(c => c.querySelector('.main-svg'));
}
""".replace("$CHART", CHART)


def min_charts(path: str) -> int:
    """Every page but home shows at least one chart."""
    return 0 if path.split("?")[0] in ("", "/") else 1


def wait_settled(page, charts: int = 0, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the script has run, no progress bar or stale element is left, and `charts` charts are drawn."""
    page.wait_for_function(SETTLED_JS, arg=charts, timeout=timeout)


def problems(page) -> list[str]:
    """The text of every exception box and st.error on the page (main area and sidebar)."""
    return page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').all_inner_texts()


def assert_healthy(page, charts: int = 0) -> None:
    """No exception, no st.error, and at least `charts` plotly charts, each with a rendered SVG."""
    assert not problems(page), f"{page.url} shows: {problems(page)}"
    found = page.locator(CHART)
    assert found.count() >= charts, f"{page.url}: expected at least {charts} chart(s), found {found.count()}"
    for i in range(found.count()):
        assert found.nth(i).locator(".main-svg").count() > 0, f"{page.url}: chart {i} has no rendered SVG"


def query(page) -> dict[str, list[str]]:
    """The page's URL query, every key with all its values."""
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(page.url).query)


def report_problems(problems: list[str], server_log: str) -> bool:
    """Print, for a benchmark's closing lines, how many pages showed an exception or st.error (the first 10 of
    `problems`) and how many tracebacks the server's output holds (the first one's start); True if there was any."""
    tracebacks = server_log.count("Traceback")
    print(f"pages with an exception or st.error: {len(problems)}; tracebacks in the server output: {tracebacks}")
    for problem in problems[:10]:
        print(f"  {problem}")
    if tracebacks:
        start = server_log.index("Traceback")
        print(server_log[start:start + 3000])
    return bool(problems or tracebacks)


def warnings(page) -> list[str]:
    return page.get_by_test_id("stAlertContentWarning").all_inner_texts()


# --- controls, read as shown -----------------------------------------------------------------------------------


def _widget(page, testid: str, label: str):
    """The widget of kind `testid` whose label is exactly `label` (anywhere: page or sidebar)."""
    return page.get_by_test_id(testid).filter(
        has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)).first


def slider_value(page, label: str) -> str:
    """The value a slider (or select slider) shows above its thumb, as text ("500", "3")."""
    return _widget(page, "stSlider", label).get_by_test_id("stSliderThumbValue").inner_text().strip()


def multiselect_values(page, label: str) -> list[str]:
    """The tags a multiselect shows, in order."""
    box = _widget(page, "stMultiSelect", label).get_by_test_id("stMultiSelectTagsContainer")
    return [t.strip() for t in box.inner_text().splitlines() if t.strip()]


def radio_value(page, label: str) -> str:
    """The text of the radio option that is selected."""
    for option in _widget(page, "stRadio", label).get_by_test_id("stRadioOption").all():
        if option.locator("input").is_checked():
            return option.inner_text().strip()
    raise AssertionError(f"radio {label!r}: nothing selected")


def toggle_value(page, label: str) -> bool:
    return page.get_by_role("switch", name=label, exact=True).is_checked()


def choose(page, label: str, option: str, charts: int = 0) -> None:
    """Click a radio option and wait for the rerun it starts to finish."""
    click_and_settle(page, _widget(page, "stRadio", label).get_by_test_id("stRadioOption").filter(has_text=option),
                     charts)


def open_page_in_nav(page, title: str, charts: int = 0) -> None:
    """Go to another page by its link in the sidebar's navigation, as a person does (the session stays), and wait
    until it is drawn (its title differs from the page left)."""
    heading = '[data-testid="stMain"] h1'
    before = page.locator(heading).first.inner_text()
    import re

    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile(rf"(^|\s){re.escape(title)}$"))
    link.click()
    page.wait_for_function("([sel, before]) => { const h = document.querySelector(sel); "
                           "return h && h.innerText !== before; }", arg=[heading, before])
    wait_settled(page, charts)


def click_and_settle(page, target, charts: int = 0) -> None:
    """Click `target` (a locator) and wait for the rerun it starts to finish. A rerun counts when the script state
    was "running" at any of the observed changes: a fast rerun can be over before the observer's callback runs, so
    the callback reads the old values the records keep, not only the current one."""
    page.evaluate("() => { window.__dlvizRuns = 0; const app = document.querySelector('[data-testid=\"stApp\"]');"
                  " const state = 'data-test-script-state';"
                  " new MutationObserver((records) => { if (app.getAttribute(state) === 'running'"
                  " || records.some((r) => r.oldValue === 'running')) window.__dlvizRuns += 1; })"
                  ".observe(app, {attributes: true, attributeFilter: [state], attributeOldValue: true}); }")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target.click()
    try:
        page.wait_for_function("() => window.__dlvizRuns > 0", timeout=15_000)
    except PlaywrightTimeout:  # no run seen (one CI run in two): what the test asserts next is the settled page
        pass
    wait_settled(page, charts)


# --- charts, read as drawn ---------------------------------------------------------------------------------------

CHARTS_JS = """
() => [...document.querySelectorAll('$CHART .js-plotly-plot')].map(plot => ({
  legend: [...plot.querySelectorAll('.legendtext')].map(e => e.textContent),
  xtitles: [...plot.querySelectorAll('[class^="g-x"][class$="title"]')].map(e => e.textContent),
  ytitles: [...plot.querySelectorAll('[class^="g-y"][class$="title"]')].map(e => e.textContent),
  last_x: (plot.data || []).map(t => Array.isArray(t.x) && t.x.length ? t.x[t.x.length - 1] : null),
}))
""".replace("$CHART", CHART)


def charts(page) -> list[dict]:
    """Per chart: legend entries, axis titles, the last x of every trace."""
    return page.evaluate(CHARTS_JS)


# Every text of a chart with its font size in px, and what kind of text it is (tick, axis title, legend, ...).
CHART_TEXTS_JS = """
() => [...document.querySelectorAll('$CHART .js-plotly-plot')].flatMap((plot, chart) =>
  [...plot.querySelectorAll('text')].filter(t => t.textContent.trim() && t.getBBox().width > 0).map(t => {
    const group = t.parentNode.getAttribute('class') || '';
    const own = t.getAttribute('class') || '';
    return {chart, text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize),
            kind: /tick/.test(group) ? 'tick' : /title/.test(own) ? 'title' : own || group};
  }))
""".replace("$CHART", CHART)


def chart_texts(page) -> list[dict]:
    return page.evaluate(CHART_TEXTS_JS)


# The y-axis tick labels of every y axis, each with its place on screen (top to bottom).
Y_TICKS_JS = """
() => [...document.querySelectorAll('$CHART .js-plotly-plot')].flatMap((plot, chart) => {
  const axes = {};
  for (const t of plot.querySelectorAll('g[class^="y"][class$="tick"] text')) {
    const axis = t.parentNode.getAttribute('class');
    (axes[axis] = axes[axis] || []).push({text: t.textContent, top: t.getBoundingClientRect().top});
  }
  return Object.entries(axes).map(([axis, ticks]) => ({chart, axis, ticks}));
})
""".replace("$CHART", CHART)


def y_ticks(page) -> list[dict]:
    return page.evaluate(Y_TICKS_JS)


# Text a person cannot read in full: an element narrower than its content that hides the rest (ellipsis or clip).
TRUNCATED_JS = """
() => [...document.querySelectorAll(
    '[data-testid="stMain"] label, [data-testid="stMain"] button, [data-testid="stMain"] a, ' +
    '[data-testid="stMain"] a *, ' +
    '[data-testid="stMain"] [data-testid="stMetricLabel"] *, [data-testid="stMain"] [data-testid="stMetricValue"] *, ' +
    '[data-testid="stMain"] summary *, [data-testid="stMain"] [data-testid="stMarkdownContainer"] p, ' +
    '[data-testid="stMain"] [role="tab"] *')]
  .filter(e => e.offsetParent !== null && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
  .filter(e => { const s = getComputedStyle(e); return s.overflow !== 'visible' || s.textOverflow === 'ellipsis'; })
  .map(e => e.innerText.trim().slice(0, 80))
"""


def truncated_texts(page) -> list[str]:
    return sorted(set(t for t in page.evaluate(TRUNCATED_JS) if t))


def first_chart_box(page) -> dict:
    """The first chart's box on screen and the viewport's height, in CSS px."""
    return page.evaluate("""(chart) => { const c = document.querySelector(chart);
        const r = c.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, viewport: innerHeight}; }""",
                         CHART)


def metric_value_sizes(page) -> list[float]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
        .map(e => parseFloat(getComputedStyle(e.querySelector('*') || e).fontSize))""")


def full_screenshot(page, path: Path) -> None:
    """The whole page in one picture. Streamlit scrolls its main area inside the window (a full-page screenshot of
    the window shows only the fold), so the window is made as tall as the content for the picture, then restored;
    the charts are given their relayout before the picture."""
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                           "'[data-testid=\"stMain\"], [data-testid=\"stSidebarContent\"]')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 16_000)})
    try:
        page.wait_for_function("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame("
                               "() => setTimeout(() => done(true), 300))))")
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)


# ---------------------------------------------------------------------------------------------------------------
# The server's memory


def process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants (the server and the process it trains in), read anew from Linux /proc: each
    thread lists the children it started in /proc/<pid>/task/<tid>/children. Raises FileNotFoundError if `pid` itself
    has ended; a descendant that ends during the walk is left out."""
    tree, todo = [], [pid]
    while todo:
        process = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{process}/task")
        except FileNotFoundError:
            if process == pid:
                raise
            continue
        tree.append(process)
        for task in tasks:
            try:
                with open(f"/proc/{process}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
            except FileNotFoundError:  # the thread ended meanwhile
                pass
    return tree


def cpu_seconds(pid: int, stat: str = "stat") -> float:
    """User + system CPU seconds so far of one process (all its threads) or, with stat="task/<tid>/stat", one of its
    threads (Linux /proc)."""
    with open(f"/proc/{pid}/{stat}") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds so far of a process and its live descendants (`process_tree`), as a container counts them. A
    descendant that ended is left out (its time goes to its parent's cutime, not read): the server's training process
    lives as long as the server."""
    total = 0.0
    for process in process_tree(pid):
        try:
            total += cpu_seconds(process)
        except FileNotFoundError:
            if process == pid:
                raise
    return total


def peak_memory_kib(pid: int) -> dict[str, int]:
    """Peak resident memory (VmHWM) of a process and of all its descendants, in KiB (Linux /proc); their sum adds
    each process's own peak, an upper bound of the tree's peak at any one moment."""
    peaks = {}
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                peaks[p] = int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
        except (FileNotFoundError, StopIteration):  # ended, or a zombie
            pass
    return {"server_kib": peaks.get(pid, 0), "children_kib": sum(v for p, v in peaks.items() if p != pid),
            "total_kib": sum(peaks.values()), "processes": len(peaks)}


def machine_load() -> dict:
    """Other work on the machine slows a visit down: keep the load next to any timing."""
    return {"cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2)}


# What the browser tests recorded, for the end of the run's output (conftest prints it): without `-s` pytest hides a
# test's own prints, and CI's log is where these should be read.
MEASUREMENTS: list[str] = []


def measured(line: str) -> None:
    """Print a line now (seen with `-s`) and again in the run's closing summary."""
    print(line)
    MEASUREMENTS.append(line.strip())


def write_json(name: str, content: dict) -> Path:
    """Record a measurement next to the screenshots."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    path.write_text(json.dumps(content, indent=2) + "\n")
    return path
