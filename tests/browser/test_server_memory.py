"""The server's peak resident memory once every page has been opened and has trained its small sweep (runs last;
conftest orders it so), against two bounds:

- Community Cloud stops an app that goes over its memory, and its largest allowance is 2.7 GB: a server that needs
  more for one visitor's tour of the pages cannot serve anyone there.
- The server trains in a process of its own (`dlviz.engine.queue.TrainingProcess`), so both count: a tour measured
  305 MiB for the server (Streamlit, pandas, plotly, the stored runs) and 757 MiB for the training process
  (TensorFlow's import alone is about 626 MB), 1,062 MiB together; a tour of small sweeps that needs more than
  1.5 GiB, about 45% more, holds a second copy of something (a leak, a model per run, a cache without bounds).

Also printed and written to tests/browser/screenshots/server_memory.json; the hour-long class is bench/class.py.
"""

from __future__ import annotations

import pytest

from tests.support.browser import SMALL, app_paths, measured, peak_memory_kib, write_json

CLOUD_LIMIT_MIB = 2.7e9 / 2**20  # Community Cloud's largest memory allowance, 2.7 GB
TOUR_LIMIT_MIB = 1536            # about 45% over the 1,062 MiB a tour measured (the server and its training process)


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
    report = {"server_pid": server.pid, "pages_opened": len(server.visited), **peak,
              "total_mib": round(peak["total_kib"] / 1024, 1)}
    saved = write_json("server_memory.json", report)
    measured(f"[memory] server pid {server.pid}: peak resident (VmHWM) {peak['server_kib'] / 1024:.1f} MiB, "
             f"children {peak['children_kib'] / 1024:.1f} MiB, total {report['total_mib']} MiB "
             f"over {peak['processes']} process(es) after {len(server.visited)} page visits ({saved})")
    assert report["total_mib"] < CLOUD_LIMIT_MIB, report
    assert report["total_mib"] < TOUR_LIMIT_MIB, report
