"""Training from a page: the one training path. Every job runs on the server's one trainer
(`dlviz.engine.queue.Trainer`: one worker, first come first served, identical requests shared, queued work nobody waits
for dropped), which trains in its own process (`dlviz.engine.queue.TrainingProcess`, running `dlviz.jobs`);
the page shows its place in line, estimated wait and progress, and its result goes to the one store (every sweep run by
its `RunSpec`, shipped defaults first; anything else by its key), bounded in bytes, shared by every session. Work caps
keep a sweep responsive on a small server. TensorFlow is never imported in the server's process.
"""

from __future__ import annotations

import gc
import json
import math
import os
import threading
import time
import uuid
from concurrent import futures
from dataclasses import dataclass, field
from typing import Callable, Hashable, Sequence, TypeVar

import streamlit as st

from dlviz import jobs
from dlviz.engine.queue import EXTRA_LANE_COST, Job, Place, Trainer, TrainingProcess, sweep_work, width_factor
from dlviz.runs import FinderError, RunHistory, RunSpec, TrainingError, default_updates, updates_per_epoch
from dlviz.ui import predict
from dlviz.ui.sidebar import Selection

T = TypeVar("T")
# Work caps that keep a sweep responsive on a small Community Cloud container, counted at the lesson's width:
# training rows seen and weight updates, summed over the values of a sweep. Seeds train stacked with their value,
# so each extra seed is counted at SEED_WORK of a run (bench/sweeps.py measures seed_cost, 3 seeds / 1 seed).
MAX_SAMPLE_PASSES = 4_000_000
MAX_TOTAL_UPDATES = 150_000
SEED_WORK = 0.5
# Growing curves while a sweep trains: the first drawing once it has trained LIVE_FIRST_SECONDS (a shorter sweep shows
# its progress bar, then its final chart), then at most one redraw per LIVE_REDRAW_SECONDS and at most LIVE_DRAW_SHARE
# of the time spent drawing (drawing runs on the session's thread beside the trainer, on the same core: a redraw a
# second is what the eye follows; bench/class.py).
LIVE_FIRST_SECONDS = 2.0
LIVE_REDRAW_SECONDS = 1.0
LIVE_DRAW_SHARE = 0.03
QUEUE_POLL_SECONDS = 0.5  # how often a waiting page reads its place in line (it redraws only what changed)
STORE_BYTES = 96 * 2**20  # the result store's bound (pickled); TensorFlow alone is ~650 MB resident


@st.cache_resource(show_spinner=False)
def trainer() -> Trainer:
    """The one trainer and result store of this server process, holding the runs shipped for every page's defaults
    (`dlviz.precomputed`) first, so that no default needs training."""
    from dlviz import precomputed

    return Trainer(STORE_BYTES, shipped=precomputed.load())


@st.cache_resource(show_spinner=False)
def training_process() -> TrainingProcess:
    """The one process of this server that trains (started with the first job: `warm_up`'s)."""
    return TrainingProcess()


def within_budget(selection: Selection, specs: Sequence[RunSpec]) -> list[RunSpec]:
    """`fit_budget` for a page: the specs to train (one per value; seeds are added by `Selection.with_seeds`), with
    the trim notice drawn where the page calls this (right under its controls)."""
    fitted, trimmed = fit_budget(specs, len(selection.dataset.y_train), selection.n_seeds)
    if trimmed:
        st.warning(trimmed, icon=":material/content_cut:")
    return fitted


def _session_id() -> str:
    # Streamlit has no public session id: one per browser session, kept in its session state.
    return st.session_state.setdefault("dlviz_session_id", uuid.uuid4().hex)


def _waiting_text(position: int, seconds: float, label: str) -> str:
    ahead = (f"{position} job{'s' if position != 1 else ''} ahead of your {label}" if position
             else f"your {label} is next")
    shown = round(seconds) if seconds < 30 else 5 * round(seconds / 5)  # a long wait's page changes every 5 s
    return f"Waiting for the trainer: {ahead}, about {max(1, shown)} s."


@dataclass
class Throttle:
    """When to redraw something that costs time to draw: not before `first` seconds after it is first asked (a job
    that waited in line is asked once it runs), not before `min_seconds` after the last draw, and not before the time
    since it would make drawing more than `share` of the time (a draw of d seconds waits d / share - d).

    >>> now = [0.0]
    >>> throttle = Throttle(0.4, 0.1, lambda: now[0])
    >>> throttle.due()
    True
    >>> now[0] = 0.5; throttle.drawn(started=0.0)  # a 0.5 s draw: the next one 4.5 s after it
    >>> now[0] = 4.9; throttle.due()
    False
    >>> now[0] = 5.0; throttle.due()
    True
    """

    min_seconds: float
    share: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    first: float = 0.0
    next_at: float | None = None

    def due(self) -> bool:
        now = self.clock()
        if self.next_at is None:
            self.next_at = now + self.first
        return now >= self.next_at

    def drawn(self, started: float) -> None:
        """A draw that began at `started` (the same clock) is over."""
        now = self.clock()
        spent = max(0.0, now - started)
        self.next_at = now + max(self.min_seconds, spent / self.share - spent)


def work(specs: Sequence[RunSpec], n_train: int) -> tuple[int, int]:
    """(training rows seen, weight updates) of a sweep of one seed per value, counted at the lesson's width."""
    passes = sum(s.epochs * width_factor(s) for s in specs) * n_train
    updates = sum(s.epochs * updates_per_epoch(n_train, s.batch_size) * width_factor(s) for s in specs)
    return round(passes), round(updates)


def _seeded_work(specs: Sequence[RunSpec], n_train: int, n_seeds: int) -> tuple[float, float]:
    passes, updates = work(specs, n_train)
    factor = 1 + SEED_WORK * (n_seeds - 1)
    return passes * factor, updates * factor


def fit_budget(specs: Sequence[RunSpec], n_train: int, n_seeds: int = 1) -> tuple[list[RunSpec], str | None]:
    """Shorten every run by the same factor until the sweep (one spec per value, trained on `n_seeds` seeds) fits
    the caps. Returns the specs to train and a message naming the controls that help (None when nothing was
    trimmed); no specs when even one epoch per run is too much."""
    specs = list(specs)
    passes, updates = _seeded_work(specs, n_train, n_seeds)
    if passes <= MAX_SAMPLE_PASSES and updates <= MAX_TOTAL_UPDATES:
        return specs, None
    asked = (f"This sweep asks for {updates:,.0f} weight updates ({n_seeds} seed{'s' if n_seeds > 1 else ''} per "
             f"value); dlviz trains at most {MAX_TOTAL_UPDATES:,} updates and {MAX_SAMPLE_PASSES:,} rows seen per "
             "sweep so the page stays responsive.")
    scale = min(MAX_SAMPLE_PASSES / passes, MAX_TOTAL_UPDATES / updates)
    trimmed = [s.replace(epochs=max(1, math.floor(s.epochs * scale))) for s in specs]
    passes, updates = _seeded_work(trimmed, n_train, n_seeds)
    if passes > MAX_SAMPLE_PASSES or updates > MAX_TOTAL_UPDATES:
        return [], asked + (" Even one epoch per run is more than that: choose fewer values, fewer seeds, fewer rows "
                            "or larger batches.")
    before, after = max(s.epochs for s in specs), max(s.epochs for s in trimmed)
    return trimmed, asked + (f" The runs were **trimmed to {after} epochs** (from {before}); for longer runs choose "
                             "fewer values, fewer seeds, fewer rows, larger batches or fewer hidden units.")


def _log_timing(key: Hashable, arrival: float, job: Job | None) -> None:
    """With DLVIZ_TIMING_LOG=path, one JSON line per request that reached the trainer or the store: when it arrived
    (in line: `Job.asked`), when its job started (None: stored already) and when its result came (monotonic clock;
    bench/class.py reads it)."""
    path = os.environ.get("DLVIZ_TIMING_LOG")
    if path:
        line = {"key": repr(key)[:200], "session": _session_id(), "arrival": arrival, "end": time.monotonic(),
                "start": None if job is None else job.started}
        with open(path, "a") as handle:
            handle.write(json.dumps(line) + "\n")


def _wait(key: Hashable, fn: Callable[..., T], args: tuple, *, work: float, label: str,
          on_progress: Callable[[Place], None] | None = None, keep: Callable[[T], None] | None = None) -> T | None:
    """Queue `fn(*args, report)` under `key` (or join it) for the training process, show the place in line and
    progress until its result comes; `keep(result)` stores it (on the trainer's thread, before any waiter sees it)."""
    store, process = trainer(), training_process()

    def run(report: Callable[..., None]) -> T:  # on the trainer's thread: never touches Streamlit
        value = process(fn, args, report)
        if keep is not None:
            keep(value)
        return value

    ticket = store.submit(_session_id(), key, run, work)
    bar, shown = st.progress(0.0, text=f"Waiting for the trainer ({label})…"), [""]
    try:
        while not futures.wait([ticket.future], QUEUE_POLL_SECONDS).done:
            place = store.place(ticket)
            text = (f"Training your {label}: {place.fraction:.0%}" + (f" ({place.message})" if place.message else "")
                    if place.running else _waiting_text(place.ahead, place.seconds, label))
            if text != shown[0]:  # a waiting page sends the browser only what changed
                shown[0] = text
                bar.progress(place.fraction, text=text)
            if on_progress is not None and place.running:
                on_progress(place)
        result = ticket.future.result()
        _log_timing(key, ticket.asked[_session_id()], ticket)
        return result
    except TrainingError as exc:
        st.error(str(exc))
        return None
    finally:
        bar.empty()


def run_job(key: Hashable, fn: Callable[..., T], *args, work: float, label: str) -> T | None:
    """The result of `fn(*args, report)` under `key`, trained in the server's one training process: stored already,
    or shared with a request for the same key queued or running, or queued now; meanwhile the page shows the place in
    line, the estimated wait and a progress bar.

    Args:
        key: hashable, and includes the dataset's fingerprint: identical keys share one job and one stored result.
        fn: a module-level function (`dlviz.jobs`); `report(fraction, message)` shows progress (fraction in
            [0, 1]) and raises `dlviz.engine.queue.Cancelled` once nobody waits.
        args: picklable; the result must be picklable and import without TensorFlow.
        work: the job's estimated cost in one-lane training steps (`dlviz.engine.queue.sweep_work`'s unit).
        label: what the page calls the job ("range test"), in the waiting text.

    Returns:
        The job's value (the same object for every session asking for `key`), or None after showing a
        `dlviz.runs.TrainingError` with `st.error`. Other exceptions of the job reach the caller; nothing failed is
        stored.
    """
    arrival, store = time.monotonic(), trainer()
    found = store.get(key)
    if found is not None:
        _log_timing(key, arrival, None)
        return found
    return _wait(key, fn, args, work=work, label=label, keep=lambda value: store.put(key, value))


def warm_up() -> None:
    """Once per process, after the first page has been drawn: queue the trainer's first job, which starts the
    training process, imports TensorFlow there and traces the engine for the lane counts of every page's default
    sweeps (`dlviz.jobs.warm_up`), so the first visitor who changes a setting pays for none of it; a job like
    any other, it never runs beside a training.

    Here, it moves every object the server holds by then (Streamlit's, plotly's, pandas', the shipped runs: about
    200,000) out of the garbage collector's way (`gc.collect()`, `gc.freeze()`): a full collection walking them took
    0.14 s while a class's pages were drawn (bench/README.md). Frozen objects are still freed by reference
    counting."""
    if _warmed.is_set():
        return
    _warmed.set()
    from dlviz import defaults

    sweeps = defaults.default_sweeps(defaults.default_dataset())
    lanes = sorted({sum(1 for o in specs if o.batch_size == s.batch_size and o.epochs == s.epochs
                        and o.hidden_units == s.hidden_units) for specs in sweeps.values() for s in specs})
    process = training_process()
    trainer().submit(("warm-up",), ("warm-up",), lambda report: process(jobs.warm_up, (lanes,), report), 0.0)
    gc.collect()
    gc.freeze()


_warmed = threading.Event()


def train(selection: Selection, specs: Sequence[RunSpec],
          draw_partial: Callable[[list[RunHistory | None]], None] | None = None) -> list[RunHistory] | None:
    """Histories for `specs` in their order: stored runs at once, missing ones trained now, together, on the one
    trainer (`run_job`'s path), with its place in line, progress and, through `draw_partial`, growing curves. Each run
    is stored by its `RunSpec`. None (after saying why) when training is refused."""
    specs = list(specs)
    if not specs:
        return None
    store = trainer()
    found = {spec: store.get(spec) for spec in specs}
    missing = [spec for spec in specs if found[spec] is None]
    if not missing:
        return [found[spec] for spec in specs]
    curves = Throttle(LIVE_REDRAW_SECONDS, LIVE_DRAW_SHARE, first=LIVE_FIRST_SECONDS)

    def on_progress(place: Place) -> None:  # called while the job runs (not while it waits in line)
        # No redraw at 100%: the finished chart follows at once.
        if (draw_partial is None or place.partial is None or place.fraction >= 1.0 or predict.hold_live_curves()
                or not curves.due()):
            return
        started = time.monotonic()
        partial = dict(zip(missing, place.partial))
        draw_partial([found[s] if found[s] is not None else partial.get(s) for s in specs])
        curves.drawn(started)

    def keep(histories: list[RunHistory]) -> None:
        for spec, history in zip(missing, histories):
            store.put(spec, history)  # each run by its spec: the sweep itself is not kept a second time

    n = len(missing)
    trained = _wait(tuple(missing), jobs.sweep, (selection.dataset, missing),
                    work=sweep_work(missing, len(selection.dataset.y_train)), label=f"{n} run{'s' if n > 1 else ''}",
                    on_progress=on_progress, keep=keep)
    if trained is None:
        return None
    found.update(zip(missing, trained))
    return [found[spec] for spec in specs]


def range_test(selection: Selection, seeds: Sequence[int], batch_size: int):
    """The learning-rate range test on the sidebar's data and model, once per seed of `seeds` (stacked lanes, each
    seed's initial weights and batch order), through `run_job`: a `dlviz.runs.FinderResult` per seed;
    None, after saying why, when it is refused."""
    data, seeds = selection.dataset, tuple(seeds)
    key = ("range_test", data.fingerprint, selection.hidden_units, seeds, int(batch_size))
    try:
        return run_job(key, jobs.range_test, data, seeds, int(batch_size), selection.hidden_units,
                       work=default_updates() * (1 + EXTRA_LANE_COST * (len(seeds) - 1)), label="range test")
    except FinderError as exc:
        st.error(str(exc))
        return None
