"""The learning-rate range test: its pieces on made-up curves, and on the practice data against a real sweep."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlviz import defaults, settings
from dlviz.engine import lr_finder
from dlviz.engine.lr_finder import FinderError
from dlviz.runs import LESSON_BATCH_SIZE, RunSpec
from dlviz.smoothing import debiased_ema

SWEEP_RATES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


@pytest.fixture(scope="module")
def practice():
    return defaults.default_dataset()


@pytest.fixture(scope="module")
def result(practice):
    return lr_finder.find_learning_rates(practice, [settings.SEED.default], batch_size=LESSON_BATCH_SIZE,
                                         hidden_units=settings.HIDDEN.default)[0]


# ---------------------------------------------------------------------------------------------------------------
# Pieces


def test_learning_rates_grow_by_a_constant_factor(result):
    rates = result.learning_rates
    assert rates[0] == pytest.approx(1e-6) and np.allclose(rates[1:] / rates[:-1], 10 ** (7 / 699), rtol=1e-5)
    assert lr_finder.default_updates() == 700  # 100 per decade over 1e-6..10


def test_smoothing_is_bias_corrected():
    # Without the correction a constant loss would start near 0 and creep up.
    assert np.allclose(debiased_ema(np.full(20, 0.7), lr_finder.SMOOTHING), 0.7)
    values = debiased_ema(np.array([1.0, 0.0]), beta=0.5)
    assert values.tolist() == pytest.approx([1.0, (0.25 + 0.0) / 0.75])


def test_blowup_is_four_times_the_minimum_or_not_a_number():
    smoothed = np.array([1.0, 0.5, 0.4, 1.5, 1.6, 2.0])
    assert lr_finder._blowup_index(smoothed, smoothed) == 5  # 2.0 > 4 x 0.4 = 1.6; 1.5 and 1.6 are not
    losses = np.array([1.0, 0.9, float("nan"), 0.8])
    assert lr_finder._blowup_index(np.array([1.0, 0.9, 0.9, 0.8]), losses) == 2
    assert lr_finder._blowup_index(np.array([1.0, 0.9]), np.array([1.0, 0.9])) is None


def test_suggestions_read_a_made_up_curve():
    rates = np.geomspace(1e-6, 10.0, 701)
    logs = np.log10(rates)
    # Flat, then a fall, lowest at 1e-1, then a rise.
    curve = 0.7 - 0.3 / (1 + np.exp(-(logs + 3) * 3)) + np.where(logs > -1, (logs + 1) ** 2, 0.0)
    assert lr_finder._lowest_loss_rate(rates, curve) == pytest.approx(0.1, rel=0.05)


def test_bad_settings_are_refused_with_a_message(practice):
    with pytest.raises(FinderError, match="updates"):
        lr_finder.find_learning_rates(practice, [1], num_updates=3)


# ---------------------------------------------------------------------------------------------------------------
# On the practice data


def test_suggestion_lands_within_a_decade_of_the_sweeps_best(practice, result):
    from dlviz.engine.sweep import train_sweep

    base = RunSpec(practice.fingerprint, epochs=20, batch_size=LESSON_BATCH_SIZE, hidden_units=settings.HIDDEN.default,
                   seed=settings.SEED.default)
    histories = train_sweep(practice, [base.replace(learning_rate=r) for r in SWEEP_RATES])
    finals = [math.inf if h.diverged else h.val_loss[-1] for h in histories]
    best = SWEEP_RATES[int(np.argmin(finals))]
    assert result.suggestion_rule == "minimum / 10"
    assert result.suggestion == pytest.approx(result.min_loss_lr / 10)
    assert abs(math.log10(result.suggestion) - math.log10(best)) <= 1.0, (result.suggestion, best)


def test_the_curve_stops_when_the_loss_blows_up(result):
    assert len(result.losses) < lr_finder.default_updates()
    smoothed = result.smoothed
    running_min = np.minimum.accumulate(smoothed)
    # Every point but the last is within 4x of the minimum so far; the last one is where it blew up.
    assert (smoothed[:-1] <= lr_finder.BLOWUP_FACTOR * running_min[:-1]).all()
    assert smoothed[-1] > lr_finder.BLOWUP_FACTOR * running_min[-1]
    assert np.isfinite(result.losses).all()
    assert (np.diff(result.learning_rates) > 0).all()
    assert len(result.learning_rates) == len(result.losses) == len(smoothed)


def test_deterministic_and_traced_once(practice, result):
    traced = lr_finder._finder_fn(1).experimental_get_tracing_count()
    again = lr_finder.find_learning_rates(practice, [settings.SEED.default], batch_size=LESSON_BATCH_SIZE,
                                          hidden_units=settings.HIDDEN.default)[0]
    np.testing.assert_array_equal(again.losses, result.losses)
    assert again.suggestion == result.suggestion
    (other,) = lr_finder.find_learning_rates(practice, [1], batch_size=128, hidden_units=16, num_updates=50)
    assert len(other.losses) <= 50
    assert lr_finder._finder_fn(1).experimental_get_tracing_count() == traced  # no retracing per call


def test_seeds_train_stacked_as_they_would_alone_and_give_an_interval(practice, result):
    results = lr_finder.find_learning_rates(practice, [settings.SEED.default, 7, 8], batch_size=LESSON_BATCH_SIZE,
                                            hidden_units=settings.HIDDEN.default)
    np.testing.assert_array_equal(results[0].losses, result.losses)  # a lane's numbers do not depend on its stack
    assert results[0].suggestion == result.suggestion
    (alone,) = lr_finder.find_learning_rates(practice, [7], batch_size=LESSON_BATCH_SIZE,
                                             hidden_units=settings.HIDDEN.default)
    np.testing.assert_array_equal(results[1].losses, alone.losses)
    assert len({r.suggestion for r in results}) > 1  # the single suggestion moves from seed to seed


def test_the_first_update_is_the_sweeps_starting_point(practice, result):
    # Same seeded weights as every sweep: the first batch's loss is that of the untrained model (about ln 2).
    assert result.losses[0] == pytest.approx(math.log(2), abs=0.1)


def test_snapping_the_suggestion_to_the_pages_choices():
    from dlviz.settings import nearest_choice

    choices = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0]
    assert nearest_choice(0.0029, choices) == 3e-3
    assert nearest_choice(0.0016, choices) == 1e-3   # log-nearest: 0.0016 is closer to 0.001 than to 0.003
    assert nearest_choice(0.0019, choices) == 3e-3
    assert nearest_choice(1e-7, choices) == 1e-5 and nearest_choice(50.0, choices) == 10.0
