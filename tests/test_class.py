"""A class on one small server (issue 19): what a waiting or training page sends its browser, and how often.

The trainer itself (order, sharing, abandoned work, equal results) is tested in tests/test_queue.py and
tests/test_concurrency.py; the class's speed is measured by bench/class.py. No timing assertions: every clock here is
a fake one.
"""

from __future__ import annotations

from dlviz.ui.sweep import LIVE_DRAW_SHARE, LIVE_FIRST_SECONDS, LIVE_REDRAW_SECONDS, Throttle, _waiting_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_throttle_is_due_at_once_then_waits_its_minimum_after_a_quick_draw():
    clock = FakeClock()
    throttle = Throttle(0.4, 0.1, clock)
    assert throttle.due()
    clock.now = 0.01
    throttle.drawn(started=0.0)  # 10 ms: 0.09 s to keep drawing at 10% is less than the minimum
    clock.now = 0.4
    assert not throttle.due()
    clock.now = 0.42
    assert throttle.due()


def test_a_slow_draw_keeps_drawing_within_its_share_of_the_time():
    clock = FakeClock()
    throttle = Throttle(LIVE_REDRAW_SECONDS, LIVE_DRAW_SHARE, clock)
    draws, spent = 0, 0.0
    while clock.now < 60.0:  # a minute of training, a 0.2 s figure at every 10 ms report
        if throttle.due():
            started = clock.now
            clock.now += 0.2
            throttle.drawn(started)
            draws, spent = draws + 1, spent + 0.2
        clock.now += 0.01
    assert spent / clock.now <= LIVE_DRAW_SHARE + 0.01  # 0.01: one report's step of slack
    assert draws >= 60 * LIVE_DRAW_SHARE / 0.2 - 2  # still drawing, as often as the share allows


def test_the_waiting_text_says_the_place_in_line_and_the_wait():
    assert _waiting_text(2, 6.2, "5 runs") == "Waiting for the trainer: 2 jobs ahead of your 5 runs, about 6 s."
    assert _waiting_text(1, 0.2, "range test") == "Waiting for the trainer: 1 job ahead of your range test, about 1 s."
    assert _waiting_text(0, 3.0, "loss map") == "Waiting for the trainer: your loss map is next, about 3 s."
    assert _waiting_text(9, 83.4, "5 runs").endswith("about 85 s.")  # in 5 s steps: fewer messages to the browser


def test_live_curves_wait_for_the_jobs_own_first_seconds_not_its_time_in_line():
    clock = FakeClock()
    throttle = Throttle(0.4, 0.05, clock, first=LIVE_FIRST_SECONDS)
    clock.now = 40.0  # 40 s in line: the page asks only once its job runs
    assert not throttle.due()
    clock.now = 40.0 + LIVE_FIRST_SECONDS - 0.01
    assert not throttle.due()  # a sweep that trains in less than this shows its bar, then its final chart
    clock.now = 40.0 + LIVE_FIRST_SECONDS
    assert throttle.due()


def test_sessions_showing_the_same_finished_chart_share_one_replay():
    import plotly.io as pio

    from dlviz import charts
    from dlviz.ui import layout
    from tests.support.histories import lr_sweep

    def finished():  # what a page builds on every visit: a new figure object, equal to the last
        return charts.curves_figure(charts.group_runs(lr_sweep(), lambda h: f"lr {h.spec.learning_rate:g}"),
                                    x_max=20)

    first, second = layout.replay(finished(), 20, False), layout.replay(finished(), 20, False)
    assert first is second
    built = charts.replay(finished(), 20)
    assert pio.to_json(first, validate=False) == pio.to_json(built, validate=False)
    assert len(first.frames) == 20
    assert layout.replay(finished(), 20, True) is not first  # presenter mode: another figure



# What a session may hold of its own: its widgets' values, notices and predictions. Data, runs and figures live once
# per server (st.cache_resource, the trainer's store), so 30 open sessions cost the server little beyond TensorFlow.
SESSION_OWN_BYTES = 64 * 1024
SMALL = {"rows": "500", "seeds": "1", "lr_epochs": "2", "lrs": ["0.01", "0.1"]}


def _own_bytes(at) -> int:
    """What a session's state holds of its own, pickled: the datasets it refers to are counted out (every session
    refers to the same ones: `test_sessions_share_one_dataset_and_keep_little_of_their_own`), and so is the file an
    uploader shows (Streamlit's own, an io.BytesIO, for as long as the uploader holds it)."""
    import io
    import pickle

    from dlviz.data import Dataset

    class SharedOut(pickle.Pickler):
        def persistent_id(self, obj):
            return id(obj) if isinstance(obj, (Dataset, io.BytesIO)) else None

    buffer = io.BytesIO()
    SharedOut(buffer).dump(at.session_state.to_dict())
    return buffer.tell()


def test_sessions_share_one_dataset_and_keep_little_of_their_own():
    from tests.support import open_page

    first, second = (open_page("app_pages/learning_rate.py", **SMALL) for _ in range(2))
    dataset = first.session_state["dlviz_last_dataset"]
    assert second.session_state["dlviz_last_dataset"] is dataset  # one object, not a copy per session
    assert second.session_state["dlviz_selection"].dataset is dataset
    assert not dataset.x_train.flags.writeable  # shared, so no session may change it
    assert _own_bytes(second) < SESSION_OWN_BYTES


def test_sessions_keeping_the_same_upload_hold_its_bytes_once():
    from dlviz.data import practice_frame
    from tests.support import open_page

    content = practice_frame(600).to_csv(index=False).encode()
    kept = []
    for _ in range(2):
        at = open_page("app_pages/epochs.py", epochs="2", rows="500", seeds="1")
        at.sidebar.radio(key="data").set_value("upload").run()
        at.file_uploader(key="upload").set_value(("mine.csv", bytes(content), "text/csv")).run()  # a copy each
        assert not at.exception, [e.value for e in at.exception]
        kept.append(at.session_state["dlviz_kept_upload"])
    assert kept[0][1] == content and kept[1][1] is kept[0][1]
    assert _own_bytes(at) < SESSION_OWN_BYTES + len(content)  # the upload (shared by content) and little else
