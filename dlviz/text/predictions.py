"""Predict, then see (issue 19): questions about THIS sweep asked before its curves (a kind's `questions(context)`),
each with its widget and a `check(answer, findings, context) -> Verdict` that quotes the runs' numbers; where the runs
cannot decide (ties within seed noise, seeds that disagree) the check says so and calls no answer right."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Sequence

import numpy as np

from dlviz.analysis import curves
from dlviz.analysis import grid as g
from dlviz.analysis import sweeps
from dlviz.runs import RunHistory, updates_per_epoch
from dlviz.text.format import (format_count, format_epochs, format_loss, format_lr, format_percent, join_values,
                               format_value, seeds_text, value_label, value_name)
from dlviz.text.findings import statistic_label
from dlviz.text.seeds import beyond_spread, over_seeds

RIGHT, WRONG, CANNOT_TELL = "right", "wrong", "cannot tell"
SLIDER, RADIO, MULTISELECT, NUMBER = "slider", "radio", "multiselect", "number"

# "Around which epoch": an answer within this many epochs of the seeds' lowest points counts (10% of the run, at
# least 2): the smoothed curve's minimum itself moves by a few epochs from seed to seed on the practice data.
EPOCH_SHARE, MIN_EPOCH_TOLERANCE = 0.10, 2
# "Still falling at the end": the mean training loss of the last 3 epochs against the 3 before. Below by more than
# 2% (about 0.006 at a loss of 0.3: a few pixels on a 400-pixel chart spanning 0.7 to 0.3, so a learner sees it)
# is falling; less than 0.5% (under a pixel) is flat; in between, or seeds that disagree, the run cannot tell.
STILL_FALLING, FLAT = 0.02, 0.005


@dataclass(frozen=True)
class Verdict:
    """The check of one answer: `kind` is RIGHT, WRONG or CANNOT_TELL; `sentence` quotes the run's numbers."""

    kind: str
    sentence: str


@dataclass(frozen=True)
class Context:
    """The sweep a page asks about: plain data from its specs and histories (no findings)."""

    kind: Any                         # the `dlviz.kinds.Kind` of the page
    key: str                          # identity of the sweep (hash of its specs): a new sweep asks again
    values: tuple[Hashable, ...]      # swept values, sorted (batch sizes or learning rates; () on the epochs page)
    epochs: int                       # epochs trained (the longest run)
    n_train: int                      # training rows
    histories: tuple[RunHistory, ...] = ()
    outcome: str = g.DEFAULT_OUTCOME  # the grid page: what "best" means

    @classmethod
    def of(cls, kind: Any, histories: Sequence[RunHistory], n_train: int, outcome: str = g.DEFAULT_OUTCOME
           ) -> "Context":
        """The context of a page's finished sweep (`kind`: its `dlviz.kinds.Kind`)."""
        histories = tuple(histories)
        specs = sorted(repr(h.spec) for h in histories)
        # The outcome is left out: recolouring the grid re-checks the answers, it does not ask again.
        key = hashlib.sha1("|".join([kind.name, *specs]).encode()).hexdigest()[:12]
        epochs = max((h.spec.epochs for h in histories), default=0)
        values = tuple(sorted({kind.value_of(h) for h in histories})) if kind.field else ()
        return cls(kind, key, values, epochs, n_train, histories, outcome)


@dataclass(frozen=True)
class Question:
    """One question: its widget (`options`/`labels` for RADIO and MULTISELECT, `low`..`high` and `default` for SLIDER
    and NUMBER) and the check of an answer (a value of `options`, a list of them, or a number)."""

    key: str
    prompt: str
    widget: str
    check: Callable[[Any, Any, Context], Verdict]
    options: tuple = ()
    labels: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    default: Any = None
    help: str = ""


# Epochs


def _epoch_tolerance(epochs: int) -> int:
    return max(MIN_EPOCH_TOLERANCE, round(EPOCH_SHARE * epochs))


def _settle_epoch(history: RunHistory) -> tuple[int, int, float, float] | None:
    """(settle, best, threshold, best loss) of one run's smoothed validation loss: `best` is its lowest point
    (`curves.robust_best`), `settle` the first epoch within `threshold` of it, the noise margin the overfitting
    test uses (`curves.OVERFIT_TOLERANCE` of the loss, at least `curves.OVERFIT_MIN_RISE`). None without a finite
    validation loss."""
    found = curves.robust_best(history)
    if found is None:
        return None
    best, low = found
    val = curves.smoothed(history.val_loss)
    threshold = max(curves.OVERFIT_TOLERANCE * abs(low), curves.OVERFIT_MIN_RISE)
    settle = int(np.argmax(np.where(np.isfinite(val), val, np.inf) <= low + threshold)) + 1
    return settle, best, threshold, low


def check_turn(answer: int, findings: sweeps.SweepFindings, context: Context) -> Verdict:
    """Around which epoch validation loss stops improving: per seed, the first epoch within noise of its lowest point
    (`settle_epoch`), widened by `epoch_tolerance`; for a run that overfits, up to its lowest point too. An answer in
    a stretch where the loss still creeps down by less than the noise margin cannot be told right or wrong."""
    v = findings.per_value[0]
    said = f"You said epoch {answer}"
    found = [_settle_epoch(h) for h in context.histories]
    if v.diverged_seeds or v.huge_loss_seeds:
        return Verdict(CANNOT_TELL, f"{said}; the run blew up, so its validation loss has no clean turn to compare.")
    if not found or any(f is None for f in found):
        return Verdict(CANNOT_TELL, f"{said}; the run has no finite validation loss to compare.")
    settles, bests = [f[0] for f in found], [f[1] for f in found]
    margin = max(f[2] for f in found)
    n, tol = v.epochs_run, _epoch_tolerance(v.epochs_run)
    seeds = "" if len(found) == 1 else f" over {seeds_text(len(found))}"
    # The lowest is the one the star, the card and the findings state (`ValueFindings.score` at `best_epoch`).
    low = f"{format_loss(v.score.mean)} at epoch {v.best_epoch}, {statistic_label(len(found))}"
    settled = (f"validation loss came within {format_loss(margin)} (the noise margin) of its lowest "
               f"({low}) by {format_epochs(min(settles), max(settles))}{seeds}")
    overfit = v.overfit_region is not None
    right_until = max(max(bests) if overfit else max(settles), max(settles)) + tol
    if min(settles) - tol <= answer <= right_until:
        return Verdict(RIGHT, f"{said}: {settled}. Within {tol} epochs counts.")
    if answer < min(settles) - tol:
        return Verdict(WRONG, f"{said}; {settled}: it was still clearly improving after epoch {answer}.")
    if overfit:
        return Verdict(WRONG, f"{said}; {settled} and rose to {format_loss(v.final_val_loss.mean)} at epoch {n}: "
                              "it had stopped improving long before.")
    if answer <= max(bests) + tol:
        return Verdict(CANNOT_TELL, f"{said}; {settled} and crept lower by less than that up to "
                                    f"{format_epochs(min(bests), max(bests))}: within noise, so this run cannot say "
                                    f"whether it stopped improving there or at epoch {answer}.")
    return Verdict(WRONG, f"{said}; {settled} and went no lower after {format_epochs(min(bests), max(bests))}.")


def tail_change(history: RunHistory, n: int = curves.TAIL_EPOCHS) -> float:
    """Relative change of the training loss over the last epochs: (mean of the last `n` - mean of the `n` before) /
    the latter; negative while falling. Windows shrink to half the run for short runs; NaN under 2 epochs."""
    loss = np.asarray(history.loss, dtype=float)
    n = min(n, len(loss) // 2)
    if n < 1 or not np.isfinite(loss).all():
        return math.nan
    before, last = loss[-2 * n:-n].mean(), loss[-n:].mean()
    return float((last - before) / before) if before > 0 else math.nan


def _check_still_falling(answer: bool, findings: sweeps.SweepFindings, context: Context) -> Verdict:
    """Will training loss still be falling at the end: every seed falls by more than STILL_FALLING (relative, last
    3 epochs against the 3 before), or every seed moves less than FLAT; anything else cannot tell."""
    changes = [tail_change(h) for h in context.histories]
    said = "You said " + ("it would still be falling" if answer else "it would have flattened out")
    if not changes or not all(math.isfinite(c) for c in changes):
        return Verdict(CANNOT_TELL, f"{said}; the run is too short or blew up, so there is no end trend to read.")
    numbers = f"over the last epochs training loss changed by {format_percent(float(np.mean(changes)))}" + (
        "" if len(changes) == 1 else f" (mean over {seeds_text(len(changes))}, {format_percent(min(changes))} to "
                                     f"{format_percent(max(changes))})")
    between = "" if len(changes) == 1 else ", or too different between seeds,"
    if all(-c > STILL_FALLING for c in changes):
        truth, what = True, "it was still falling"
    elif all(abs(c) < FLAT or c > 0 for c in changes):
        truth, what = False, "it had flattened out"
    else:
        return Verdict(CANNOT_TELL, f"{said}; {numbers}: too little{between} to call it either still falling or flat.")
    return Verdict(RIGHT if answer == truth else WRONG, f"{said}; {what}: {numbers}.")


def epochs_questions(context: Context) -> list[Question]:
    if context.epochs < 3:
        return []
    return [
        Question("turn", "Around which epoch will validation loss stop improving?", SLIDER, check_turn,
                 low=1, high=context.epochs, default=max(1, context.epochs // 2),
                 help=f"Within {_epoch_tolerance(context.epochs)} epochs of where it really turns counts as right."),
        Question("falling", "Will training loss still be falling at the end?", RADIO, _check_still_falling,
                 options=(True, False), labels=("Yes, still falling", "No, it will have flattened out")),
    ]


# Ranked choices (batch size: noisiest; learning rate: lowest validation loss)


_FAILED = {sweeps.DIVERGED: "diverged", sweeps.HUGE_LOSS: "reached huge losses",
           sweeps.NOT_LEARNING: "did not learn"}


def _ranked_choice(answer: Hashable, findings: sweeps.SweepFindings, ranking, what: str, number: Callable) -> Verdict:
    """RIGHT for the clear winner, WRONG for a value the leader clearly beats, CANNOT_TELL for a value that ties
    with the leader (or one without a number)."""
    kind = findings.kind
    said = f"You said {value_name(kind, answer)}"
    if ranking is None or ranking.leader is None:
        return Verdict(CANNOT_TELL, f"{said}; no value has a {what} to compare.")
    stat, lead = ranking.stat(answer), ranking.stat(ranking.leader)
    if stat is None:  # not ranked: it failed (a wrong pick for the lowest loss), or has no number to compare
        v = findings.value(answer)
        failed = [word for code, word in _FAILED.items() if code in v.verdicts]
        if ranking is findings.ranking and failed:
            return Verdict(WRONG, f"{said}; it {failed[0]}, while {value_name(kind, ranking.leader)} reached "
                                  f"{number(lead.mean)}.")
        return Verdict(CANNOT_TELL, f"{said}; it has no {what} to compare (too few updates to measure).")
    n = ranking.n_seeds
    leader = f"{value_name(kind, ranking.leader)} had the {what} ({number(lead.mean)})"
    if ranking.best is not None:
        if answer == ranking.best:
            return Verdict(RIGHT, f"{said}: {leader}, clearly ahead of every other {beyond_spread(n)}.")
        every = " on every seed and" if n > 1 else ""
        return Verdict(WRONG, f"{said} ({number(stat.mean)}); {leader}, ahead{every} {beyond_spread(n)}.")
    tied = ", ".join(f"{format_value(kind, t)}: {format_loss(ranking.stat(t).mean)}" for t in ranking.tied)
    who = "this run" if n == 1 else f"these {seeds_text(n)}"
    if answer in ranking.tied:  # a tied pick is neither right nor wrong: the run cannot order the tied values
        return Verdict(CANNOT_TELL, f"{said}, one of the {kind.plural} that tie for the {what} ({tied}): {who} cannot "
                                    "tell them apart.")
    others = [t for t in ranking.tied if t != ranking.leader]
    return Verdict(WRONG, f"{said} ({number(stat.mean)}); {leader}, ahead {beyond_spread(n)} (it ties with "
                          f"{join_values(kind, others)}, which {who} cannot tell apart from it).")


def _check_noisiest(answer: int, findings: sweeps.SweepFindings, context: Context) -> Verdict:
    return _ranked_choice(answer, findings, findings.noise_ranking, "noisiest per-update loss",
                          lambda x: f"scatter {format_loss(x)} around its trend")


def check_lowest(answer: float, findings: sweeps.SweepFindings, context: Context) -> Verdict:
    return _ranked_choice(answer, findings, findings.ranking, "lowest validation loss", format_loss)


def asked_batch(values: Sequence[int]) -> int:
    """The batch size the updates question asks about: the lesson's 128 when swept, else the middle value."""
    return 128 if 128 in values else sorted(values)[len(values) // 2]


def _check_updates(answer: float, findings: sweeps.SweepFindings, context: Context) -> Verdict:
    """Weight updates per epoch = ceil(training rows / batch): the last, smaller batch is an update too."""
    batch = asked_batch(context.values)
    right = updates_per_epoch(context.n_train, batch)
    said = f"You said {format_count(answer)} update{'' if int(answer) == 1 else 's'}"
    how = f"{format_count(context.n_train)} training rows / batch {format_count(batch)} = "
    how += (f"exactly {format_count(right)}" if context.n_train % batch == 0 else
            f"{context.n_train / batch:.2f}, rounded up to {format_count(right)}")
    if int(answer) == right:
        tail = "." if context.n_train % batch == 0 else " (the last, smaller batch is an update too)."
        return Verdict(RIGHT, f"{said}: {how}{tail}")
    hint = " The last batch is smaller but still makes an update." if int(answer) == context.n_train // batch else ""
    return Verdict(WRONG, f"{said}; {how}.{hint}")


def _choices(context: Context) -> tuple[tuple, tuple[str, ...]]:
    return tuple(context.values), tuple(value_label(context.kind, v) for v in context.values)


def batch_questions(context: Context) -> list[Question]:
    if not context.values:
        return []
    batch = asked_batch(context.values)
    out = [Question("updates", f"How many weight updates per epoch will batch size {format_count(batch)} make "
                               f"on the {format_count(context.n_train)} training rows?", NUMBER, _check_updates,
                    low=0, high=context.n_train)]
    if len(context.values) >= 2:
        options, labels = _choices(context)
        out.insert(0, Question("noisiest", "Which batch size will have the noisiest per-update loss?", RADIO,
                               _check_noisiest, options=options, labels=labels))
    return out


# Learning rate


def _check_blow_up(answer: Sequence[float], findings: sweeps.SweepFindings, context: Context) -> Verdict:
    """Which rates blow up: a rate that diverged on every seed, or on none, decides; one that diverged on some seeds
    only makes the answer undecidable unless another rate already makes it wrong."""
    kind = findings.kind
    chosen = set(answer)
    every = {v.value for v in findings.per_value if v.diverged_seeds == v.n_seeds and v.n_seeds}
    some = [v for v in findings.per_value if 0 < v.diverged_seeds < v.n_seeds]
    certain_wrong = sorted((chosen ^ every) - {v.value for v in some})
    said = "You said " + (f"learning rate{'s' if len(chosen) > 1 else ''} {join_values(kind, sorted(chosen))}"
                          if chosen else "no learning rate")
    facts = [f"learning rate {format_lr(v.value)} diverged at {format_epochs(*v.diverged_epochs)}" + (
        "" if v.n_seeds == 1 else f" on all {v.n_seeds} seeds" if v.diverged_seeds == v.n_seeds
        else f" on {v.diverged_seeds} of {v.n_seeds} seeds") for v in findings.per_value if v.diverged_seeds]
    happened = "; ".join(facts) if facts else "no learning rate diverged"
    if certain_wrong:
        return Verdict(WRONG, f"{said} would blow up; {happened}.")
    if some:
        return Verdict(CANNOT_TELL, f"{said} would blow up; {happened}: the seeds disagree about "
                                    f"{join_values(kind, [v.value for v in some])}, so this run cannot settle it.")
    return Verdict(RIGHT, f"{said} would blow up: {happened}.")


def rate_questions(context: Context) -> list[Question]:
    if len(context.values) < 2:
        return []
    options, labels = _choices(context)
    return [
        Question("blow_up", "Which learning rates will blow up (diverge)?", MULTISELECT, _check_blow_up,
                 options=options, labels=labels, help="Leave it empty if you think none will."),
        Question("lowest", "Which learning rate will reach the lowest validation loss?", RADIO, check_lowest,
                 options=options, labels=labels),
    ]


# Batch size x learning rate

RISES, SAME, FALLS = "rises", "same", "falls"


def _check_trend(answer: str, grid: g.Grid, context: Context) -> Verdict:
    """Does the best learning rate rise with the batch size: the smallest batch's tied-best rates against the
    largest's (as `text.grid` says it); overlapping tie sets cannot tell, unless both rows have the same clear best."""
    rows = g.row_bests(grid, context.outcome)
    first, last = rows[0], rows[-1]
    said = "You said " + {RISES: "it rises", SAME: "it stays the same", FALLS: "it falls"}[answer]
    if not first.tied_rates or not last.tied_rates:
        return Verdict(CANNOT_TELL, f"{said}; every learning rate of batch {format_count(first.batch_size)} or "
                                    f"{format_count(last.batch_size)} diverged, so there is no best to compare.")

    def best_of(row: g.RowBest) -> str:
        rates = row.tied_rates
        return (f"{format_lr(rates[0])}" if len(rates) == 1 else
                f"a tie of {', '.join(format_lr(r) for r in rates)}") + f" at batch {format_count(row.batch_size)}"

    numbers = f"the best learning rate was {best_of(first)} and {best_of(last)} ({over_seeds(grid.n_seeds)})"
    if min(last.tied_rates) > max(first.tied_rates):
        truth = RISES
    elif max(last.tied_rates) < min(first.tied_rates):
        truth = FALLS
    elif first.column is not None and first.column == last.column:
        truth = SAME
    else:
        return Verdict(CANNOT_TELL, f"{said}; {numbers}: the rates that tie for best overlap, so this grid cannot "
                                    "tell whether it moved.")
    return Verdict(RIGHT if answer == truth else WRONG, f"{said}; {numbers}.")


def grid_questions(context: Context) -> list[Question]:
    batches = sorted({h.spec.batch_size for h in context.histories})
    if len(batches) < 2 or len({h.spec.learning_rate for h in context.histories}) < 2:
        return []
    return [Question("trend", f"From batch size {format_count(batches[0])} to "
                              f"{format_count(batches[-1])}, will the best learning rate rise with the "
                              "batch size?", RADIO, _check_trend, options=(RISES, SAME, FALLS),
                     labels=("Yes, it rises", "No, it stays the same", "No, it falls"))]
