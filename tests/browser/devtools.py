"""A visitor's browser for timing first visits: Debian's Chromium in a process of its own, driven over a bare
DevTools connection that never turns on DevTools' Runtime domain.

Why not Playwright for the timing: Playwright sends `Runtime.enable` to every page it drives (it needs the domain's
events), and while that domain is on, V8 collects source positions for the code it runs. On this machine, plotly's
4.7 MB module then takes ~700 ms to evaluate instead of ~290 ms (bench/devtools_cost.py: nothing but
`Runtime.enable` sent or not, over this same bare connection; a Chromium trace shows the extra time as V8's
`CollectSourcePositions`, re-parsing the module's largest functions). A student's browser has no DevTools attached,
so first visits are timed here; tests/browser/test_first_visit.py times them under Playwright as well and reports
both.

Only `Page.*` commands, one `Emulation` command (the viewport) and `Runtime.evaluate` are sent; `Runtime.evaluate`
works without `Runtime.enable`.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Callable

START_SECONDS = 30


class DevToolsError(RuntimeError):
    """Chromium did not start, a command failed, or a page expression threw."""


class BareChromium:
    """One page of a fresh Chromium (its own profile: empty cache, no cookies), as a context manager.

        with BareChromium(chromium, args) as tab:
            tab.send("Page.navigate", url=...)
            tab.wait_for("document.readyState === 'complete'")
    """

    def __init__(self, executable: str, args: list[str], window: tuple[int, int] = (1400, 1000),
                 preexec_fn: Callable[[], None] | None = None) -> None:
        """`preexec_fn` runs in the child before Chromium starts (the tests use it to end Chromium with them)."""
        self._profile = Path(tempfile.mkdtemp(prefix="dlviz-chromium-"))
        self._ids = itertools.count(1)
        self._process = subprocess.Popen(
            [executable, *args, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
             f"--window-size={window[0]},{window[1]}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=preexec_fn)
        self._socket = None
        try:
            self._socket = self._connect()
            # The viewport Playwright gives the other browser tests' pages: `--window-size` alone leaves the page
            # 1400 x 913 of a 1400 x 1000 window.
            self.send("Emulation.setDeviceMetricsOverride", width=window[0], height=window[1], deviceScaleFactor=1,
                      mobile=False)
        except BaseException:
            self.close()
            raise

    def _connect(self):
        from websockets.sync.client import connect

        # Chromium writes the port it chose into the profile once DevTools listens.
        port_file = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_SECONDS
        while not (port_file.exists() and port_file.read_text().strip()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise DevToolsError(f"Chromium did not open DevTools within {START_SECONDS} s "
                                    f"(exit status {self._process.poll()})")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [target for target in json.load(response) if target["type"] == "page"]
        if not pages:
            raise DevToolsError("Chromium has no page to drive")
        return connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=10)

    def send(self, method: str, timeout: float = 60, **params) -> dict:
        """Send one DevTools command and return its result (events of enabled domains are skipped)."""
        number = next(self._ids)
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._socket.recv(timeout=max(0.0, deadline - time.monotonic())))
            if message.get("id") == number:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serializable)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression[:80]!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60, poll: float = 0.02, what: str | None = None) -> None:
        """Poll until `expression` is truthy in the page; `what` names the wait in the error if it never is."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise DevToolsError(f"waited {timeout:g} s for {what or repr(expression[:120])}")
            time.sleep(poll)

    def close(self) -> None:
        """End Chromium and every process it started (its own process group), then remove its profile."""
        if self._socket is not None:
            self._socket.close()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self._process.pid, sig)
                self._process.wait(timeout=10)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> BareChromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
