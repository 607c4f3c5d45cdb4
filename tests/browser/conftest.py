"""Fixtures for the real-browser tests: one fresh `streamlit run` server and one Chromium for the whole session.

Every test opens its pages in a new browser context (a new visitor: no cookies, no cache, a new Streamlit session).
A failing test leaves a full-page screenshot of each page it opened in tests/browser/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.browser import (CHROMIUM, CHROMIUM_ARGS, MEASUREMENTS, SCREENSHOTS, TIMEOUT_MS, Server,
                                   ServerError, assert_healthy, full_screenshot, min_charts, start_server,
                                   stop_server, wait_settled)

PAGES_KEY = pytest.StashKey[list]()
VIEWPORT = {"width": 1280, "height": 720}

# The fresh-server test must be the first visitor of the server; the memory reading must come after every other
# test. Order the browser tests so, whatever order pytest collected them in.
FIRST, LAST = ("test_fresh_server",), ("test_server_memory",)


def pytest_collection_modifyitems(session, config, items):
    here = Path(__file__).resolve().parent

    def rank(item) -> int:
        module = Path(str(item.fspath)).stem
        return 0 if module in FIRST else 2 if module in LAST else 1

    slots = [i for i, item in enumerate(items) if Path(str(item.fspath)).resolve().parent == here]
    for slot, item in zip(slots, sorted((items[i] for i in slots), key=rank)):
        items[slot] = item


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium. Missing: skip, except under CI=true, where it is installed and its absence is a failure."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) for the browser tests"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def server(chromium) -> Iterator[Server]:
    """A fresh `streamlit run streamlit_app.py` on 127.0.0.1, stopped (its whole process group) at the end."""
    try:
        running = start_server(SCREENSHOTS / "server.log")
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    print(f"\n[browser] streamlit server pid {running.pid} at {running.url} (log: {running.log})")
    try:
        yield running
    finally:
        stop_server(running.process)


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, server, request):
    """`new_page(path, check=True, viewport=None)`: a new visitor (fresh browser context: a new Streamlit session) at
    1280x720 (or `viewport`) opens `path` (e.g. "/epochs?epochs=5") and waits until it has finished drawing; with
    `check`, asserts no exception, no st.error and its charts rendered. Every page opened is screenshotted if the
    test fails."""
    contexts, pages = [], []
    request.node.stash[PAGES_KEY] = pages

    def open_page(path: str, check: bool = True, viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or VIEWPORT, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        server.visited.append(path.split("?")[0])
        page.goto(server.url + path)
        wait_settled(page, min_charts(path))
        if check:
            assert_healthy(page, min_charts(path))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing (or expectedly failing) test, save a picture of the whole of every page it had open."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not (report.failed or hasattr(report, "wasxfail")):
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
    saved = []
    for number, page in enumerate(item.stash.get(PAGES_KEY, []), start=1):
        path = SCREENSHOTS / f"fail-{name}-{number}.png"
        try:
            full_screenshot(page, path)
            saved.append(f"{path} ({page.url})")
        except Exception as exc:  # a closed or crashed page: say so, do not hide the test's own failure
            saved.append(f"{path}: no screenshot ({exc})")
    if saved:
        text = "\n".join(saved)
        print(f"\n[browser] screenshot(s) of the failing test:\n{text}")
        report.sections.append(("browser screenshots", text))
        MEASUREMENTS.append(f"[screenshot] {item.nodeid}: " + "; ".join(saved))


def pytest_terminal_summary(terminalreporter):
    """What the browser tests recorded (faults found, the server's peak memory) at the end of the output."""
    if MEASUREMENTS:
        terminalreporter.section("browser measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)
