"""Batch size x learning rate: a grid of real runs (every cell on the same seeds), each cell's outcome as the seeds'
mean, and the best learning rate per batch size under the seed-aware rule (ties marked as ties). Cells are ordered
batch size major, then learning rate, then seed, so one `train_sweep` call stacks a batch size's runs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from dlviz.analysis import curves
from dlviz.analysis.compare import Ranking, ValueStat, rank
from dlviz.runs import MAX_EPOCHS, RunHistory, RunSpec, updates_per_epoch

SAME_EPOCHS = "epoch"  # every cell trains the same number of epochs
SAME_UPDATES = "updates"
BUDGETS = (SAME_EPOCHS, SAME_UPDATES)

FINAL_VAL_LOSS = "final_val_loss"        # mean of the last three epochs (robust to one dip)
BEST_VAL_LOSS = "best_val_loss"          # lowest smoothed validation loss (the runs' robust statistic)
FINAL_VAL_ACCURACY = "final_val_accuracy"
DIVERGED = "diverged"
OUTCOMES = (FINAL_VAL_LOSS, BEST_VAL_LOSS, FINAL_VAL_ACCURACY, DIVERGED)
HIGHER_IS_BETTER = frozenset({FINAL_VAL_ACCURACY})

DEFAULT_OUTCOME = FINAL_VAL_LOSS
GUIDE_SOURCE = "Goyal et al. 2017"


class GridError(ValueError):
    """A grid dlviz refuses (empty, or a value it cannot train), with a message for the user."""


def capped_batch_sizes(batch_sizes: Sequence[int], n_train: int) -> tuple[int, ...]:
    """The grid's rows.
    Args:
        batch_sizes: the chosen batch sizes; n_train: training rows.
    Returns:
        The batch sizes capped at `n_train`, duplicates merged, sorted."""
    return tuple(sorted({max(1, min(int(b), n_train)) for b in batch_sizes}))


def epochs_for(budget: str, amount: int, batch_size: int, n_train: int) -> int:
    """Epochs a cell of this batch size trains for.
    Args:
        budget: SAME_EPOCHS (`amount` epochs) or SAME_UPDATES (`amount` updates rounded to whole epochs, between 1
            and the engine's limit).
        amount: epochs or weight updates; batch_size: the cell's; n_train: training rows.
    Returns:
        The epochs.
    Raises:
        GridError: an unknown budget.
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
               budget: str, amount: int, seeds: Sequence[int] | None = None
               ) -> list[RunSpec]:
    """The grid's runs: one spec per cell and seed, row by row (batch sizes x learning rates x seeds).
    Args:
        base: the sidebar's spec (dataset, width, first seed).
        batch_sizes: rows, capped at `n_train` (duplicates merged); learning_rates: columns.
        n_train: training rows.
        budget: `SAME_EPOCHS` (every cell trains `amount` epochs) or `SAME_UPDATES` (every cell makes about `amount`
            weight updates: `epochs_for`).
        seeds: the seeds (default: `base.seed` only).
    Returns:
        The specs, batch size major, then learning rate, then seed.
    Raises:
        GridError: no batch size or no learning rate, or an unknown budget."""
    batches = capped_batch_sizes(batch_sizes, n_train)
    rates = tuple(sorted({float(r) for r in learning_rates}))
    if not batches or not rates:
        raise GridError("Pick at least one batch size and one learning rate.")
    seeds = tuple(seeds) if seeds else (base.seed,)
    return [base.replace(batch_size=b, learning_rate=r, epochs=epochs_for(budget, amount, b, n_train), seed=s)
            for b in batches for r in rates for s in seeds]


@dataclass
class Grid:
    """`histories[i][j]`: the seeds' runs (sorted by seed) of batch size i and learning rate j; a None inside is a
    run not trained yet."""

    batch_sizes: tuple[int, ...]
    learning_rates: tuple[float, ...]
    histories: list[list[list[RunHistory | None]]]

    @classmethod
    def from_runs(cls, histories: Sequence[RunHistory | None], specs: Sequence[RunSpec] | None = None) -> "Grid":
        specs = list(specs) if specs is not None else [h.spec for h in histories]  # type: ignore[union-attr]
        batches, rates = tuple(sorted({s.batch_size for s in specs})), tuple(sorted({s.learning_rate for s in specs}))
        runs = sorted(zip(specs, histories), key=lambda run: run[0].seed)
        return cls(batches, rates, [[[h for s, h in runs if (s.batch_size, s.learning_rate) == (b, r)] for r in rates]
                                    for b in batches])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.batch_sizes), len(self.learning_rates)

    @cached_property
    def blown(self) -> list[list[list[int | None]]]:
        """Per run (as `histories`), the epoch it blew up at (`curves.blew_up_at`: diverged, or a loss far above a
        constant guess's) or None: decided once per grid, before any ranking."""
        return [[[None if h is None else curves.blew_up_at(h) for h in c] for c in row] for row in self.histories]

    def _judged(self, f, dtype) -> np.ndarray:
        return np.array([[f(c, b) for c, b in zip(row, brow)] for row, brow in zip(self.histories, self.blown)],
                        dtype=dtype).reshape(self.shape)

    def diverged(self) -> np.ndarray:
        """Cells where at least one seed blew up (`blown`), (batch sizes x learning rates) bool."""
        return self._judged(lambda c, b: any(e is not None for e in b), bool)

    def diverged_epochs(self) -> np.ndarray:
        """The earliest epoch any seed of the cell blew up at, 0 where none did."""
        return self._judged(lambda c, b: min((e for e in b if e), default=0), int)

    @cached_property
    def learned_nothing(self) -> np.ndarray:
        """Cells where a seed that did not blow up still never beat a constant guess (`curves.not_learning`): they
        are left out of every ranking, like the cells that blew up."""
        return self._judged(lambda c, b: any(h is not None and h.complete and e is None and curves.not_learning(h)
                                             for h, e in zip(c, b)), bool)

    def epochs(self) -> list[int]:
        return [next((h.spec.epochs for cell in row for h in cell if h is not None), 0) for row in self.histories]

    def updates(self, n_train: int) -> list[int]:
        return [e * updates_per_epoch(n_train, b) for e, b in zip(self.epochs(), self.batch_sizes)]

    @property
    def n_seeds(self) -> int:
        return min((len(cell) for row in self.histories for cell in row), default=0)


def run_outcome(history: RunHistory | None, outcome: str, blew_up: bool = False) -> float:
    """One run's number in a grid view.
    Args:
        history: the run (None: not trained yet); outcome: one of OUTCOMES.
        blew_up: the run blew up (`Grid.blown`, decided before); False gives every finished run's number as it
            ended (what a page shows while the answers are hidden).
    Returns:
        The number; NaN while unfinished and, except for DIVERGED (1 or 0), for a run that blew up.
    Raises:
        GridError: an unknown outcome."""
    if history is None or not history.complete:
        return math.nan
    if outcome == DIVERGED:
        return 1.0 if blew_up else 0.0
    if blew_up:
        return math.nan
    if outcome == FINAL_VAL_LOSS:
        return curves.tail_mean(history.val_loss)
    if outcome == BEST_VAL_LOSS:
        return curves.robust_score(history)
    if outcome == FINAL_VAL_ACCURACY:
        return float(history.val_accuracy[-1]) if history.val_accuracy else math.nan
    raise GridError(f"The outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}.")


def cell_stat(grid: Grid, i: int, j: int, outcome: str) -> ValueStat:
    """A cell's outcome on every seed.
    Args:
        grid: the grid; i, j: the cell's row and column; outcome: one of OUTCOMES.
    Returns:
        A `ValueStat` whose value is the cell's learning rate (NaN for a run unfinished or blown up)."""
    runs = grid.histories[i][j]
    seeds = tuple(h.spec.seed if h is not None else k for k, h in enumerate(runs))
    return ValueStat(grid.learning_rates[j], seeds, tuple(run_outcome(h, outcome, e is not None)
                                                          for h, e in zip(runs, grid.blown[i][j])))


def outcome_matrix(grid: Grid, outcome: str) -> np.ndarray:
    """Every cell's outcome, the seeds' mean.
    Args:
        grid: the grid; outcome: one of OUTCOMES.
    Returns:
        float, (batch sizes x learning rates); NaN unless every seed has one (DIVERGED: the share that blew up)."""
    return np.array([[cell_stat(grid, i, j, outcome).mean for j in range(grid.shape[1])]
                     for i in range(grid.shape[0])], dtype=float).reshape(grid.shape)


def ranking_outcome(outcome: str) -> str:
    """What "best" means for a view.
    Args:
        outcome: the view's outcome, one of OUTCOMES.
    Returns:
        The outcome itself, or FINAL_VAL_LOSS for the DIVERGED view."""
    return FINAL_VAL_LOSS if outcome == DIVERGED else outcome


@dataclass(frozen=True)
class RowBest:
    """The learning rates of one batch size ranked under the rule (the ranking's values are learning rates)."""

    batch_size: int
    learning_rates: tuple[float, ...]  # the grid's columns
    ranking: Ranking

    @property
    def column(self) -> int | None:
        """The winner's column, only when it beats every other learning rate of the row."""
        return None if self.ranking.best is None else self.learning_rates.index(self.ranking.best)

    @property
    def tied_columns(self) -> tuple[int, ...]:
        """Columns that tie with the row's leader (the leader included): the cells to mark as ties."""
        return tuple(sorted(self.learning_rates.index(v) for v in self.ranking.tied))

    @property
    def leader_column(self) -> int | None:
        return None if self.ranking.leader is None else self.learning_rates.index(self.ranking.leader)

    @property
    def tied_rates(self) -> tuple[float, ...]:
        return tuple(self.learning_rates[j] for j in self.tied_columns)


def row_bests(grid: Grid, outcome: str = DEFAULT_OUTCOME) -> list[RowBest]:
    """Per batch size, its learning rates ranked under the rule (`compare.rank`).
    Args:
        grid: the finished grid; unfinished cells, and those that blew up or learned nothing, are left out.
        outcome: what "best" means (`ranking_outcome(outcome)`: the DIVERGED view ranks by final validation loss).
    Returns:
        One `RowBest` per row: the clear best column (or None when learning rates tie) and the tied columns."""
    outcome = ranking_outcome(outcome)
    nothing = grid.learned_nothing
    return [RowBest(batch, grid.learning_rates,
                    rank([cell_stat(grid, i, j, outcome) for j in range(grid.shape[1]) if not nothing[i, j]],
                         higher_is_better=outcome in HIGHER_IS_BETTER))
            for i, batch in enumerate(grid.batch_sizes)]


def best_columns(grid: Grid, outcome: str = DEFAULT_OUTCOME) -> list[int | None]:
    """The clear best learning rate per batch size (`row_bests`).
    Args:
        grid: the grid; outcome: what "best" means.
    Returns:
        Per row, the best column, None when the row ties or has none."""
    return [row.column for row in row_bests(grid, outcome)]


def best_cell(grid: Grid, outcome: str = DEFAULT_OUTCOME) -> tuple[int, int] | None:
    """The cell with the best mean outcome: the linear-scaling guide's anchor.
    Args:
        grid: the grid; outcome: what "best" means (`ranking_outcome`).
    Returns:
        (row, column), or None when no cell that learned has a finite outcome."""
    outcome = ranking_outcome(outcome)
    scores = np.where(grid.learned_nothing, np.nan, outcome_matrix(grid, outcome))
    scores = np.where(np.isfinite(scores), -scores if outcome in HIGHER_IS_BETTER else scores, np.nan)
    if np.isnan(scores).all():
        return None
    i, j = np.unravel_index(int(np.nanargmin(scores)), scores.shape)
    return int(i), int(j)


def overfit_cells(grid: Grid) -> np.ndarray:
    """Cells where every seed overfits (`curves.overfitting`), among runs that neither blew up nor learned nothing.
    Args:
        grid: the grid.
    Returns:
        bool, (batch sizes x learning rates)."""
    def every(cell, blown):
        found = [curves.overfitting(h) for h, e in zip(cell, blown)
                 if h is not None and h.complete and e is None and not curves.not_learning(h)]
        return bool(found) and len(found) == len(cell) and all(o is not None and o.overfitting for o in found)
    return grid._judged(every, bool)


def linear_scaling_guide(batch_sizes: Sequence[int], anchor_batch_size: int, anchor_learning_rate: float
                         ) -> list[float]:
    """The linear scaling rule (Goyal et al. 2017, for SGD): learning rate in proportion to batch size.
    Args:
        batch_sizes: where to read the rule; anchor_batch_size, anchor_learning_rate: the point it passes through.
    Returns:
        One learning rate per batch size.
    >>> linear_scaling_guide([16, 64, 256], 64, 0.01)
    [0.0025, 0.01, 0.04]
    """
    return [anchor_learning_rate * b / anchor_batch_size for b in batch_sizes]


def scaling_exponent(batch_small: int, rate_small: float, batch_large: int, rate_large: float) -> float:
    """The exponent k of "learning rate ~ batch size^k" between two (batch size, learning rate) points.
    Args:
        batch_small, rate_small: one point; batch_large, rate_large: the other.
    Returns:
        k: 1 is the linear rule (Goyal et al. 2017), 0.5 the square-root rule."""
    return math.log(rate_large / rate_small) / math.log(batch_large / batch_small)
