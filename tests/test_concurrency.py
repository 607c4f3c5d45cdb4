"""Training is safe under concurrency: Streamlit runs each browser session in its own thread of one process.

The tests go through the code path the UI uses (`dlviz.ui.sweep.train`): one shared `Trainer()`, and for every
"session" a thread calling `trainer.submit(session_id, tuple(specs), job, work)` with the job `train` gives it (train
the sweep, store each run by its spec), following the job's place in line until its `Future` is done and then taking
its result. Lesson-code runs (`train_plain`, which take the engine's `TRAINING_LOCK` themselves, outside
the trainer) run alongside. They check that

- callers of the same sweep share one computation and get the very same result object;
- different sweeps (other learning rates, batch sizes, seeds, widths) and plain `model.fit` runs running alongside
  do not change each other's numbers: every result is bitwise equal to the one from a sequential run made first, in
  the same process;
- a failing request (a spec the engine refuses) fails its own waiters only, with one exception object, and is not
  cached.

No timing assertions: the waits below poll the trainer's public place in line until a state is reached, never a
duration.
Speed under load is measured by `bench/concurrency.py`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

from dlviz.data import load_builtin
from dlviz.runs import RunHistory, RunSpec, SweepProgress
from dlviz.engine.queue import Job, Trainer, sweep_work
from dlviz.engine.runtime import TRAINING_LOCK
from tests.support.reference import train_plain
from dlviz.engine.sweep import train_sweep
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

    name: str  # the sweep (or plain run) it asked for; several sessions may share one
    session_id: str  # unique, as `dlviz.ui.sweep._session_id` is per browser session
    ticket: Job | None = None
    result: Any = None
    error: BaseException | None = None
    states: list[str] = field(default_factory=list)  # "queued" or "running", as it was shown, in order
    reports: list[float] = field(default_factory=list)  # progress fractions it was shown


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` until it holds; fail (instead of hanging) after `TIMEOUT` seconds. Not a timing assertion:
    only a state is waited for."""
    pause = threading.Event()  # never set: only for its timed wait
    for _ in range(int(TIMEOUT / 0.02)):
        if condition():
            return
        pause.wait(0.02)
    raise AssertionError(f"never reached: {what}")


def run_sessions(jobs: list[tuple[str, Callable[[Session], Any]]],
                 gate: Callable[[list[Session]], None] | None = None,
                 before: Callable[[], None] | None = None) -> list[Session]:
    """Run every job in its own thread, all released at once by a barrier; return what each did.

    With `gate`, the main thread holds the engine's `TRAINING_LOCK` from before the release until `gate(sessions)`
    returns, so no training (queued sweep or plain run) can start or finish meanwhile; `before()` runs under the
    lock just before the release."""
    sessions = [Session(name, f"{name}-{i}") for i, (name, _) in enumerate(jobs)]
    barrier = threading.Barrier(len(jobs) + 1)

    def target(session: Session, job: Callable[[Session], Any]) -> None:
        try:
            barrier.wait(timeout=60)
            session.result = job(session)
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            session.error = exc

    threads = [threading.Thread(target=target, args=(s, job), name=f"session-{s.session_id}", daemon=True)
               for s, (_, job) in zip(sessions, jobs)]
    for thread in threads:
        thread.start()
    if gate is None:
        barrier.wait(timeout=60)
    else:
        with TRAINING_LOCK:
            if before is not None:
                before()
            barrier.wait(timeout=60)
            gate(sessions)
    for thread in threads:
        thread.join(timeout=TIMEOUT)
        assert not thread.is_alive(), f"{thread.name} did not finish"
    return sessions


COMPUTED: list[tuple] = []  # every sweep computed through `submit_sweep`, in order


def submit_sweep(trainer: Trainer, session_id: str, data, specs: list[RunSpec]) -> Job:
    """Exactly the request `dlviz.ui.sweep.train` makes for a session's missing runs."""
    def job(report):
        COMPUTED.append(tuple(specs))
        histories = train_sweep(data, specs, lambda p: report(p.fraction, p.message, list(p.histories)))
        for spec, history in zip(specs, histories):
            trainer.put(spec, history)
        return histories

    return trainer.submit(session_id, tuple(specs), job, sweep_work(specs, len(data.y_train)))


def sweep_job(trainer: Trainer, data, specs: list[RunSpec]) -> Callable[[Session], Any]:
    """What a session's script run does: submit, follow the job's place in line (as the progress bar does) until
    it is over, then take the result (which raises the job's error)."""
    def job(session: Session):
        stored = [trainer.get(spec) for spec in specs]
        if all(history is not None for history in stored):  # as `train` does: stored runs need no job
            return stored
        session.ticket = ticket = submit_sweep(trainer, session.session_id, data, specs)
        while not ticket.future.done():
            place = trainer.place(ticket)
            session.states.append("running" if place.running else "queued")
            session.reports.append(place.fraction)
            threading.Event().wait(0.02)
        session.reports.append(trainer.place(ticket).fraction)
        return ticket.future.result()
    return job


def plain_job(data, spec: RunSpec, same_batch_order: bool) -> Callable[[Session], Any]:
    return lambda session: train_plain(data, spec, same_batch_order=same_batch_order)


# Which sweep each engine session asks for: 12 sessions, several on the same sweep, every sweep at least once.
SESSION_SWEEPS = ["lr", "lr", "lr", "lr", "batch", "batch", "batch", "lr_seed7", "lr_seed7", "single", "seed1",
                  "seed1"]


@pytest.mark.parametrize("gated", [False, True], ids=["free-race", "all-in-flight"])
def test_concurrent_sessions_train_each_sweep_once_and_match_a_sequential_run(data, sweeps, plain_specs,
                                                                               sequential, gated):
    """12 engine sessions on 5 distinct sweeps through one trainer plus 4 plain `model.fit` runs, all started at once.

    "free-race": the threads race from a barrier (a late caller may be served from the cache). "all-in-flight": the
    main thread holds the training lock until every session holds a job and the trainer shows exactly one job per
    distinct sweep (one running, four queued), so every same-sweep caller after the first certainly joined the job
    in flight (no caller can find its sweep already cached).
    """
    engine_ref, plain_ref = sequential
    trainer, COMPUTED[:] = Trainer(), []
    jobs = [(name, sweep_job(trainer, data, sweeps[name])) for name in SESSION_SWEEPS]
    jobs += [(f"plain{i}", plain_job(data, spec, same)) for i, (spec, same) in enumerate(plain_specs)]

    def hold_training_until_all_joined(sessions: list[Session]) -> None:
        engine = [s for s in sessions if s.name in sweeps]
        wait_until(lambda: all(s.ticket is not None for s in engine)
                   and len({id(s.ticket) for s in engine}) == len(sweeps),
                   "every session holds a ticket, one job per distinct sweep")
        places = {s.name: (trainer.place(s.ticket).running, trainer.place(s.ticket).ahead) for s in engine}
        # Nothing finished while training was held: one job running, the other distinct sweeps in line behind it,
        # all callers of a sweep at one place.
        assert COMPUTED[1:] == [] and all(trainer.get(spec) is None for specs in sweeps.values() for spec in specs)
        assert all((trainer.place(s.ticket).running, trainer.place(s.ticket).ahead) == places[s.name] for s in engine)
        assert sorted(places.values()) == [(False, n) for n in range(1, len(sweeps))] + [(True, 0)]

    sessions = run_sessions(jobs, hold_training_until_all_joined if gated else None)
    errors = [(s.session_id, s.error) for s in sessions if s.error is not None]
    assert not errors, errors

    # One computation per distinct sweep; every caller of a sweep holds the very same run objects, the ones stored by
    # their specs.
    assert len(COMPUTED) == len(sweeps) and set(COMPUTED) == {tuple(specs) for specs in sweeps.values()}
    by_sweep: dict[str, list[Session]] = {}
    for session in sessions:
        by_sweep.setdefault(session.name, []).append(session)
    for name in sweeps:
        stored = [trainer.get(spec) for spec in sweeps[name]]
        assert all(a is b for s in by_sweep[name] for a, b in zip(s.result, stored, strict=True)), name
    # A session that waited for the training saw its progress reach the end (one that found its runs stored waited
    # for nothing), and every report is a fraction.
    for name in sweeps:
        sessions_of = by_sweep[name]
        assert any(s.reports and s.reports[-1] == 1.0 for s in sessions_of), name
        assert all(0.0 <= f <= 1.0 for s in sessions_of for f in s.reports)
        if gated:  # all joined the job in flight and followed it to its end
            assert all(s.states and s.reports[-1] == 1.0 for s in sessions_of), name

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


def test_a_refused_sweep_fails_only_its_waiters_and_is_not_cached(data):
    """Three sessions ask for a sweep the engine refuses (absurd learning rate) while two others wait for an ordinary
    one that runs first: the three get one and the same TrainingError, the two get their sweep, the trainer goes on,
    and the refused sweep is not cached (asking again runs it again and raises anew)."""
    from dlviz.runs import TrainingError

    trainer, COMPUTED[:] = Trainer(), []
    bad = [RunSpec(data.fingerprint, epochs=2, learning_rate=1_000.0)]
    good = [RunSpec(data.fingerprint, epochs=2)]
    jobs = [("bad", sweep_job(trainer, data, bad)) for _ in range(3)] + [("good", sweep_job(trainer, data, good))]
    first: list[Job] = []

    def ask_first() -> None:
        # The good sweep is asked for first, from here, so it runs first (held by the lock) and the refused one
        # waits in line behind it until all three of its callers have joined it.
        first.append(submit_sweep(trainer, "good-first", data, good))
        wait_until(lambda: trainer.place(first[0]).running, "the good sweep running")

    def gate(sessions: list[Session]) -> None:
        wait_until(lambda: all(s.ticket is not None for s in sessions), "every session holds a ticket")
        for session in sessions:
            place = trainer.place(session.ticket)
            assert (place.running, place.ahead) == ((False, 1) if session.name == "bad" else (True, 0))

    sessions = run_sessions(jobs, gate, ask_first)
    errors = [s.error for s in sessions if s.name == "bad"]
    assert all(isinstance(e, TrainingError) and "Learning rate must be between" in str(e) for e in errors)
    assert all(e is errors[0] for e in errors)  # one computation, one error, shared by its waiters

    good_session = next(s for s in sessions if s.name == "good")
    assert good_session.error is None and good_session.result is first[0].future.result(TIMEOUT)
    assert len(good_session.result) == 1 and good_session.result[0].epochs_run == 2
    assert trainer.get(bad[0]) is None and trainer.get(good[0]) is good_session.result[0]
    assert COMPUTED == [tuple(good), tuple(bad)]

    # Not remembered: asking again computes again and raises a new error.
    with pytest.raises(TrainingError) as again:
        submit_sweep(trainer, "later", data, bad).future.result(TIMEOUT)
    assert again.value is not errors[0] and COMPUTED == [tuple(good), tuple(bad), tuple(bad)]
