"""Sentences from `dlviz.analysis.sweeps.SweepFindings`: `sentences(findings)` gives a page's, most important first;
`COMPARISON_RULE` is the rule a page shows next to any ranking."""

from __future__ import annotations

import math
from typing import Any, Hashable

import numpy as np

from dlviz.analysis import curves, sweeps
from dlviz.analysis.compare import ONE_SEED_SPREAD, Comparison
from dlviz.analysis.sweeps import SweepFindings, ValueFindings
from dlviz.text.format import (format_count, format_epochs, format_loss, format_lr, format_percent,
                               format_points, format_ratio, format_value, join_values, loss_range, seeds_text,
                               value_name)
from dlviz.text.seeds import at_seeds, beyond_spread, on_every_seed, over_seeds, span

COMPARISON_RULE = ("One value is called better than another only if it is better on every seed and its mean "
                   "advantage over the seeds is larger than the seed-to-seed spread (highest minus lowest) of "
                   "either value; otherwise the page says there is no clear difference.")
ONE_SEED_NOTE = (f"With one seed there is no spread to measure, so values closer than {format_loss(ONE_SEED_SPREAD)} "
                 "(about twice what a second seed moves a run here) are not told apart; add seeds to compare them.")
_STATISTIC = "lowest validation loss, smoothed over 3 epochs"


def statistic_label(n_seeds: int) -> str:
    """The short label of the one "lowest validation loss" (`ValueFindings.score` at `best_epoch`) wherever it is
    shown: "mean of 3 seeds, smoothed over 3 epochs", or "smoothed over 3 epochs" for one run."""
    return (f"mean of {n_seeds} seeds, " if n_seeds > 1 else "") + f"smoothed over {curves.SMOOTHING_WINDOW} epochs"


def _lead(kind: Any, value: Hashable, rest: str) -> str:
    """"At learning rate 0.01, rest"; "Rest" for the epochs page's one run (value None)."""
    return rest[:1].upper() + rest[1:] if value is None else f"At {value_name(kind, value)}, {rest}"


# Per value


def divergence_sentence(kind: Any, v: ValueFindings) -> str | None:
    """What blew up and, when the numbers back it, what the network did afterwards."""
    diverged = [d for d in v.divergences if d is not None]
    if not diverged:
        return None
    first, (low, high) = diverged[0], v.diverged_epochs  # type: ignore[misc]
    jumps = [d for d in diverged if d.reason == "exploded" and d.ratio == d.ratio]
    seeds = "" if v.n_seeds <= 1 else f" (on {v.diverged_seeds} of {v.n_seeds} seeds)"
    if first.reason == "exploded" and first.ratio == first.ratio:  # over the seeds: a range, never one seed's
        # One starting loss: the seeds' mean, the number the curve's first point and the sentences after show.
        start = sum(d.start_loss for d in jumps) / len(jumps)
        what = (f"training loss jumped to {span([d.loss for d in jumps], format_loss)} in "
                f"{format_epochs(low, high)}{seeds}, {span([d.ratio for d in jumps], format_ratio)} its starting "
                f"loss ({format_loss(start)}" + (f", the mean of the {len(jumps)} seeds)" if len(jumps) > 1 else ")"))
        seeds = ""
    elif first.reason == "exploded":
        what = f"training loss exploded in {format_epochs(low, high)}"
    else:
        what = f"the loss became {'NaN' if first.reason == 'nan' else 'infinite'} in {format_epochs(low, high)}"
    text = _lead(kind, v.value, f"{what}{seeds}: the run diverged.")
    after = v.after_divergence
    # The numbers curves.divergence judged (each run's last-epochs mean against its start), averaged over seeds.
    end, start = np.mean([d.end_loss for d in diverged]), np.mean([d.start_loss for d in diverged])
    last = f"over the last {curves.TAIL_EPOCHS} epochs"
    of_seeds = "" if len(diverged) == 1 else f" (means of the {len(diverged)} diverged seeds)"
    if after == curves.AFTER_CONSTANT:
        tail = (f", scoring {format_percent(v.final_val_accuracy.mean)}, what always answering the majority class "
                "scores") if v.majority_val_accuracy is not None else ""
        loss = f"loss {format_loss(end)} {last}" if math.isfinite(end) else "its loss"
        text += (f" Afterwards the network stopped learning: it now predicts the same class for every row ({loss}, "
                 f"near a constant guess's {format_loss(v.prior_loss)}{tail}){of_seeds}.")
    elif after == curves.AFTER_NAN:
        text += " The loss stayed NaN from then on: Keras has nothing left to train."
    elif after == curves.AFTER_RECOVERED:
        text += (f" It came back afterwards: training loss {last} was {format_loss(end)}, below its starting "
                 f"{format_loss(start)} and clearly below a constant guess's {format_loss(v.prior_loss)}{of_seeds}.")
    elif math.isfinite(end) and end > start:
        text += (f" Afterwards it did not recover: training loss {last} was still {format_loss(end)}, above its "
                 f"starting {format_loss(start)}{of_seeds}.")
    elif math.isfinite(end) and end >= curves.NOT_LEARNING_SHARE * v.prior_loss:
        text += (f" Afterwards it learned nothing useful: training loss {last} was {format_loss(end)}, not clearly "
                 f"below a constant guess's {format_loss(v.prior_loss)}{of_seeds}.")
    return text


def accuracy_sentence(kind: Any, v: ValueFindings) -> str | None:
    """Final validation accuracy against always predicting the majority class (issue 16 item 6)."""
    acc, majority = v.final_val_accuracy, v.majority_val_accuracy
    if not acc.finite:
        return None
    head = _lead(kind, v.value, "validation accuracy ends at "
                 f"{loss_range(acc.mean, acc.low, acc.high, acc.n_seeds, format_percent)}")
    if majority is None:
        return head + "."
    under = ", under 50% because that class is the minority among the validation rows" if majority < 0.5 else ""
    baseline = f"always answering the training rows' majority class ({format_percent(majority)} on these rows{under})"
    if v.not_learning_seeds:  # the accuracy cannot rescue it (random labels scored 14.6 points "above")
        seeds = "" if v.not_learning_seeds == v.n_seeds else f" on {v.not_learning_seeds} of {v.n_seeds} seeds"
        return (f"{head} against {baseline}, but validation loss never gets clearly below a constant guess's "
                f"{format_loss(v.prior_loss)}{seeds}: the model learned nothing the validation rows confirm, "
                "whatever its accuracy.")
    worse = {sweeps.BELOW_BASELINE: "worse than", sweeps.AT_BASELINE: "no better than"}.get(v.accuracy_vs_baseline)
    return (f"{head} — {worse} {baseline}." if worse else
            f"{head}, {format_points(acc.mean - majority)} above {baseline}.")


def overfitting_sentence(kind: Any, v: ValueFindings) -> str | None:
    """The turn of validation loss, over seeds (epochs page headline; detail elsewhere)."""
    if not any(o is not None and d is None for o, d in zip(v.overfits, v.divergences)):
        return None
    n = v.n_seeds
    lowest = f"validation loss is lowest at epoch {v.best_epoch} ({format_loss(v.score.mean)}, {statistic_label(n)})"
    if v.overfit_region is not None:
        rest = (f"{lowest} and rises to {format_loss(v.final_val_loss.mean)} at epoch {v.epochs_run}"
                f"{f' (means of {n} seeds)' if n > 1 else ''}, while training loss keeps falling (to "
                f"{format_loss(v.final_train_loss.mean)}, mean of the last {curves.TAIL_EPOCHS} epochs)"
                f"{'' if n == 1 else f' on every one of {n} seeds'}: the model is overfitting.")
    elif v.overfit_seeds:
        rest = (f"validation loss turns up on {v.overfit_seeds} of {n} seeds only: no clear overfitting at "
                f"{seeds_text(n)}.")
    elif v.best_epoch == v.epochs_run:
        rest = f"validation loss is still falling at the last epoch ({v.epochs_run}): no sign of overfitting yet."
    else:
        rest = f"{lowest} and stays within noise of it: no clear overfitting."
    return _lead(kind, v.value, rest)


def early_stopping_sentence(findings: SweepFindings) -> str | None:
    stops = findings.early_stops
    if not stops or not findings.per_value:
        return None
    n = findings.per_value[0].epochs_run
    fired = [s.stop_epoch for s in stops if s.stop_epoch is not None and s.stop_epoch < n]
    kept = [s.best_epoch for s in stops if s.best_epoch is not None]
    if not kept:
        return None
    head, weights = f"EarlyStopping with patience {findings.patience} would", format_epochs(min(kept), max(kept))
    if fired and len(fired) == len(stops):
        return (f"{head} stop after {format_epochs(min(fired), max(fired))} of {n} and restore the weights from "
                f"{weights}" + ("" if len(stops) == 1 else f" (range over {len(stops)} seeds)") + ".")
    if fired:
        return (f"{head} stop early on {len(fired)} of {len(stops)} seeds (after "
                f"{format_epochs(min(fired), max(fired))}); it keeps the weights from {weights}.")
    return f"{head} not stop before epoch {n}; it would keep the weights from {weights}."


def accuracy_gap_sentence(v: ValueFindings) -> str | None:
    train, val = v.final_train_accuracy, v.final_val_accuracy
    if not (train.finite and val.finite):
        return None
    gap = (float(format_percent(train.mean)[:-1]) - float(format_percent(val.mean)[:-1])) / 100  # as printed
    text = (f"After epoch {v.epochs_run}, training accuracy is {format_percent(train.mean)} and validation accuracy "
            f"{format_percent(val.mean)}, " + (f"a gap of {format_points(gap)}" if gap >= 0 else
                                               f"validation {format_points(-gap)} above training"))
    return text + (": the model fits its training rows better than new ones." if gap > 0.05 else ".")


def ranking_sentence(findings: SweepFindings) -> str | None:
    """Which value is best under the rule, or which tie with the best."""
    ranking, kind = findings.ranking, findings.kind
    if ranking.leader is None or len(ranking.stats) < 2:
        return None
    n = ranking.n_seeds
    lead = ranking.stat(ranking.leader)
    if ranking.best is not None:
        closest = min((c for c in ranking.comparisons), key=lambda c: c.mean_difference)
        every = " on every seed and" if n > 1 else ""
        return (f"The {_STATISTIC}, {over_seeds(n)}: {value_name(kind, ranking.best)} reaches "
                f"{loss_range(lead.mean, lead.low, lead.high, n)}, better than every other value{every} "
                f"{beyond_spread(n)} (at least {format_loss(closest.mean_difference)} ahead).")
    tied = ranking.tied
    spreads = max(ranking.stat(v).spread for v in tied)
    means = ", ".join(f"{format_value(kind, v)}: {format_loss(ranking.stat(v).mean)}" for v in tied)
    text = (f"No clear difference {at_seeds(n)} between {kind.plural} {join_values(kind, tied)} ({means}; "
            f"lowest validation loss, {statistic_label(n)}): they tie for the best")
    text += (f", since the seeds alone move a run by up to {format_loss(spreads)}." if n > 1 else ".")
    if behind := [s for s in ranking.stats if s.value not in tied]:  # the rest: each beaten by the leader
        text += (f" Behind {value_name(kind, ranking.leader)} {on_every_seed(n)} and {beyond_spread(n)}: "
                 + ", ".join(f"{value_name(kind, s.value)} ({format_loss(s.mean)})" for s in behind) + ".")
    return text + (" " + ONE_SEED_NOTE if n == 1 else "")


def speed_sentences(findings: SweepFindings) -> list[str]:
    kind = findings.kind
    last = f"the last {curves.TAIL_EPOCHS} epochs"  # the statistic the verdicts compare (final_train_loss)
    seeds = f" and of {findings.n_seeds} seeds" if findings.n_seeds > 1 else ""
    return [_lead(kind, s.value, (
            f"training loss only fell from {format_loss(s.start_loss)} to {format_loss(s.final_loss)} (mean of "
            f"{last}{seeds}) in {s.epochs} epochs, {format_percent(max(s.progress, 0.0), 0)} of the way "
            f"{value_name(kind, s.reference)} got (to {format_loss(s.reference_final_loss)}) "
            f"{on_every_seed(s.comparison.n_seeds)}: the steps are too small, so it learns too slowly."))
            for s in findings.too_slow] + [_lead(kind, s.value, (
            f"training loss over {last} is {format_loss(s.final_loss)}, above the "
            f"{format_loss(s.reference_final_loss)} that {value_name(kind, s.reference)} reaches "
            f"{on_every_seed(s.comparison.n_seeds)} with {format_ratio(s.value / s.reference)} smaller steps: the "
            "updates overshoot instead of settling.")) for s in findings.too_high]


def _scale_sentences(findings: SweepFindings) -> list[str]:
    """Not learning, and huge losses (pointing at the unscaled inputs when standardisation is off)."""
    kind = findings.kind
    out = [_lead(kind, v.value, f"validation loss never gets clearly below {format_loss(v.prior_loss)}, the loss "
                 "of always guessing the class shares: the network learned nothing the validation rows confirm.")
           for v in findings.per_value  # with a finite accuracy, accuracy_sentence says it
           if sweeps.NOT_LEARNING in v.verdicts and not v.final_val_accuracy.finite]
    # With standardised inputs a run that blew up has its own sentence (the learning rate): only unscaled inputs
    # make every huge loss a matter of scale.
    huge = [v for v in findings.per_value if v.huge_loss_seeds and (findings.unscaled_inputs or not v.diverged_seeds)]
    if huge:
        worst = max(v.max_loss_ratio for v in huge)
        where = "" if huge[0].value is None else \
            f" (at {kind.plural if len(huge) > 1 else 'value'} {join_values(kind, [v.value for v in huge])})"
        text = (f"Losses reach {format_loss(worst * huge[0].prior_loss)}, {format_ratio(worst)} the "
                f"{format_loss(huge[0].prior_loss)} of a constant guess{where}")
        out.append(text + (": these runs are far from a usable model." if findings.standardized else "."))
    # With standardisation off, unscaled inputs are the likely cause of any run that is unstable or stuck.
    if not findings.standardized and any(v.diverged_seeds or v.huge_loss_seeds or v.not_learning_seeds
                                         or v.oscillating_seeds for v in findings.per_value):
        out.append("The features are not standardised: inputs on very different scales (money, counts) are the "
                   "likely cause of runs that blow up, swing or stay stuck. Turn on \"Standardise features\".")
    return out


def batch_sentences(findings: SweepFindings) -> list[str]:
    out, values = [], findings.per_value
    if len(values) >= 2:
        small, large = values[0], values[-1]
        out.append(f"Batch size {format_count(small.value)} makes {format_count(small.updates_per_epoch)} weight "
                   f"updates per epoch ({format_count(small.total_updates)} in all); batch size "
                   f"{format_count(large.value)} makes {format_count(large.updates_per_epoch)} "
                   f"({format_count(large.total_updates)} in all): a bigger batch means fewer updates.")
        if small.noise.finite and large.noise.finite:
            ratio = small.noise.mean / large.noise.mean if large.noise.mean > 0 else float("inf")
            noisy = findings.noise_ranking is not None and findings.noise_ranking.best == small.value
            tail = (f"about {format_ratio(ratio)} as much: bigger batches average over more rows, so each step is "
                    "steadier and the curve smoother." if noisy and ratio > 1 else
                    "no clear difference in how noisy the updates are.")
            out.append(f"Per-update training loss scatters by {format_loss(small.noise.mean)} around its trend at "
                       f"batch size {format_count(small.value)} and by {format_loss(large.noise.mean)} at batch size "
                       f"{format_count(large.value)}, {tail}")
    return out + [s for s in [generalisation_sentence(findings)] if s]


def generalisation_sentence(findings: SweepFindings) -> str | None:
    """The batch page's answer to "smaller batches generalise better", with this data's numbers."""
    c: Comparison | None = findings.generalisation
    if c is None:
        return None
    small, large = format_count(c.a), format_count(c.b)
    numbers = (f"{_STATISTIC}: {format_loss(c.mean_a)} at batch {small}, {format_loss(c.mean_b)} at batch {large}, "
               f"{over_seeds(c.n_seeds)}")
    lower = "lower on every seed, beyond the spread" if c.n_seeds > 1 else f"lower {beyond_spread(1)}"
    if findings.generalisation_answer == sweeps.SMALLER_BETTER:
        return f"Here the smaller batch did generalise better ({numbers}; {lower})."
    if findings.generalisation_answer == sweeps.LARGER_BETTER:
        return (f"Here the larger batch generalised better ({numbers}; {lower}): "
                "'sometimes' matters, and too much noise can also hurt.")
    why = f"a single run cannot tell a gap under {format_loss(ONE_SEED_SPREAD)} from noise" if c.one_seed else (
        f"the seeds alone move a run by up to {format_loss(max(c.spread_a, c.spread_b))}")
    return (f"On this data smaller batches did not clearly generalise better ({numbers}): {why}, so there is no "
            f"clear difference {at_seeds(c.n_seeds)}.")


def epochs_sentences(findings: SweepFindings) -> list[str]:
    """The epochs page's own sentences: where validation loss turns, EarlyStopping, the accuracy gap."""
    if not findings.per_value:
        return []
    v = findings.per_value[0]
    # Huge or exploding losses are the story then: no overfitting sentence about them (issue 16 item 7).
    fit = overfitting_sentence(findings.kind, v) if not (v.huge_loss_seeds or v.diverged_seeds or
                                                         v.not_learning_seeds) else None
    return [text for text in (fit, early_stopping_sentence(findings), accuracy_gap_sentence(v)) if text]


def oscillation_sentences(findings: SweepFindings) -> list[str]:
    """The learning-rate page's own sentences: the values whose loss swings on every seed."""
    return [_lead(findings.kind, v.value, "the loss keeps swinging up and down"
                  f"{'' if v.n_seeds == 1 else ' on every seed'}: the steps are too big to settle into a minimum.")
            for v in findings.per_value if sweeps.OSCILLATING in v.verdicts]


def sentences(findings: SweepFindings) -> list[str]:
    """The page's headline sentences, most important first: scale, divergence, the kind's own sentences
    (`kind.sentences`), the ranking, then accuracy against always guessing the majority class."""
    kind = findings.kind
    out = _scale_sentences(findings) + [divergence_sentence(kind, v) for v in findings.per_value]
    out += speed_sentences(findings) + kind.sentences(findings) + [ranking_sentence(findings)]
    # A diverged value's divergence sentence says what its accuracy means.
    out += [accuracy_sentence(kind, v) for v in findings.per_value if not v.diverged_seeds and (
        v.accuracy_vs_baseline in (sweeps.BELOW_BASELINE, sweeps.AT_BASELINE) or v.not_learning_seeds
        or (v.value is None and v.majority_val_accuracy is not None))]
    return [text for text in out if text]


def range_interval_sentence(results, seeds, interval: tuple[float, float]) -> str:
    """The range test's answer on several seeds as an interval, never one number: "Suggested: between learning rate
    0.003 and 0.005 across 3 seeds (each seed's minimum / 10: seed 42 0.004, ...)"."""
    each = ", ".join(f"seed {seed} {format_lr(r.suggestion)}" for seed, r in zip(seeds, results))
    return (f"Suggested: between learning rate {format_lr(interval[0])} and {format_lr(interval[1])} across "
            f"{format_count(len(results))} seeds (each seed's {results[0].suggestion_rule}: {each}). The test's "
            "single suggestion moves from seed to seed; the interval is what it can tell.")


def validation_below_sentence(findings: SweepFindings) -> str | None:
    """Why validation loss sits below training loss early in training, where the runs show it (one sentence)."""
    if not findings.validation_below:
        return None
    where = "; ".join(("" if value is None else f"{value_name(findings.kind, value)}: ")
                      + (f"epochs 1-{last}" if last > 1 else "epoch 1") for value, last in findings.validation_below)
    return (f"Validation loss sits below training loss early on ({where}): Keras reports an epoch's training loss as "
            "the mean over its batches while the weights improve, and validation loss once, at the epoch's end.")
