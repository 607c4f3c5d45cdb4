"""The defaults of every sweep page show their effect plainly on the practice dataset, on every default seed, and the
page's findings say so (real runs at the pages' settings: the shipped ones where they apply, else trained here)."""

from __future__ import annotations

import numpy as np
import pytest

from dlviz import defaults, kinds
from dlviz.analysis import sweeps
from dlviz.analysis import curves

pytestmark = pytest.mark.slow  # trains the pages' full defaults when no shipped runs apply


@pytest.fixture(scope="module")
def dataset():
    return defaults.default_dataset()


@pytest.fixture(scope="module")
def shipped():
    from dlviz import precomputed

    return precomputed.load()


def default_runs(dataset, shipped, kind) -> list:
    """The page's default runs (values x default seeds): shipped where they exist, the rest trained in one sweep."""
    specs = defaults.default_sweeps(dataset)[kind.name]
    missing = [s for s in specs if s not in shipped]
    if missing:
        from dlviz.engine.sweep import train_sweep

        trained = dict(zip(missing, train_sweep(dataset, missing)))
    else:
        trained = {}
    return [shipped.get(s) or trained[s] for s in specs]


def test_epochs_page_overfits_on_every_seed(dataset, shipped):
    runs = default_runs(dataset, shipped, kinds.EPOCHS)
    assert len(runs) == len(defaults.seeds()) > 1
    for run in runs:
        best = int(np.argmin(run.val_loss))
        # validation loss bottoms out early, then climbs clearly while training loss keeps falling
        assert 3 <= best + 1 <= 50, run.spec.seed
        assert run.val_loss[-1] > 1.3 * run.val_loss[best]
        assert run.loss[-1] < 0.6 * run.loss[best]
        assert run.accuracy[-1] - run.val_accuracy[-1] > 0.1
    (value,) = kinds.EPOCHS.analyze(runs).per_value
    assert sweeps.OVERFITTING in value.verdicts and value.overfit_region is not None  # the page shades it


def test_small_batches_are_noisier_on_every_seed(dataset, shipped):
    runs = default_runs(dataset, shipped, kinds.BATCH_SIZE)
    for seed in defaults.seeds():
        by_batch = {run.spec.batch_size: run for run in runs if run.spec.seed == seed}
        assert curves.update_noise(by_batch[8]) > 2 * curves.update_noise(by_batch[128]) > 0, seed
        assert curves.update_noise(by_batch[8]) > 3 * curves.update_noise(by_batch[512]), seed
        assert by_batch[8].total_updates == 16 * by_batch[128].total_updates  # fewer updates with larger batches
    found = kinds.BATCH_SIZE.analyze(runs)
    assert sweeps.NOISIEST in found.value(8).verdicts  # the page calls batch 8 the noisiest


def test_learning_rates_range_from_too_slow_to_diverging(dataset, shipped):
    runs = default_runs(dataset, shipped, kinds.LEARNING_RATE)
    for seed in defaults.seeds():
        by_rate = {run.spec.learning_rate: run for run in runs if run.spec.seed == seed}
        finals = {lr: run.loss[-1] for lr, run in by_rate.items() if not run.diverged}
        assert finals[1e-4] > min(finals.values()) + 0.15, seed  # too slow: far above the best after 20 epochs
        assert by_rate[1.0].diverged and by_rate[1.0].diverged_at == 1, seed  # too big: blows up at once
        assert not by_rate[1e-2].diverged and not by_rate[1e-3].diverged
    found = kinds.LEARNING_RATE.analyze(runs)
    assert 1e-4 in [s.value for s in found.too_slow]  # the page says "too slow", beyond the seed spread
    assert sweeps.DIVERGED in found.value(1.0).verdicts
