"""Per-page analysis of a sweep (every value on several seeds): typed findings, numbers only. `analyze_values`
returns a `SweepFindings`; every statement that names or ranks values follows `compare.rank`."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Hashable, Sequence

import numpy as np

from dlviz.analysis import curves
from dlviz.analysis.batch_fair import NoiseCurve, noise_curves
from dlviz.analysis.compare import (Comparison, Ranking, ValueStat, compare, group_by_value, lowest_of_mean, rank,
                                    value_stat)
from dlviz.analysis.curves import Divergence, EarlyStop, Overfit
from dlviz.runs import RunHistory

# Verdict codes, per value (text.findings turns them into legend labels).
DIVERGED = "diverged"          # diverged on at least one seed
HUGE_LOSS = "huge_loss"        # losses >> a constant predictor's (unscaled inputs)
NOT_LEARNING = "not_learning"  # every seed stays at a constant predictor's loss
TOO_SLOW = "too_slow"
TOO_HIGH = "too_high"
OSCILLATING = "oscillating"    # every seed oscillates
OVERFITTING = "overfitting"    # every seed overfits
BEST = "best"                  # beats every other value under the rule
TIED_BEST = "tied_best"        # ties with the leader: no clear difference
NOISIEST = "noisiest"
SMOOTHEST = "smoothest"

# Accuracy against always predicting the majority class.
BELOW_BASELINE, AT_BASELINE, ABOVE_BASELINE = "below", "at", "above"

# Generalisation answer on the batch page (smallest batch against the largest).
SMALLER_BETTER, LARGER_BETTER, NO_CLEAR_DIFFERENCE = "smaller_better", "larger_better", "no_clear_difference"

# Accuracies closer than this to the majority baseline are "at" it (a 41.7% is never "worse than 41.7%").
BASELINE_TOLERANCE = 0.0005

# Too slow / too high also need final training loss > 1.25x the reference's and > it + 0.05; too slow covered < 2/3
# of the drop the reference made.
SLOW_RATIO, SLOW_MARGIN, SLOW_PROGRESS = 1.25, 0.05, 2 / 3


@dataclass(frozen=True)
class ValueFindings:
    """One swept value over its seeds (tuples are aligned with `seeds`)."""

    value: Hashable
    seeds: tuple[int, ...]
    # The one "lowest validation loss" every place states (star, card, sentence, ranking): the seeds' mean smoothed
    # validation loss is lowest at `best_epoch`; `score` is each seed's smoothed value there (mean = that lowest).
    score: ValueStat
    best_epoch: int | None
    overfits: tuple[Overfit | None, ...]
    overfit_seeds: int
    overfit_region: tuple[int, int] | None  # (turn, last epoch) when every seed overfits, else None
    divergences: tuple[Divergence | None, ...]
    oscillating_seeds: int
    not_learning_seeds: int
    huge_loss_seeds: int
    max_loss_ratio: float                  # largest finite loss / constant predictor's loss
    prior_loss: float
    start_loss: ValueStat                  # training loss of the starting weights (epoch 0), per seed
    final_train_loss: ValueStat            # mean of the last three epochs, per seed
    final_val_loss: ValueStat              # the last epoch's validation loss, per seed (as Keras prints it)
    final_val_accuracy: ValueStat
    final_train_accuracy: ValueStat
    majority_val_accuracy: float | None
    accuracy_vs_baseline: str              # BELOW/AT/ABOVE_BASELINE ("" without a baseline)
    noise: ValueStat                       # per-update loss scatter around its trend
    updates_per_epoch: int
    total_updates: int
    epochs_run: int
    verdicts: tuple[str, ...] = ()

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def diverged_seeds(self) -> int:
        return sum(d is not None for d in self.divergences)

    @property
    def diverged_epochs(self) -> tuple[int, int] | None:
        epochs = [d.epoch for d in self.divergences if d is not None]
        return (min(epochs), max(epochs)) if epochs else None

    @property
    def after_divergence(self) -> str | None:
        """What every diverged seed did afterwards, when they agree (curves.AFTER_*), else None."""
        afters = {d.after for d in self.divergences if d is not None}
        return afters.pop() if len(afters) == 1 else None

    @property
    def rankable(self) -> bool:
        """Decided before any ranking: a value that blew up, or learned nothing, on any seed is never ranked."""
        return not (self.diverged_seeds or self.huge_loss_seeds or self.not_learning_seeds)


@dataclass(frozen=True)
class SpeedVerdict:
    """Too slow / too high: a value's final training loss against the reference (lowest mean final loss)."""

    value: Hashable
    reference: Hashable
    final_loss: float
    reference_final_loss: float
    start_loss: float      # the seeds' mean (`ValueFindings.start_loss.mean`)
    progress: float        # share of the reference's drop from the start that this value covered
    epochs: int
    comparison: Comparison  # reference against this value (the evidence)


@dataclass(frozen=True)
class SweepFindings:
    """What a one-setting sweep showed (`analyze_values`): per value its findings, the ranking, and the page's
    extras (too slow / too high, generalisation and noise, EarlyStopping)."""

    kind: Any                            # the `dlviz.kinds.Kind` swept
    values: tuple[Hashable, ...]
    per_value: tuple[ValueFindings, ...]
    ranking: Ranking                     # by the robust validation loss
    standardized: bool = True
    too_slow: tuple[SpeedVerdict, ...] = ()
    too_high: tuple[SpeedVerdict, ...] = ()
    generalisation: Comparison | None = None  # batch page: smallest batch (a) against the largest (b)
    generalisation_answer: str = ""
    noise_ranking: Ranking | None = None
    noise_scale: tuple[NoiseCurve, ...] = ()   # batch page: the gradient noise scale of each batch size's runs
    early_stops: tuple[EarlyStop, ...] = ()   # epochs page: per seed
    patience: int = curves.EARLY_STOPPING_PATIENCE
    # (value, its last epoch) where validation loss sits below training loss from epoch 1 on, in the run's first half
    # only: early in training (`curves.validation_below_training`)
    validation_below: tuple[tuple[Hashable, int], ...] = ()

    @property
    def n_seeds(self) -> int:
        return min((v.n_seeds for v in self.per_value), default=0)

    @property
    def best_value(self) -> Hashable | None:
        """The value that beats every other under the rule; None when values tie, or fewer than two are rankable."""
        return self.ranking.best if len(self.ranking.stats) >= 2 else None

    @property
    def unscaled_inputs(self) -> bool:
        """Huge losses with standardisation off: point at the "Standardise features" toggle."""
        return not self.standardized and any(v.huge_loss_seeds for v in self.per_value)

    def value(self, value: Hashable) -> ValueFindings:
        """The findings of one swept value. Raises KeyError for a value not in the sweep."""
        for found in self.per_value:
            if found.value == value:
                return found
        raise KeyError(f"{value!r} is not a value of this sweep; values: {self.values}")

    def code_value(self, default: Hashable) -> Hashable:
        """The value the code selector shows first: the clear best, else `default` (the lesson's value)."""
        return self.best_value if self.best_value is not None else default


def _baseline(accuracy: ValueStat, majority: float | None) -> str:
    if majority is None or not accuracy.finite:
        return ""
    if accuracy.high < majority - BASELINE_TOLERANCE:
        return BELOW_BASELINE
    if accuracy.low > majority + BASELINE_TOLERANCE:
        return ABOVE_BASELINE
    return AT_BASELINE


def _value_findings(value: Hashable, runs: Sequence[RunHistory]) -> ValueFindings:
    """Everything about one value over its seeds (runs sorted by seed)."""
    overfits = tuple(curves.overfitting(h) for h in runs)
    divergences = tuple(curves.divergence(h) for h in runs)
    stuck = [curves.not_learning(h) and d is None for h, d in zip(runs, divergences)]
    # Memorising rows whose validation loss never beats a constant guess is not overfitting: nothing was learned.
    overfitting = [o for o, d, n in zip(overfits, divergences, stuck) if o and o.overfitting and not (d or n)]
    turns = [o.best_epoch for o in overfitting]
    score, best_mean = lowest_of_mean(value, runs)
    all_overfit = bool(runs) and len(overfitting) == len(runs)
    region = (best_mean or min(turns), min(h.epochs_run for h in runs)) if all_overfit else None
    majority = curves.majority_accuracy(runs[0]) if runs else None
    final_acc = value_stat(value, runs, lambda h: h.val_accuracy[-1] if h.val_accuracy else math.nan)
    ratios = [curves.loss_ratio_to_prior(h) for h in runs]
    first = runs[0] if runs else None  # the seeds' updates are the same
    return ValueFindings(
        value=value, seeds=tuple(h.spec.seed for h in runs),
        score=score,
        best_epoch=best_mean,
        overfits=overfits, overfit_seeds=len(overfitting),
        overfit_region=region,
        divergences=divergences,
        oscillating_seeds=sum(map(curves.oscillates, runs)),
        not_learning_seeds=sum(stuck),
        huge_loss_seeds=sum(curves.huge_loss(h) for h in runs),
        max_loss_ratio=max((r for r in ratios if math.isfinite(r)), default=math.nan),
        prior_loss=curves.prior_loss(runs[0]) if runs else math.log(2),
        start_loss=value_stat(value, runs, curves.starting_loss),
        final_train_loss=value_stat(value, runs, lambda h: curves.tail_mean(h.loss)),
        final_val_loss=value_stat(value, runs, lambda h: h.val_loss[-1] if h.val_loss else math.nan),
        final_val_accuracy=final_acc,
        final_train_accuracy=value_stat(value, runs, lambda h: h.accuracy[-1] if h.accuracy else math.nan),
        majority_val_accuracy=majority, accuracy_vs_baseline=_baseline(final_acc, majority),
        noise=value_stat(value, runs, curves.update_noise),
        updates_per_epoch=first.updates_per_epoch if first else 0,
        total_updates=(first.total_updates or first.updates_per_epoch * first.epochs_run) if first else 0,
        epochs_run=max((h.epochs_run for h in runs), default=0))


def _speed(per_value: Sequence[ValueFindings]) -> tuple[tuple[SpeedVerdict, ...], tuple[SpeedVerdict, ...]]:
    # Not-learning values stay in: a rate too small to leave the constant guess is the "too slow" of the lesson.
    usable = [v for v in per_value if not (v.diverged_seeds or v.huge_loss_seeds) and v.final_train_loss.finite]
    ranking = rank([v.final_train_loss for v in usable])
    if ranking.leader is None or len(usable) < 2:
        return (), ()
    ref = next(v for v in usable if v.value == ranking.leader)
    ref_final = ref.final_train_loss.mean
    slow, high = [], []
    for v in usable:
        comparison, final = ranking.versus(v.value), v.final_train_loss.mean
        material = final > SLOW_RATIO * ref_final and final > ref_final + SLOW_MARGIN
        if v is ref or comparison is None or not comparison.a_beats_b or not material:
            continue
        drop = ref.start_loss.mean - ref_final
        progress = (v.start_loss.mean - final) / drop if drop > 0 else math.nan
        verdict = SpeedVerdict(v.value, ref.value, final, ref_final, v.start_loss.mean, progress, v.epochs_run,
                               comparison)
        if v.value < ref.value and math.isfinite(progress) and progress < SLOW_PROGRESS:
            slow.append(verdict)
        elif v.value > ref.value:
            high.append(verdict)
    return tuple(slow), tuple(high)


def _with_verdicts(per_value: Sequence[ValueFindings], ranking: Ranking, slow, high, noise: Ranking | None
                   ) -> tuple[ValueFindings, ...]:
    slow_values, high_values = {s.value for s in slow}, {s.value for s in high}
    noisiest = noise.best if noise is not None else None
    smoothest = rank(noise.stats, higher_is_better=False).best if noise is not None and len(noise.stats) >= 2 else None
    out = []
    for v in per_value:
        codes = []
        if v.diverged_seeds:
            codes.append(DIVERGED)
        elif v.huge_loss_seeds:
            codes.append(HUGE_LOSS)
        elif v.value in slow_values:
            codes.append(TOO_SLOW)
        elif v.not_learning_seeds == v.n_seeds and v.n_seeds:
            codes.append(NOT_LEARNING)
        elif v.value in high_values:
            codes.append(TOO_HIGH)
        if not v.diverged_seeds and v.oscillating_seeds == v.n_seeds and v.n_seeds:
            codes.append(OSCILLATING)
        if not (v.diverged_seeds or v.huge_loss_seeds) and v.overfit_region is not None:
            codes.append(OVERFITTING)
        # A ranking needs two values (the epochs page has one, whose value is None: never compare with None).
        if noisiest is not None and v.value == noisiest:
            codes.append(NOISIEST)
        if smoothest is not None and v.value == smoothest:
            codes.append(SMOOTHEST)
        if len(ranking.stats) >= 2 and ranking.best is not None and ranking.best == v.value:
            codes.append(BEST)
        elif len(ranking.tied) > 1 and v.value in ranking.tied:
            codes.append(TIED_BEST)
        out.append(dataclasses.replace(v, verdicts=tuple(codes)))
    return tuple(out)


def analyze_values(kind: Any, histories: Sequence[RunHistory], standardized: bool = True,
                   patience: int = curves.EARLY_STOPPING_PATIENCE, *, noise: bool = False, speed: bool = False
                   ) -> SweepFindings:
    """Any one-setting sweep: per value (`kind.value_of(history)`, sorted) its `ValueFindings` with verdicts, and the
    ranking by the robust validation loss under `compare.rank`. A kind configures its page's extras through
    `functools.partial` (`kinds.BATCH_SIZE`, `kinds.LEARNING_RATE`).
    Args:
        kind: the sweep kind; `kind.value_of(history)` is the swept value. A kind without a field (the epochs page:
            one value) also gets `early_stops`, `keras.callbacks.EarlyStopping(patience)` replayed per seed.
        histories: every run of the sweep, values x seeds, in any order.
        standardized: whether the features were standardised (huge losses without it point at the toggle).
        patience: the replayed EarlyStopping's patience, in epochs.
        noise: the batch page: rank the values by per-update loss noise (noisiest / smoothest), add each batch size's
            gradient noise scale (`batch_fair.noise_curves`) and answer "smaller batches generalise better" (the
            smallest batch against the largest, under the rule).
        speed: the learning-rate page: find the values too slow / too high against the lowest final training loss.
    Returns:
        The sweep's `SweepFindings`."""
    groups = group_by_value(list(histories), kind.value_of)
    if kind.field is not None:
        groups = dict(sorted(groups.items(), key=lambda item: item[0]))
    per_value = [_value_findings(value, runs) for value, runs in groups.items()]
    ranking = rank([v.score for v in per_value if v.rankable])
    slow, high = _speed(per_value) if speed else ((), ())
    noisy = [v.noise for v in per_value if v.noise.finite]
    noise_ranking = rank(noisy, higher_is_better=True) if noise and len(noisy) >= 2 else None
    below = tuple((value, last) for value, runs in groups.items()
                  if 0 < (last := curves.validation_below_training(runs)) <= min(h.epochs_run for h in runs) // 2)
    ranked, generalisation, answer = ranking.stats, None, ""
    if noise and len(ranked) >= 2:
        generalisation = compare(ranked[0], ranked[-1])
        answer = (SMALLER_BETTER if generalisation.a_beats_b else
                  LARGER_BETTER if compare(ranked[-1], ranked[0]).a_beats_b else NO_CLEAR_DIFFERENCE)
    stops = (tuple(curves.early_stopping(h.val_loss, patience) for h in sorted(histories, key=lambda h: h.spec.seed))
             if kind.field is None else ())
    return SweepFindings(kind, tuple(groups), _with_verdicts(per_value, ranking, slow, high, noise_ranking), ranking,
                         standardized, slow, high, generalisation, answer, noise_ranking,
                         tuple(noise_curves(histories)) if noise else (), stops, patience, below)
