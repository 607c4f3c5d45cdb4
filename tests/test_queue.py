"""The one training path (`dlviz.engine.queue.Trainer`, `dlviz.ui.sweep.run_job`): order, sharing, cancellation of
abandoned queued work, place in line, failures, the store.

Every job here is a cheap fake that blocks on events, so each interleaving is forced, never timed; the clock is a fake
one that only the jobs move, so the estimates are exact numbers.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from dlviz.engine.queue import Cancelled, Trainer, TrainingProcess, sweep_work
from dlviz.runs import RunSpec, TrainingError

WAIT = 60.0  # seconds any event may take before a test fails instead of hanging


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeJob:
    """Logs its start, waits for `release`, reports once, moves the fake clock by `seconds`, then returns a fresh
    object (or raises `error`); checks that no other fake job runs meanwhile."""

    running = 0
    overlap = False

    def __init__(self, name: str, log: list[str], clock: FakeClock, seconds: float = 1.0,
                 error: BaseException | None = None) -> None:
        self.name, self.log, self.clock, self.seconds, self.error = name, log, clock, seconds, error
        self.started, self.release = threading.Event(), threading.Event()
        self.calls = 0
        self.stopped = False

    def __call__(self, report):
        FakeJob.running += 1
        FakeJob.overlap |= FakeJob.running > 1
        try:
            self.calls += 1
            self.log.append(self.name)
            self.started.set()
            assert self.release.wait(WAIT)
            self.clock.now += self.seconds
            try:
                report(0.5, "half way")
            except Cancelled:
                self.stopped = True
                raise
            if self.error is not None:
                raise self.error
            return {"value of": self.name}
        finally:
            FakeJob.running -= 1


@pytest.fixture
def setup():
    clock = FakeClock()
    FakeJob.running, FakeJob.overlap = 0, False
    return Trainer(seconds_per_step=1.0, clock=clock), clock, []


def test_jobs_run_one_at_a_time_first_come_first_served(setup):
    trainer, clock, log = setup
    jobs = [FakeJob(name, log, clock) for name in "abcd"]
    tickets = [trainer.submit(f"session {job.name}", job.name, job, work=1) for job in jobs]
    for job in reversed(jobs):  # released last first: the order is still the order asked
        job.release.set()
    values = [ticket.future.result(WAIT) for ticket in tickets]
    assert log == list("abcd") and not FakeJob.overlap
    assert values == [{"value of": name} for name in "abcd"]


def test_identical_requests_share_one_job_and_one_result(setup):
    trainer, clock, log = setup
    blocker, job = FakeJob("blocker", log, clock), FakeJob("sweep", log, clock)
    trainer.submit("s0", "blocker", blocker, work=1)
    tickets = [trainer.submit(f"s{i}", "sweep", job, work=1) for i in range(1, 4)]
    assert all(ticket is tickets[0] for ticket in tickets)
    blocker.release.set()
    job.release.set()
    results = [ticket.future.result(WAIT) for ticket in tickets]
    assert job.calls == 1 and all(result is results[0] for result in results)


def test_a_new_request_cancels_the_sessions_queued_one_unless_someone_else_waits(setup):
    trainer, clock, log = setup
    blocker = FakeJob("blocker", log, clock)
    old, shared, new = (FakeJob(name, log, clock) for name in ("old", "shared", "new"))
    trainer.submit("other", "blocker", blocker, work=1)
    abandoned = trainer.submit("visitor", "old", old, work=1)
    trainer.submit("visitor", "old", old, work=1)  # a rerun asking for the same thing keeps its place
    assert not abandoned.future.cancelled()
    kept = trainer.submit("friend", "shared", shared, work=1)
    trainer.submit("visitor2", "shared", shared, work=1)
    trainer.submit("visitor", "new", new, work=1)  # the visitor changed a setting
    trainer.submit("visitor2", "new", new, work=1)  # so did visitor2, but "friend" still waits for "shared"
    assert abandoned.future.cancelled() and not kept.future.cancelled()
    for job in (blocker, shared, new):
        job.release.set()
    assert trainer.submit("visitor", "new", new, work=1).future.result(WAIT) == {"value of": "new"}
    assert log == ["blocker", "shared", "new"] and old.calls == 0
    with pytest.raises(CancelledError):
        abandoned.future.result(WAIT)


def test_a_running_job_nobody_waits_for_stops_at_its_next_report(setup):
    trainer, clock, log = setup
    running = FakeJob("running", log, clock)
    ticket = trainer.submit("visitor", "running", running, work=1)
    assert running.started.wait(WAIT)
    elsewhere = FakeJob("elsewhere", log, clock)
    elsewhere.release.set()
    trainer.submit("visitor", "elsewhere", elsewhere, work=1)  # the visitor moved on
    running.release.set()
    with pytest.raises(Cancelled):
        ticket.future.result(WAIT)
    assert running.stopped and trainer.get("running") is None
    again = FakeJob("again", log, clock)
    again.release.set()  # asked again later: a new job
    assert trainer.submit("visitor", "running", again, work=1).future.result(WAIT) == {"value of": "again"}


def test_place_in_line_and_estimated_wait(setup):
    trainer, clock, log = setup
    first, second, third = (FakeJob(name, log, clock, seconds=2.0) for name in ("first", "second", "third"))
    tickets = [trainer.submit(f"s{i}", job.name, job, work=w) for i, (job, w) in enumerate(
        [(first, 4.0), (second, 2.0), (third, 1.0)])]
    assert first.started.wait(WAIT)
    # 1 s per unit assumed: the running job's 4 units (nothing done yet), then 2, then 1.
    places = [trainer.place(ticket) for ticket in tickets]
    assert [(p.ahead, p.running, p.seconds) for p in places] == [(0, True, 4.0), (1, False, 6.0), (2, False, 7.0)]
    clock.now += 3.0  # three seconds into the running job, no report yet: its estimate less the time it ran
    assert trainer.place(tickets[2]).seconds == 4.0
    first.release.set()
    tickets[0].future.result(WAIT)
    assert second.started.wait(WAIT)
    # Measured: 5 s of fake time for 4 units (1.25 s each) replaces the assumed speed.
    assert [(p.ahead, p.running, p.seconds) for p in map(trainer.place, tickets[1:])] == [(0, True, 2.5),
                                                                                          (1, False, 3.75)]
    second.release.set()
    third.release.set()
    tickets[2].future.result(WAIT)
    assert trainer.place(tickets[2]).ahead == 0 and trainer.place(tickets[2]).seconds == 0.0


def test_a_request_right_after_its_job_succeeded_joins_that_job_and_a_failed_one_trains_again(setup):
    """A session looks in the store, the job of that key then ends, then the session asks: it gets the finished job,
    nothing trains twice (the shared-link race of bench/class.py); each waiter's time asked is read in line."""
    trainer, clock, log = setup
    job = FakeJob("a", log, clock)
    first = trainer.submit("s1", "a", job, work=1)
    job.release.set()
    value = first.future.result(WAIT)
    clock.now = 5.0
    again = trainer.submit("s2", "a", job, work=1)
    assert again is first and again.future.result(WAIT) is value and job.calls == 1
    assert first.asked == {"s1": 0.0, "s2": 5.0}
    clock.now = 7.0
    assert trainer.submit("s1", "a", job, work=1) is first and first.asked["s1"] == 7.0  # a new request, a new time
    bad = FakeJob("bad", log, clock, error=TrainingError("refused"))
    bad.release.set()
    with pytest.raises(TrainingError):
        trainer.submit("s1", "bad", bad, work=1).future.result(WAIT)
    with pytest.raises(TrainingError):
        trainer.submit("s2", "bad", bad, work=1).future.result(WAIT)
    assert bad.calls == 2  # a failure is not kept: the next request tries again


def test_a_failing_job_fails_only_its_waiters_and_is_not_stored(setup):
    trainer, clock, log = setup
    error = TrainingError("refused")
    bad, good = FakeJob("bad", log, clock, error=error), FakeJob("good", log, clock)
    failing = [trainer.submit(f"s{i}", "bad", bad, work=1) for i in range(2)]
    fine = trainer.submit("s9", "good", good, work=1)
    bad.release.set()
    good.release.set()
    for ticket in failing:
        with pytest.raises(TrainingError) as raised:
            ticket.future.result(WAIT)
        assert raised.value is error
    assert fine.future.result(WAIT) == {"value of": "good"} and trainer.get("bad") is None


def test_the_store_keeps_the_most_recently_used_within_its_bytes_and_the_shipped_runs_always():
    size = len(pickle.dumps(b"x" * 1000, protocol=pickle.HIGHEST_PROTOCOL))
    trainer = Trainer(max_bytes=3 * size, shipped={"default": "shipped"})
    assert all(trainer.put(key, key.encode() * 1000) for key in "abc")
    assert trainer.get("a") is not None  # used: "b" is now the least recently used
    assert trainer.put("d", b"d" * 1000)
    assert [key for key in "abcd" if trainer.get(key) is not None] == ["a", "c", "d"]
    assert trainer.stored_bytes == 3 * size
    assert not trainer.put("big", b"x" * 4000) and trainer.get("big") is None  # larger than the bound: not kept
    assert trainer.get("default") == "shipped"


# Jobs for the training process: module-level, so that the child imports them by name (`tests.test_queue`).
def counted(path: str, value, report):
    with open(path, "a") as log:
        log.write(f"{os.getpid()}\n")
    report(1.0, "done")
    return value


def refused(path: str, report):
    counted(path, None, report)
    raise TrainingError("no")


def reports_until_stopped(report):
    report(0.5, "half", [1, 2])
    while True:  # nothing else ends it: only the cancel that the server sends
        report(0.5, "half", [1, 2])


def dies(report):
    os._exit(3)


def refuse_to_load():
    raise ValueError("this result cannot be read here")


class Unreadable:
    def __reduce__(self):
        return refuse_to_load, ()


def unreadable(report):
    return Unreadable()


def test_run_job_trains_once_in_the_training_process_and_serves_the_stored_result(monkeypatch, tmp_path):
    from dlviz.ui import sweep

    monkeypatch.setattr(sweep, "trainer", lambda store=Trainer(): store)
    log = tmp_path / "calls"
    first = sweep.run_job(("map", "fingerprint"), counted, str(log), {"map": [1, 2, 3]}, work=10, label="loss map")
    second = sweep.run_job(("map", "fingerprint"), counted, str(log), {"map": [1, 2, 3]}, work=10, label="loss map")
    assert first == {"map": [1, 2, 3]} and second is first
    pids = log.read_text().split()
    assert len(pids) == 1 and pids[0] != str(os.getpid())  # trained once, in another process
    assert sweep.run_job(("bad",), refused, str(log), work=1, label="x") is None
    assert sweep.run_job(("bad",), refused, str(log), work=1, label="x") is None
    assert len(log.read_text().split()) == 3  # a failure is not stored


def test_the_training_process_relays_progress_errors_and_cancels_and_survives_a_death(tmp_path):
    process, reports = TrainingProcess(), []
    assert process(counted, (str(tmp_path / "log"), "value"), lambda *a: reports.append(a)) == "value"
    assert reports == [(1.0, "done", None)]
    with pytest.raises(TrainingError, match="no"):  # the job's own error, its class and message
        process(refused, (str(tmp_path / "log"),), lambda *a: None)

    def stop(fraction, message, partial):
        reports.append((fraction, message, partial))
        raise Cancelled("nobody waits")

    with pytest.raises(Cancelled):
        process(reports_until_stopped, (), stop)
    assert reports[-1] == (0.5, "half", [1, 2])
    with pytest.raises(TrainingError, match="training process stopped"):
        process(dies, (), lambda *a: None)
    assert process(counted, (str(tmp_path / "log"), 7), lambda *a: None) == 7  # a new process took over
    with pytest.raises(ValueError, match="cannot be read"):  # a message read whole: the next one is read right
        process(unreadable, (), lambda *a: None)
    assert process(counted, (str(tmp_path / "log"), 7.5), lambda *a: None) == 7.5
    with pytest.raises((pickle.PicklingError, AttributeError)):  # a job that does not pickle fails here, unsent
        process(lambda report: None, (), lambda *a: None)
    assert process(counted, (str(tmp_path / "log"), 8), lambda *a: None) == 8


def test_sweep_work_counts_stacked_lanes_at_a_quarter_step():
    one = RunSpec("d", epochs=2, batch_size=100)
    assert sweep_work([one], 1000) == 20
    assert sweep_work([one, one.replace(learning_rate=0.1)], 1000) == 25  # a second lane of the same stack
    assert sweep_work([one, one.replace(batch_size=500)], 1000) == 24  # another stack: its own steps


def test_the_store_is_safe_to_share_between_threads():
    """Eight threads put and get at once; the bound holds and every value read is one that was put for its key."""
    trainer = Trainer(max_bytes=5 * len(pickle.dumps((0, 0), protocol=pickle.HIGHEST_PROTOCOL)))
    bad: list[tuple] = []

    def worker(number: int) -> None:
        for i in range(200):
            key = (number + i) % 12
            trainer.put(key, (key, number))
            got = trainer.get((key + 1) % 12)
            if got is not None and got[0] != (key + 1) % 12:
                bad.append(got)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not bad and trainer.stored_bytes <= trainer.max_bytes
    assert sum(trainer.get(key) is not None for key in range(12)) == 5


def test_pages_that_train_every_kind_of_job_leave_tensorflow_out_of_the_server():
    """TensorFlow (and Keras, which Streamlit clears after every script run once imported) loads only in the training
    process: a fresh interpreter opens the learning-rate page off its defaults (a sweep, the full-batch runs, the range
    test) and the loss-surface page (its maps), and has neither module afterwards."""
    code = """
import sys
from tests.support import figures, open_page
at = open_page("app_pages/learning_rate.py", rows="300", seed="613", seeds="1", lrs=["0.01"], lr_epochs="2")
at.toggle(key="lr_range_test").set_value(True).run()
assert not at.exception and len(figures(at)) == 4, len(figures(at))
at = open_page("app_pages/loss_surface.py", rows="300", seed="613", s_epochs="2")
assert not at.exception and len(figures(at)) == 2, len(figures(at))
assert "tensorflow" not in sys.modules and "keras" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1], timeout=600)
