"""The learning-rate range test (Smith 2017, "Cyclical Learning Rates"; fastai's `lr_find`): one short run whose
learning rate grows exponentially at every update, recording the loss, to see where learning starts, is fastest and
blows up. Trains the lesson's model from the sweeps' seeded starts, one stacked lane per seed, with the sweeps' Adam
update (`dlviz.engine.kernels`); the page's answer is the span of the seeds' suggestions."""

from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np

from dlviz.data import Dataset
from dlviz.engine.kernels import adam_step, batch_steps, param_specs
from dlviz.engine.model import initial_weights
from dlviz.engine.runtime import TRAINING_LOCK, tf
from dlviz.engine.sweep import epoch_orders
from dlviz.runs import (END_LR, LESSON_BATCH_SIZE, LESSON_HIDDEN_UNITS, START_LR, FinderError, FinderResult,
                        default_updates)
from dlviz.smoothing import debiased_ema

SMOOTHING = 0.98       # exponential moving average of the loss, bias-corrected (fastai's beta)
BLOWUP_FACTOR = 4.0    # stop when the smoothed loss exceeds 4x its minimum so far (fastai's stop_div)
CHUNK = 25             # updates per call of the traced function; the blow-up is checked between calls
MIN_UPDATES = 10
MAX_UPDATES = 2_000


def _blowup_index(smoothed: np.ndarray, losses: np.ndarray) -> int | None:
    """The first update whose loss is non-finite or whose smoothed loss exceeds BLOWUP_FACTOR x its minimum so far."""
    bad = ~(np.isfinite(smoothed) & np.isfinite(losses)) | (smoothed > BLOWUP_FACTOR * np.fmin.accumulate(smoothed))
    return int(np.argmax(bad)) if bad.any() else None


def _lowest_loss_rate(learning_rates: np.ndarray, smoothed: np.ndarray) -> float:
    """The learning rate at the lowest smoothed loss, read as fastai reads the curve: without the first 10% of the
    updates (the moving average is still settling) and the last 5 (the blow-up)."""
    n = len(smoothed)
    start, stop = n // 10, (n - 5 if n - 5 > n // 10 + 2 else n)
    return float(learning_rates[start:stop][int(np.nanargmin(smoothed[start:stop]))])


@functools.lru_cache(maxsize=None)
def _finder_fn(n_lanes: int):
    @tf.function(input_signature=[param_specs(n_lanes)] * 3 + [
        tf.TensorSpec([], tf.float32), tf.TensorSpec([n_lanes, None, None], tf.float32),
        tf.TensorSpec([n_lanes, None], tf.float32), tf.TensorSpec([], tf.int32), tf.TensorSpec([None], tf.float32)])
    def finder_updates(params, m, v, step, x, y, batch_size, rates):
        """One update per entry of `rates`, lane k's batch i being rows [i*batch_size, (i+1)*batch_size) of `x[k]`;
        returns the new state and each lane's batch loss before its update `[updates, K]`. The step and the Adam
        update are the sweeps' (`kernels.batch_steps`, `kernels.adam_step`), with a per-step rate."""
        n_updates = tf.shape(rates)[0]
        losses = tf.TensorArray(tf.float32, size=n_updates)
        for i in tf.range(n_updates):
            x_batch, y_batch = x[:, i * batch_size:(i + 1) * batch_size], y[:, i * batch_size:(i + 1) * batch_size]
            loss, _, grads = batch_steps(params, x_batch, y_batch)
            params, m, v, step = adam_step(params, grads, m, v, step, tf.fill([n_lanes], rates[i]))
            losses = losses.write(i, loss)
        return params, m, v, step, losses.stack()
    return finder_updates


def find_learning_rates(dataset: Dataset, seeds: Sequence[int], *, batch_size: int = LESSON_BATCH_SIZE,
                        hidden_units: int = LESSON_HIDDEN_UNITS, num_updates: int | None = None
                        ) -> list[FinderResult]:
    """The LR range test (Smith 2017; fastai's `lr_find`) on `dataset`'s training rows, once per seed: Keras' Adam
    from each seed's initial weights in its batch order (stacked lanes, like the sweeps), the rate growing
    exponentially from START_LR to END_LR, each seed's suggestion read off its smoothed curve.
    Args:
        dataset: the prepared data; its training rows are the batches.
        seeds: one curve per seed.
        batch_size: rows per update (capped at the training rows); hidden_units: the model's width.
        num_updates: updates over the rate range (`default_updates()` when None).
    Returns:
        One `FinderResult` per seed, in `seeds` order. The test goes on until every seed blew up (or the last rate);
        each result stops at its own blow-up.
    Raises:
        FinderError: a number of updates outside MIN_UPDATES to MAX_UPDATES, or a seed whose loss was not a number
            from its first update."""
    num_updates = default_updates() if num_updates is None else num_updates
    if not MIN_UPDATES <= num_updates <= MAX_UPDATES:
        raise FinderError(f"The test needs between {MIN_UPDATES} and {MAX_UPDATES:,} updates; got {num_updates}.")
    n_train = len(dataset.y_train)
    batch_size = int(min(max(1, batch_size), n_train))
    rates = np.geomspace(START_LR, END_LR, num_updates).astype(np.float32)
    # The sweeps' seeded epoch orders one after another: a batch may straddle two epochs, so every batch is full.
    epochs = -(-num_updates * batch_size // n_train)
    rows = np.stack([np.concatenate(epoch_orders(n_train, seed, epochs))[:num_updates * batch_size] for seed in seeds])
    starts = [initial_weights(dataset.n_features, hidden_units, seed) for seed in seeds]
    losses = np.zeros((0, len(seeds)))
    stops: list[int | None] = [None] * len(seeds)
    with TRAINING_LOCK:
        params = tuple(tf.constant(np.stack(parts)) for parts in zip(*starts))  # the engine's stacked shapes
        m = v = tuple(tf.zeros_like(p) for p in params)  # Adam's moments start at 0 (tensors are immutable)
        step = tf.constant(0.0)
        for first in range(0, num_updates, CHUNK):
            last = min(first + CHUNK, num_updates)
            chunk_rows = rows[:, first * batch_size:last * batch_size]
            params, m, v, step, chunk_losses = _finder_fn(len(seeds))(
                params, m, v, step, tf.constant(dataset.x_train[chunk_rows]), tf.constant(dataset.y_train[chunk_rows]),
                tf.constant(batch_size, tf.int32), tf.constant(rates[first:last]))
            losses = np.concatenate([losses, chunk_losses.numpy().astype(np.float64)])
            stops = [_blowup_index(debiased_ema(lane, SMOOTHING), lane) for lane in losses.T]
            if all(stop is not None for stop in stops):
                break
    return [_result(losses[:, k], stops[k], rates) for k in range(len(seeds))]


def _result(raw: np.ndarray, stop: int | None, rates: np.ndarray) -> FinderResult:
    """One seed's curve cut at its blow-up (keeping the update that blew up when its loss is finite: the curve
    visibly turns up at its end), and where its smoothed loss is lowest."""
    smoothed = debiased_ema(raw, SMOOTHING)
    if stop is not None:
        end = stop + 1 if math.isfinite(raw[stop]) and math.isfinite(smoothed[stop]) else stop
        raw, smoothed = raw[:end], smoothed[:end]
    if len(raw) == 0:
        raise FinderError("The loss was not a number from the very first update, so there is no curve to read.")
    rates = rates[:len(raw)].astype(np.float64)
    return FinderResult(rates, raw, smoothed, _lowest_loss_rate(rates, smoothed))
