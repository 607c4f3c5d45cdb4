"""Training is safe under concurrency: Streamlit runs each browser session in its own thread of one process.

The tests go through the code path the UI uses (`dlviz.ui.sweep.train`): one shared `SweepCache`, and for every
"session" a thread calling `cache.get_or_compute((dataset.fingerprint, tuple(specs)), lambda report:
train_sweep(dataset, specs, report), progress=...)`. They check that

- callers of the same sweep share one computation and get the very same result object;
- different sweeps (other learning rates, batch sizes, seeds, widths) and plain `model.fit` runs
  (`train_plain`) running alongside do not change each other's numbers: every result is bitwise equal to the one
  from a sequential run made first, in the same process;

No timing assertions: speed under load is measured by `bench/concurrency.py`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

from dlviz.cache import SweepCache
from dlviz.data import load_builtin
from dlviz.runs import RunHistory, RunSpec, SweepProgress
from dlviz.engine.runtime import TRAINING_LOCK
from dlviz.training import train_plain, train_sweep
from tests.support import TIMEOUT

EPOCHS = 3
SWEEP_FIELDS = ("loss", "val_loss", "accuracy", "val_accuracy", "update_loss", "initial_loss", "initial_val_loss",
                "initial_accuracy", "initial_val_accuracy")
PLAIN_FIELDS = ("loss", "val_loss", "accuracy", "val_accuracy")


@pytest.fixture(scope="module")
def data():
    """600 practice rows: 384 train, 96 validation, 120 test."""
    return load_builtin("practice", max_rows=600)


@pytest.fixture(scope="module")
def sweeps(data) -> dict[str, list[RunSpec]]:
    """Distinct sweeps that differ in every way a page can make them differ."""
    base = RunSpec(data.fingerprint, epochs=EPOCHS, batch_size=32, learning_rate=0.01)
    n_train = len(data.y_train)
    return {
        # A learning-rate sweep with a diverging value (stacked lanes that drop out mid-sweep).
        "lr": [base.replace(learning_rate=rate) for rate in (1e-3, 1e-2, 0.1, 10.0)],
        # Other rates, another batch size and seed.
        "lr_seed7": [base.replace(learning_rate=rate, batch_size=16, seed=7) for rate in (3e-3, 0.3)],
        # A batch-size sweep, including a batch larger than the training set (one update per epoch).
        "batch": [base.replace(batch_size=size) for size in (8, 64, n_train, 4 * n_train)],
        # A single narrow run of another length and seed.
        "single": [base.replace(epochs=EPOCHS + 2, hidden_units=8, batch_size=50, seed=0)],
        # A run on the same settings as one value of "lr" but with another seed: same shapes, other numbers.
        "seed1": [base.replace(seed=1)],
    }


@pytest.fixture(scope="module")
def plain_specs(data) -> list[tuple[RunSpec, bool]]:
    """Lesson-code runs (`model.fit`) that the engine sweeps must not disturb, nor be disturbed by, as
    `(spec, same_batch_order)`. With `same_batch_order=False`, `fit` shuffles with TensorFlow's global seed (set
    by `keras.utils.set_random_seed`): two of those interleaved without the training lock give other numbers."""
    base = RunSpec(data.fingerprint, epochs=2, batch_size=32, learning_rate=0.01)
    other = base.replace(learning_rate=3e-3, batch_size=64, seed=5)
    return [(base, True), (other, True), (base, False), (other, False)]


@pytest.fixture(scope="module")
def sequential(data, sweeps, plain_specs):
    """The reference: every sweep and plain run trained alone, one after another, before any concurrency."""
    engine = {name: train_sweep(data, specs) for name, specs in sweeps.items()}
    plain = [train_plain(data, spec, same_batch_order=same) for spec, same in plain_specs]
    return engine, plain


def assert_same_history(got: RunHistory, want: RunHistory, fields=SWEEP_FIELDS) -> None:
    """Bitwise equality (NaN equals NaN) of every curve, the start, divergence and the final weights."""
    assert got.spec == want.spec
    for name in fields:
        a = np.asarray(getattr(got, name), np.float64)
        b = np.asarray(getattr(want, name), np.float64)
        assert a.shape == b.shape, (got.spec, name)
        assert np.array_equal(a, b, equal_nan=True), (got.spec, name, a, b)
    assert got.diverged_at == want.diverged_at
    assert got.updates_per_epoch == want.updates_per_epoch
    assert len(got.weights) == len(want.weights)
    for a, b in zip(got.weights, want.weights):
        assert np.array_equal(a, b, equal_nan=True), got.spec


@dataclass
class Session:
    """What one simulated browser session did."""

    name: str
    result: Any = None
    error: BaseException | None = None
    reports: list[float] = field(default_factory=list)  # progress fractions it was shown


def run_sessions(jobs: list[tuple[str, Callable[[Session], Any]]], before_release: Callable[[], None] | None = None
                 ) -> list[Session]:
    """Run every job in its own thread, all released at once by a barrier; return what each did."""
    sessions = [Session(name) for name, _ in jobs]
    barrier = threading.Barrier(len(jobs) + 1)

    def target(session: Session, job: Callable[[Session], Any]) -> None:
        try:
            barrier.wait(timeout=60)
            session.result = job(session)
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            session.error = exc

    threads = [threading.Thread(target=target, args=(s, job), name=f"session-{s.name}", daemon=True)
               for s, (_, job) in zip(sessions, jobs)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    if before_release is not None:
        before_release()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
        assert not thread.is_alive(), f"{thread.name} did not finish"
    errors = [(s.name, s.error) for s in sessions if s.error is not None]
    assert not errors, errors
    return sessions


def sweep_job(cache: SweepCache, data, specs: list[RunSpec]) -> Callable[[Session], Any]:
    """Exactly what `dlviz.ui.run_sweep` does for a session once its request passed the work check."""
    key = (data.fingerprint, tuple(specs))

    def job(session: Session):
        def on_progress(update: SweepProgress) -> None:
            session.reports.append(update.fraction)

        return cache.get_or_compute(key, lambda report: train_sweep(data, specs, report), progress=on_progress)
    return job


def plain_job(data, spec: RunSpec, same_batch_order: bool) -> Callable[[Session], Any]:
    return lambda session: train_plain(data, spec, same_batch_order=same_batch_order)


# Which sweep each engine session asks for: 12 sessions, several on the same sweep, every sweep at least once.
SESSION_SWEEPS = ["lr", "lr", "lr", "lr", "batch", "batch", "batch", "lr_seed7", "lr_seed7", "single", "seed1",
                  "seed1"]


@pytest.mark.parametrize("gated", [False, True], ids=["free-race", "all-in-flight"])
def test_concurrent_sessions_train_each_sweep_once_and_match_a_sequential_run(data, sweeps, plain_specs,
                                                                               sequential, gated):
    """12 engine sessions on 5 distinct sweeps plus 4 plain `model.fit` runs, all started at once.

    "free-race": the threads race from a barrier. "all-in-flight": the main thread holds the training lock until
    every distinct sweep is being computed, so every same-sweep caller after the first certainly finds its sweep in
    flight and must wait for it (no caller can find it already cached).
    """
    engine_ref, plain_ref = sequential
    cache = SweepCache()
    jobs = [(name, sweep_job(cache, data, sweeps[name])) for name in SESSION_SWEEPS]
    jobs += [(f"plain{i}", plain_job(data, spec, same)) for i, (spec, same) in enumerate(plain_specs)]
    keys = [(data.fingerprint, tuple(specs)) for specs in sweeps.values()]

    def hold_training_until_all_in_flight() -> None:
        pause = threading.Event()  # never set: only for its timed wait
        with TRAINING_LOCK:
            for _ in range(1200):
                if all(cache.is_computing(key) for key in keys):
                    break
                pause.wait(0.05)
            assert all(cache.is_computing(key) for key in keys)
            assert len(cache) == 0  # nothing finished while training was held
            pause.wait(0.5)  # let the same-sweep callers reach their wait

    sessions = run_sessions(jobs, hold_training_until_all_in_flight if gated else None)

    # One computation per distinct sweep; every caller of a sweep holds the very same object.
    assert cache.computed == len(sweeps)
    by_sweep: dict[str, list[Session]] = {}
    for session in sessions:
        by_sweep.setdefault(session.name, []).append(session)
    for name in sweeps:
        results = [s.result for s in by_sweep[name]]
        assert all(result is results[0] for result in results), name
        assert cache.get((data.fingerprint, tuple(sweeps[name]))) is results[0]
    # The session that trained a sweep saw its progress reach the end; every report anyone saw is a fraction.
    for name in sweeps:
        reports = [s.reports for s in by_sweep[name]]
        assert any(r and r[-1] == 1.0 for r in reports), name
        assert all(0.0 <= f <= 1.0 for r in reports for f in r)

    # Bitwise equal to the sequential run, sweep by sweep, value by value.
    for name, specs in sweeps.items():
        got = by_sweep[name][0].result
        assert len(got) == len(specs)
        for history, want in zip(got, engine_ref[name]):
            assert_same_history(history, want)
    for i, want in enumerate(plain_ref):
        assert_same_history(by_sweep[f"plain{i}"][0].result, want, PLAIN_FIELDS)

    # And the concurrency did not leave anything behind that changes a later run.
    assert_same_history(train_sweep(data, sweeps["lr"])[2], engine_ref["lr"][2])


def test_sweeps_are_really_different(sequential):
    """Guard against a vacuous comparison: the sweeps above really give different numbers."""
    engine, plain = sequential
    losses = {name: tuple(h.loss[-1] for h in histories) for name, histories in engine.items()}
    assert len(set(losses.values())) == len(losses)
    assert engine["lr"][-1].diverged and not engine["lr"][0].diverged
    assert engine["batch"][2].updates_per_epoch == engine["batch"][3].updates_per_epoch == 1
    assert plain[0].loss != plain[1].loss
    assert plain[0].loss != plain[2].loss  # the lesson's own shuffling gives other batches than the engine's order


def test_a_failing_sweep_fails_every_waiter_and_is_not_cached(data):
    """A refused request (absurd setting) raises the same TrainingError in every session asking for it, while an
    ordinary sweep running at the same time still succeeds."""
    from dlviz.runs import TrainingError

    cache = SweepCache()
    bad = [RunSpec(data.fingerprint, epochs=2, learning_rate=1_000.0)]
    good = [RunSpec(data.fingerprint, epochs=2)]
    jobs = [("bad", sweep_job(cache, data, bad)) for _ in range(3)] + [("good", sweep_job(cache, data, good))]

    def swallow(job):
        def wrapped(session):
            try:
                return job(session)
            except TrainingError as exc:
                return exc
        return wrapped

    sessions = run_sessions([(name, swallow(job)) for name, job in jobs])
    errors = [s.result for s in sessions if s.name == "bad"]
    assert all(isinstance(e, TrainingError) and "Learning rate must be between" in str(e) for e in errors)
    assert (data.fingerprint, tuple(bad)) not in cache and not cache.is_computing((data.fingerprint, tuple(bad)))
    good_result = next(s.result for s in sessions if s.name == "good")
    assert len(good_result) == 1 and good_result[0].epochs_run == 2
