"""The seed-aware comparison every ranking in dlviz follows: per value a statistic on every seed (paired by seed,
since every value of a sweep runs the same seeds), its mean and spread, and the rule that decides whether one value
beats another.

The rule (`text.findings.COMPARISON_RULE` says it in one sentence): A beats B only if A is better on every seed
*and* the mean paired difference is larger than the seed-to-seed spread (max - min over seeds) of either value.
Why this rule and not a t-test: with 2-5 seeds a t-test's variance estimate is itself noise and its p-value is
hard to say in a sentence; requiring every paired seed to agree (a sign test: 1/8 by chance at 3 seeds when two
values are equal) *and* a mean gap beyond either value's own range is conservative, and a learner can check it on
the chart (the bands do not overlap in the right direction, seed by seed). With one seed there is no spread; the
comparison then requires a gap above ONE_SEED_SPREAD, the seed-to-seed spread measured on the practice data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Sequence

import numpy as np

from dlviz.analysis.curves import lowest, smoothed
from dlviz.runs import RunHistory

# With one seed, the spread is borrowed: two runs of the lesson's code that differ only in the seed differ by about
# 0.01 in validation loss on the practice data (issue 15); twice that, so one seed never names a winner inside the
# noise a second seed would show.
ONE_SEED_SPREAD = 0.02


@dataclass(frozen=True)
class ValueStat:
    """One swept value's statistic on every seed (aligned with `seeds`; NaN where a seed gave none)."""

    value: Hashable
    seeds: tuple[int, ...]
    per_seed: tuple[float, ...]

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def finite(self) -> bool:
        return bool(self.per_seed) and all(math.isfinite(x) for x in self.per_seed)

    @property
    def mean(self) -> float:
        return float(np.mean(self.per_seed)) if self.finite else math.nan

    @property
    def low(self) -> float:
        return float(np.min(self.per_seed)) if self.finite else math.nan

    @property
    def high(self) -> float:
        return float(np.max(self.per_seed)) if self.finite else math.nan

    @property
    def spread(self) -> float:
        """max - min over seeds (NaN unless finite); ONE_SEED_SPREAD with one seed (no spread can be measured)."""
        return ONE_SEED_SPREAD if self.finite and self.n_seeds == 1 else self.high - self.low


@dataclass(frozen=True)
class Comparison:
    """A against B under the rule (lower is better unless `higher_is_better`). `a_beats_b` is the verdict."""

    a: Hashable
    b: Hashable
    n_seeds: int                 # paired seeds compared
    mean_a: float
    mean_b: float
    mean_difference: float       # mean over seeds of (B - A) in the "better" direction: > 0 means A is better
    spread_a: float
    spread_b: float
    every_seed: bool             # A better on every paired seed
    exceeds_spread: bool         # mean difference > max(spread_a, spread_b)
    one_seed: bool               # the spread is borrowed (ONE_SEED_SPREAD)

    @property
    def a_beats_b(self) -> bool:
        return self.every_seed and self.exceeds_spread


def compare(a: ValueStat, b: ValueStat, higher_is_better: bool = False) -> Comparison:
    """Compare two values of a sweep seed by seed under the rule (see the module): only seeds both have count.
    Args:
        a, b: the values' statistic on every seed (`ValueStat`).
        higher_is_better: the statistic's direction (accuracy: True; loss: False).
    Returns:
        A `Comparison`; `a_beats_b` when `a` is better on every seed and the mean paired gap exceeds either value's
        spread (`ONE_SEED_SPREAD` with one seed). Non-finite statistics never win."""
    common = [s for s in a.seeds if s in b.seeds]
    xa = np.array([a.per_seed[a.seeds.index(s)] for s in common], dtype=float)
    xb = np.array([b.per_seed[b.seeds.index(s)] for s in common], dtype=float)
    sign = -1.0 if higher_is_better else 1.0
    ok = len(common) > 0 and np.isfinite(xa).all() and np.isfinite(xb).all()
    gaps = sign * (xb - xa) if ok else np.zeros(0)
    mean_gap = float(gaps.mean()) if ok else math.nan
    every = bool(ok and (gaps > 0).all())
    exceeds = bool(ok and mean_gap > max(a.spread, b.spread))
    return Comparison(a.value, b.value, len(common), a.mean, b.mean, mean_gap, a.spread, b.spread, every, exceeds,
                      a.n_seeds == 1 or b.n_seeds == 1)


@dataclass(frozen=True)
class Ranking:
    """Values ranked under the rule. `leader` has the best mean; `tied` is every value the leader does not beat
    (the leader included); `best` is the leader only when nothing ties with it, else None."""

    stats: tuple[ValueStat, ...]          # the ranked values (finite statistics only), in sweep order
    leader: Hashable | None
    tied: tuple[Hashable, ...]
    comparisons: tuple[Comparison, ...]   # leader against every other ranked value
    higher_is_better: bool = False

    @property
    def best(self) -> Hashable | None:
        return self.leader if len(self.tied) == 1 else None

    @property
    def n_seeds(self) -> int:
        return min((s.n_seeds for s in self.stats), default=0)

    def stat(self, value: Hashable) -> ValueStat | None:
        return next((s for s in self.stats if s.value == value), None)

    def versus(self, value: Hashable) -> Comparison | None:
        """The leader against `value`."""
        return next((c for c in self.comparisons if c.b == value), None)


def rank(stats: Iterable[ValueStat], higher_is_better: bool = False) -> Ranking:
    """Rank a sweep's values under the rule.
    Args:
        stats: each value's statistic per seed; values without a finite statistic on every seed are left out.
        higher_is_better: the statistic's direction.
    Returns:
        A `Ranking`: `leader` (best mean), `tied` (every value the leader does not beat, itself included) and
        `best` (the leader only when nothing ties with it, else None)."""
    usable = tuple(s for s in stats if s.finite)
    if not usable:
        return Ranking((), None, (), (), higher_is_better)
    sign = -1.0 if higher_is_better else 1.0
    leader = min(usable, key=lambda s: sign * s.mean)
    comparisons = tuple(compare(leader, s, higher_is_better) for s in usable if s is not leader)
    tied = tuple(s.value for s in usable
                 if s is leader or not next(c for c in comparisons if c.b == s.value).a_beats_b)
    return Ranking(usable, leader.value, tied, comparisons, higher_is_better)


def group_by_value(histories: Sequence[RunHistory], key: Callable[[RunHistory], Hashable]
                   ) -> dict[Hashable, list[RunHistory]]:
    """Histories grouped by swept value.
    Args:
        histories: the runs; key: a run's value (`Kind.value_of`).
    Returns:
        {value: its runs sorted by seed}, values in first-seen order."""
    groups: dict[Hashable, list[RunHistory]] = {}
    for history in histories:
        groups.setdefault(key(history), []).append(history)
    return {value: sorted(runs, key=lambda h: h.spec.seed) for value, runs in groups.items()}


def value_stat(value: Hashable, runs: Sequence[RunHistory], statistic: Callable[[RunHistory], float]
               ) -> ValueStat:
    """One value's statistic on every seed.
    Args:
        value: the swept value; runs: its runs, one per seed; statistic: a number from one run.
    Returns:
        A `ValueStat` (per seed, their mean and spread)."""
    return ValueStat(value, tuple(h.spec.seed for h in runs), tuple(float(statistic(h)) for h in runs))


def lowest_of_mean(value: Hashable, runs: Sequence[RunHistory]) -> tuple[ValueStat, int | None]:
    """The one "lowest validation loss" every page states: where the seeds' mean smoothed validation loss
    (`curves.smoothed`, over the epochs every seed ran) is lowest.
    Args:
        value: the swept value; runs: its runs, one per seed.
    Returns:
        (each seed's smoothed validation loss at that epoch as a `ValueStat`, the 1-based epoch or None without a
        finite mean)."""
    curves_ = [smoothed(h.val_loss) for h in runs]
    mean = np.mean([c[:min(map(len, curves_))] for c in curves_], axis=0) if curves_ else np.array([])
    best = (lowest(mean) or (None,))[0]
    return ValueStat(value, tuple(h.spec.seed for h in runs),
                     tuple(float(c[best - 1]) if best else math.nan for c in curves_)), best
