"""The shipped default runs: keyed by RunSpec, covering every page's defaults, and equal to a fresh training run
within what a user could see, on any x86-64 machine."""

from __future__ import annotations

import numpy as np
import pytest

from dlviz import defaults, precomputed
from dlviz.analysis.sweeps import OSCILLATING
from dlviz.runs import RunSpec

# Tolerances: what a user could not see. A loss chart is about 400 px tall over a range of about 1.0, so 1e-3 is
# under half a pixel; a hover label prints 3-4 decimals. Accuracy moves in steps of one validation row (1/640 at the
# default 4,000 rows): a different CPU's last-bit rounding may flip a row sitting on the 0.5 threshold, so two rows.
# Weights are not compared: another CPU's kernels differ by up to 4e-3 in some hidden units with equal curves.
LOSS_TOLERANCE = 1e-3
ACCURACY_ROWS = 2


@pytest.fixture(scope="module")
def dataset():
    return defaults.default_dataset()


@pytest.fixture(scope="module")
def shipped():
    return precomputed.load()


def test_shipped_runs_cover_every_page_default(dataset, shipped):
    wanted = {spec for specs in defaults.default_sweeps(dataset).values() for spec in specs}
    missing = wanted - set(shipped)
    assert not missing, f"{len(missing)} default runs are not shipped; regenerate: python -m dlviz.precomputed"


def _compare(stored, fresh, n_val: int, reproducible: bool) -> None:
    """Curves agree within the tolerances above for as long as they are reproducible across CPUs: every epoch of a
    stable run; only the first epoch of a run the page calls too high, and the epochs before the blow-up of one that diverged (`reproducible` False). Such a run's
    path is chaotic: another CPU's kernels differ in the last bits, and a large step amplifies that every update
    (lr 0.1 at batch 32 agreed to 1e-5 for 3 epochs and then drifted by up to 0.025 on another machine), just as a
    blown-up run's curves do. What the page says of those runs is compared instead (`test_..._say_the_same`)."""
    assert stored.spec == fresh.spec and stored.diverged_at == fresh.diverged_at
    assert abs(stored.initial_loss - fresh.initial_loss) <= LOSS_TOLERANCE
    end = fresh.epochs_run if reproducible else 1
    if fresh.diverged_at is not None:  # the epoch it blew up in is chaotic too
        end = min(end, fresh.diverged_at - 1)
    for name in ("loss", "val_loss"):
        np.testing.assert_allclose(getattr(stored, name)[:end], getattr(fresh, name)[:end], rtol=LOSS_TOLERANCE,
                                   atol=LOSS_TOLERANCE, err_msg=f"{fresh.spec} {name}")
    for name in ("accuracy", "val_accuracy"):
        np.testing.assert_allclose(getattr(stored, name)[:end], getattr(fresh, name)[:end], rtol=0,
                                   atol=ACCURACY_ROWS / n_val + 1e-9, err_msg=f"{fresh.spec} {name}")


@pytest.mark.slow
def test_shipped_runs_equal_a_fresh_training_run_and_say_the_same(dataset, shipped):
    """The learning-rate page's default sweep (every seed), retrained here, agrees with the shipped runs where runs
    are reproducible, and the page's verdicts on every value (too slow, too high, diverged, ...) are the same."""
    from dlviz import kinds
    from dlviz.engine.sweep import train_sweep

    fresh_runs = train_sweep(dataset, defaults.default_sweeps(dataset)[kinds.LEARNING_RATE.name])
    stored_runs = [shipped[run.spec] for run in fresh_runs]
    found_fresh = kinds.LEARNING_RATE.analyze(fresh_runs)
    found_stored = kinds.LEARNING_RATE.analyze(stored_runs)
    # "oscillating" counts direction changes of a chaotic curve (it flipped for lr 0.1 on another CPU): each
    # machine's page says it of its own runs, so only the verdicts that rank the values must agree.
    def ranked(found):
        return [tuple(code for code in v.verdicts if code != OSCILLATING) for v in found.per_value]

    assert ranked(found_stored) == ranked(found_fresh)
    chaotic = {v.value for v in found_fresh.per_value
               if v.value in {s.value for s in found_fresh.too_high} or any(v.divergences)}
    assert chaotic, "the default sweep has a rate that is too high: its runs are the chaotic ones"
    for fresh in fresh_runs:
        _compare(shipped[fresh.spec], fresh, len(dataset.y_val),
                 reproducible=kinds.LEARNING_RATE.value_of(fresh) not in chaotic)


def test_round_trip_is_exact(tmp_path):
    from dlviz.engine.sweep import train_sweep

    data = defaults.load_builtin("practice", max_rows=500)
    runs = train_sweep(data, [RunSpec(data.fingerprint, epochs=2, learning_rate=5.0),
                              RunSpec(data.fingerprint, epochs=2, learning_rate=0.01, seed=7)])
    back = precomputed.load(precomputed.save(runs, tmp_path / "runs.npz"))
    for run in runs:
        again = back[run.spec]
        for field in ("loss", "accuracy", "val_loss", "val_accuracy", "diverged_at", "updates_per_epoch",
                      "initial_loss", "wall_time"):
            assert getattr(again, field) == getattr(run, field), field
        np.testing.assert_array_equal(again.update_loss, run.update_loss)
        for a, b in zip(again.weights, run.weights):
            np.testing.assert_array_equal(a, b)


def test_a_missing_or_foreign_file_loads_nothing(tmp_path):
    assert precomputed.load(tmp_path / "nothing.npz") == {}
    (tmp_path / "bad.npz").write_bytes(b"not a zip file")
    assert precomputed.load(tmp_path / "bad.npz") == {}


def test_other_data_is_not_served_shipped_runs(shipped):
    other = defaults.load_builtin("practice", max_rows=1000)
    assert not any(spec.dataset == other.fingerprint for spec in shipped)
