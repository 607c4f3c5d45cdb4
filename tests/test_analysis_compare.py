"""The seed-aware comparison rule on hand-made numbers."""

from __future__ import annotations

import math

import pytest

from dlviz.analysis.compare import ONE_SEED_SPREAD, ValueStat, compare, rank


def stat(value, *per_seed, seeds=None):
    return ValueStat(value, tuple(seeds or range(1, len(per_seed) + 1)), tuple(per_seed))


def test_spread_mean_and_one_seed():
    s = stat("a", 0.40, 0.42, 0.41)
    assert (s.mean, s.low, s.high, s.spread) == pytest.approx((0.41, 0.40, 0.42, 0.02))
    assert stat("b", 0.4).spread == ONE_SEED_SPREAD
    assert math.isnan(stat("c", 0.4, float("nan")).mean) and not stat("c", 0.4, float("nan")).finite


def test_a_difference_smaller_than_the_spread_is_a_tie():
    a, b = stat("a", 0.440, 0.450, 0.446), stat("b", 0.441, 0.452, 0.447)  # better on every seed, by 0.001
    c = compare(a, b)
    assert c.every_seed and not c.exceeds_spread and not c.a_beats_b
    ranking = rank([a, b])
    assert ranking.leader == "a" and ranking.best is None and ranking.tied == ("a", "b")


def test_a_clear_difference_names_a_winner():
    a, b = stat("a", 0.30, 0.31, 0.32), stat("b", 0.40, 0.42, 0.41)
    c = compare(a, b)
    assert c.a_beats_b and c.mean_difference == pytest.approx(0.1) and c.n_seeds == 3
    assert rank([b, a]).best == "a"


def test_a_large_mean_gap_that_one_seed_reverses_is_a_tie():
    a, b = stat("a", 0.20, 0.20, 0.45), stat("b", 0.40, 0.40, 0.44)
    assert not compare(a, b).every_seed and rank([a, b]).best is None


def test_pairing_is_by_seed_not_by_position():
    a = stat("a", 0.30, 0.50, seeds=(1, 2))
    b = stat("b", 0.52, 0.32, seeds=(2, 1))  # seed 1: 0.30 vs 0.32, seed 2: 0.50 vs 0.52
    c = compare(a, b)
    assert c.every_seed and c.mean_difference == pytest.approx(0.02)


def test_one_seed_names_no_winner_between_close_values():
    close = rank([stat("a", 0.446), stat("b", 0.447)])
    assert close.best is None and set(close.tied) == {"a", "b"}
    far = rank([stat("a", 0.30), stat("b", 0.45)])
    assert far.best == "a" and far.comparisons[0].one_seed


def test_higher_is_better_and_non_finite_values_are_left_out():
    ranking = rank([stat("a", 0.80, 0.81), stat("b", 0.90, 0.92), stat("c", float("nan"), 0.99)],
                   higher_is_better=True)
    assert ranking.best == "b" and [s.value for s in ranking.stats] == ["a", "b"]
    assert rank([]).leader is None and rank([]).best is None
