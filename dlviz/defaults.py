"""Each page's default settings, in one place: the pages, the tests of the default effects, the benchmark's memory
check and the server warm-up all use the same numbers.

Chosen so that on the practice dataset every page shows its effect at once: 4,000 rows overfit visibly within 100
epochs, batch 8 is visibly noisier than 512, and the learning rates run from too slow (1e-4) to diverging (1.0).
"""

from __future__ import annotations

from dlviz.analysis import grid as interplay
from dlviz.data import PRACTICE, Dataset, load_builtin
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_HIDDEN_UNITS, LESSON_LEARNING_RATE, RunSpec

DATASET = PRACTICE
ROWS = 4_000
STANDARDIZE = True
HIDDEN_UNITS = LESSON_HIDDEN_UNITS
SEED = 42

EPOCHS_PAGE_EPOCHS = 100
BATCH_SIZES = (8, 32, 128, 512)
BATCH_PAGE_EPOCHS = 20
LEARNING_RATES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
LR_PAGE_EPOCHS = 20


def default_dataset() -> Dataset:
    return load_builtin(DATASET, max_rows=ROWS, standardize=STANDARDIZE)


def epochs_specs(base: RunSpec, epochs: int = EPOCHS_PAGE_EPOCHS) -> list[RunSpec]:
    return [base.replace(epochs=epochs, batch_size=LESSON_BATCH_SIZE, learning_rate=LESSON_LEARNING_RATE)]


def batch_size_specs(base: RunSpec, batch_sizes=BATCH_SIZES, epochs: int = BATCH_PAGE_EPOCHS) -> list[RunSpec]:
    return [base.replace(epochs=epochs, batch_size=b, learning_rate=LESSON_LEARNING_RATE) for b in sorted(batch_sizes)]


def learning_rate_specs(base: RunSpec, rates=LEARNING_RATES, epochs: int = LR_PAGE_EPOCHS) -> list[RunSpec]:
    return [base.replace(epochs=epochs, batch_size=LESSON_BATCH_SIZE, learning_rate=r) for r in sorted(rates)]


def default_sweeps(dataset: Dataset) -> dict[str, list[RunSpec]]:
    """Every page's default sweep on `dataset`, by page name."""
    base = RunSpec(dataset.fingerprint, hidden_units=HIDDEN_UNITS, seed=SEED)
    n_train = len(dataset.y_train)
    return {"epochs": epochs_specs(base), "batch_size": batch_size_specs(base),
            "learning_rate": learning_rate_specs(base),
            "interplay": interplay.grid_specs(
                base, interplay.capped_batch_sizes(interplay.DEFAULT_BATCH_SIZES, n_train),
                interplay.DEFAULT_LEARNING_RATES, n_train)}
