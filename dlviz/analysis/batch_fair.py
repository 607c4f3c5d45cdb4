"""Batch size, told fairly: the gradient noise scale (McCandlish et al. 2018), each batch size at its own best
learning rate (the Tuning Playbook's isolation plot), and the weight updates each needs to reach a target loss
(Shallue et al. 2019). Numbers only; `dlviz.text.batch_fair` words them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from dlviz.analysis import curves
from dlviz.analysis.compare import Ranking, ValueStat, group_by_value, lowest_of_mean, rank, value_stat
from dlviz.runs import RunHistory

TARGET_MARGIN = 0.05  # the target: within 5% of the lowest validation loss that every run (own best rate) reached
# Doubling the batch scales perfectly while the updates fall by at least PERFECT_SHARE of the batch ratio; a fall
# under NO_GAIN (10%) is no gain; in between, diminishing returns.
PERFECT_SHARE, NO_GAIN = 0.75, 1.1
PERFECT, DIMINISHING, NONE = "perfect", "diminishing", "none"


@dataclass(frozen=True)
class NoiseCurve:
    """B_simple (rows) of one batch size's runs per epoch (0 = the start): geometric mean and min-max over seeds."""

    batch_size: int
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @property
    def growth(self) -> int:
        """1 (-1) when the last epoch's seed range lies wholly above (below) the start's; 0 when they overlap."""
        return 1 if self.low[-1] > self.high[0] else -1 if self.high[-1] < self.low[0] else 0


def noise_curves(histories: Sequence[RunHistory]) -> list[NoiseCurve]:
    """The gradient noise scale per batch size (McCandlish et al. 2018's B_simple, measured by the engine).
    Args:
        histories: the sweep's runs; those without `RunHistory.noise_scale` are left out.
    Returns:
        One `NoiseCurve` per batch size (sorted), over the epochs every seed measured."""
    found = []
    for batch, runs in sorted(group_by_value([h for h in histories if h.noise_scale],
                                             lambda h: h.spec.batch_size).items()):
        table = np.array([h.noise_scale[:min(len(r.noise_scale) for r in runs)] for h in runs], float)
        found.append(NoiseCurve(batch, *(tuple(a) for a in (_geomean(table), table.min(axis=0), table.max(axis=0)))))
    return found


def _geomean(values: np.ndarray) -> np.ndarray:
    """The geometric mean over the first axis (the seeds), as B_simple is averaged on log axes."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(np.log(values).mean(axis=0))


@dataclass(frozen=True)
class BatchAtRates:
    """One batch size and its learning rates ranked; its own best rate is their leader."""

    batch_size: int
    rates: Ranking

    @property
    def best_rate(self) -> float | None:
        return self.rates.leader


@dataclass(frozen=True)
class Isolation:
    """The isolation plot: batch sizes ranked at the fixed rate and at each one's own best rate."""

    batches: tuple[BatchAtRates, ...]
    fixed_rate: float
    at_fixed: Ranking
    at_own: Ranking


def isolation(histories: Sequence[RunHistory], fixed_rate: float) -> Isolation:
    """The Deep Learning Tuning Playbook's isolation plot: each batch size at a fixed rate and at its own best.
    Args:
        histories: runs of several batch sizes x learning rates x seeds.
        fixed_rate: the learning rate of the plain comparison (the lesson's).
    Returns:
        An `Isolation`: per batch size its rates ranked by `compare.lowest_of_mean` (the findings' statistic) under
        `compare.rank`, and the batch sizes ranked at `fixed_rate` and at their own best (lowest mean) rates."""
    batches = []
    for batch, runs in sorted(group_by_value(histories, lambda h: h.spec.batch_size).items()):
        by_rate = group_by_value(runs, lambda h: h.spec.learning_rate)
        batches.append(BatchAtRates(batch, rank(lowest_of_mean(r, by_rate[r])[0] for r in sorted(by_rate))))

    def at(rate_of: Callable[[BatchAtRates], float | None]) -> Ranking:  # the batch sizes, each at one of its rates
        return rank(ValueStat(b.batch_size, s.seeds, s.per_seed) for b in batches if (s := b.rates.stat(rate_of(b))))

    return Isolation(tuple(batches), fixed_rate, at(lambda b: fixed_rate), at(lambda b: b.best_rate))


@dataclass(frozen=True)
class StepsToTarget:
    """Weight updates each batch size (at its own best rate) needed to first reach `target` validation loss, read
    at epoch ends (per seed; NaN where a seed never did), the regime between consecutive batch sizes that reached
    it, B_simple of the smallest one's runs when they reached it, and that batch size's updates per epoch."""

    target: float
    updates: tuple[ValueStat, ...]
    regimes: tuple[str, ...]
    noise_scale: float
    resolution: int


def _first_reach(history: RunHistory, target: float) -> float:
    """Weight updates at the end of the first epoch whose validation loss is at most `target`; NaN if none."""
    hits = np.flatnonzero(curves.array(history.val_loss) <= target)
    return float((hits[0] + 1) * history.updates_per_epoch) if len(hits) else math.nan


def steps_to_target(isolated: Isolation, histories: Sequence[RunHistory], margin: float = TARGET_MARGIN
                    ) -> StepsToTarget:
    """Weight updates to reach a target validation loss per batch size at its own best rate (Shallue et al. 2019).
    Args:
        isolated: the `isolation` of `histories`; histories: its runs.
        margin: the target is `(1 + margin)` x the highest seed's value of the own-rate statistic: a loss every run
            reached, as Shallue et al. choose theirs (none when every run learned nothing).
    Returns:
        A `StepsToTarget`, with the regimes between consecutive batch sizes (perfect, diminishing, none)."""
    chosen = {(b.batch_size, b.best_rate) for b in isolated.batches}
    runs = [h for h in histories if (h.spec.batch_size, h.spec.learning_rate) in chosen]
    learned = any(not curves.not_learning(h) for h in runs)  # learned nothing: no target, no regime
    target = (1 + margin) * max((s.high for s in isolated.at_own.stats), default=math.nan) if learned else math.nan
    groups = group_by_value(runs, lambda h: h.spec.batch_size)
    updates = tuple(value_stat(b.batch_size, groups.get(b.batch_size, []), lambda h: _first_reach(h, target))
                    for b in isolated.batches)  # no runs (no rate without a NaN): NaN
    reached = [s for s in updates if s.finite]
    regimes = tuple(PERFECT if a.mean / b.mean >= PERFECT_SHARE * b.value / a.value else
                    DIMINISHING if a.mean / b.mean >= NO_GAIN else NONE for a, b in zip(reached, reached[1:]))
    if not reached:
        return StepsToTarget(target, updates, regimes, math.nan, 0)
    runs = groups[reached[0].value]  # in the order of reached[0].per_seed (both by seed)
    scales = [h.noise_scale[int(u) // h.updates_per_epoch] for h, u in zip(runs, reached[0].per_seed) if h.noise_scale]
    return StepsToTarget(target, updates, regimes, float(_geomean(np.array(scales))) if scales else math.nan,
                         runs[0].updates_per_epoch)
