"""Sentences for the batch size x learning rate grid (`dlviz.analysis.grid`): the budget, the best learning rate per
batch size (ties named as ties), its shift against the rules of thumb, divergence, the slow edge and overfitting."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from dlviz.analysis import curves
from dlviz.analysis import grid as g
from dlviz.analysis.compare import compare
from dlviz.analysis.grid import (BEST_VAL_LOSS, FINAL_VAL_ACCURACY, GUIDE_SOURCE, HIGHER_IS_BETTER,
                                 SAME_EPOCHS, SAME_UPDATES, Grid, RowBest)
from dlviz.runs import updates_per_epoch
from dlviz.text.format import (format_count, format_loss, format_lr, format_percent, format_ratio, join_counts,
                               join_words)
from dlviz.text.seeds import at_seeds, on_every_seed, over_seeds

OUTCOME_LABELS = {
    g.FINAL_VAL_LOSS: "final validation loss (mean of the last 3 epochs)",
    g.BEST_VAL_LOSS: "lowest validation loss (smoothed over 3 epochs)",
    g.FINAL_VAL_ACCURACY: "final validation accuracy",
    g.DIVERGED: "diverged",
}


def _passes(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{format_count(count)} times"


def outcome_text(outcome: str, value: float) -> str:
    return format_percent(value) if outcome == FINAL_VAL_ACCURACY else format_loss(value)


def _updates_broken(budget: str, amount: int, n_train: int, batch_sizes: Sequence[int],
                    row_epochs: Sequence[int]) -> bool:
    """A "same weight updates" grid whose runs were trimmed below the epochs it asked for: its premise is gone."""
    return budget == SAME_UPDATES and any(e < g.epochs_for(budget, amount, b, n_train)
                                          for b, e in zip(batch_sizes, row_epochs))


def capped_sentence(batch_sizes: Sequence[int], n_train: int) -> str | None:
    """The notice for batch sizes larger than the training rows (they train as one batch of every row)."""
    big = ", ".join(format_count(b) for b in sorted({b for b in batch_sizes if b > n_train}))
    return (f"Batch size {big} is larger than the {format_count(n_train)} training rows: one batch holds all of them, "
            f"so it trains as batch {format_count(n_train)}.") if big else None


def budget_sentence(budget: str, amount: int, n_train: int, batch_sizes: Sequence[int],
                    row_epochs: Sequence[int], row_updates: Sequence[int]) -> str:
    """What every cell got the same amount of as the runs trained (`row_epochs`, `row_updates`: after any trim),
    and what that means per batch size."""
    if budget == SAME_EPOCHS:
        return (f"**Same epochs**: every cell goes through the {format_count(n_train)} training rows "
                f"{_passes(row_epochs[0])}, so every cell sees the same number of samples "
                f"({format_count(row_epochs[0] * n_train)}). A bigger batch then makes fewer, larger-batch weight "
                "updates: " + ", ".join(f"batch {format_count(b)} makes {format_count(u)}"
                                        for b, u in zip(batch_sizes, row_updates)) + ".")
    passes = ", ".join(f"batch {format_count(b)} goes through the rows {_passes(e)}"
                       for b, e in zip(batch_sizes, row_epochs))
    if _updates_broken(budget, amount, n_train, batch_sizes, row_epochs):
        return (f"**Same weight updates** asked for about {format_count(amount)} steps per cell, but the runs were "
                f"trimmed to {format_count(min(row_updates))}-{format_count(max(row_updates))} updates per cell "
                f"({passes}): they no longer make the same number of updates, so this grid cannot compare batch sizes "
                "at equal steps.")
    return (f"**Same weight updates**: every cell takes about {format_count(amount)} steps (rounded to whole epochs, "
            f"since validation is measured after each epoch), so a bigger batch sees more data: {passes}.")


def _row_sentence(row: RowBest, outcome: str) -> str:
    """"At batch 16 the best learning rate is 0.001 (final validation loss 0.450)" or the tie."""
    ranking = row.ranking
    if ranking.best is not None:
        stat = ranking.stat(ranking.best)
        return (f"at batch {row.batch_size} the best learning rate is {format_lr(ranking.best)} "
                f"({outcome_text(outcome, stat.mean)})")
    return f"at batch {row.batch_size} learning rates {join_words([format_lr(r) for r in row.tied_rates])} tie"


def grid_sentences(grid: Grid, outcome: str = g.DEFAULT_OUTCOME, budget: str = SAME_EPOCHS,
                   n_train: int | None = None, amount: int | None = None) -> list[str]:
    """Plain sentences about a finished grid, every number taken from it. With `amount` (the budget asked for), a
    "same weight updates" grid trimmed below it says so and draws no conclusion across batch sizes."""
    ranking = g.ranking_outcome(outcome)
    rows = [r for r in g.row_bests(grid, outcome) if r.ranking.leader is not None]
    if not rows and grid.diverged().all():
        return ["Every run of the grid diverged: even the smallest learning rate is too large here. Add smaller "
                "learning rates."]
    n = grid.n_seeds
    head = "; ".join(_row_sentence(r, ranking) for r in rows)
    out = [head[:1].upper() + head[1:] + f" ({OUTCOME_LABELS[ranking]}, {over_seeds(n)})."] if rows else [
        f"No run that did not blow up got its validation loss clearly below a constant guess's "
        f"{format_loss(next(curves.prior_loss(h) for r in grid.histories for c in r for h in c if h is not None))}: "
        "none learned anything the validation rows confirm, so no learning rate is best. Train for more epochs or on "
        "more rows."]
    broken = bool(amount and n_train and _updates_broken(budget, amount, n_train, grid.batch_sizes, grid.epochs()))
    if broken:
        updates = grid.updates(n_train)  # type: ignore[arg-type]
        out.append(f"The runs were trimmed to {format_count(min(updates))}-{format_count(max(updates))} weight "
                   f"updates per cell instead of about {format_count(amount)}: no longer the same number, so no "
                   "conclusion is drawn here on how the best learning rate moves with the batch size.")
    elif len(rows) > 1:
        out += _trend(grid, rows, budget)
    out += _divergence(grid) + ([] if broken else _slow_edge(grid, ranking, budget, n_train))
    return out + _overfitting(grid, ranking)


def _trend(grid: Grid, rows: list[RowBest], budget: str) -> list[str]:
    """Does the best learning rate move with the batch size? Only claimed when the tie sets do not overlap."""
    first, last = rows[0], rows[-1]
    low_first, high_first = min(first.tied_rates), max(first.tied_rates)
    low_last, high_last = min(last.tied_rates), max(last.tied_rates)
    b_small, b_large = first.batch_size, last.batch_size
    n = grid.n_seeds
    if low_last > high_first:
        rate_small, rate_large = high_first, low_last  # the smallest shift the evidence supports
        k = g.scaling_exponent(b_small, rate_small, b_large, rate_large)
        text = (f"As the batch grew {format_ratio(b_large / b_small)} ({b_small} to {b_large}), the best learning "
                f"rate rose at least {format_ratio(rate_large / rate_small)} ({format_lr(rate_small)} to "
                f"{format_lr(rate_large)}): bigger batches average more rows per update, so their gradients are less "
                "noisy and tolerate bigger steps")
        if budget == SAME_EPOCHS:
            text += "; with the same epochs they also make fewer updates, so each step has to go further"
        linear = f"{GUIDE_SOURCE}, worked out for SGD: {format_ratio(b_large / b_small)}"
        return [text + ".", f"That is close to the linear-scaling rule of thumb (learning rate in proportion to batch "
                f"size; {linear})." if k >= 0.75 else f"That is less than the linear-scaling rule of thumb predicts "
                f"({linear}): about batch size^{k:.2f}, {'nearer' if k >= 0.3 else 'below'} the square-root rule "
                f"often suggested for Adam ({format_ratio(math.sqrt(b_large / b_small))})."]
    if high_last < low_first:
        return [f"Here the best learning rate fell from {format_lr(low_first)} at batch {b_small} to "
                f"{format_lr(high_last)} at batch {b_large}, the opposite of the rule of thumb: on this data and "
                "budget something else dominates."]
    return [f"No clear shift of the best learning rate from batch {b_small} to batch {b_large} {at_seeds(n)}: "
            "the learning rates that tie for best overlap, so this grid does not show the shift the rule of thumb "
            "predicts. " + ("Compare with the same epochs for every cell." if budget == SAME_UPDATES else
                            "Try more seeds, more epochs, or learning rates closer together.")]


def _divergence_places(grid: Grid, diverged: np.ndarray) -> list[str]:
    """Where cells diverged, by learning rate, true of every row: the top block of learning rates where every batch
    size diverged ("from learning rate 1 up at every batch size"), then each lower rate that diverged somewhere with
    the batch sizes it diverged at ("at learning rate 0.3 only at batch 16 and 1,024")."""
    n_rows, n_cols = diverged.shape
    full = diverged.all(axis=0)
    j0 = n_cols
    while j0 > 0 and full[j0 - 1]:
        j0 -= 1
    parts = []
    if j0 < n_cols:
        where = "" if n_rows == 1 else " at every batch size"
        parts.append(f"at learning rate {format_lr(grid.learning_rates[j0])}{where}" if j0 == n_cols - 1 else
                     f"from learning rate {format_lr(grid.learning_rates[j0])} up{where}")
    for j in reversed(range(j0)):
        if not diverged[:, j].any():
            continue
        rows = [b for b, d in zip(grid.batch_sizes, diverged[:, j]) if d]
        where = "at every batch size" if full[j] else f"{'only ' if parts else ''}at batch {join_counts(rows)}"
        parts.append(f"at learning rate {format_lr(grid.learning_rates[j])} {where}" if n_rows > 1 or not full[j]
                     else f"at learning rate {format_lr(grid.learning_rates[j])}")
    return parts


def _divergence(grid: Grid) -> list[str]:
    """Which cells diverged, in words true of every row, and "larger batches stand bigger steps" only when the grid
    backs it: wherever a batch size diverged every smaller batch size did too, and the smallest batch diverged at
    more learning rates than the largest."""
    diverged = grid.diverged()
    if not diverged.any():
        return []
    seeds = " on at least one seed" if grid.n_seeds > 1 else ""
    total = f"{int(diverged.sum())} of {diverged.size} cells diverged{seeds} (✕)"
    out = [f"{total}: {'; '.join(_divergence_places(grid, diverged))}."]
    nested = all((diverged[i + 1] <= diverged[i]).all() for i in range(diverged.shape[0] - 1))
    if diverged.shape[0] > 1 and nested and diverged[-1].sum() < diverged[0].sum():
        clean = [b for b, row in zip(grid.batch_sizes, diverged) if not row.any()]
        tail = f" (batch {join_counts(clean)} at no learning rate tried)" if clean else ""
        out.append(f"Larger batches stand bigger steps here: wherever a batch size diverged, every smaller one did "
                   f"too, and batch {format_count(grid.batch_sizes[-1])} diverged at fewer learning rates than batch "
                   f"{format_count(grid.batch_sizes[0])}{tail}.")
    return out


def _slow_edge(grid: Grid, ranking: str, budget: str, n_train: int | None) -> list[str]:
    """At the smallest learning rate, the smallest against the largest batch (only a clear difference)."""
    if grid.shape[0] < 2:
        return []
    small = g.cell_stat(grid, 0, 0, ranking)
    large = g.cell_stat(grid, grid.shape[0] - 1, 0, ranking)
    if not (small.finite and large.finite) or not compare(small, large, ranking in HIGHER_IS_BETTER).a_beats_b:
        return []
    b_small, b_large = grid.batch_sizes[0], grid.batch_sizes[-1]
    text = (f"At the smallest learning rate ({format_lr(grid.learning_rates[0])}), batch {b_small} reaches "
            f"{outcome_text(ranking, small.mean)} but batch {b_large} only {outcome_text(ranking, large.mean)}")
    if budget == SAME_EPOCHS and n_train:
        u_small, u_large = (updates_per_epoch(n_train, b) for b in (b_small, b_large))
        return [text + f": with the same epochs, batch {b_large} makes {format_count(u_large)} updates per epoch "
                f"against {format_count(u_small)}, and small steps need many updates."]
    return [text + ": small steps need many updates to get anywhere."]


def _overfitting(grid: Grid, ranking: str) -> list[str]:
    if ranking == BEST_VAL_LOSS:
        return []
    overfit = g.overfit_cells(grid)
    if not overfit.any():
        return []
    lowest = min(grid.learning_rates[j] for j in np.nonzero(overfit)[1])
    return [f"{int(overfit.sum())} cell(s) overfit {on_every_seed(grid.n_seeds)} (validation loss ends clearly "
            "above its own lowest while training loss keeps falling; all at learning rate "
            f"{format_lr(lowest)} or more): the final numbers count that against them. Switch the outcome to the "
            "lowest validation loss to judge every run as if it had stopped early."]
