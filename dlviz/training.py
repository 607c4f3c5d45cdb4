"""Training's public entry points, re-exported from `dlviz.engine` (which imports TensorFlow): `train_sweep` (the
stacked sweep engine), `train_plain` (the lesson's `model.fit`), `epoch_orders`, and the run types of `dlviz.runs`.
"""

from __future__ import annotations

from dlviz.engine.model import build_model, compile_lesson_model, initial_weights, trained_model
from dlviz.engine.plain import train_plain
from dlviz.engine.sweep import epoch_orders, train_sweep
from dlviz.runs import (DIVERGENCE_FACTOR, MAX_BATCH_SIZE, MAX_EPOCHS, MAX_HIDDEN_UNITS, MAX_LEARNING_RATE, MAX_SEEDS,
                        MIN_LEARNING_RATE, ProgressCallback, RunHistory, RunSpec, SweepProgress, TrainingError,
                        sweep_seeds, updates_per_epoch)

__all__ = [
    "DIVERGENCE_FACTOR", "MAX_BATCH_SIZE", "MAX_EPOCHS", "MAX_HIDDEN_UNITS", "MAX_LEARNING_RATE", "MAX_SEEDS",
    "MIN_LEARNING_RATE", "ProgressCallback", "RunHistory", "RunSpec", "SweepProgress", "TrainingError",
    "build_model", "compile_lesson_model", "epoch_orders", "initial_weights", "sweep_seeds", "train_plain",
    "train_sweep", "trained_model", "updates_per_epoch",
]
