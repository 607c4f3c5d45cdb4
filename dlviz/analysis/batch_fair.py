"""Batch size, told fairly: the gradient noise scale, each batch size at its own best learning rate, and the weight
updates each needs to reach a target loss. Numbers only (`dlviz.text.batch_fair` words them).

Sources: McCandlish et al. 2018 (arXiv 1812.06162) for B_simple; Google's Deep Learning Tuning Playbook for the
isolation plot; Shallue et al. 2019 (JMLR 20(112)) for steps to a target and its regimes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from dlviz.analysis import curves
from dlviz.analysis.compare import Ranking, ValueStat, group_by_value, rank, value_stat
from dlviz.runs import RunHistory

TARGET_MARGIN = 0.05  # the target: within 5% of the lowest validation loss any run reached
# Doubling the batch "halves the updates" (perfect scaling) while the updates fall by at least this share of the
# batch ratio; below it, diminishing returns; a fall under NO_GAIN (10%) is no gain at all.
PERFECT_SHARE, NO_GAIN = 0.75, 1.1
PERFECT, DIMINISHING, NONE = "perfect", "diminishing", "none"


@dataclass(frozen=True)
class NoiseCurve:
    """B_simple over epochs (0 = the start) of one batch size's runs: geometric mean and min-max over seeds."""

    batch_size: int
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


def noise_curves(histories: Sequence[RunHistory]) -> list[NoiseCurve]:
    """One `NoiseCurve` per batch size (sorted) from runs that measured it (`RunHistory.noise_scale`), over the
    epochs every seed recorded; runs without it are left out."""
    found = []
    for batch, runs in sorted(group_by_value([h for h in histories if h.noise_scale],
                                             lambda h: h.spec.batch_size).items()):
        epochs = min(len(h.noise_scale) for h in runs)
        table = np.array([h.noise_scale[:epochs] for h in runs], float)
        with np.errstate(invalid="ignore", divide="ignore"):
            found.append(NoiseCurve(batch, tuple(np.exp(np.log(table).mean(axis=0))), tuple(table.min(axis=0)),
                                    tuple(table.max(axis=0))))
    return found


@dataclass(frozen=True)
class BatchAtRates:
    """One batch size: its score at the lesson's rate, the ranking of its rates, and its own best rate."""

    batch_size: int
    fixed: ValueStat | None   # at the lesson's learning rate (None if not in the sweep)
    rates: Ranking            # every learning rate tried, by the robust validation loss
    best_rate: float | None   # the leader (the lowest mean score)

    @property
    def own(self) -> ValueStat | None:
        return self.rates.stat(self.best_rate)


@dataclass(frozen=True)
class Isolation:
    """The isolation plot's numbers: batch sizes ranked at the lesson's rate and at each one's own best rate."""

    batches: tuple[BatchAtRates, ...]
    fixed_rate: float
    at_fixed: Ranking
    at_own: Ranking

    @property
    def gap_closes(self) -> bool:
        """At the fixed rate some batch size is beaten beyond the seed spread; at their own rates none is."""
        n = len(self.at_own.stats)
        return len(self.at_fixed.tied) < len(self.at_fixed.stats) and len(self.at_own.tied) == n > 1

    @property
    def larger_prefer_higher(self) -> bool | None:
        """Whether the preferred rate never falls as the batch grows and is higher at the largest batch than at
        the smallest; None with fewer than two batch sizes."""
        rates = [b.best_rate for b in self.batches if b.best_rate is not None]
        if len(rates) < 2:
            return None
        return all(a <= b for a, b in zip(rates, rates[1:])) and rates[-1] > rates[0]


def isolation(histories: Sequence[RunHistory], fixed_rate: float) -> Isolation:
    """Rank every batch size's learning rates by `curves.robust_score` (the pages' statistic, seed by seed under
    `compare.rank`), and the batch sizes at `fixed_rate` and at their own best rates."""
    batches = []
    for batch, runs in sorted(group_by_value(histories, lambda h: h.spec.batch_size).items()):
        by_rate = group_by_value(runs, lambda h: h.spec.learning_rate)
        ranking = rank(value_stat(r, by_rate[r], curves.robust_score) for r in sorted(by_rate))
        fixed = by_rate.get(fixed_rate)
        batches.append(BatchAtRates(batch, value_stat(batch, fixed, curves.robust_score) if fixed else None,
                                    ranking, ranking.leader))
    own = [ValueStat(b.batch_size, b.own.seeds, b.own.per_seed) for b in batches if b.own is not None]
    return Isolation(tuple(batches), fixed_rate, rank(b.fixed for b in batches if b.fixed is not None), rank(own))


@dataclass(frozen=True)
class StepsToTarget:
    """Weight updates each batch size (at its own best rate) needed to first reach `target` validation loss, read at
    epoch ends; per seed, NaN where a seed never reached it."""

    target: float
    updates: tuple[ValueStat, ...]      # value = batch size
    regimes: tuple[str, ...]            # between consecutive batch sizes that all reached it: PERFECT/DIMINISHING/NONE
    noise_scale: float                  # B_simple of the smallest batch's runs where they reached the target
    resolution: int = 0                 # the smallest batch's updates per epoch: how finely its count is known

    @property
    def perfect_up_to(self) -> int | None:
        """The largest batch size up to which every doubling in the data scaled perfectly; None if none did."""
        reached = [s.value for s in self.updates if s.finite]
        last = None
        for batch, regime in zip(reached[1:], self.regimes):
            if regime != PERFECT:
                break
            last = batch
        return last


def first_reach(history: RunHistory, target: float) -> float:
    """Weight updates at the end of the first epoch whose validation loss is at or below `target`; NaN if none."""
    hits = np.flatnonzero(curves.array(history.val_loss) <= target)
    return float((hits[0] + 1) * history.updates_per_epoch) if len(hits) else math.nan


def steps_to_target(isolated: Isolation, histories: Sequence[RunHistory], margin: float = TARGET_MARGIN
                    ) -> StepsToTarget:
    """Updates to reach `(1 + margin)` x the lowest validation loss any of `histories` reached, for each batch size
    at its own best learning rate, and the scaling regime between consecutive batch sizes (Shallue et al. 2019)."""
    lowest = min((v for h in histories for v in h.val_loss if math.isfinite(v)), default=math.nan)
    target = (1 + margin) * lowest
    chosen = {(b.batch_size, b.best_rate) for b in isolated.batches}
    groups = group_by_value([h for h in histories if (h.spec.batch_size, h.spec.learning_rate) in chosen],
                            lambda h: h.spec.batch_size)
    updates = tuple(value_stat(b, groups[b], lambda h: first_reach(h, target)) for b in sorted(groups))
    reached = [s for s in updates if s.finite]
    regimes = []
    for small, large in zip(reached, reached[1:]):
        fall = small.mean / large.mean
        regimes.append(PERFECT if fall >= PERFECT_SHARE * large.value / small.value
                       else DIMINISHING if fall >= NO_GAIN else NONE)
    scale = math.nan
    if reached:
        runs = groups[reached[0].value]
        at = [h.noise_scale[int(first_reach(h, target) / h.updates_per_epoch)] for h in runs if h.noise_scale]
        scale = float(np.exp(np.mean(np.log(at)))) if at else math.nan
    resolution = groups[reached[0].value][0].updates_per_epoch if reached else 0
    return StepsToTarget(target, updates, tuple(regimes), scale, resolution)
