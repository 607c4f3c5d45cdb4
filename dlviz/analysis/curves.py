"""One run's curves read as numbers: the robust per-run statistic, best epoch, overfitting, EarlyStopping replay,
divergence (and what happened after it), oscillation, update noise and the constant-predictor reference.

Pure NumPy over `RunHistory` (no TensorFlow, no sentences). Epochs are 1-based; losses are binary cross-entropy in
nats (the unit Keras reports)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from dlviz.runs import DIVERGENCE_FACTOR, RunHistory
from dlviz.smoothing import centred_mean

# The robust per-run statistic: validation loss smoothed over 3 epochs, so one dip of an oscillating curve cannot make
# a run "best" (issue 15: lr 0.1 on breast-cancer data dipped once to 0.043 among epochs near 0.10-0.14).
SMOOTHING_WINDOW = 3
OVERFIT_TOLERANCE, OVERFIT_MIN_RISE = 0.05, 0.01  # the rise that counts: max(5% of the lowest, 0.01) (`overfitting`)
NOT_LEARNING_SHARE = 0.95  # of a constant predictor's loss (`not_learning`; issue 16: never call ln 2 best)
HUGE_LOSS_FACTOR = 10.0    # x a constant predictor's loss (`huge_loss`; unscaled money columns give 1e8-1e10)
# Oscillation thresholds (kept from the first round, chosen on the practice and breast-cancer data).
OSCILLATION_JUMP, OSCILLATION_MIN_ABS, OSCILLATION_REVERSALS = 0.10, 0.01, 3
TRAIN_RISE, TRAIN_RISE_MIN_ABS, TRAIN_RISE_SHARE = 0.02, 0.005, 0.20
NOISE_MAX_WINDOW = 25
EARLY_STOPPING_PATIENCE = 5

# What a run did after it diverged.
TAIL_EPOCHS = 3  # "at the end" of a run: the mean of its last 3 epochs (tail_mean)
AFTER_NAN = "nan"              # the loss became NaN and stayed there (Keras prints nan)
AFTER_CONSTANT = "constant"    # it predicts the same class for every row (a constant predictor)
AFTER_RECOVERED = "recovered"  # it came back below its starting loss and clearly below a constant guess's
AFTER_UNKNOWN = "unknown"      # the numbers do not say (the sentence then says nothing about "after")


def array(values: Sequence[float]) -> np.ndarray:
    """A curve as float64, shape (n,)."""
    return np.asarray(values, dtype=np.float64).reshape(-1)


def smoothed(values: Sequence[float]) -> np.ndarray:
    """The centred 3-epoch mean of a per-epoch curve (`smoothing.centred_mean`), worked out once per curve (the
    findings read each run's smoothed validation loss several times).
    Args:
        values: the curve, shape (epochs,).
    Returns:
        float64, shape (epochs,), read-only: at the ends the mean of the two epochs there; NaN where a window holds
        NaN/inf."""
    return _smoothed(tuple(map(float, values)))


@functools.lru_cache(maxsize=1024)  # a class of 30 reads about 450 curves
def _smoothed(values: tuple[float, ...]) -> np.ndarray:
    curve = centred_mean(values, SMOOTHING_WINDOW)
    curve.flags.writeable = False
    return curve


def tail_mean(values: Sequence[float], n: int = TAIL_EPOCHS) -> float:
    """A run's value "at the end".
    Args:
        values: a per-epoch curve, shape (epochs,); n: how many values at its end.
    Returns:
        The mean of the last `n` values; NaN if any is not finite, or the curve is empty."""
    x = array(values)[-n:]
    return float(x.mean()) if len(x) and np.isfinite(x).all() else math.nan


def prior_loss(history: RunHistory) -> float:
    """The loss of the best constant predictor, a constant guess: the entropy of the training rows' class shares.
    Args:
        history: one run (its `prior_loss`, copied from the Dataset).
    Returns:
        The loss (nats); ln 2 (balanced classes) when the run does not carry it."""
    value = history.prior_loss
    return float(value) if math.isfinite(value) and value > 0 else math.log(2)


def majority_accuracy(history: RunHistory) -> float | None:
    """The validation accuracy of always predicting the training rows' majority class.
    Args:
        history: one run (its `majority_val_accuracy`, copied from the Dataset).
    Returns:
        The share (0-1), None when the run does not carry it."""
    value = history.majority_val_accuracy
    return float(value) if math.isfinite(value) else None


def starting_loss(history: RunHistory) -> float:
    """The training loss of the starting weights (epoch 0).
    Args:
        history: one run.
    Returns:
        `initial_loss` (nats), else the first epoch's training loss, else NaN."""
    if math.isfinite(history.initial_loss):
        return float(history.initial_loss)
    loss = array(history.loss)
    return float(loss[0]) if len(loss) and math.isfinite(loss[0]) else math.nan


def robust_best(history: RunHistory) -> tuple[int, float] | None:
    """Where and how low the run's smoothed validation loss (`smoothed`) is lowest: the per-run statistic.
    Args:
        history: one run.
    Returns:
        (1-based epoch, loss in nats), the first if tied; None without a finite validation loss."""
    return lowest(smoothed(history.val_loss))


def lowest(values: np.ndarray) -> tuple[int, float] | None:
    """The lowest finite value of a curve.
    Args:
        values: the curve, shape (epochs,).
    Returns:
        (1-based index, value), the first if tied; None when no value is finite."""
    finite = np.isfinite(values)
    if not finite.any():
        return None
    index = int(np.argmin(np.where(finite, values, np.inf)))
    return index + 1, float(values[index])


def robust_score(history: RunHistory) -> float:
    """The statistic every ranking uses: the run's lowest validation loss, smoothed over 3 epochs (`smoothed`).
    Args:
        history: one run.
    Returns:
        The loss (nats), NaN without a finite validation loss."""
    return (robust_best(history) or (0, math.nan))[1]


class Overfit(NamedTuple):
    """Whether one run overfits, and the epoch of its lowest smoothed validation loss (where it turned)."""

    overfitting: bool
    best_epoch: int


def overfitting(history: RunHistory) -> Overfit | None:
    """Where the run's validation loss turns up while its training loss keeps falling: after the lowest smoothed
    validation loss it ends more than the threshold above it (`OVERFIT_TOLERANCE` of it, at least
    `OVERFIT_MIN_RISE`) while the training loss (mean of the last three epochs) ends below its value at that epoch.
    Args:
        history: one run.
    Returns:
        An `Overfit`, or None without a finite validation loss."""
    found = robust_best(history)
    if found is None:
        return None
    best, best_val = found
    val = smoothed(history.val_loss)
    loss = array(history.loss)
    threshold = max(OVERFIT_TOLERANCE * abs(best_val), OVERFIT_MIN_RISE)
    train_at_best = float(loss[best - 1]) if len(loss) >= best else math.nan
    end_train = tail_mean(loss[best:]) if len(loss) > best else train_at_best
    after = val[best:]
    detected = bool(len(after) >= 2 and np.isfinite(after).all() and val[-1] - best_val > threshold
                    and math.isfinite(end_train) and end_train < train_at_best)
    return Overfit(detected, best)


class EarlyStop(NamedTuple):
    """Where `keras.callbacks.EarlyStopping` stops (1-based; None if it never fires) and whose weights it keeps."""

    stop_epoch: int | None
    best_epoch: int | None


def early_stopping(val_loss: Sequence[float], patience: int = EARLY_STOPPING_PATIENCE) -> EarlyStop:
    """Replay `keras.callbacks.EarlyStopping(monitor="val_loss", patience, restore_best_weights=True)` over a
    finished run, as Keras 3 decides: an epoch improves when its value is below the best so far in float32 (NaN never
    does), training stops once `patience` epochs in a row did not, never at the first epoch.
    Args:
        val_loss: the run's validation loss per epoch.
        patience: epochs without improvement before it stops.
    Returns:
        An `EarlyStop`: the 1-based epoch it stops after (None if it never fires) and the epoch whose weights it
        restores (None for an empty curve).
    >>> early_stopping([0.5, 0.4, 0.45, 0.46, 0.47], patience=2)
    EarlyStop(stop_epoch=4, best_epoch=2)
    """
    best: np.float32 | None = None
    best_index: int | None = None
    wait = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for index, current in enumerate(val_loss):
            wait += 1
            if best is None or bool(np.float32(float(current)) < best):
                best, best_index, wait = np.float32(float(current)), index, 0
            elif wait >= patience and index > 0:
                return EarlyStop(index + 1, best_index + 1)
    return EarlyStop(None, None if best_index is None else best_index + 1)


@dataclass(frozen=True)
class Divergence:
    """A run that blew up, as Keras reports it (the engine keeps recording after the blow-up): the first epoch whose
    training loss exceeded `DIVERGENCE_FACTOR` x the start or became NaN/inf, why (`reason`: "nan", "inf",
    "exploded"), that epoch's training loss and its ratio to the start, and what the run did after (`after`, an
    AFTER_* constant, judged on `end_loss`: the mean training loss of the last TAIL_EPOCHS epochs)."""

    epoch: int
    reason: str
    loss: float
    start_loss: float
    ratio: float
    nan_at: int | None  # first epoch with a NaN loss, if any
    after: str
    end_loss: float


def _first_bad_epoch(history: RunHistory, factor: float) -> tuple[int, str] | None:
    loss, val, updates = array(history.loss), array(history.val_loss), array(history.update_loss)
    start, per_epoch = starting_loss(history), history.updates_per_epoch
    for i in range(max(len(loss), len(val))):  # the epoch's losses and its updates' (none without updates_per_epoch)
        values = np.concatenate([loss[i:i + 1], val[i:i + 1], updates[i * per_epoch:(i + 1) * per_epoch]])
        if np.isnan(values).any():
            return i + 1, "nan"
        if np.isinf(values).any():
            return i + 1, "inf"
        if i < len(loss) and math.isfinite(start) and loss[i] > factor * start:
            return i + 1, "exploded"
    return None


def divergence(history: RunHistory) -> Divergence | None:
    """Whether and how the run blew up: a training loss above `DIVERGENCE_FACTOR` x its start, or NaN/inf.
    `after` is AFTER_CONSTANT only when the numbers back it: the run's `final_positive_share` is 0 or 1, or (without
    it) the last-3-epochs training loss is within 10% of a constant predictor's and the final validation accuracy is
    the majority share (to 0.001). AFTER_RECOVERED when `end_loss` (last TAIL_EPOCHS epochs, the number shown) is below
    the start and below NOT_LEARNING_SHARE x a constant predictor's loss: a last epoch alone never decides.
    Args:
        history: one run; its `diverged_at` (set by the engine) is the epoch when present.
    Returns:
        A `Divergence`, or None for a run that did not blow up."""
    found = _first_bad_epoch(history, DIVERGENCE_FACTOR)
    epoch = history.diverged_at or (found[0] if found else None)
    if epoch is None:
        return None
    loss = array(history.loss)
    reason = found[1] if found and found[0] == epoch else "exploded"
    start = starting_loss(history)
    at_loss = float(loss[epoch - 1]) if epoch - 1 < len(loss) else math.nan
    ratio = at_loss / start if math.isfinite(at_loss) and math.isfinite(start) and start > 0 else math.nan
    nans = np.nonzero(np.isnan(loss))[0]
    nan_at = history.nan_at or (int(nans[0]) + 1 if len(nans) else None)
    share = history.final_positive_share if math.isfinite(history.final_positive_share) else None
    prior = prior_loss(history)
    final = float(loss[-1]) if len(loss) else math.nan
    tail = tail_mean(loss)
    majority = majority_accuracy(history)
    if nan_at is not None and not math.isfinite(final):
        after = AFTER_NAN
    elif share is not None and share in (0.0, 1.0):
        after = AFTER_CONSTANT
    elif (share is None and majority is not None and history.val_accuracy and len(loss) >= epoch + 3
          and math.isfinite(tail) and abs(tail - prior) <= 0.1 * prior
          and abs(history.val_accuracy[-1] - majority) <= 1e-3):
        after = AFTER_CONSTANT
    elif (math.isfinite(tail) and math.isfinite(start) and len(loss) > epoch and tail < start
          and tail < NOT_LEARNING_SHARE * prior):
        after = AFTER_RECOVERED
    else:
        after = AFTER_UNKNOWN
    return Divergence(int(epoch), reason, at_loss, start, ratio, nan_at, after, tail)


def not_learning(history: RunHistory) -> bool:
    """Whether the run learned nothing the validation rows confirm (random labels memorised, a run stuck at ln 2).
    Args:
        history: one run.
    Returns:
        True when its lowest smoothed validation loss never gets below NOT_LEARNING_SHARE (95%) of a constant
        predictor's loss, whatever its training loss and accuracy do."""
    score = robust_score(history)
    return math.isfinite(score) and score >= NOT_LEARNING_SHARE * prior_loss(history)


def loss_ratio_to_prior(history: RunHistory) -> float:
    """How far above a constant guess the run's losses went.
    Args:
        history: one run.
    Returns:
        Its largest finite training or validation loss over `prior_loss`; NaN without a finite loss."""
    values = np.concatenate([array(history.loss), array(history.val_loss)])
    values = values[np.isfinite(values)]
    return float(values.max() / prior_loss(history)) if len(values) else math.nan


def huge_loss(history: RunHistory) -> bool:
    """Whether the run ends with losses far above a constant guess's, as unscaled inputs give.
    Args:
        history: one run.
    Returns:
        True when its validation loss over the last TAIL_EPOCHS epochs is above HUGE_LOSS_FACTOR x `prior_loss`."""
    end = tail_mean(history.val_loss)
    return math.isfinite(end) and end > HUGE_LOSS_FACTOR * prior_loss(history)


def blew_up_at(history: RunHistory) -> int | None:
    """When the run blew up, diverged or with a huge loss: such a run is never ranked.
    Args:
        history: one run.
    Returns:
        The 1-based epoch (`divergence`; for a `huge_loss`, its first validation loss above HUGE_LOSS_FACTOR x a
        constant guess's, else its last epoch); None if neither."""
    found = divergence(history)
    if found is not None:
        return found.epoch
    if not huge_loss(history):
        return None
    above = np.nonzero(array(history.val_loss) > HUGE_LOSS_FACTOR * prior_loss(history))[0]
    return int(above[0]) + 1 if len(above) else history.epochs_run


def oscillates(history: RunHistory) -> bool:
    """Whether a run that did not diverge oscillates.
    Args:
        history: one run.
    Returns:
        True when large validation-loss moves (> 10% and > 0.01) change direction 3+ times, or its training loss
        rises (> 2%, > 0.005) in at least two epochs and 20% of the steps; False for a diverged or calm run."""
    if divergence(history) is not None:
        return False
    val, loss = array(history.val_loss), array(history.loss)
    moves = np.diff(val) if np.isfinite(val).all() else np.zeros(0)
    big = (np.abs(moves) > OSCILLATION_JUMP * np.abs(val[:-1])) & (np.abs(moves) > OSCILLATION_MIN_ABS)
    signs = np.sign(moves[big])
    rise = np.diff(loss) if np.isfinite(loss).all() else np.zeros(max(len(loss) - 1, 0))
    rises = int(np.count_nonzero((rise > TRAIN_RISE * np.abs(loss[:-1])) & (rise > TRAIN_RISE_MIN_ABS)))
    steps = max(len(loss) - 1, 0)
    return bool(np.count_nonzero(signs[1:] != signs[:-1]) >= OSCILLATION_REVERSALS
                or (rises >= 2 and steps and rises >= TRAIN_RISE_SHARE * steps))


def update_noise(history: RunHistory) -> float:
    """How noisy the updates are: the standard deviation of the per-update training loss around its centred moving
    average (`smoothing.centred_mean`, full windows of `min(25, updates / 5)` updates, made odd).
    Args:
        history: one run; only updates before any NaN/inf count.
    Returns:
        The scatter (nats), NaN with fewer updates than a window of 3."""
    loss = array(history.update_loss)
    n = int(np.argmin(np.isfinite(loss))) if not np.isfinite(loss).all() else len(loss)
    loss = loss[:n]
    window = int(min(NOISE_MAX_WINDOW, n // 5))
    if window % 2 == 0:
        window -= 1
    if window < 3 or n < window:
        return math.nan
    residual = loss - centred_mean(loss, window, ends=False)  # full windows only
    return float(np.std(residual[np.isfinite(residual)]))


def validation_below_training(runs: Sequence[RunHistory]) -> int:
    """How long validation loss sits below training loss from the start. Keras' `History` reports an epoch's training
    loss as the mean over its batches, taken while the weights improve, and its validation loss once, at the epoch's
    end with the improved weights: early in training, when the loss falls fast, that is nothing wrong.
    Args:
        runs: one value's runs (its seeds).
    Returns:
        For how many epochs from epoch 1 the seeds' mean validation loss stays below their mean training loss (0: not
        at epoch 1)."""
    n = min((len(h.loss) for h in runs), default=0)
    if not n:
        return 0
    mean_val, mean_train = (np.mean([array(getattr(h, key)[:n]) for h in runs], axis=0) for key in ("val_loss", "loss"))
    below = mean_val < mean_train
    return int(np.argmin(below)) if not below.all() else n
