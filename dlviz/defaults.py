"""Every page's default sweep, built from `dlviz.settings`: the pages, the shipped runs (`dlviz.precomputed`), the
tests of the default effects and the benchmarks' memory check use the same specs.

Chosen so that on the practice dataset every page shows its effect at once: 4,000 rows overfit visibly within 100
epochs, batch 8 is visibly noisier than 512, and the learning rates run from too slow (1e-4) to diverging (1.0).
"""

from __future__ import annotations

from typing import Sequence

from dlviz import settings
from dlviz.analysis import grid as interplay
from dlviz.data import Dataset, load_builtin
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, RunSpec, sweep_seeds, updates_per_epoch

# The defaults as plain numbers, for scripts (bench/) that do not read the settings table.
ROWS = settings.ROWS.default
HIDDEN_UNITS = settings.HIDDEN.default
SEED = settings.SEED.default
N_SEEDS = settings.SEEDS.default
# The batch page's learning-rate sweep per batch size (each batch at its own best rate): the grid page's rates
# without its two extremes (too slow and diverging for every batch size on the practice data).
OWN_RATES = settings.GRID_LEARNING_RATES.default[1:-1]


def default_dataset() -> Dataset:
    """The practice data as the sidebar opens it."""
    return load_builtin(settings.DATA.default, max_rows=settings.ROWS.default,
                        standardize=settings.STANDARDIZE.default)


def seeds(first: int = settings.SEED.default, count: int = settings.SEEDS.default) -> list[int]:
    """The seeds of a sweep (`runs.sweep_seeds`): the first seed, then the next ones; every value trains on them."""
    return sweep_seeds(first, count)


def with_seeds(specs: Sequence[RunSpec], seed_list: Sequence[int]) -> list[RunSpec]:
    """Every spec once per seed, value by value: `[v1 s1, v1 s2, ..., v2 s1, ...]`."""
    return [spec.replace(seed=seed) for spec in specs for seed in seed_list]


def epochs_specs(base: RunSpec, epochs: int = settings.EPOCHS.default) -> list[RunSpec]:
    """The epochs page: one run of the lesson's batch size and learning rate."""
    return [base.replace(epochs=epochs, batch_size=LESSON_BATCH_SIZE, learning_rate=LESSON_LEARNING_RATE)]


def batch_size_specs(base: RunSpec, batch_sizes: Sequence[int] = settings.BATCH_SIZES.default,
                     epochs: int = settings.BATCH_EPOCHS.default, budget: str = settings.BATCH_BUDGET.default,
                     n_train: int = 0, rates: Sequence[float] = (LESSON_LEARNING_RATE,)) -> list[RunSpec]:
    """The batch-size page: one run per batch size and learning rate in `rates` (the lesson's), for `epochs`
    epochs, or with `budget` "updates" for the weight updates batch 32 makes in `epochs` epochs over `n_train`
    rows (`grid.epochs_for`, the grid page's rounding, so that equal specs share runs)."""
    amount = epochs if budget == "epochs" else epochs * updates_per_epoch(n_train, LESSON_BATCH_SIZE)
    return [base.replace(epochs=interplay.epochs_for(budget, amount, b, n_train), batch_size=b, learning_rate=r)
            for b in sorted(batch_sizes) for r in sorted(rates)]


def learning_rate_specs(base: RunSpec, rates: Sequence[float] = settings.LEARNING_RATES.default,
                        epochs: int = settings.LR_EPOCHS.default) -> list[RunSpec]:
    """The learning-rate page: one run per learning rate at the lesson's batch size."""
    return [base.replace(epochs=epochs, batch_size=LESSON_BATCH_SIZE, learning_rate=r) for r in sorted(rates)]


def surface_specs(base: RunSpec, sweep: str = settings.SURFACE_SWEEP.default,
                  values: Sequence[float] = settings.SURFACE_RATES.default,
                  epochs: int = settings.SURFACE_EPOCHS.default, n_train: int | None = None) -> list[RunSpec]:
    """"Where the steps go": one run per learning rate (`sweep` "learning_rate") at the lesson's batch size, or per
    batch size ("batch_size", each capped at `n_train` rows, duplicates merged) at the lesson's learning rate; one
    seed, the base spec's. The page's default is the learning-rate sweep (its map is shipped)."""
    if sweep == "learning_rate":
        return learning_rate_specs(base, values, epochs)
    sizes = sorted({min(int(v), n_train) if n_train else int(v) for v in values})
    return batch_size_specs(base, sizes, epochs)


def default_sweeps(dataset: Dataset) -> dict[str, list[RunSpec]]:
    """Every page's default runs on `dataset` (every default seed), by page."""
    base = RunSpec(dataset.fingerprint, hidden_units=settings.HIDDEN.default, seed=settings.SEED.default)
    n_train = len(dataset.y_train)
    grid = interplay.grid_specs(base, interplay.capped_batch_sizes(settings.GRID_BATCH_SIZES.default, n_train),
                                settings.GRID_LEARNING_RATES.default, n_train)
    batch = {}  # both budgets, at the lesson's rate and at every rate of the own-best-rate sweep
    for budget in settings.BATCH_BUDGET.choices:
        name = "batch_size" if budget == settings.BATCH_BUDGET.default else f"batch_size_{budget}"
        batch[name] = batch_size_specs(base, budget=budget, n_train=n_train)
        batch[f"{name}_rates"] = batch_size_specs(base, budget=budget, n_train=n_train, rates=OWN_RATES)
    return {name: with_seeds(specs, seeds()) for name, specs in {
        "epochs": epochs_specs(base), **batch, "learning_rate": learning_rate_specs(base), "interplay": grid}.items()}
