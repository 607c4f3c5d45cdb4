"""One trainer per server process, one process that trains, and one store of finished results bounded in bytes.
Streamlit runs each browser session in a thread of one process, and two trainings at once change each other's numbers
(TensorFlow's global state and thread pools), so every job runs on the one worker of a
`concurrent.futures.ThreadPoolExecutor(max_workers=1)`, which runs jobs one at a time in the order they were submitted,
and a job that trains hands its work to `TrainingProcess` (TensorFlow is never imported in the server). Here is what
the executors do not do: a `Future` per key so that identical requests share one job, the sessions waiting for each job
(a session's new request leaves its earlier one, which `Future.cancel()` drops if it is still queued and nobody else
waits), a place in line and an estimated wait, progress from the training process, and the store. No Streamlit, no
TensorFlow (`dlviz.ui.sweep.run_job` is the pages' side, `dlviz.jobs` what the training process runs).
"""

from __future__ import annotations

import os
import pickle
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, Sequence

from dlviz.runs import LESSON_HIDDEN_UNITS, RunSpec, TrainingError, updates_per_epoch

# The sweep engine trains the values of a sweep that differ only in learning rate and seed as stacked lanes of one
# step; each lane after the first adds about a quarter of a one-lane step. Work is counted in one-lane steps.
EXTRA_LANE_COST = 0.25
SECONDS_PER_STEP = 2e-4  # the speed assumed until a job has finished here
SPEED_WINDOW = 8  # finished jobs whose measured speed the estimate uses (their median)
RECENT_JOBS = 4  # finished jobs a request for the same key still joins (it looked in the store just before they ended)
PROGRESS_SECONDS = 0.25  # the training process sends progress at most this often (a page reads it every 0.5 s)

Report = Callable[..., None]  # report(fraction, message, partial=None)


def width_factor(spec: RunSpec) -> float:
    """How much slower than the lesson's width a run's step is.
    Args:
        spec: the run; only `hidden_units` counts.
    Returns:
        (hidden_units / 64) ** 0.6, at least 1: fitted to wider models' measured step time (8x wider: 3-3.6x)."""
    return max(1.0, spec.hidden_units / LESSON_HIDDEN_UNITS) ** 0.6


def sweep_work(specs: Sequence[RunSpec], n_train: int) -> float:
    """Work of a sweep in one-lane steps: per stack of lanes (same batch size, epochs, width and seed), epochs x
    updates per epoch x (1 + `EXTRA_LANE_COST` per extra lane) x `width_factor`. The unit of `run_job`'s `work`.
    Args:
        specs: the sweep's runs (every value and seed).
        n_train: rows that train (without the validation tail); updates per epoch = ceil(n_train / batch_size), as
            `model.fit` makes them.
    Returns:
        The estimated cost in one-lane weight updates (a float >= 0; 0 for no specs)."""
    lanes: dict[tuple, list[RunSpec]] = {}
    for spec in specs:
        lanes.setdefault((spec.batch_size, spec.epochs, spec.hidden_units, spec.seed), []).append(spec)
    work = 0.0
    for first, *others in lanes.values():
        steps = first.epochs * updates_per_epoch(n_train, first.batch_size)
        work += steps * (1 + EXTRA_LANE_COST * len(others)) * width_factor(first)
    return work


class Cancelled(Exception):
    """Raised by a job's `report` once nobody waits for the job: it stops there."""


@dataclass(eq=False)
class Job:
    """A training asked for: its key, estimated work (one-lane steps), the sessions waiting for it and when each asked
    (the trainer's clock, read in line), its `Future`, and its latest progress report (`partial`: whatever the job hands
    along, e.g. growing histories)."""

    key: Hashable
    work: float
    sessions: set[Hashable] = field(default_factory=set)
    asked: dict[Hashable, float] = field(default_factory=dict)
    future: Future = field(default_factory=Future)
    started: float | None = None
    fraction: float = 0.0
    message: str = ""
    partial: Any = None


@dataclass(frozen=True)
class Place:
    """Where a job stands: `ahead` jobs before it (the running one included; 0 once it runs), `seconds` until its
    result (estimated), and its latest progress."""

    ahead: int
    seconds: float
    running: bool
    fraction: float
    message: str
    partial: Any


class Trainer:
    """Runs jobs one at a time in the order asked, shares them by key, drops queued ones nobody waits for, and keeps
    finished results (`put`/`get`: least recently used out first, at most `max_bytes` pickled).

    Args:
        max_bytes: bound of the store, in pickled bytes; a larger single value is not kept.
        shipped: results that come with the app (e.g. `dlviz.precomputed.load()`): looked up first, never evicted.
        seconds_per_step: the speed assumed until a job has finished here; then the median of the last
            `SPEED_WINDOW` jobs' seconds per unit of work (the median, so the first job's TensorFlow import does not
            inflate every estimate after it).
        clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(self, max_bytes: int = 96 * 2**20, shipped: Mapping[Hashable, Any] | None = None,
                 seconds_per_step: float = SECONDS_PER_STEP, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes, self.shipped, self.clock = max_bytes, dict(shipped or {}), clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlviz-trainer")
        self._lock = threading.Lock()
        self._jobs: dict[Hashable, Job] = {}  # queued or running, in the executor's order
        self._finished: OrderedDict[Hashable, Job] = OrderedDict()  # the last RECENT_JOBS that succeeded
        self._by_session: dict[Hashable, Job] = {}  # each session's request not yet over
        self._store: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._speeds: deque[float] = deque([seconds_per_step], maxlen=SPEED_WINDOW)
        self._measured = False

    def get(self, key: Hashable) -> Any:
        """The stored result for `key` (marked as recently used), or None."""
        if key in self.shipped:
            return self.shipped[key]
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                return self._store[key][0]
        return None

    def put(self, key: Hashable, value: Any) -> bool:
        """Store a finished result; returns whether it was kept."""
        size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))  # outside the lock: milliseconds
        if size > self.max_bytes:
            return False
        with self._lock:
            self._store[key] = (value, size)
            self._store.move_to_end(key)
            while self.stored_bytes > self.max_bytes:
                self._store.popitem(last=False)
            return key in self._store

    @property
    def stored_bytes(self) -> int:
        return sum(size for _, size in self._store.values())

    def submit(self, session: Hashable, key: Hashable, fn: Callable[[Report], Any], work: float) -> Job:
        """Ask for `fn(report)` under `key` for `session`; join the queued or running job of that key if there is one.

        The session's earlier request for another key, if not over, loses this waiter: queued with nobody left, its
        `Future` is cancelled (it never runs); running, its next `report` raises `Cancelled`. A rerun asking for the
        same key keeps its place, and a request for a key whose job has just succeeded gets that job (its result is in
        the store by then, but the session looked before). `fn` runs on the worker thread; `report(fraction, message,
        partial=None)` publishes progress to the waiters.
        """
        with self._lock:
            previous = self._by_session.get(session)
            if previous is not None and previous.key != key:
                self._leave(session, previous)
            if key in self._finished:
                job = self._finished[key]
                job.asked[session] = self.clock()  # asked anew: a rerun of a queued job keeps its first time instead
                return job
            job = self._jobs.get(key)
            if job is None:
                job = self._jobs[key] = Job(key, float(work))
                job.future = self._executor.submit(self._run, job, fn)
            job.sessions.add(session)
            job.asked.setdefault(session, self.clock())
            self._by_session[session] = job
        return job

    def _leave(self, session: Hashable, job: Job) -> None:
        job.sessions.discard(session)
        if self._by_session.get(session) is job:
            del self._by_session[session]
        if not job.sessions and job.future.cancel() and self._jobs.get(job.key) is job:
            del self._jobs[job.key]

    def place(self, job: Job) -> Place:
        """`job`'s place in line and estimated wait, now."""
        with self._lock:
            rate = statistics.median(self._speeds)
            now, ahead, seconds = self.clock(), 0, 0.0
            for other in self._jobs.values():
                if other.started is None or other.fraction > 0:
                    seconds += other.work * rate * (1.0 - other.fraction)
                else:  # running, no progress reported yet: its estimate less the time it has run
                    seconds += max(0.0, other.work * rate - (now - other.started))
                if other is job:
                    break
                ahead += 1
            else:
                return Place(0, 0.0, False, 1.0, job.message, job.partial)  # over
            running = job.started is not None
            return Place(0 if running else ahead, seconds, running, job.fraction, job.message, job.partial)

    def _run(self, job: Job, fn: Callable[[Report], Any]) -> Any:
        def report(fraction: float, message: str = "", partial: Any = None) -> None:
            with self._lock:
                job.fraction, job.message, job.partial = min(1.0, max(0.0, fraction)), message, partial
                if not job.sessions:  # nobody waits: stop here, and a new request starts anew
                    if self._jobs.get(job.key) is job:
                        del self._jobs[job.key]
                    raise Cancelled(f"Nobody waits for {job.key!r} any more.")

        with self._lock:
            job.started = self.clock()
        try:
            value = fn(report)
            with self._lock:
                if job.work > 0:
                    if not self._measured:  # the assumed speed gives way to the first measured one
                        self._speeds.clear()
                        self._measured = True
                    self._speeds.append((self.clock() - job.started) / job.work)
                self._finished[job.key] = job
                while len(self._finished) > RECENT_JOBS:
                    self._finished.popitem(last=False)
            return value
        finally:
            with self._lock:
                if self._jobs.get(job.key) is job:
                    del self._jobs[job.key]
                for session in job.sessions:
                    if self._by_session.get(session) is job:
                        del self._by_session[session]


class TrainingProcess:
    """Runs jobs in one child process of its own, one at a time, so that TensorFlow is imported there and never in
    the server: Streamlit ends every script run of every session with `keras.backend.clear_session()` once Keras is
    imported, which empties TensorFlow's kernel cache for the whole process while another session's job trains
    (bench/clear_session.py). The child is `python -c "...serve()"` (`subprocess`), not `multiprocessing`: Streamlit
    installs each script as `__main__`, which multiprocessing's children would run again. Jobs and their progress are
    pickled over the child's standard input and output. Call it from one thread at a time (the `Trainer`'s worker).
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._number = 0

    def __call__(self, fn: Callable[..., Any], args: tuple, report: Report) -> Any:
        """`fn(*args, report)` in the training process, its progress relayed to `report(fraction, message, partial)`.
        Args:
            fn: a module-level function (`dlviz.jobs`), pickled by name.
            args: picklable arguments; the result must be picklable and import without TensorFlow.
            report: called here with the job's progress, at most every `PROGRESS_SECONDS`; once it raises
                `Cancelled`, the job stops at its next report.
        Returns:
            What `fn` returned.
        Raises:
            What `fn` raised (`Cancelled` once `report` raised it); `dlviz.runs.TrainingError` when the process died
            (e.g. killed for its memory): the next job starts a new one."""
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen([sys.executable, "-c", "from dlviz.engine.queue import serve; serve()"],
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=_ROOT,
                                             start_new_session=True)  # Ctrl-C stops the server; the child sees EOF
        self._number += 1
        number, cancelled = self._number, False
        try:
            # the job pickled apart, so that the child reads every message even if the job fails to unpickle there
            _send(self._process.stdin, "job", number, pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))
            while True:
                kind, of, payload = _receive(self._process.stdout)
                if of != number:  # a late word of an earlier job whose wait ended in an error here
                    continue
                if kind != "progress":
                    break
                if not cancelled:
                    try:
                        report(*payload)
                    except Cancelled:
                        cancelled = True
                        _send(self._process.stdin, "cancel", number, None)
        except (EOFError, OSError) as exc:
            self._process.kill()
            self._process = None
            raise TrainingError("The training process stopped (out of memory?). Change a setting or reload the page "
                                "to train again.") from exc
        if cancelled:
            raise Cancelled(f"Nobody waits for job {number} any more.")
        if kind == "error":
            raise payload
        return payload


_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # where `dlviz` imports from


def _send(stream: Any, kind: str, number: int, payload: Any) -> None:
    data = pickle.dumps((kind, number, payload), protocol=pickle.HIGHEST_PROTOCOL)  # whole, or nothing sent
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _receive(stream: Any) -> tuple[str, int, Any]:
    """The next message `_send` wrote, read whole (its length first), so that one that fails to unpickle leaves the
    stream at the next. Raises EOFError once the stream has ended."""
    head = stream.read(8)
    data = stream.read(int.from_bytes(head, "little")) if len(head) == 8 else b""
    if not data:
        raise EOFError("the other process closed the pipe")
    return pickle.loads(data)


def serve() -> None:
    """The training process: runs each job sent on standard input and answers on standard output, with progress at
    most every `PROGRESS_SECONDS`, until standard input ends. A reader thread takes the requests, so that a job's
    `report` raises `Cancelled` as soon as its cancel has come. Stray prints go to standard error."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    jobs: queue.Queue = queue.Queue()
    cancelled: set[int] = set()

    def read() -> None:
        while True:
            try:
                kind, number, payload = _receive(sys.stdin.buffer)
            except EOFError:
                jobs.put(None)
                return
            if kind == "cancel":
                cancelled.add(number)
            else:
                jobs.put((number, payload))

    threading.Thread(target=read, name="dlviz-requests", daemon=True).start()
    while (request := jobs.get()) is not None:
        number, job = request
        sent = [0.0]

        def report(fraction: float, message: str = "", partial: Any = None, number: int = number) -> None:
            if number in cancelled:
                raise Cancelled(f"Nobody waits for job {number} any more.")
            now = time.monotonic()
            if now - sent[0] >= PROGRESS_SECONDS:
                sent[0] = now
                _send(out, "progress", number, (min(1.0, max(0.0, fraction)), message, partial))

        try:
            try:
                fn, args = pickle.loads(job)
                _send(out, "done", number, fn(*args, report))
            except Exception as exc:
                try:
                    _send(out, "error", number, exc)
                except Exception:  # an error that does not pickle: its message goes instead
                    _send(out, "error", number, TrainingError(f"Training failed: {exc!r}"))
        except BrokenPipeError:  # the server is gone
            return
