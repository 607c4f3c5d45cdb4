"""The defaults of every page show their effect plainly on the practice dataset (real runs, the pages' settings)."""

from __future__ import annotations

import numpy as np
import pytest

from dlviz import defaults
from dlviz.charts import moving_average
from dlviz.training import train_sweep


@pytest.fixture(scope="module")
def default_runs():
    dataset = defaults.default_dataset()
    return {page: train_sweep(dataset, specs) for page, specs in defaults.default_sweeps(dataset).items()}


def test_epochs_page_overfits(default_runs):
    (run,) = default_runs["epochs"]
    best = int(np.argmin(run.val_loss))
    # validation loss bottoms out early, then climbs clearly while training loss keeps falling
    assert 3 <= best + 1 <= 50
    assert run.val_loss[-1] > 1.3 * run.val_loss[best]
    assert run.loss[-1] < 0.6 * run.loss[best]
    assert run.accuracy[-1] - run.val_accuracy[-1] > 0.1


def _noise(run):
    losses = run.update_loss.astype(np.float64)
    return float(np.std(losses - moving_average(losses, 25)))


def test_small_batches_are_noisier(default_runs):
    runs = {run.spec.batch_size: run for run in default_runs["batch_size"]}
    assert _noise(runs[8]) > 2 * _noise(runs[128]) > 0
    assert _noise(runs[8]) > 3 * _noise(runs[512])
    assert runs[8].total_updates == 16 * runs[128].total_updates  # fewer updates with larger batches


def test_learning_rates_range_from_too_slow_to_diverging(default_runs):
    runs = {run.spec.learning_rate: run for run in default_runs["learning_rate"]}
    finals = {lr: run.loss[-1] for lr, run in runs.items() if not run.diverged}
    best = min(finals.values())
    assert finals[1e-4] > best + 0.15  # too slow: still far above the best run after 20 epochs
    assert runs[1.0].diverged  # too big: blows up
    assert not runs[1e-2].diverged and not runs[1e-3].diverged
