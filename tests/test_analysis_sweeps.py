"""Per-page analysis on constructed histories (several seeds per value, paired by seed), and small real sweeps."""

from __future__ import annotations

import numpy as np
import pytest

from dlviz.analysis import sweeps
from dlviz import kinds
from dlviz.data import load_builtin
from dlviz.engine.sweep import train_sweep
from dlviz.runs import RunSpec
from tests.support.histories import batch_runs, falling, lr_sweep, make, overfitting_curves


def test_learning_rate_sweep_with_a_clear_winner():
    found = kinds.LEARNING_RATE.analyze(lr_sweep())
    assert found.values == (1e-4, 1e-3, 1e-2, 0.1, 1.0) and found.n_seeds == 3
    assert found.best_value == 1e-2 and found.ranking.tied == (1e-2,)
    evidence = found.ranking.versus(1e-3)
    assert evidence.every_seed and evidence.exceeds_spread and evidence.mean_difference == pytest.approx(0.04)
    assert [s.value for s in found.too_slow] == [1e-4] and [s.value for s in found.too_high] == [0.1]
    assert found.too_slow[0].comparison.a_beats_b and found.too_slow[0].reference == 1e-2
    verdicts = {v.value: v.verdicts for v in found.per_value}
    assert verdicts == {1e-4: (sweeps.TOO_SLOW,), 1e-3: (), 1e-2: (sweeps.BEST,), 0.1: (sweeps.TOO_HIGH,),
                        1.0: (sweeps.DIVERGED,)}
    assert found.code_value(0.01) == 1e-2


def test_two_values_closer_than_their_spread_tie():
    found = kinds.LEARNING_RATE.analyze(lr_sweep(gap=0.005))  # 1e-3 behind by 0.005 on every seed; spread 0.02
    assert found.best_value is None and found.ranking.tied == (1e-3, 1e-2)
    assert found.ranking.versus(1e-3).every_seed and not found.ranking.versus(1e-3).exceeds_spread
    assert found.value(1e-3).verdicts == (sweeps.TIED_BEST,) and found.value(1e-2).verdicts == (sweeps.TIED_BEST,)
    assert found.code_value(0.01) == 0.01  # the code selector falls back to the lesson's value


def test_one_seed_names_no_winner_between_close_values():
    close = kinds.LEARNING_RATE.analyze(lr_sweep(offsets={1: 0.0}, gap=0.01))
    assert close.n_seeds == 1 and close.best_value is None and close.ranking.tied == (1e-3, 1e-2)
    clear = kinds.LEARNING_RATE.analyze(lr_sweep(offsets={1: 0.0}, gap=0.1))
    assert clear.best_value == 1e-2


def test_a_diverged_then_constant_run():
    found = kinds.LEARNING_RATE.analyze(lr_sweep())
    blown = found.value(1.0)
    assert blown.diverged_seeds == 3 and blown.diverged_epochs == (1, 1)
    assert blown.after_divergence == "constant" and not blown.rankable
    assert 1.0 not in found.ranking.tied


def test_a_run_at_the_constant_predictors_loss_is_never_best():
    stuck = [make([0.69] * 10, [0.693] * 10, lr=r, seed=s, initial_loss=0.69) for r in (1e-3, 1e-2) for s in (1, 2)]
    found = kinds.LEARNING_RATE.analyze(stuck)
    assert found.best_value is None and found.ranking.tied == ()
    assert all(sweeps.NOT_LEARNING in v.verdicts for v in found.per_value)


def test_accuracy_below_the_majority_baseline():
    runs = [make(falling(0.3, 5), falling(0.35, 5), lr=0.01, seed=s, accuracy=[0.9] * 5,
                 val_accuracy=[0.86] * 4 + [0.859 + 0.001 * s], majority_val_accuracy=0.875) for s in (1, 2, 3)]
    v = kinds.LEARNING_RATE.analyze(runs).value(0.01)
    assert v.majority_val_accuracy == 0.875 and v.accuracy_vs_baseline == sweeps.BELOW_BASELINE
    above = [make([0.5], val_accuracy=[0.80], lr=0.01, seed=s, majority_val_accuracy=0.6) for s in (1, 2)]
    assert kinds.LEARNING_RATE.analyze(above).value(0.01).accuracy_vs_baseline == sweeps.ABOVE_BASELINE
    plain = [make([0.5], val_accuracy=[0.80], lr=0.01, seed=s) for s in (1, 2)]  # no baseline known
    assert kinds.LEARNING_RATE.analyze(plain).value(0.01).accuracy_vs_baseline == ""


def test_huge_losses_with_standardisation_off_point_at_the_inputs():
    runs = [make([3e9, 2e9, 1.5e9], [4e9, 2e9, 1.6e9], lr=r, seed=1, initial_loss=3e9) for r in (1e-3, 1e-2)]
    off = kinds.LEARNING_RATE.analyze(runs, standardized=False)
    assert off.unscaled_inputs and off.best_value is None and off.ranking.tied == ()
    assert all(v.verdicts[0] == sweeps.HUGE_LOSS for v in off.per_value)
    assert not any(sweeps.OVERFITTING in v.verdicts for v in off.per_value)
    assert not kinds.LEARNING_RATE.analyze(runs, standardized=True).unscaled_inputs


@pytest.mark.parametrize("gap, answer", [(0.1, sweeps.SMALLER_BETTER), (0.005, sweeps.NO_CLEAR_DIFFERENCE),
                                         (-0.1, sweeps.LARGER_BETTER)])
def test_the_batch_page_answers_the_generalisation_claim_whichever_way(gap, answer):
    found = kinds.BATCH_SIZE.analyze(batch_runs(gap))
    assert found.generalisation_answer == answer
    assert (found.generalisation.a, found.generalisation.b, found.generalisation.n_seeds) == (8, 512, 3)
    assert found.value(8).updates_per_epoch == 160 and found.value(512).total_updates == 30
    assert sweeps.NOISIEST in found.value(8).verdicts and sweeps.SMOOTHEST in found.value(512).verdicts


def test_epochs_page_over_seeds():
    train, val = overfitting_curves()
    runs = [make(train, np.roll(val, shift) + 0.0, seed=s, accuracy=np.linspace(0.7, 0.95, 60),
                 val_accuracy=np.full(60, 0.8), updates_per_epoch=40) for s, shift in ((1, 0), (2, 2), (3, -1))]
    found = kinds.EPOCHS.analyze(runs, patience=5)
    v = found.per_value[0]
    assert v.value is None and v.n_seeds == 3 and v.overfit_seeds == 3
    assert v.overfit_region is not None and v.overfit_region[1] == 60
    assert sweeps.OVERFITTING in v.verdicts and len(found.early_stops) == 3
    assert all(s.stop_epoch is not None for s in found.early_stops)
    assert kinds.EPOCHS.analyze(runs[:1]).per_value[0].n_seeds == 1


def test_updates_are_counted_without_a_per_update_record():
    v = kinds.LEARNING_RATE.analyze([make([0.5, 0.4, 0.3], updates_per_epoch=7)]).value(0.01)
    assert (v.updates_per_epoch, v.total_updates) == (7, 21)


def test_empty_sweeps_do_not_crash():
    assert kinds.LEARNING_RATE.analyze([]).per_value == () and kinds.BATCH_SIZE.analyze([]).best_value is None


# ---------------------------------------------------------------------------------------------------------------
# Small real sweeps (two seeds, tiny data)


@pytest.fixture(scope="module")
def practice_1200():
    return load_builtin("practice", max_rows=1200)


def test_real_learning_rate_sweep(practice_1200):
    base = RunSpec(practice_1200.fingerprint, epochs=12, batch_size=32)
    specs = [base.replace(learning_rate=r, seed=s) for r in (1e-4, 1e-2, 3.0) for s in (1, 2)]
    found = kinds.LEARNING_RATE.analyze(train_sweep(practice_1200, specs))
    assert found.n_seeds == 2
    assert sweeps.DIVERGED in found.value(3.0).verdicts
    assert {sweeps.TOO_SLOW, sweeps.NOT_LEARNING} & set(found.value(1e-4).verdicts)
    assert found.best_value in (None, 1e-2) and 1e-2 in found.ranking.tied


def test_real_overfitting_run(practice_1200):
    spec = RunSpec(practice_1200.fingerprint, epochs=30, batch_size=32, learning_rate=0.03)
    found = kinds.EPOCHS.analyze(train_sweep(practice_1200, [spec, spec.replace(seed=7)]))
    v = found.per_value[0]
    assert v.overfit_seeds >= 1 and min(o.best_epoch for o in v.overfits if o and o.overfitting) <= 15


def test_the_epochs_page_ranks_nothing():
    """One setting: no best, no noisiest, even though its value (None) equals an empty ranking's None."""
    train, val = overfitting_curves()
    runs = [make(train, val, seed=s, update_loss=np.linspace(0.7, 0.1, 600), updates_per_epoch=10) for s in (1, 2)]
    assert kinds.EPOCHS.analyze(runs).per_value[0].verdicts == (sweeps.OVERFITTING,)
