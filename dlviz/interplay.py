"""Batch size x learning rate: a grid of real runs from the same start, the outcome of every cell, the best
learning rate per batch size, the linear-scaling rule of thumb, and what the grid shows in plain sentences.

Pure logic over `RunSpec` / `RunHistory` (no Streamlit, and no TensorFlow until `run_grid` trains). The cells are
ordered row by row (batch size major, learning rate minor) so one `train_sweep` call stacks every learning rate of a
batch size into one traced training loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from dlviz.runs import MAX_EPOCHS, ProgressCallback, RunHistory, RunSpec, updates_per_epoch

# What every cell gets the same amount of.
SAME_EPOCHS = "epochs"    # every cell sees every training row the same number of times (the same samples)
SAME_UPDATES = "updates"  # every cell makes (about) the same number of weight updates (steps)
BUDGETS = (SAME_EPOCHS, SAME_UPDATES)

# What a cell's colour shows.
FINAL_VAL_LOSS = "final_val_loss"
BEST_VAL_LOSS = "best_val_loss"
FINAL_VAL_ACCURACY = "final_val_accuracy"
DIVERGED = "diverged"
OUTCOMES = (FINAL_VAL_LOSS, BEST_VAL_LOSS, FINAL_VAL_ACCURACY, DIVERGED)
OUTCOME_LABELS = {
    FINAL_VAL_LOSS: "final validation loss",
    BEST_VAL_LOSS: "lowest validation loss (any epoch)",
    FINAL_VAL_ACCURACY: "final validation accuracy",
    DIVERGED: "diverged",
}
HIGHER_IS_BETTER = frozenset({FINAL_VAL_ACCURACY})

# Defaults, checked on the practice data (4,000 rows, seeds 1, 7, 42, 123): with the final validation loss after 20
# epochs the best learning rate climbs from 0.001 at batch 16 to 0.01 at batch 1024, and 0.3-1 diverge. Half-decade
# steps, because whole decades are too coarse to show a shift of one decade.
DEFAULT_BATCH_SIZES = (16, 64, 256, 1024)
DEFAULT_LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
DEFAULT_EPOCHS = 20
# With the same number of updates a big batch needs many epochs (batch 1024 on 2,560 rows: 3 updates per epoch), so
# this stays small enough for ui.work_check's caps at the default grid.
DEFAULT_UPDATES = 300
DEFAULT_OUTCOME = FINAL_VAL_LOSS
GUIDE_SOURCE = "Goyal et al. 2017"


class GridError(ValueError):
    """A grid dlviz refuses (empty, or a value it cannot train), with a message for the user."""


# ---------------------------------------------------------------------------------------------------------------
# Building the grid


def capped_batch_sizes(batch_sizes: Sequence[int], n_train: int) -> tuple[int, ...]:
    """The batch sizes sorted and capped to the training-set size (a batch can hold at most every row once)."""
    return tuple(sorted({max(1, min(int(b), n_train)) for b in batch_sizes}))


def epochs_for(budget: str, amount: int, batch_size: int, n_train: int) -> int:
    """Epochs a cell of this batch size trains for.

    With SAME_EPOCHS that is `amount`. With SAME_UPDATES it is `amount` weight updates rounded to whole epochs
    (the engine measures validation after each epoch), at least 1 and at most the engine's limit.

    >>> epochs_for(SAME_UPDATES, 300, 1024, 2560)  # 3 updates per epoch
    100
    """
    if budget == SAME_EPOCHS:
        return int(amount)
    if budget != SAME_UPDATES:
        raise GridError(f"The budget must be one of {', '.join(BUDGETS)}; got {budget!r}.")
    per_epoch = updates_per_epoch(n_train, min(batch_size, n_train))
    return int(min(MAX_EPOCHS, max(1, round(amount / per_epoch))))


def grid_specs(base: RunSpec, batch_sizes: Sequence[int], learning_rates: Sequence[float], n_train: int,
               budget: str = SAME_EPOCHS, amount: int = DEFAULT_EPOCHS) -> list[RunSpec]:
    """One spec per cell, row by row: batch sizes (ascending) x learning rates (ascending).

    Every cell shares `base` (dataset, hidden units, seed), hence the same initial weights and batch order.
    """
    batches = capped_batch_sizes(batch_sizes, n_train)
    rates = tuple(sorted({float(r) for r in learning_rates}))
    if not batches or not rates:
        raise GridError("Pick at least one batch size and one learning rate.")
    return [base.replace(batch_size=b, learning_rate=r, epochs=epochs_for(budget, amount, b, n_train))
            for b in batches for r in rates]


@dataclass
class Grid:
    """The runs of a grid, `histories[i][j]` for batch size i and learning rate j (None while not trained)."""

    batch_sizes: tuple[int, ...]
    learning_rates: tuple[float, ...]
    histories: list[list[RunHistory | None]]

    @classmethod
    def from_runs(cls, histories: Sequence[RunHistory | None], specs: Sequence[RunSpec] | None = None) -> "Grid":
        """Arrange flat histories (in `grid_specs` order) into rows; `specs` names the cells of missing ones."""
        specs = list(specs) if specs is not None else [h.spec for h in histories]  # type: ignore[union-attr]
        batches = tuple(sorted({s.batch_size for s in specs}))
        rates = tuple(sorted({s.learning_rate for s in specs}))
        rows: list[list[RunHistory | None]] = [[None] * len(rates) for _ in batches]
        for spec, history in zip(specs, histories):
            rows[batches.index(spec.batch_size)][rates.index(spec.learning_rate)] = history
        return cls(batches, rates, rows)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.batch_sizes), len(self.learning_rates)

    def cell(self, batch_size: int, learning_rate: float) -> RunHistory | None:
        return self.histories[self.batch_sizes.index(batch_size)][self.learning_rates.index(learning_rate)]

    def done(self) -> np.ndarray:
        """Which cells have a finished run (complete or diverged)."""
        return np.array([[h is not None and h.complete for h in row] for row in self.histories], dtype=bool)

    def diverged(self) -> np.ndarray:
        return np.array([[h is not None and h.diverged for h in row] for row in self.histories], dtype=bool)

    def diverged_epochs(self) -> np.ndarray:
        """The epoch each cell diverged at, 0 where it did not."""
        return np.array([[h.diverged_at if h is not None and h.diverged else 0 for h in row]
                         for row in self.histories], dtype=int)

    def epochs(self) -> list[int]:
        """Epochs per row (the same for every learning rate of a batch size)."""
        return [next((h.spec.epochs for h in row if h is not None), 0) for row in self.histories]

    def updates(self, n_train: int) -> list[int]:
        """Weight updates a full run of each row makes."""
        return [e * updates_per_epoch(n_train, b) for e, b in zip(self.epochs(), self.batch_sizes)]


def run_grid(dataset, specs: Sequence[RunSpec], progress: ProgressCallback | None = None) -> Grid:
    """Train every cell in one `train_sweep` call (which stacks the learning rates of each batch size)."""
    from dlviz.training import train_sweep  # TensorFlow only when something is trained

    specs = list(specs)
    return Grid.from_runs(train_sweep(dataset, specs, progress), specs)


# ---------------------------------------------------------------------------------------------------------------
# Reading the grid


def cell_outcome(history: RunHistory | None, outcome: str) -> float:
    """One cell's number: NaN while it is not finished, and (except for DIVERGED) NaN for a diverged run, whose
    last numbers describe an explosion rather than a model anyone would keep."""
    if history is None or not history.complete:
        return math.nan
    if outcome == DIVERGED:
        return 1.0 if history.diverged else 0.0
    if history.diverged:
        return math.nan
    if outcome == FINAL_VAL_LOSS:
        return float(history.val_loss[-1])
    if outcome == BEST_VAL_LOSS:
        finite = [v for v in history.val_loss if math.isfinite(v)]
        return float(min(finite)) if finite else math.nan
    if outcome == FINAL_VAL_ACCURACY:
        return float(history.val_accuracy[-1])
    raise GridError(f"The outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}.")


def outcome_matrix(grid: Grid, outcome: str) -> np.ndarray:
    """The outcome of every cell as a (batch sizes x learning rates) array."""
    return np.array([[cell_outcome(h, outcome) for h in row] for row in grid.histories], dtype=float).reshape(
        grid.shape)


def ranking_outcome(outcome: str) -> str:
    """What "best" means for a view: the outcome itself, or the final validation loss when the view is DIVERGED."""
    return FINAL_VAL_LOSS if outcome == DIVERGED else outcome


def best_columns(grid: Grid, outcome: str = DEFAULT_OUTCOME) -> list[int | None]:
    """Per batch size, the column of the best learning rate (diverged and unfinished cells excluded; None when a
    row has none). Accuracy ties, common on a few hundred validation rows, go to the lower final validation loss."""
    outcome = ranking_outcome(outcome)
    scores = outcome_matrix(grid, outcome)
    if outcome in HIGHER_IS_BETTER:
        scores = -scores
    tie_break = outcome_matrix(grid, FINAL_VAL_LOSS)
    columns: list[int | None] = []
    for row, ties in zip(scores, tie_break):
        usable = np.flatnonzero(np.isfinite(row))
        if not len(usable):
            columns.append(None)
            continue
        order = np.lexsort((np.nan_to_num(ties[usable], nan=np.inf), row[usable]))
        columns.append(int(usable[order[0]]))
    return columns


def best_learning_rates(grid: Grid, outcome: str = DEFAULT_OUTCOME) -> list[float | None]:
    """Per batch size, the best learning rate (None where every run diverged or none has finished)."""
    return [None if j is None else grid.learning_rates[j] for j in best_columns(grid, outcome)]


def best_cell(grid: Grid, outcome: str = DEFAULT_OUTCOME) -> tuple[int, int] | None:
    """(row, column) of the best cell of the whole grid, or None."""
    outcome = ranking_outcome(outcome)
    scores = outcome_matrix(grid, outcome)
    if outcome in HIGHER_IS_BETTER:
        scores = -scores
    candidates = [(scores[i, j], i, j) for i, j in zip(*np.nonzero(np.isfinite(scores)))]
    if not candidates:
        return None
    _, i, j = min(candidates)
    return int(i), int(j)


def linear_scaling_guide(batch_sizes: Sequence[int], anchor_batch_size: int, anchor_learning_rate: float
                         ) -> list[float]:
    """The linear-scaling rule of thumb (Goyal et al. 2017, for SGD): the learning rate in proportion to the batch
    size, through the anchor (in dlviz, the grid's best cell).

    >>> linear_scaling_guide([16, 64, 256], 64, 0.01)
    [0.0025, 0.01, 0.04]
    """
    return [anchor_learning_rate * b / anchor_batch_size for b in batch_sizes]


def scaling_exponent(batch_small: int, rate_small: float, batch_large: int, rate_large: float) -> float:
    """k in "learning rate ~ batch size^k" between two points: 1 is the linear rule, 0.5 the square-root rule.

    >>> scaling_exponent(16, 0.001, 1024, 0.064)
    1.0
    """
    return math.log(rate_large / rate_small) / math.log(batch_large / batch_small)


def lr_axis_position(rate: float, learning_rates: Sequence[float]) -> float:
    """Where `rate` falls on an axis with one column per learning rate (column j at j), interpolating and
    extrapolating on a log scale so the guide line can pass between columns and beyond the grid."""
    logs = np.log10(np.asarray(learning_rates, dtype=float))
    if len(logs) == 1:
        return 0.0
    target = math.log10(rate)
    # The segment the rate falls in (the first / last one beyond the ends).
    k = int(np.clip(np.searchsorted(logs, target) - 1, 0, len(logs) - 2))
    return k + (target - logs[k]) / (logs[k + 1] - logs[k])


# ---------------------------------------------------------------------------------------------------------------
# What the grid shows, in sentences


def budget_sentence(budget: str, amount: int, n_train: int, batch_sizes: Sequence[int],
                    row_epochs: Sequence[int], row_updates: Sequence[int]) -> str:
    """What every cell of the grid gets the same amount of, and what that means per batch size, in one sentence.

    >>> budget_sentence(SAME_UPDATES, 20, 100, [10, 100], [2, 20], [20, 20]).split(": ")[-1]
    'batch 10 goes through the rows twice, batch 100 goes through the rows 20 times.'
    """
    if budget == SAME_EPOCHS:
        return (f"**Same epochs**: every cell goes through the {n_train:,} training rows {_passes(amount)}, so every "
                f"cell sees the same number of samples ({amount * n_train:,}). A bigger batch then makes fewer, "
                "larger-batch weight updates: "
                + ", ".join(f"batch {b} makes {u:,}" for b, u in zip(batch_sizes, row_updates)) + ".")
    return (f"**Same weight updates**: every cell takes about {amount:,} steps (rounded to whole epochs, since "
            "validation is measured after each epoch), so a bigger batch sees more data: "
            + ", ".join(f"batch {b} goes through the rows {_passes(e)}" for b, e in zip(batch_sizes, row_epochs))
            + ".")


def _passes(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count:,} times"


def _lr(rate: float) -> str:
    return f"{rate:g}"


def _times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


def _value(outcome: str, value: float) -> str:
    return f"{value:.1%}" if outcome == FINAL_VAL_ACCURACY else f"{value:.3f}"


def findings(grid: Grid, outcome: str = DEFAULT_OUTCOME, budget: str = SAME_EPOCHS, n_train: int | None = None
             ) -> list[str]:
    """Plain sentences about a finished grid, every number taken from it: the best learning rate per batch size,
    whether it moves with the batch size and how that compares with the linear rule, where divergence starts,
    and what the smallest learning rate reaches."""
    ranking = ranking_outcome(outcome)
    name = OUTCOME_LABELS[ranking]
    scores = outcome_matrix(grid, ranking)
    columns = best_columns(grid, outcome)
    rows = [(b, j) for b, j in zip(grid.batch_sizes, columns) if j is not None]
    sentences: list[str] = []
    if not rows:
        return ["Every run of the grid diverged: even the smallest learning rate is too large here. Add smaller "
                "learning rates."]

    # 1. The best learning rate at the two ends (and in between when there are more rows).
    def at(b: int, j: int) -> str:
        i = grid.batch_sizes.index(b)
        return f"{_lr(grid.learning_rates[j])} ({name} {_value(ranking, scores[i, j])})"

    b_small, j_small = rows[0]
    if len(rows) == 1:
        sentences.append(f"At batch {b_small} the best learning rate is {at(b_small, j_small)}.")
    else:
        sentences += _trend_sentences(grid, rows, at, budget)
    # 3. Where divergence starts, 4. what the smallest step reaches, 5. overfitting and data seen.
    sentences += _divergence_sentences(grid)
    sentences += _slow_edge_sentences(grid, ranking, budget, n_train)
    sentences += _overfitting_sentences(grid, ranking)
    if budget == SAME_UPDATES and n_train and len(grid.batch_sizes) > 1:
        epochs = grid.epochs()
        sentences.append(
            f"With (about) the same {amount_text(grid, n_train)} weight updates, batch {grid.batch_sizes[-1]} went "
            f"through the training rows {epochs[-1]} times and batch {grid.batch_sizes[0]} {epochs[0]} "
            f"time{'s' if epochs[0] != 1 else ''}: same number of steps, very different amounts of data.")
    return sentences


def _trend_sentences(grid: Grid, rows: list[tuple[int, int]], at, budget: str) -> list[str]:
    """The best learning rate at the two ends of the batch sizes, whether it moves, and against the rules of thumb."""
    sentences: list[str] = []
    (b_small, j_small), (b_large, j_large) = rows[0], rows[-1]
    middle = "".join(f"; at batch {b} it is {_lr(grid.learning_rates[j])}" for b, j in rows[1:-1])
    sentences.append(f"At batch {b_small} the best learning rate is {at(b_small, j_small)}{middle}; at batch "
                     f"{b_large} it is {at(b_large, j_large)}.")

    # 2. Does it move, and how does it compare with the rules of thumb?
    rate_small, rate_large = grid.learning_rates[j_small], grid.learning_rates[j_large]
    batch_ratio = b_large / b_small
    monotone = all(j2 >= j1 for (_, j1), (_, j2) in zip(rows, rows[1:]))
    step = _grid_step(grid.learning_rates)
    if rate_large > rate_small:
        k = scaling_exponent(b_small, rate_small, b_large, rate_large)
        why = ("bigger batches average more rows per update, so their gradients are less noisy and tolerate bigger "
               "steps")
        if budget == SAME_EPOCHS:
            why += (f"; with the same epochs they also make {_times(batch_ratio)} fewer updates, so each step has "
                    "to go further")
        text = (f"As the batch grew {_times(batch_ratio)} ({b_small} → {b_large}), the best learning rate rose "
                f"{_times(rate_large / rate_small)} ({_lr(rate_small)} → {_lr(rate_large)}): {why}.")
        if not monotone:
            text += " It did not rise at every step, though: neighbouring cells are close, so read it as a trend."
        sentences.append(text)
        linear = f"{GUIDE_SOURCE}, worked out for SGD: {_times(batch_ratio)}"
        root = f"√{batch_ratio:g} ≈ {_times(math.sqrt(batch_ratio))}"
        if k >= 0.75:
            rule = (f"That is close to the linear-scaling rule of thumb (learning rate in proportion to batch size; "
                    f"{linear}).")
        elif k >= 0.3:
            rule = (f"That is less than the linear-scaling rule of thumb predicts ({linear}): about batch "
                    f"size^{k:.2f}, nearer the square-root rule often suggested for Adam ({root}).")
        else:
            rule = (f"That is much less than the linear-scaling rule of thumb predicts ({linear}), and less than "
                    f"the square-root rule often suggested for Adam ({root}).")
        sentences.append(rule + (f" The grid's learning rates are {_times(step)} apart, so this is a coarse "
                                 "reading." if step > 1.5 else ""))
    elif rate_large == rate_small:
        sentences.append(
            f"Here the best learning rate stayed at {_lr(rate_small)} from batch {b_small} to batch {b_large}: on "
            f"this data and budget the grid does not show the shift the rule of thumb predicts. {_try(budget)}")
    else:
        sentences.append(
            f"Here the best learning rate fell from {_lr(rate_small)} at batch {b_small} to {_lr(rate_large)} at "
            f"batch {b_large}, the opposite of the rule of thumb: on this data and budget something else "
            f"dominates. {_try(budget)}")
    return sentences


def _try(budget: str) -> str:
    if budget == SAME_UPDATES:
        return ("With the same number of updates the batch sizes see very different amounts of data (below); "
                "compare with the same epochs for every cell.")
    return "Try more epochs, learning rates closer together, or another outcome."


def _grid_step(rates: Sequence[float]) -> float:
    """The typical ratio between neighbouring learning rates of the grid."""
    if len(rates) < 2:
        return 1.0
    return float(np.median(np.asarray(rates[1:]) / np.asarray(rates[:-1])))


def _divergence_sentences(grid: Grid) -> list[str]:
    diverged = grid.diverged()
    if not diverged.any():
        return []
    first = [next((grid.learning_rates[j] for j in range(grid.shape[1]) if row[j]), None) for row in diverged]
    total = f"{int(diverged.sum())} of {diverged.size} runs diverged (✕)"
    known = [(b, r) for b, r in zip(grid.batch_sizes, first) if r is not None]
    (b_small, r_small), (b_large, r_large) = known[0], known[-1]
    clean = [b for b, r in zip(grid.batch_sizes, first) if r is None]
    if clean and clean[-1] > b_small:
        return [f"{total}. Batch {clean[-1]} did not diverge at any learning rate tried, while batch {b_small} "
                f"already diverged at {_lr(r_small)}: larger batches stand bigger steps."]
    if len(known) > 1 and r_large > r_small:
        return [f"{total}. Runs diverge from learning rate {_lr(r_small)} at batch {b_small} but only from "
                f"{_lr(r_large)} at batch {b_large}: larger batches stand bigger steps before they blow up."]
    return [f"{total}, from learning rate {_lr(r_small)} up" + (" at every batch size." if len(known) > 1 else
                                                                 f" at batch {b_small}.")]


def _slow_edge_sentences(grid: Grid, ranking: str, budget: str, n_train: int | None) -> list[str]:
    """At the smallest learning rate, what the smallest and the largest batch reach."""
    if grid.shape[0] < 2:
        return []
    column = outcome_matrix(grid, ranking)[:, 0]
    if not np.isfinite(column[[0, -1]]).all():
        return []
    small, large = column[0], column[-1]
    worse = large < small if ranking in HIGHER_IS_BETTER else large > small
    if not worse or abs(large - small) < (0.01 if ranking in HIGHER_IS_BETTER else 0.02):
        return []
    rate = _lr(grid.learning_rates[0])
    b_small, b_large = grid.batch_sizes[0], grid.batch_sizes[-1]
    text = (f"At the smallest learning rate ({rate}), batch {b_small} reaches a {OUTCOME_LABELS[ranking]} of "
            f"{_value(ranking, small)} but batch {b_large} only {_value(ranking, large)}")
    if budget == SAME_EPOCHS and n_train:
        u_small, u_large = (updates_per_epoch(n_train, b) for b in (b_small, b_large))
        text += (f": with the same epochs, batch {b_large} makes {u_large:,} updates per epoch against "
                 f"{u_small:,}, and small steps need many updates.")
    else:
        text += ": small steps need many updates to get anywhere."
    return [text]


def amount_text(grid: Grid, n_train: int) -> str:
    """The updates per cell as a range when whole epochs make rows differ ("300" or "300-320")."""
    updates = grid.updates(n_train)
    low, high = min(updates), max(updates)
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


# A run overfits by the end when its final validation loss is this much above its own lowest.
OVERFIT_RATIO = 1.10


def overfit_cells(grid: Grid) -> np.ndarray:
    """Cells whose final validation loss ended more than 10% above their own lowest (finished, not diverged)."""
    final = outcome_matrix(grid, FINAL_VAL_LOSS)
    lowest = outcome_matrix(grid, BEST_VAL_LOSS)
    with np.errstate(invalid="ignore"):
        return np.isfinite(final) & (final > OVERFIT_RATIO * lowest)


def _overfitting_sentences(grid: Grid, ranking: str) -> list[str]:
    if ranking == BEST_VAL_LOSS:
        return []
    overfit = overfit_cells(grid)
    if not overfit.any():
        return []
    lowest_rate = min(grid.learning_rates[j] for j in np.nonzero(overfit)[1])
    return [f"{int(overfit.sum())} run(s) ended with a validation loss over {OVERFIT_RATIO - 1:.0%} above their own "
            f"lowest (overfitting, all at learning rate {_lr(lowest_rate)} or more): the final numbers count that "
            "against them. Switch the outcome to the lowest validation loss to judge every run as if it had "
            "stopped early."]
