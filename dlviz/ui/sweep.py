"""Training from a page: every run cached on its own (`RunSpec` -> `RunHistory`) for every session, missing runs
trained together with a progress bar and live curves, work capped for a small server.

Caching runs one by one means that adding a value to a sweep trains only that value's seeds and removing one trains
nothing. TensorFlow (about 600 MB) is imported only when something must be trained.
"""

from __future__ import annotations

import gc
import math
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Sequence

import streamlit as st

from dlviz import settings
from dlviz.cache import ResultCache
from dlviz.runs import RunHistory, RunSpec, SweepProgress, TrainingError, updates_per_epoch
from dlviz.ui import predict
from dlviz.ui.sidebar import Selection

# Work caps that keep a sweep responsive on a small Community Cloud container, counted at the lesson's width:
# training rows seen and weight updates, summed over the values of a sweep. Seeds train stacked with their value,
# so each extra seed is counted at SEED_WORK of a run (bench/sweeps.py measures seed_cost, 3 seeds / 1 seed).
MAX_SAMPLE_PASSES = 4_000_000
MAX_TOTAL_UPDATES = 150_000
SEED_WORK = 0.5
# Growing curves while a sweep trains: the first drawing once it has trained LIVE_FIRST_SECONDS, then at most one
# redraw per LIVE_REDRAW_SECONDS and at most LIVE_DRAW_SHARE of the time spent drawing. Drawing runs on the session's
# thread beside the trainer, on the same cores (a figure and its JSON took 40-100 ms here, and every redraw makes the
# browser draw the chart again); in a class of 20 visitors each training a 2 s sweep, redrawing every 0.4 s cost the
# server a third as much CPU as the training (bench/class.py). A short sweep now shows its bar and then its chart; a
# long one grows about every 1-2 s.
LIVE_FIRST_SECONDS = 1.0
LIVE_REDRAW_SECONDS = 0.4
LIVE_DRAW_SHARE = 0.05
QUEUE_POLL_SECONDS = 0.25  # how often a waiting page reads its place in line (it redraws only what changed)


@st.cache_resource(show_spinner=False)
def run_store() -> ResultCache:
    """Every finished run of this server process, shared by all sessions (runs are immutable once stored), starting
    with the runs shipped for every page's defaults (`dlviz.precomputed`), so that no default needs training."""
    from dlviz import precomputed

    store = ResultCache(max_entries=4_000, max_bytes=128 * 1024 * 1024)
    for spec, history in precomputed.load().items():
        store.put(spec, history)
    return store


@st.cache_resource(show_spinner=False)
def training_queue():
    """The one trainer of this server process (`dlviz.engine.queue.TrainingQueue`): sweeps train one at a time,
    first come first served, one queued sweep per session, identical requests shared, abandoned ones dropped."""
    from dlviz.engine.queue import TrainingQueue

    return TrainingQueue(ResultCache(max_entries=64, max_bytes=64 * 1024 * 1024))


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


def _waiting_text(position: int, seconds: float) -> str:
    ahead = f"{position} sweep{'s' if position != 1 else ''} ahead of yours" if position else "yours is next"
    return f"Waiting for the trainer: {ahead}, about {max(1, round(seconds))} s."


@dataclass
class Throttle:
    """When to redraw something that costs time to draw: not before `min_seconds` after the last draw, and not before
    the time since it would make drawing more than `share` of the time (a draw of d seconds waits d / share - d).

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
    next_at: float = float("-inf")

    def due(self) -> bool:
        return self.clock() >= self.next_at

    def hold(self, seconds: float) -> None:
        """Nothing is due for `seconds` from now."""
        self.next_at = self.clock() + seconds

    def drawn(self, started: float) -> None:
        """A draw that began at `started` (the same clock) is over."""
        now = self.clock()
        spent = max(0.0, now - started)
        self.next_at = now + max(self.min_seconds, spent / self.share - spent)


_frozen = threading.Event()


def freeze_long_lived() -> None:
    """Once per process, after its first training: move every object alive now out of the garbage collector's way
    (`gc.collect()`, then `gc.freeze()`; Python's public API).

    TensorFlow, Keras and the traced engine leave about half a million long-lived Python objects, and every full
    collection walks all of them again (0.23 s of CPU each, measured here). A class keeps the server allocating
    (figures, histories, 20 sessions' scripts): 20 visitors set off about 45 full collections, 26 s of wall time in
    the collector, and the same class with the objects frozen 7 s; the server's CPU outside TensorFlow's threads fell
    from 33-38 s to 26 s in the class and from 20-23 s to 11 s serving it again from the cache (bench/class.py).
    Frozen objects are still freed by reference counting; only a reference cycle among them that becomes garbage
    later is kept (e.g. of the few sessions alive at this moment). Later sweeps pay only for the objects made after.
    """
    if _frozen.is_set():
        return
    _frozen.set()
    gc.collect()
    gc.freeze()


def _width_factor(spec: RunSpec) -> float:
    """How much slower than the lesson's width a run is (an 8x wider model measured 3-3.6x slower)."""
    return max(1.0, spec.hidden_units / settings.LESSON_HIDDEN_UNITS) ** 0.6


def work(specs: Sequence[RunSpec], n_train: int) -> tuple[int, int]:
    """(training rows seen, weight updates) of a sweep of one seed per value, counted at the lesson's width."""
    passes = sum(s.epochs * _width_factor(s) for s in specs) * n_train
    updates = sum(s.epochs * updates_per_epoch(n_train, s.batch_size) * _width_factor(s) for s in specs)
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


def train(selection: Selection, specs: Sequence[RunSpec],
          draw_partial: Callable[[list[RunHistory | None]], None] | None = None) -> list[RunHistory] | None:
    """Histories for `specs` in their order: stored runs at once, missing ones trained now (all together) with a
    progress bar and, through `draw_partial`, growing curves. None (after saying why) when training is refused."""
    specs = list(specs)
    if not specs:
        return None
    store = run_store()
    found = {spec: store.get(spec) for spec in specs}
    missing = [spec for spec in specs if found[spec] is None]
    if missing:
        bar = st.progress(0.0, text=("Loading TensorFlow (once per server start, a few seconds)…"
                                     if "tensorflow" not in sys.modules else "Waiting for the trainer…"))
        shown = [""]  # the bar's text: a waiting page sends the browser only what changed
        curves = Throttle(LIVE_REDRAW_SECONDS, LIVE_DRAW_SHARE)
        curves_held = [False]  # the first report starts the wait for the first drawing
        texts = Throttle(LIVE_REDRAW_SECONDS, 1.0)

        def show(fraction: float, text: str) -> None:
            if text != shown[0]:
                shown[0] = text
                bar.progress(fraction, text=text)

        def on_progress(update: SweepProgress) -> None:
            # No redraw at 100%: the finished chart follows at once.
            if update.fraction >= 1.0:
                return
            if texts.due():
                texts.drawn(time.monotonic())
                show(update.fraction, f"Training {len(missing)} run{'s' if len(missing) > 1 else ''} "
                                      f"({update.message}) — {update.fraction:.0%} of all weight updates")
            if not curves_held[0]:
                curves_held[0] = True
                curves.hold(LIVE_FIRST_SECONDS)
            if draw_partial is not None and not predict.hold_live_curves() and curves.due():
                started = time.monotonic()
                partial = dict(zip(missing, update.histories))
                draw_partial([found[s] if found[s] is not None else partial.get(s) for s in specs])
                curves.drawn(started)

        def compute(report: Callable[[SweepProgress], None], cancelled: Callable[[], bool]) -> list[RunHistory]:
            # On the queue's worker thread: never touches Streamlit. `report` raises when nobody waits any more.
            from dlviz.engine.sweep import train_sweep  # TensorFlow is imported only now

            histories = train_sweep(selection.dataset, missing, report)
            freeze_long_lived()
            return histories

        from dlviz.engine.queue import sweep_result_bytes, sweep_work

        n_train = len(selection.dataset.y_train)
        try:
            with training_queue().submit(_session_id(), tuple(missing), compute, work=sweep_work(missing, n_train),
                                         result_bytes=sweep_result_bytes(missing, n_train,
                                                                         selection.dataset.n_features)) as ticket:
                for status in ticket.wait(QUEUE_POLL_SECONDS):
                    if status.state == "queued":
                        show(0.0, _waiting_text(status.position, status.eta_seconds))
                    elif status.state == "running" and status.progress is not None:
                        on_progress(status.progress)
                trained = ticket.result()
        except TrainingError as exc:
            st.error(str(exc))
            return None
        finally:
            bar.empty()
        for spec, history in zip(missing, trained):
            store.put(spec, history)
            found[spec] = history
    return [found[spec] for spec in specs]


@st.cache_data(max_entries=16, show_spinner="Running the learning-rate range test…")
def _range_test(fingerprint: str, hidden_units: int, seed: int, batch_size: int, _dataset):
    # Keyed by the fingerprint: the Dataset itself (leading underscore) is not hashed.
    from dlviz.engine.lr_finder import find_learning_rate  # TensorFlow is imported only when the test runs

    return find_learning_rate(_dataset, batch_size=batch_size, hidden_units=hidden_units, seed=seed)


def range_test(selection: Selection, batch_size: int):
    """The learning-rate range test (`dlviz.engine.lr_finder.FinderResult`) on the sidebar's data and model, from seed 1's
    initial weights; None, after saying why, when it is refused."""
    from dlviz.engine.lr_finder import FinderError

    try:
        return _range_test(selection.dataset.fingerprint, selection.hidden_units, selection.seed, int(batch_size),
                           selection.dataset)
    except FinderError as exc:
        st.error(str(exc))
        return None
