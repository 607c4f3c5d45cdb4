"""One trainer for the whole server: a first-come first-served queue of trainings that sessions share and abandon.

Streamlit runs every browser session in its own thread of one process, and two trainings at once change each other's
numbers (TensorFlow's global state and thread pools), so a class of visitors must be served one training at a time.
`TrainingQueue` runs every job on one worker thread, in the order the jobs were asked for, and tells each waiting
session its place in line and an estimate of its wait. No Streamlit and no TensorFlow here: a job is any callable.

Rules (issue 19, "A class on one small server"):

- one job runs at a time, first come first served across sessions;
- a session has at most one queued job: its new request replaces its earlier still-queued one (which goes back to
  nobody, and is dropped if nobody else waits for it); the new request joins the end of the line;
- requests for the same key share one job, and every waiter gets the very same result object;
- a queued job nobody waits for any more is dropped before it starts;
- a running job nobody waits for is finished if its result will be kept by the cache (so the next visitor gets it at
  once), otherwise cancelled at its next progress report;
- a job that raises fails for its waiters only: the error is not cached and the worker goes on with the next job.

Example (what a Streamlit page does; `session_id` is any string that stays the same across a session's reruns):

    queue = TrainingQueue(cache)  # one per process (st.cache_resource), with the process's ResultCache
    n_train = len(data.y_train)
    with queue.submit(session_id, (data.fingerprint, tuple(specs)),
                      lambda report, cancelled: train_sweep(data, specs, report), work=sweep_work(specs, n_train),
                      result_bytes=sweep_result_bytes(specs, n_train, data.n_features)) as ticket:
        for status in ticket.wait(poll_seconds=0.25):
            bar.progress(..., text=f"{status.position} sweeps ahead of yours, about {status.eta_seconds:.0f} s")
        histories = ticket.result()

Leaving the `with` block before the result (the script is stopped because the visitor left or changed a setting)
abandons the ticket.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterator, Sequence

from dlviz.runs import LESSON_HIDDEN_UNITS, RunSpec, updates_per_epoch

if TYPE_CHECKING:
    from dlviz.cache import ResultCache

QUEUED, RUNNING, DONE, FAILED, ABANDONED = "queued", "running", "done", "failed", "abandoned"
THROUGHPUT_WINDOW = 8  # finished jobs whose measured speed the estimate uses
# The sweep engine trains the values of a sweep that differ only in learning rate as stacked lanes of one step. Timed
# here (default sweeps, 3,200 training rows, warm): a one-lane step 194 us, five lanes 356 us, so each lane after the
# first adds about a quarter of a step. A sweep's work is counted in one-lane steps.
EXTRA_LANE_COST = 0.25
SECONDS_PER_STEP = 2e-4  # a one-lane step at the lesson's width, on 2 shared cores (150-300 us measured)


def sweep_work(specs: Sequence[RunSpec], n_train: int) -> float:
    """Work of a sweep in one-lane steps (see `EXTRA_LANE_COST`): per group of values trained stacked (same batch
    size, epochs, width and seed), epochs x updates per epoch x (1 + 0.25 per extra lane) x width factor (an 8x wider
    model measured 3-3.6x slower: `(hidden / 64) ** 0.6`, at least 1). A `work_estimate` for `TrainingQueue`."""
    lanes: dict[tuple, list[RunSpec]] = {}
    for spec in specs:
        lanes.setdefault((spec.batch_size, spec.epochs, spec.hidden_units, spec.seed), []).append(spec)
    work = 0.0
    for first, *others in lanes.values():
        steps = first.epochs * updates_per_epoch(n_train, first.batch_size)
        work += steps * (1 + EXTRA_LANE_COST * len(others)) * max(1.0, first.hidden_units / LESSON_HIDDEN_UNITS) ** 0.6
    return work


def sweep_result_bytes(specs: Sequence[RunSpec], n_train: int, n_features: int) -> int:
    """An upper estimate of a sweep's pickled `RunHistory` list, in bytes: 4 per weight update (float32 losses), 40
    per epoch (four float lists), 4 per weight, 2 KB per run. Measured on the default sweeps: 42-374 KB, 4-21%
    under this estimate. A `result_bytes` for `TrainingQueue`."""
    return sum(4 * spec.epochs * updates_per_epoch(n_train, spec.batch_size) + 40 * spec.epochs
               + 4 * (n_features * spec.hidden_units + 2 * spec.hidden_units + 1) + 2048 for spec in specs)


class Cancelled(Exception):
    """The job was stopped (nobody waited for it and its result would not have been kept), or this ticket was
    abandoned or replaced before its result came."""


Report = Callable[[Any], None]
Compute = Callable[[Report, Callable[[], bool]], Any]


@dataclass(frozen=True)
class QueueStatus:
    """Where a ticket stands, as a waiting page shows it.

    Attributes:
        state: "queued", "running", "done", "failed" or "abandoned".
        position: jobs ahead of this ticket's job (the running one included); 0 once it runs or is over.
        ahead_keys: their keys, the running job's first.
        start_seconds: estimated seconds until this ticket's job starts (0 once it runs).
        eta_seconds: estimated seconds until its result (0 once it is over).
        progress: the job's latest progress report (whatever the compute reports), None before its first.
    """

    state: str
    position: int
    ahead_keys: tuple[Hashable, ...]
    start_seconds: float
    eta_seconds: float
    progress: Any = None

    @property
    def over(self) -> bool:
        return self.state in (DONE, FAILED, ABANDONED)


class _Job:
    def __init__(self, key: Hashable, compute: Compute, units: float, will_keep: bool) -> None:
        self.key = key
        self.compute = compute
        self.units = units  # work estimate, in the queue's units
        self.will_keep = will_keep  # the cache will keep its result: worth finishing with nobody waiting
        self.waiters: set[Ticket] = set()
        self.state = QUEUED
        self.started_at = 0.0
        self.cancel_requested = False
        self.stopping = False  # the compute was told to stop: nobody may join any more
        self.latest: Any = None
        self.value: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()


class Ticket:
    """One session's request: wait for it, take its result, or abandon it. Also a context manager that abandons
    the ticket on exit unless its result is in."""

    def __init__(self, queue: TrainingQueue, session_id: Hashable, key: Hashable, job: _Job | None,
                 value: Any = None) -> None:
        self._queue = queue
        self.session_id = session_id
        self.key = key
        self._job = job  # None: served from the cache at once
        self._value = value
        self._abandoned = threading.Event()

    @property
    def state(self) -> str:
        if self._abandoned.is_set():
            return ABANDONED
        return DONE if self._job is None else self._job.state

    def status(self) -> QueueStatus:
        """This ticket's place in line and estimated wait, now."""
        return self._queue._status(self)

    def wait(self, poll_seconds: float = 0.25) -> Iterator[QueueStatus]:
        """Yield the status at once and then every `poll_seconds` until the ticket is over; the last status yielded
        is the final one ("done", "failed" or "abandoned")."""
        while True:
            status = self.status()
            yield status
            if status.over:
                return
            if self._job is not None:
                self._job.done.wait(poll_seconds)

    def result(self, timeout: float | None = None) -> Any:
        """The job's value (the same object for every ticket of the key).

        Raises:
            Cancelled: the ticket was abandoned or replaced.
            TimeoutError: `timeout` seconds passed first.
            Exception: whatever the compute raised (the same exception object for every waiter).
        """
        if self._job is not None:
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._job.done.wait(0.05):
                if self._abandoned.is_set():
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"no result for {self.key!r} within {timeout} s")
        if self._abandoned.is_set():
            raise Cancelled("This request was abandoned or replaced by a newer one.")
        if self._job is None:
            return self._value
        if self._job.error is not None:
            raise self._job.error
        return self._job.value

    def abandon(self) -> None:
        """Nobody waits for this ticket any more (the session left or asked for something else). Idempotent."""
        self._queue._abandon(self)

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.state not in (DONE, FAILED):
            self.abandon()


class TrainingQueue:
    """Serve trainings one at a time, first come first served, shared by key, dropped when abandoned.

    Args:
        cache: where finished results go and are looked up (its `get`, `put` and `fits`); None: nothing is kept,
            so an abandoned running job is always cancelled.
        work_estimate: `key -> units` of work of that job (e.g. `sweep_work`), called once per new job in the
            submitting thread unless `submit` is given `work`. Default: every job is one unit.
        seconds_per_unit: the speed assumed before any job has finished here (default: `SECONDS_PER_STEP`, for
            `sweep_work`'s units).
        result_bytes: `key -> estimated pickled bytes of its result`; with the cache's `fits` it decides whether a
            running job nobody waits for is still finished. None: every result is assumed to fit.
        clock: seconds, monotonic (tests pass a fake one).

    The wait estimate: seconds per unit is the median of the measured `seconds / units` of the last
    `THROUGHPUT_WINDOW` jobs that finished (the constructor's value until one has). The median, not the mean, so
    that one slow outlier, typically the first training of a process paying for the TensorFlow import and tracing,
    does not inflate every estimate after it. A ticket's `eta_seconds` is the running job's remaining work (its
    estimate times `1 - fraction` when its progress report has a `fraction`, else its estimate less the time it has
    run, at least 0) plus the units of every job ahead of it and its own, times seconds per unit.
    """

    def __init__(self, cache: ResultCache | None, work_estimate: Callable[[Hashable], float] = lambda key: 1.0,
                 seconds_per_unit: float = SECONDS_PER_STEP, result_bytes: Callable[[Hashable], int] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cache = cache
        self.work_estimate = work_estimate
        self.prior_seconds_per_unit = seconds_per_unit
        self.result_bytes = result_bytes
        self.clock = clock
        self.computed = 0  # jobs whose compute returned (for tests and reports)
        self._lock = threading.Lock()
        self._line: deque[_Job] = deque()  # queued jobs, first come first
        self._running: _Job | None = None
        self._by_key: dict[Hashable, _Job] = {}  # queued or running jobs anyone may still join
        self._by_session: dict[Hashable, Ticket] = {}  # each session's latest ticket
        self._speeds: deque[float] = deque(maxlen=THROUGHPUT_WINDOW)
        self._worker: threading.Thread | None = None

    # -- what sessions call ---------------------------------------------------------------------------------------

    def submit(self, session_id: Hashable, key: Hashable, compute: Compute, *, work: float | None = None,
               result_bytes: int | None = None) -> Ticket:
        """Ask for `key`'s result, computed by `compute(report, cancelled)` unless cached or already asked for.

        `compute` runs on the queue's worker thread. `report(update)` publishes a progress update to the waiters
        and raises `Cancelled` once the job is cancelled, so a compute that reports every epoch stops at the next
        epoch; `cancelled()` tells the same without raising. The session's earlier ticket, if still queued, is
        replaced (abandoned) — after this ticket has joined, so a rerun asking for the same key keeps its place.
        `work` and `result_bytes`, when given, are this request's estimates (instead of the queue's callables:
        e.g. when the key alone does not tell the number of training rows); they count only if a new job is made.
        """
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            ticket = Ticket(self, session_id, key, None, cached)
            with self._lock:
                previous = self._by_session.pop(session_id, None)
            if previous is not None and previous.state == QUEUED:
                previous.abandon()
            return ticket
        estimates: tuple[float, bool] | None = None
        while True:
            with self._lock:
                job = self._by_key.get(key)
                if job is None and estimates is not None:
                    job = _Job(key, compute, *estimates)
                    self._by_key[key] = job
                    self._line.append(job)
                    self._start_worker()
                if job is not None:
                    ticket = Ticket(self, session_id, key, job)
                    job.waiters.add(ticket)
                    job.cancel_requested = False  # someone waits again (a job told to stop is never joined)
                    previous = self._by_session.get(session_id)
                    self._by_session[session_id] = ticket
                    break
            estimates = self._estimates(key, work, result_bytes)  # outside the lock: it is the caller's code
        if previous is not None and previous.state == QUEUED:
            previous.abandon()
        return ticket

    def __len__(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._line) + (self._running is not None)

    @property
    def seconds_per_unit(self) -> float:
        with self._lock:
            return self._seconds_per_unit()

    # -- bookkeeping ------------------------------------------------------------------------------------------------

    def _estimates(self, key: Hashable, work: float | None, size: int | None) -> tuple[float, bool]:
        """(units of work, whether the cache will keep the result) of a new job."""
        units = float(self.work_estimate(key) if work is None else work)
        if size is None and self.result_bytes is not None:
            size = int(self.result_bytes(key))
        return units, self.cache is not None and (size is None or self.cache.fits(size))

    def _seconds_per_unit(self) -> float:
        return statistics.median(self._speeds) if self._speeds else self.prior_seconds_per_unit

    def _abandon(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket._abandoned.is_set() or ticket.state in (DONE, FAILED):
                return
            ticket._abandoned.set()
            if self._by_session.get(ticket.session_id) is ticket:
                del self._by_session[ticket.session_id]
            job = ticket._job
            if job is None:
                return
            job.waiters.discard(ticket)
            if job.waiters:
                return
            if job.state == QUEUED:  # nobody waits: dropped before it starts
                self._line.remove(job)
                self._forget(job)
                job.state = ABANDONED
                job.done.set()
            elif job.state == RUNNING and not job.will_keep:
                job.cancel_requested = True  # stopped at its next report

    def _forget(self, job: _Job) -> None:
        if self._by_key.get(job.key) is job:
            del self._by_key[job.key]

    def _remaining(self, job: _Job, now: float, seconds_per_unit: float) -> float:
        fraction = getattr(job.latest, "fraction", None)
        if isinstance(fraction, (int, float)):
            return job.units * seconds_per_unit * (1.0 - min(1.0, max(0.0, float(fraction))))
        return max(0.0, job.units * seconds_per_unit - (now - job.started_at))

    def _status(self, ticket: Ticket) -> QueueStatus:
        state = ticket.state
        job = ticket._job
        if job is None or state not in (QUEUED, RUNNING):
            return QueueStatus(state, 0, (), 0.0, 0.0, job.latest if job is not None else None)
        with self._lock:
            rate = self._seconds_per_unit()
            now = self.clock()
            if job.state == RUNNING:
                left = self._remaining(job, now, rate)
                return QueueStatus(RUNNING, 0, (), 0.0, left, job.latest)
            if job.state != QUEUED:  # it finished meanwhile
                return QueueStatus(ticket.state, 0, (), 0.0, 0.0, job.latest)
            ahead = [] if self._running is None else [self._running]
            ahead += list(self._line)[:self._line.index(job)]
            start = sum(self._remaining(a, now, rate) if a is self._running else a.units * rate for a in ahead)
            return QueueStatus(QUEUED, len(ahead), tuple(a.key for a in ahead), start, start + job.units * rate,
                               None)

    # -- the worker -----------------------------------------------------------------------------------------------

    def _start_worker(self) -> None:
        """Start the worker if none runs (caller holds the lock). It exits when the line is empty."""
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="dlviz-training-queue", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._line:
                        return
                    job = self._line.popleft()
                    job.state = RUNNING
                    job.started_at = self.clock()
                    self._running = job
                try:
                    self._run(job)
                finally:
                    with self._lock:
                        self._running = None
                        self._forget(job)
                        for ticket in job.waiters:  # over: the session's next request has nothing to replace
                            if self._by_session.get(ticket.session_id) is ticket:
                                del self._by_session[ticket.session_id]
                        job.done.set()
        finally:  # however the loop ends, the line is never left without a worker
            with self._lock:
                if self._worker is threading.current_thread():
                    self._worker = None
                    if self._line:
                        self._start_worker()

    def _finish(self, job: _Job, state: str, value: Any = None, error: BaseException | None = None) -> None:
        with self._lock:
            job.value, job.error, job.state = value, error, state
            self._forget(job)  # from now on a request for this key starts anew (or finds the cache)

    def _run(self, job: _Job) -> None:
        """Run one job to its end, whatever its compute does; never raises."""
        try:
            cached = self.cache.get(job.key) if self.cache is not None else None
            if cached is not None:  # stored meanwhile (e.g. shipped results put at server start)
                self._finish(job, DONE, cached)
                return

            def cancelled() -> bool:
                with self._lock:
                    if job.cancel_requested and not job.stopping:
                        job.stopping = True  # from now on nobody joins: a new request starts a new job
                        self._forget(job)
                    return job.stopping

            def report(update: Any) -> None:
                job.latest = update
                if cancelled():
                    raise Cancelled(f"Nobody waits for {job.key!r} any more.")

            value = job.compute(report, cancelled)
            elapsed = self.clock() - job.started_at
            if self.cache is not None:
                self.cache.put(job.key, value)
            with self._lock:
                self.computed += 1
                if job.units > 0:
                    self._speeds.append(elapsed / job.units)
            self._finish(job, DONE, value)
        except BaseException as exc:  # noqa: BLE001  (the worker must survive any compute)
            self._finish(job, ABANDONED if job.stopping and isinstance(exc, Cancelled) else FAILED, error=exc)
