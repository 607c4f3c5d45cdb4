"""The server's peak resident memory once every page has been opened (runs last; conftest orders it so).

Recorded, not judged: printed and written to tests/browser/screenshots/server_memory.json. Budgets live in bench/.
"""

from __future__ import annotations

import pytest

from tests.support.browser import SMALL, app_paths, measured, peak_memory_kib, write_json


@pytest.mark.browser
def test_server_peak_memory_after_every_page(new_page, server):
    from tests.support.browser import SMALL_VIEWS

    for path in app_paths():
        if path not in server.visited:  # when this test runs on its own, or after a selection of the others
            new_page(f"{path}?{SMALL_VIEWS.get(path, SMALL)}")
    assert set(app_paths()) <= set(server.visited)
    ended = server.process.poll()
    assert ended is None, (f"the server ended (exit code {ended}; -15 is a SIGTERM from outside) before its memory "
                           f"was read; end of its log:\n{server.log.read_text()[-1500:]}")
    peak = peak_memory_kib(server.pid)
    assert peak["total_kib"] > 0, peak
    report = {"server_pid": server.pid, "pages_opened": len(server.visited), **peak,
              "total_mib": round(peak["total_kib"] / 1024, 1)}
    saved = write_json("server_memory.json", report)
    measured(f"[memory] server pid {server.pid}: peak resident (VmHWM) {peak['server_kib'] / 1024:.1f} MiB, "
             f"children {peak['children_kib'] / 1024:.1f} MiB, total {report['total_mib']} MiB "
             f"over {peak['processes']} process(es) after {len(server.visited)} page visits ({saved})")
