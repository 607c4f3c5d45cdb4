"""Hand-written histories for the analysis and text tests (no training)."""

from __future__ import annotations

import math

import numpy as np

from dlviz.runs import RunHistory, RunSpec


def make(loss, val_loss=None, *, lr=0.01, batch=32, seed=1, accuracy=None, val_accuracy=None, update_loss=None,
         updates_per_epoch=0, initial_loss=float("nan"), diverged_at=None, **extra) -> RunHistory:
    """A RunHistory from hand-written curves. `extra` sets fields the engine/data helpers add (prior_loss, nan_at,
    final_positive_share, majority_val_accuracy) as attributes, as their RunHistory will have them."""
    loss = [float(x) for x in loss]
    val_loss = [float(x) for x in (val_loss if val_loss is not None else loss)]
    spec = RunSpec("x", epochs=max(len(loss), 1), batch_size=batch, learning_rate=lr, seed=seed)
    history = RunHistory(spec=spec, loss=loss, val_loss=val_loss,
                         accuracy=[] if accuracy is None else [float(x) for x in accuracy],
                         val_accuracy=[] if val_accuracy is None else [float(x) for x in val_accuracy],
                         update_loss=np.asarray(update_loss if update_loss is not None else [], np.float32),
                         updates_per_epoch=updates_per_epoch, initial_loss=initial_loss, diverged_at=diverged_at)
    for key, value in extra.items():
        setattr(history, key, value)
    return history


def falling(end: float, n: int = 20, start: float = 0.69) -> np.ndarray:
    """A loss curve falling from `start` towards `end` over `n` epochs (reaching it at epoch n)."""
    epochs = np.arange(1, n + 1)
    return start + (end - start) * (1 - np.exp(-epochs / 5)) / (1 - np.exp(-n / 5))


def overfitting_curves(n=60, best=14):
    """Training loss falls all along; validation loss falls to 0.31 at `best`, then climbs to 0.38 at `n`."""
    epochs = np.arange(1, n + 1)
    train = 0.7 * np.exp(-epochs / 25) + 0.05
    val = np.where(epochs <= best, 0.31 + 0.3 * (best - epochs) / best, 0.31 + 0.07 * (epochs - best) / (n - best))
    return train, val


SEED_OFFSETS = {1: 0.0, 2: 0.01, 3: -0.01}  # a seed-to-seed spread of 0.02 in validation loss


def lr_sweep(offsets=SEED_OFFSETS, gap=0.04):
    """Five learning rates on the seeds of `offsets`: 1e-4 crawls, 1e-3 and 1e-2 learn (1e-2 lower by `gap` in
    validation loss), 0.1 overshoots, 1.0 blows up in epoch 1 and then predicts one class."""
    runs = []
    for seed, d in offsets.items():
        runs += [
            make(falling(0.65), falling(0.66) + 0.02 + d, lr=1e-4, seed=seed, initial_loss=0.69),
            make(falling(0.35), falling(0.30) + 0.06 + gap + d, lr=1e-3, seed=seed, initial_loss=0.69),
            make(falling(0.30), falling(0.30) + 0.06 + d, lr=1e-2, seed=seed, initial_loss=0.69),
            make(falling(0.50), falling(0.50) + 0.1 + d, lr=0.1, seed=seed, initial_loss=0.69),
            make([15.0] + [0.70] * 19, [14.0] + [0.71] * 19, lr=1.0, seed=seed, initial_loss=0.69, diverged_at=1,
                 accuracy=[0.6] + [0.875] * 19, val_accuracy=[0.6] + [0.875] * 19, final_positive_share=0.0,
                 majority_val_accuracy=0.875),
        ]
    return runs


def chart_history(loss, val_loss=None, *, seed=1, lr=0.01, batch=32, updates_per_epoch=10, diverged_at=None,
            nan_at=None) -> RunHistory:
    loss = [float(v) for v in loss]
    val_loss = [float(v) for v in (val_loss if val_loss is not None else [v + 0.05 for v in loss])]
    h = RunHistory(RunSpec("test", epochs=len(loss), batch_size=batch, learning_rate=lr, seed=seed),
                   loss=loss, val_loss=val_loss, accuracy=[0.6 + 0.01 * i for i in range(len(loss))],
                   val_accuracy=[0.58 + 0.01 * i for i in range(len(loss))], updates_per_epoch=updates_per_epoch,
                   initial_loss=0.69, initial_val_loss=0.69, initial_accuracy=0.5, initial_val_accuracy=0.5,
                   diverged_at=diverged_at)
    rng = np.random.default_rng(seed)
    h.update_loss = np.repeat(np.asarray(loss, np.float32), updates_per_epoch) * (
        1 + 0.2 * rng.standard_normal(len(loss) * updates_per_epoch)).astype(np.float32)
    if nan_at is not None:
        h.nan_at = nan_at  # the engine's field after its merge; the charts read it with getattr
    return h


def batch_runs(gap: float, seeds=(1, 2, 3)):
    """Batch 8 and 512: noise falls with the batch; validation loss of 512 is `gap` above 8's on every seed."""
    rng = np.random.default_rng(1)
    runs = []
    for seed, d in zip(seeds, (0.0, 0.01, -0.01)):
        for batch, extra in ((8, 0.0), (512, gap)):
            per_epoch = -(-1280 // batch)
            steps = np.arange(10 * per_epoch)
            trend = 0.4 + 0.3 * np.exp(-steps / (3 * per_epoch))
            updates = trend + (0.6 / math.sqrt(batch)) * rng.standard_normal(len(steps))
            loss = updates.reshape(10, per_epoch).mean(axis=1)
            runs.append(make(loss, loss + 0.05 + extra + d, batch=batch, seed=seed, update_loss=updates,
                             updates_per_epoch=per_epoch, noise_scale=list(100.0 * (1 + np.arange(11)) + 10 * d)))
    return runs
