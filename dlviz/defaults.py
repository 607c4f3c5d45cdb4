"""Every page's default sweep, built from `dlviz.settings` and `dlviz.kinds`: the pages, the shipped runs
(`dlviz.precomputed`), the tests of the default effects and the benchmarks' memory check use the same specs.

Chosen so that on the practice dataset every page shows its effect at once: 4,000 rows overfit visibly within 100
epochs, batch 8 is visibly noisier than 512, and the learning rates run from too slow (1e-4) to diverging (1.0)."""

from __future__ import annotations

from typing import Sequence

from dlviz import kinds, settings
from dlviz.analysis import grid as interplay
from dlviz.data import Dataset, load_builtin
from dlviz.runs import RunSpec, sweep_seeds


# The batch page's learning-rate sweep per batch size (each at its own best rate): the grid page's rates without its
# two extremes (too slow and diverging for every batch size on the practice data); the lesson's rate among them.
OWN_RATES = settings.GRID_LEARNING_RATES.default[1:-1]


def own_rate_specs(specs: Sequence[RunSpec]) -> list[RunSpec]:
    """Every spec at every rate of `OWN_RATES`."""
    return [spec.replace(learning_rate=rate) for spec in specs for rate in OWN_RATES]


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


def base_spec(dataset: Dataset) -> RunSpec:
    """The sidebar's defaults as a spec on `dataset` (hidden units, first seed)."""
    return RunSpec(dataset.fingerprint, hidden_units=settings.HIDDEN.default, seed=settings.SEED.default)


def surface_specs(base: RunSpec, sweep: str = settings.SURFACE_SWEEP.default,
                  values: Sequence[float] = settings.SURFACE_RATES.default,
                  epochs: int = settings.SURFACE_EPOCHS.default, n_train: int | None = None) -> list[RunSpec]:
    """"Where the steps go": one run per value of the kind named `sweep` (a learning rate or a batch size, each
    capped at `n_train` rows, duplicates merged) at the lesson's other settings; one seed, the base spec's. The
    page's default is the learning-rate sweep (its map is shipped)."""
    kind = kinds.by_name(sweep)
    if kind.capped_by_rows and n_train:
        values = {min(int(v), n_train) for v in values}
    return kind.specs(base, values, epochs)


def default_sweeps(dataset: Dataset) -> dict[str, list[RunSpec]]:
    """Every page's default runs on `dataset` (every default seed), by kind name (`kinds.Kind.name`)."""
    base, n_train = base_spec(dataset), len(dataset.y_train)
    specs = {kind.name: kind.specs(base, kind.values.default if kind.values else (), kind.epochs.default)
             for kind in kinds.ONE_SETTING}
    specs[kinds.GRID.name] = interplay.grid_specs(
        base, interplay.capped_batch_sizes(settings.GRID_BATCH_SIZES.default, n_train),
        settings.GRID_LEARNING_RATES.default, n_train, settings.GRID_BUDGET.default, settings.GRID_EPOCHS.default)
    batch = kinds.BATCH_SIZE
    for budget in interplay.BUDGETS:  # the batch page at both budgets, at every rate of its own-best-rate sweep
        specs[f"{batch.name}_{budget}_rates"] = own_rate_specs(
            batch.specs(base, batch.values.default, batch.epochs.default, budget, n_train))
    return {name: with_seeds(page_specs, seeds()) for name, page_specs in specs.items()}
