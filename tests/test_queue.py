"""`dlviz.engine.queue.TrainingQueue`: order, replacement, sharing, dropping, cancellation, errors, estimates, and
real sweeps served by the queue to concurrent sessions equal to sequential runs.

The ordering tests use cheap fake computes that block on events, so every interleaving is forced, never timed; the
clock is a fake one that only the computes move, so the estimates are exact numbers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from dlviz.cache import ResultCache, pickled_size
from dlviz.engine.queue import (ABANDONED, DONE, FAILED, QUEUED, RUNNING, Cancelled, TrainingQueue,
                                sweep_result_bytes, sweep_work)
from dlviz.runs import RunSpec

WAIT = 60.0  # seconds any event may take before a test fails instead of hanging


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Progress:
    fraction: float


class Job:
    """A fake compute: logs its start, waits for `release`, reports once, then returns `value` (or raises `error`).

    While it runs it checks that no other fake compute runs at the same time, and it moves the fake clock by
    `seconds` (what a real training would have taken)."""

    running = 0  # fake computes running right now, across all jobs
    overlap = False

    def __init__(self, name: str, log: list[str], clock: FakeClock, seconds: float = 1.0,
                 error: BaseException | None = None) -> None:
        self.name, self.log, self.clock, self.seconds, self.error = name, log, clock, seconds, error
        self.value = {"value of": name}  # a fresh object: sharing is checked by identity
        self.started, self.release = threading.Event(), threading.Event()
        self.calls = 0
        self.saw_cancelled: bool | None = None

    def __call__(self, report, cancelled) -> Any:
        Job.running += 1
        Job.overlap |= Job.running > 1
        try:
            self.calls += 1
            self.log.append(self.name)
            self.started.set()
            assert self.release.wait(WAIT), f"{self.name} was never released"
            self.clock.now += self.seconds
            self.saw_cancelled = cancelled()
            report(Progress(1.0))  # raises Cancelled once the job is cancelled
            if self.error is not None:
                raise self.error
            return self.value
        finally:
            Job.running -= 1


@pytest.fixture
def setup():
    """A queue with a fresh cache and fake clock, the start log, and a factory of fake jobs."""
    Job.running, Job.overlap = 0, False
    log: list[str] = []
    clock = FakeClock()
    units = {"A": 4.0, "B": 2.0, "C": 2.0, "D": 1.0}
    queue = TrainingQueue(ResultCache(), work_estimate=lambda key: units.get(key, 1.0), seconds_per_unit=1.0,
                          clock=clock)

    def job(name: str, **kwargs) -> Job:
        return Job(name, log, clock, **kwargs)

    yield queue, log, job
    assert not Job.overlap, "two computes ran at once"


def running(queue: TrainingQueue, session: str, job: Job):
    """Submit `job` (its name is the key) and return its ticket once its compute has started."""
    ticket = queue.submit(session, job.name, job)
    assert job.started.wait(WAIT)
    return ticket


def release(*jobs: Job) -> None:
    for job in jobs:
        job.release.set()


def test_one_job_at_a_time_first_come_first_served(setup):
    queue, log, job = setup
    a, b, c, d = job("A"), job("B"), job("C"), job("D")
    ta = running(queue, "s1", a)
    tickets = [queue.submit(session, j.name, j) for session, j in (("s2", b), ("s3", c), ("s4", d))]
    assert [t.status().position for t in tickets] == [1, 2, 3]
    assert tickets[2].status().ahead_keys == ("A", "B", "C")
    assert ta.status().state == RUNNING and tickets[0].status().state == QUEUED
    release(d, c, b, a)  # released in reverse: the order is still the queue's
    assert [t.result(WAIT) for t in [ta] + tickets] == [a.value, b.value, c.value, d.value]
    assert log == ["A", "B", "C", "D"]
    assert queue.computed == 4 and len(queue) == 0


def test_a_new_request_replaces_the_sessions_queued_one_and_goes_to_the_end(setup):
    queue, log, job = setup
    a, b, c, d = job("A"), job("B"), job("C"), job("D")
    running(queue, "s1", a)
    tb = queue.submit("s2", "B", b)
    td = queue.submit("s3", "D", d)
    tc = queue.submit("s2", "C", c)  # s2 changed its setting while B was waiting
    assert tb.state == ABANDONED and tb.status().state == ABANDONED
    assert td.status().position == 1 and tc.status().ahead_keys == ("A", "D")
    release(a, b, c, d)
    assert tc.result(WAIT) is c.value and td.result(WAIT) is d.value
    with pytest.raises(Cancelled):
        tb.result(WAIT)
    assert log == ["A", "D", "C"] and b.calls == 0


def test_a_rerun_asking_for_the_same_key_keeps_its_place(setup):
    queue, log, job = setup
    a, b, c = job("A"), job("B"), job("C")
    running(queue, "s1", a)
    first = queue.submit("s2", "B", b)
    queue.submit("s3", "C", c)
    again = queue.submit("s2", "B", b)  # the same session's script ran again with the same setting
    assert first.state == ABANDONED and again.status().position == 1
    release(a, b, c)
    assert again.result(WAIT) is b.value
    assert log == ["A", "B", "C"] and b.calls == 1


def test_a_sessions_running_request_is_not_replaced(setup):
    queue, log, job = setup
    a, b = job("A"), job("B")
    ta = running(queue, "s1", a)
    tb = queue.submit("s1", "B", b)
    assert ta.state == RUNNING and tb.status().position == 1
    release(a, b)
    assert ta.result(WAIT) is a.value and tb.result(WAIT) is b.value


def test_identical_requests_share_one_job_and_the_cache_serves_later_ones(setup):
    queue, log, job = setup
    a, b = job("A"), job("B")
    running(queue, "s1", a)
    tickets = [queue.submit(f"s{i}", "B", b) for i in range(2, 6)]
    assert {t.status().position for t in tickets} == {1} and len(queue) == 2
    release(a, b)
    results = [t.result(WAIT) for t in tickets]
    assert all(r is b.value for r in results) and b.calls == 1
    later = queue.submit("s9", "B", job("B"))  # served from the cache: no job, the same object
    assert later.state == DONE and later.status().over and later.result() is b.value
    assert log == ["A", "B"]


def test_queued_work_nobody_waits_for_is_dropped_before_it_starts(setup):
    queue, log, job = setup
    a, b, c, d = job("A"), job("B"), job("C"), job("D")
    running(queue, "s1", a)
    tb = queue.submit("s2", "B", b)
    tc = queue.submit("s3", "C", c)
    tc_too = queue.submit("s4", "C", c)
    assert tc.status().position == 2
    tb.abandon()
    tb.abandon()  # idempotent
    assert tc.status().position == 1 and tc.status().ahead_keys == ("A",)
    tc.abandon()  # C still has a waiter (s4): it stays
    with queue.submit("s5", "D", d) as td:  # the script is stopped before its result: the ticket is abandoned
        assert td.status().position == 2
    assert td.state == ABANDONED
    release(a, b, c, d)
    assert tc_too.result(WAIT) is c.value
    assert log == ["A", "C"] and b.calls == d.calls == 0


@pytest.mark.parametrize("kept", ["no cache", "too big to keep"])
def test_a_running_job_nobody_waits_for_is_stopped_at_its_next_report_unless_kept(setup, kept):
    _, log, job = setup
    clock = FakeClock()
    queue = TrainingQueue(None if kept == "no cache" else ResultCache(max_bytes=1000), work_estimate=lambda k: 1.0,
                          result_bytes=lambda key: 10_000, clock=clock)
    a, b = job("A"), job("B")
    ta = running(queue, "s1", a)
    tb = queue.submit("s2", "B", b)
    ta.abandon()
    release(a, b)
    assert tb.result(WAIT) is b.value
    assert a.saw_cancelled is True and queue.computed == 1  # A raised Cancelled at its report
    assert ta.state == ABANDONED and log == ["A", "B"]
    if queue.cache is not None:
        assert queue.cache.get("A") is None


def test_a_running_job_nobody_waits_for_is_finished_when_the_cache_keeps_it(setup):
    queue, log, job = setup
    a = job("A")
    ta = running(queue, "s1", a)
    ta.abandon()
    release(a)
    later = queue.submit("s2", "A", job("A"))
    later.result(WAIT)  # A's value, from the running job or the cache
    assert queue.cache.get("A") is a.value and a.saw_cancelled is False and log == ["A"]


def test_a_new_request_withdraws_a_pending_cancel(setup):
    _, log, job = setup
    queue = TrainingQueue(None, work_estimate=lambda k: 1.0, clock=FakeClock())
    a = job("A")
    ta = running(queue, "s1", a)
    ta.abandon()  # nobody waits and nothing is cached: A would be stopped...
    again = queue.submit("s2", "A", job("A"))  # ...but someone asks for it before its next report
    assert again.state == RUNNING
    release(a)
    assert again.result(WAIT) is a.value and a.saw_cancelled is False and log == ["A"]


class Boom(BaseException):
    """Not even an Exception: the worker must survive it too."""


@pytest.mark.parametrize("error", [ValueError("bad setting"), Boom("worse")], ids=["Exception", "BaseException"])
def test_a_failing_compute_fails_its_waiters_only_and_the_queue_goes_on(setup, error):
    queue, log, job = setup
    a, b = job("A", error=error), job("B")
    tickets = [running(queue, "s1", a), queue.submit("s2", "A", a)]
    tb = queue.submit("s3", "B", b)
    release(a, b)
    for ticket in tickets:
        with pytest.raises(type(error)) as raised:
            ticket.result(WAIT)
        assert raised.value is error and ticket.state == FAILED
        assert [s.state for s in ticket.wait(0.01)] == [FAILED]
    assert tb.result(WAIT) is b.value
    assert queue.cache.get("A") is None
    retry = job("A")
    retry.release.set()
    assert queue.submit("s1", "A", retry).result(WAIT) is retry.value  # tried again, not a cached failure
    assert log == ["A", "B", "A"]


def test_the_wait_estimate_falls_as_the_jobs_ahead_finish(setup):
    """Units A=4, B=2, C=2; assumed 1 s per unit; every job really takes 0.5 s per unit (on the fake clock)."""
    queue, log, job = setup
    a, b, c = job("A", seconds=2.0), job("B", seconds=1.0), job("C", seconds=1.0)
    running(queue, "s1", a)
    tb, tc = queue.submit("s2", "B", b), queue.submit("s3", "C", c)
    etas = [tc.status().eta_seconds]
    assert etas == [4 + 2 + 2] and tc.status().start_seconds == 6
    release(a)
    assert b.started.wait(WAIT)  # A is done and its speed measured
    assert queue.seconds_per_unit == 0.5
    etas.append(tc.status().eta_seconds)  # B's 2 units and C's 2 at 0.5 s each
    release(b)
    assert c.started.wait(WAIT)
    etas.append(tc.status().eta_seconds)
    release(c)
    statuses = list(tc.wait(0.01))
    etas.append(statuses[-1].eta_seconds)
    assert etas == [8.0, 2.0, 1.0, 0.0] and statuses[-1].state == DONE and tb.result(WAIT) is b.value


def test_the_running_jobs_estimate_follows_its_reported_fraction():
    clock = FakeClock()
    queue = TrainingQueue(None, seconds_per_unit=1.0, clock=clock)  # the work comes with the request
    reported, finish = threading.Event(), threading.Event()

    def compute(report, cancelled):
        report(Progress(0.25))
        reported.set()
        assert finish.wait(WAIT)
        return "done"

    ticket = queue.submit("s1", "X", compute, work=10.0)
    assert reported.wait(WAIT)
    status = ticket.status()
    assert status.state == RUNNING and status.eta_seconds == 7.5 and status.progress == Progress(0.25)
    finish.set()
    assert ticket.result(WAIT) == "done"


def test_result_cache_is_bounded_by_entries_and_bytes():
    cache = ResultCache(max_entries=2, max_bytes=10_000)
    assert cache.put("a", b"a" * 100) and cache.put("b", b"b" * 100)
    cache.get("a")  # used: "b" is now the least recently used
    assert cache.put("c", b"c" * 100) and "b" not in cache and "a" in cache
    assert not cache.fits(20_000) and not cache.put("big", b"x" * 20_000) and "big" not in cache
    assert cache.put("d", b"d" * 6_000) and cache.put("e", b"e" * 6_000)  # together over the byte bound
    assert "d" not in cache and "e" in cache and cache.size_bytes <= 10_000


def test_sweep_work_counts_stacked_lanes_and_width():
    base = RunSpec("data", epochs=2, batch_size=32)  # 320 training rows: 10 updates per epoch
    rates = [base.replace(learning_rate=r) for r in (1e-3, 1e-2, 1e-1, 1.0, 3.0)]
    assert sweep_work(rates, 320) == 2 * 10 * (1 + 4 * 0.25)
    assert sweep_work([base.replace(batch_size=b) for b in (32, 320)], 320) == 2 * 10 + 2 * 1
    assert sweep_work([base.replace(hidden_units=8)], 320) == sweep_work([base], 320) == 20
    assert sweep_work([base.replace(hidden_units=128)], 320) > 20


# ---------------------------------------------------------------------------------------------------------------
# Real sweeps: the queue's one worker gives concurrent sessions what sequential runs give, and a stopped sweep
# disturbs nothing after it.


def assert_same_run(got, want) -> None:
    """Bitwise equal curves, divergence and final weights (NaN equals NaN): one process, one worker, same ops."""
    assert got.spec == want.spec and got.diverged_at == want.diverged_at
    for name in ("loss", "val_loss", "accuracy", "val_accuracy", "update_loss", "initial_loss", "initial_val_loss"):
        assert np.array_equal(np.asarray(getattr(got, name), np.float64), np.asarray(getattr(want, name), np.float64),
                              equal_nan=True), (got.spec, name)
    assert len(got.weights) == len(want.weights) > 0
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(got.weights, want.weights))


def test_real_sweeps_through_the_queue_equal_sequential_runs(tiny_dataset):
    from dlviz.engine.sweep import train_sweep

    data = tiny_dataset
    base = RunSpec(data.fingerprint, epochs=2)
    sweeps = {
        "lr": [base.replace(learning_rate=rate) for rate in (1e-3, 0.1, 10.0)],  # 10 diverges
        "batch": [base.replace(batch_size=size) for size in (8, 128)],
        "seed": [base.replace(seed=3, hidden_units=8)],
        "long": [base.replace(epochs=4, learning_rate=0.03)],  # stopped after its first epoch below
    }
    sequential = {name: train_sweep(data, specs) for name, specs in sweeps.items()}
    n_train = len(data.y_train)
    long_key = (data.fingerprint, tuple(sweeps["long"]))
    queue = TrainingQueue(ResultCache(), work_estimate=lambda key: sweep_work(key[1], n_train),
                          result_bytes=lambda key: 1 << 40 if key == long_key else 0)  # "long" is never kept

    def compute_for(specs, hold=None):
        def compute(report, cancelled):
            def on_progress(update):
                if hold is not None:  # wait at the first epoch's report until the test has abandoned the job
                    hold[0].set()
                    assert hold[1].wait(WAIT)
                report(update)
            return train_sweep(data, specs, on_progress)
        return compute

    # A long sweep that everyone abandons after its first epoch: too big to cache, so it is stopped there.
    at_first_epoch, go_on = threading.Event(), threading.Event()
    abandoned = queue.submit("leaver", long_key, compute_for(sweeps["long"], (at_first_epoch, go_on)))
    assert at_first_epoch.wait(WAIT)

    names = ["lr", "batch", "lr", "seed", "batch", "lr"]  # six sessions, three distinct sweeps
    results: dict[int, Any] = {}
    barrier = threading.Barrier(len(names) + 1)

    def session(i: int, name: str) -> None:
        barrier.wait(WAIT)
        ticket = queue.submit(f"s{i}", (data.fingerprint, tuple(sweeps[name])), compute_for(sweeps[name]))
        for status in ticket.wait(0.05):
            assert status.state != FAILED
        results[i] = ticket.result()

    threads = [threading.Thread(target=session, args=(i, name), daemon=True) for i, name in enumerate(names)]
    for thread in threads:
        thread.start()
    barrier.wait(WAIT)
    abandoned.abandon()
    go_on.set()
    for thread in threads:
        thread.join(WAIT * 5)
        assert not thread.is_alive()

    assert abandoned.state == ABANDONED and queue.cache.get(long_key) is None
    assert queue.computed == 3 and len(results) == len(names)
    for i, name in enumerate(names):
        assert results[i] is queue.cache.get((data.fingerprint, tuple(sweeps[name])))
        for got, want in zip(results[i], sequential[name]):
            assert_same_run(got, want)
    assert results[0][2].diverged and np.isfinite(results[0][0].loss).all()
    for name in sweeps:  # the size estimate bounds the real pickled size
        assert pickled_size(sequential[name]) <= sweep_result_bytes(sweeps[name], n_train, data.n_features)
