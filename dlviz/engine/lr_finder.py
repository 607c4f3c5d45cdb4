"""The learning-rate range test (Smith 2017, "Cyclical Learning Rates"; fastai's `lr_find`): one short run whose
learning rate grows exponentially at every weight update, recording the loss, to see where learning starts, where it
is fastest and where it blows up, and to suggest a learning rate from that.

Trains the lesson's model from the same seeded start as every sweep, with the Keras-equivalent Adam update of
`dlviz.engine.kernels`, in one traced `tf.function` that takes a learning rate per update (traced once for every call).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dlviz.data import Dataset
from dlviz.engine.kernels import ONE_MODEL, adam_step, batch_steps
from dlviz.engine.model import initial_weights
from dlviz.engine.runtime import TRAINING_LOCK, tf
from dlviz.engine.sweep import epoch_orders
from dlviz.runs import FIRST_SEED, LESSON_BATCH_SIZE, LESSON_HIDDEN_UNITS
from dlviz.smoothing import debiased_ema

# fastai's lr_find settings, except that the test starts at 1e-6 (dlviz's learning rates start at 1e-5) and makes
# 100 updates per decade instead of 100 in all: with beta 0.98 the moving average remembers ~50 updates, which at
# fastai's pace (14 updates per decade) shifts the curve by three decades, and here by half of one. On the practice
# data, 200 updates put the minimum / 10 above 0.01 for two seeds of four; 700 kept it within 0.003-0.005 for all.
START_LR = 1e-6
END_LR = 10.0
UPDATES_PER_DECADE = 100
SMOOTHING = 0.98       # exponential moving average of the loss, bias-corrected (fastai's beta)
BLOWUP_FACTOR = 4.0    # stop when the smoothed loss exceeds 4x its minimum so far (fastai's stop_div)
STEEPEST_SPAN = 0.25   # decades of learning rate over which the steepest fall is measured
CHUNK = 25             # updates per call of the traced function; the blow-up is checked between calls
MIN_UPDATES = 10
MAX_UPDATES = 2_000

STEEPEST = "steepest"
MINIMUM_OVER_10 = "minimum / 10"
RULES = (STEEPEST, MINIMUM_OVER_10)
# The suggestion is a tenth of the learning rate at the lowest smoothed loss (fastai's "minimum"; Smith's "an order of
# magnitude before the loss is lowest"). The steepest point is returned too, but on this model's broad, noisy descent
# it wandered between 0.01 and 0.07 from seed to seed, while the minimum / 10 stayed within a decade of the best
# learning rate of a real 20-epoch sweep.
SUGGESTION_RULE = MINIMUM_OVER_10


class FinderError(ValueError):
    """A range test dlviz refuses (an absurd setting), with a message for the user."""


@dataclass
class FinderResult:
    """One range test, as plain data (cheap to pickle and cache).

    `learning_rates[i]` is the learning rate of update i and `losses[i]` the loss of its batch before that update
    (as Keras and fastai record it); `smoothed` is their bias-corrected moving average. The arrays stop where the
    loss blew up (that update included when its loss is finite).
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float            # the suggested learning rate, by `suggestion_rule`
    suggestion_rule: str
    min_loss_lr: float           # where the smoothed loss is lowest
    steepest_lr: float           # where the smoothed loss falls fastest (per decade of learning rate)
    stopped_early: bool          # True when the loss blew up before the last planned update
    stop_reason: str
    end_lr: float                # the last planned learning rate
    num_updates: int             # planned updates


def exponential_rates(start_lr: float, end_lr: float, num_updates: int) -> np.ndarray:
    """`num_updates` learning rates from `start_lr` to `end_lr`, each a constant factor above the previous.

    >>> exponential_rates(1e-3, 1e-1, 3).round(6).tolist()
    [0.001, 0.01, 0.1]
    """
    return start_lr * (end_lr / start_lr) ** (np.arange(num_updates) / max(1, num_updates - 1))


def default_updates(start_lr: float = START_LR, end_lr: float = END_LR) -> int:
    """How many updates the test makes by default: `UPDATES_PER_DECADE` for every decade it covers."""
    return int(round(UPDATES_PER_DECADE * math.log10(end_lr / start_lr)))


def blowup_index(smoothed: np.ndarray, losses: np.ndarray, factor: float = BLOWUP_FACTOR) -> int | None:
    """The first update whose loss is non-finite or whose smoothed loss exceeds `factor` x its minimum so far."""
    best = math.inf
    for i, (s, raw) in enumerate(zip(smoothed, losses)):
        if not (math.isfinite(raw) and math.isfinite(s)):
            return i
        best = min(best, s)
        if s > factor * best:
            return i
    return None


def suggestions(learning_rates: np.ndarray, smoothed: np.ndarray, span: float = STEEPEST_SPAN
                ) -> tuple[float, float]:
    """(learning rate at the lowest smoothed loss, learning rate where the smoothed loss falls fastest), read as
    fastai reads the curve: without the first 10% of the updates (the moving average is still settling) and the
    last 5 (the blow-up). The fall is measured over `span` decades of learning rate and only before the minimum:
    between neighbouring updates the slope is mostly batch noise."""
    n = len(smoothed)
    start, stop = n // 10, (n - 5 if n - 5 > n // 10 + 2 else n)
    rates, values = learning_rates[start:stop], smoothed[start:stop]
    lowest = int(np.nanargmin(values))
    logs = np.log10(rates[:lowest + 1])
    if len(logs) < 2:
        return float(rates[lowest]), float(rates[lowest])
    # For each update i, the update `span` decades later (or the minimum, if that comes first).
    ahead = np.minimum(np.searchsorted(logs, logs + span), len(logs) - 1)
    usable = ahead > np.arange(len(logs))
    slopes = np.full(len(logs), np.inf)
    slopes[usable] = ((values[:lowest + 1][ahead] - values[:lowest + 1])[usable]
                      / (logs[ahead] - logs)[usable])
    # The steepest stretch is named by its middle (on the log scale).
    i = int(np.argmin(slopes))
    return float(rates[lowest]), float(10 ** ((logs[i] + logs[ahead[i]]) / 2))


# ---------------------------------------------------------------------------------------------------------------
# The traced kernel: a few updates of one (stacked, K=1) model, each with its own learning rate.


@tf.function(input_signature=[ONE_MODEL, ONE_MODEL, ONE_MODEL, tf.TensorSpec([], tf.float32),
                              tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32),
                              tf.TensorSpec([], tf.int32), tf.TensorSpec([None], tf.float32)])
def _finder_updates(params, m, v, step, x, y, batch_size, rates):
    """One update per entry of `rates`, batch i being rows [i*batch_size, (i+1)*batch_size) of `x`; returns the new
    state and each batch's loss before its update. The step and the Adam update are the sweeps'
    (`kernels.batch_steps` on a stack of one, `kernels.adam_step`), with a per-step rate."""
    n_updates = tf.shape(rates)[0]
    losses = tf.TensorArray(tf.float32, size=n_updates)
    for i in tf.range(n_updates):
        x_batch, y_batch = x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size]
        loss, _, grads = batch_steps(params, x_batch[None], y_batch[None])
        params, m, v, step = adam_step(params, grads, m, v, step, tf.reshape(rates[i], [1]))
        losses = losses.write(i, loss[0])
    return params, m, v, step, losses.stack()


def _batch_rows(n_train: int, batch_size: int, num_updates: int, seed: int) -> np.ndarray:
    """Row indices for `num_updates` full batches: the sweeps' seeded epoch orders, one after another (a batch may
    straddle two epochs, so every batch is full, like fastai's drop_last)."""
    epochs = -(-num_updates * batch_size // n_train)
    return np.concatenate(epoch_orders(n_train, seed, epochs))[: num_updates * batch_size]


def find_learning_rate(dataset: Dataset, *, batch_size: int = LESSON_BATCH_SIZE,
                       hidden_units: int = LESSON_HIDDEN_UNITS, seed: int = FIRST_SEED, start_lr: float = START_LR,
                       end_lr: float = END_LR, num_updates: int | None = None, smoothing: float = SMOOTHING,
                       blowup_factor: float = BLOWUP_FACTOR, rule: str = SUGGESTION_RULE) -> FinderResult:
    """Run the range test on `dataset`'s training rows and read a suggestion off the smoothed curve.

    >>> from dlviz.data import load_builtin
    >>> result = find_learning_rate(load_builtin("practice", max_rows=600), num_updates=60)
    >>> 1e-6 <= result.suggestion <= 10
    True
    """
    if not 0 < start_lr < end_lr <= 1e3 or not math.isfinite(start_lr):
        raise FinderError(f"The learning rates must grow from a positive start to at most 1000; got {start_lr:g} "
                          f"to {end_lr:g}.")
    if num_updates is None:
        num_updates = default_updates(start_lr, end_lr)
    if not MIN_UPDATES <= num_updates <= MAX_UPDATES:
        raise FinderError(f"The test needs between {MIN_UPDATES} and {MAX_UPDATES:,} updates; got {num_updates}.")
    if not 0 <= smoothing < 1 or blowup_factor <= 1:
        raise FinderError("The smoothing must be in [0, 1) and the blow-up factor above 1.")
    if rule not in RULES:
        raise FinderError(f"The suggestion rule must be one of {', '.join(RULES)}; got {rule!r}.")
    n_train = len(dataset.y_train)
    batch_size = int(min(max(1, batch_size), n_train))
    rates = exponential_rates(start_lr, end_lr, num_updates).astype(np.float32)
    rows = _batch_rows(n_train, batch_size, num_updates, seed)

    start = initial_weights(dataset.n_features, hidden_units, seed)
    losses: list[float] = []
    stop: int | None = None
    with TRAINING_LOCK:
        params = tuple(tf.constant(w[None]) for w in start)  # a stack of one model: the engine's shapes
        m = tuple(tf.zeros_like(p) for p in params)
        v = tuple(tf.zeros_like(p) for p in params)
        step = tf.constant(0.0)
        for first in range(0, num_updates, CHUNK):
            last = min(first + CHUNK, num_updates)
            chunk_rows = rows[first * batch_size:last * batch_size]
            params, m, v, step, chunk_losses = _finder_updates(
                params, m, v, step, tf.constant(dataset.x_train[chunk_rows]), tf.constant(dataset.y_train[chunk_rows]),
                tf.constant(batch_size, tf.int32), tf.constant(rates[first:last]))
            losses.extend(float(x) for x in chunk_losses.numpy())
            stop = blowup_index(debiased_ema(losses, smoothing), np.array(losses), blowup_factor)
            if stop is not None:
                break
    raw = np.array(losses, dtype=np.float64)
    smoothed = debiased_ema(raw, smoothing)
    if stop is None:
        reason = f"reached the last learning rate ({end_lr:g}) without blowing up"
    elif math.isfinite(raw[stop]) and math.isfinite(smoothed[stop]):
        reason = f"the smoothed loss rose above {blowup_factor:g}x its minimum"
        # Keep the update that blew up: the curve visibly turns up at its end.
        raw, smoothed = raw[:stop + 1], smoothed[:stop + 1]
    else:
        reason = "the loss became NaN or infinite"
        raw, smoothed = raw[:stop], smoothed[:stop]
    if len(raw) == 0:
        raise FinderError("The loss was not a number from the very first update, so there is no curve to read.")
    min_loss_lr, steepest_lr = suggestions(rates[:len(raw)].astype(np.float64), smoothed)
    suggestion = steepest_lr if rule == STEEPEST else min_loss_lr / 10
    return FinderResult(
        learning_rates=rates[:len(raw)].astype(np.float64), losses=raw, smoothed=smoothed, suggestion=suggestion,
        suggestion_rule=rule, min_loss_lr=min_loss_lr, steepest_lr=steepest_lr, stopped_early=stop is not None,
        stop_reason=reason, end_lr=end_lr, num_updates=num_updates)
