"""Read training histories the way a teacher would: best epoch, overfitting, divergence, oscillation, slow learning,
update noise and update counts, each as data plus one plain sentence with the numbers in it.

Pure NumPy over `RunHistory` objects (no TensorFlow calls, no Streamlit). One entry point per page:
`diagnose_epochs(history)`, `diagnose_batch_sizes(histories)`, `diagnose_learning_rates(histories)`, each returning
`Findings`. `early_stopping(val_loss, patience)` replays `keras.callbacks.EarlyStopping` on a finished curve.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple, Sequence

import numpy as np

from dlviz.runs import DIVERGENCE_FACTOR, RunHistory

# Pages, which are also the swept parameter of each page.
EPOCHS = "epochs"
BATCH_SIZE = "batch_size"
LEARNING_RATE = "learning_rate"
PAGES = (EPOCHS, BATCH_SIZE, LEARNING_RATE)

# Finding kinds.
OVERFITTING = "overfitting"            # validation loss turns up while training loss keeps falling
NO_OVERFITTING = "no_overfitting"      # (epochs page) where validation loss is lowest, and that it did not turn
ACCURACY_GAP = "accuracy_gap"          # end-of-run training minus validation accuracy
EARLY_STOPPING = "early_stopping"      # where keras' EarlyStopping would stop and which epoch's weights it keeps
DIVERGED = "diverged"                  # loss became NaN/inf or exploded
OSCILLATING = "oscillating"            # loss keeps changing direction by large jumps (run did not diverge)
TOO_SLOW = "too_slow"                  # learning rate so small the loss has barely moved
TOO_HIGH = "too_high"                  # learning rate so large the loss ends well above what smaller steps reach
NOISE = "noise"                        # per value: scatter of per-update loss around its trend
NOISE_COMPARISON = "noise_comparison"  # sweep: noisiest vs smoothest batch size
UPDATES = "updates"                    # per value: weight updates per epoch and in total
UPDATES_COMPARISON = "updates_comparison"
BEST_VAL_LOSS = "best_val_loss"        # per value: lowest validation loss and its epoch
BEST_RUN = "best_run"                  # sweep: the value with the lowest validation loss
SUMMARY = "summary"                    # sweep: one sentence over all values

# Thresholds, chosen on the practice and breast-cancer data so that noise alone does not trigger a finding.
OVERFIT_TOLERANCE = 0.05   # validation loss must rise > 5% above its best ...
OVERFIT_MIN_RISE = 0.01    # ... and by > 0.01 in absolute terms
OSCILLATION_JUMP = 0.10    # a validation-loss move counts as a jump when > 10% (and > 0.01) ...
OSCILLATION_MIN_ABS = 0.01
OSCILLATION_REVERSALS = 3  # ... and the run oscillates when such jumps change direction 3+ times (one spike in a
#                            falling curve is two changes),
TRAIN_RISE = 0.02          # or when training loss rises by > 2% (and > 0.005) in at least 2 epochs
TRAIN_RISE_MIN_ABS = 0.005  # and at least 20% of the epoch-to-epoch steps.
TRAIN_RISE_SHARE = 0.20
SLOW_RATIO = 1.25          # too slow / too high: final training loss > 1.25x the best final training loss ...
SLOW_MARGIN = 0.05         # ... and > best + 0.05 ...
SLOW_PROGRESS = 2 / 3      # ... and (too slow only) covered less than 2/3 of the drop the best run made.
NOISE_MAX_WINDOW = 25
EARLY_STOPPING_PATIENCE = 5

_LABEL_PREFIX = {EPOCHS: "", BATCH_SIZE: "batch ", LEARNING_RATE: "lr "}
_NAME = {EPOCHS: "epochs", BATCH_SIZE: "batch size", LEARNING_RATE: "learning rate"}


# ---------------------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Finding:
    """One thing a teacher would point at.

    `kind` is one of the constants above; `value` is the swept value it is about (a batch size or a learning rate)
    or None when it is about the whole sweep (or the single run of the epochs page); `sentence` says it plainly with
    numbers; `data` holds those numbers (keys documented where each finding is made); `detail` marks routine
    per-value facts that a page shows in a table rather than as a headline.
    """

    kind: str
    value: float | int | None
    sentence: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    detail: bool = False


_ANY = object()


@dataclass
class Findings:
    """The findings of one page, in order of importance, with a short legend label (`verdict`) per swept value."""

    page: str
    items: list[Finding] = field(default_factory=list)
    values: list[float | int | None] = field(default_factory=list)
    verdicts: dict[Any, str] = field(default_factory=dict)
    best_value: float | int | None = None

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sentences(self, details: bool = False) -> list[str]:
        """The headline sentences (and with `details`, the per-value ones too)."""
        return [f.sentence for f in self.items if details or not f.detail]

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.items if f.kind == kind]

    def get(self, kind: str, value: Any = _ANY) -> Finding | None:
        """The first finding of `kind` (about `value`, when given), or None."""
        for f in self.items:
            if f.kind == kind and (value is _ANY or f.value == value):
                return f
        return None

    def has(self, kind: str, value: Any = _ANY) -> bool:
        return self.get(kind, value) is not None

    def by_value(self) -> dict[Any, list[Finding]]:
        """Findings grouped by swept value, in the sweep's order (None: about the sweep as a whole)."""
        groups: dict[Any, list[Finding]] = {v: [] for v in self.values}
        for f in self.items:
            groups.setdefault(f.value, []).append(f)
        return groups

    def kinds(self, value: Any) -> set[str]:
        return {f.kind for f in self.items if f.value == value}

    def verdict(self, value: Any = None) -> str:
        return self.verdicts.get(value, "")

    @property
    def best(self) -> Finding | None:
        """The best run's finding (sweeps) or the best-epoch finding (epochs page)."""
        return self.get(BEST_RUN) or self.get(OVERFITTING) or self.get(NO_OVERFITTING)


class EarlyStop(NamedTuple):
    """Where `keras.callbacks.EarlyStopping` stops (1-based; None if it never fires) and whose weights it keeps."""

    stop_epoch: int | None
    best_epoch: int | None


# ---------------------------------------------------------------------------------------------------------------
# Formatting


def format_loss(x: float) -> str:
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 0.1 or x == 0:
        return f"{x:.2f}"
    return f"{x:.2g}"


def format_value(page: str, value: Any) -> str:
    """A swept value as people write it: `0.01`, `1.0`, `1e-05`, `32`."""
    if value is None:
        return ""
    if page == LEARNING_RATE:
        text = f"{float(value):g}"
        return text if ("." in text or "e" in text) else text + ".0"
    return f"{int(value):,}"


def label_prefix(page: str, value: Any) -> str:
    """The legend prefix: `lr 0.01`, `batch 32`, or empty on the epochs page."""
    return f"{_LABEL_PREFIX.get(page, '')}{format_value(page, value)}".strip()


def _at(page: str, value: Any) -> str:
    """`At learning rate 0.01, ` / `At batch size 32, ` / `` (capitalized sentence starts follow)."""
    if page == EPOCHS or value is None:
        return ""
    return f"At {_NAME[page]} {format_value(page, value)}, "


def _start(prefix: str, rest: str) -> str:
    return prefix + rest if prefix else rest[:1].upper() + rest[1:]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _swept_value(history: RunHistory, page: str) -> float | int | None:
    if page == LEARNING_RATE:
        return history.spec.learning_rate
    if page == BATCH_SIZE:
        return history.spec.batch_size
    return None


def _array(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _tail_level(values: np.ndarray, n: int = 3) -> float:
    """Where a curve ended: the median of its last few values (robust to one spike)."""
    return float(np.median(values[-min(n, len(values)):]))


def _starting_loss(history: RunHistory) -> float:
    if math.isfinite(history.initial_loss):
        return float(history.initial_loss)
    loss = _array(history.loss)
    return float(loss[0]) if len(loss) and math.isfinite(loss[0]) else float("nan")


# ---------------------------------------------------------------------------------------------------------------
# One run


def best_epoch(history: RunHistory) -> tuple[int, float] | None:
    """(1-based epoch, value) of the lowest finite validation loss, the first if tied; None without one."""
    val = _array(history.val_loss)
    finite = np.isfinite(val)
    if not finite.any():
        return None
    index = int(np.argmin(np.where(finite, val, np.inf)))
    return index + 1, float(val[index])


def overfitting(history: RunHistory, tolerance: float = OVERFIT_TOLERANCE, min_rise: float = OVERFIT_MIN_RISE,
                page: str = EPOCHS) -> Finding | None:
    """Is validation loss turning up while training loss keeps falling?

    Overfitting is reported when, after the epoch of lowest validation loss, (a) validation loss ends (median of the
    last three epochs) more than `max(tolerance * best, min_rise)` above its best and (b) training loss ends below
    its value at the best epoch. Returns a Finding of kind `overfitting` or `no_overfitting` (None without a
    finite validation loss) whose data holds: overfitting (bool), best_epoch, best_val_loss, end_epoch,
    end_val_loss, rise, threshold, onset_epoch (first epoch after the best clearly above it, or None),
    train_loss_at_best, end_train_loss, train_accuracy, val_accuracy, accuracy_gap (end of run; None if unknown).
    """
    found = best_epoch(history)
    if found is None:
        return None
    best, best_val = found
    val = _array(history.val_loss)
    loss = _array(history.loss)
    n = len(val)
    threshold = max(tolerance * abs(best_val), min_rise)
    after = val[best:]
    end_val = _tail_level(after) if len(after) else best_val
    rise = end_val - best_val
    train_at_best = float(loss[best - 1]) if len(loss) >= best else float("nan")
    end_train = _tail_level(loss[best:]) if len(loss) > best else train_at_best
    train_falling = bool(np.isfinite(end_train) and end_train < train_at_best)
    finite_after = np.isfinite(after).all()
    detected = bool(len(after) >= 2 and finite_after and rise > threshold and train_falling)
    above = np.nonzero(after > best_val + threshold)[0]
    onset = int(best + above[0] + 1) if len(above) else None
    train_acc = float(history.accuracy[-1]) if history.accuracy else None
    val_acc = float(history.val_accuracy[-1]) if history.val_accuracy else None
    gap = train_acc - val_acc if train_acc is not None and val_acc is not None else None
    data = dict(overfitting=detected, best_epoch=best, best_val_loss=best_val, end_epoch=n, end_val_loss=end_val,
                rise=rise, threshold=threshold, onset_epoch=onset, train_loss_at_best=train_at_best,
                end_train_loss=end_train, train_accuracy=train_acc, val_accuracy=val_acc, accuracy_gap=gap)
    value = _swept_value(history, page)
    at = _at(page, value)
    if detected:
        sentence = _start(at, (
            f"validation loss is lowest at epoch {best} ({format_loss(best_val)}) and rises to "
            f"{format_loss(end_val)} by epoch {n} while training loss keeps falling "
            f"({format_loss(train_at_best)} to {format_loss(end_train)}): the model is overfitting."))
        return Finding(OVERFITTING, value, sentence, data)
    if not finite_after:
        rest = (f"validation loss is lowest at epoch {best} ({format_loss(best_val)}) before the loss stops being a "
                "finite number.")
    elif best == n:
        rest = (f"validation loss is still falling at the last epoch ({format_loss(best_val)} at epoch {n}): "
                "no sign of overfitting yet.")
    else:
        rest = (f"validation loss is lowest at epoch {best} ({format_loss(best_val)}) and ends at "
                f"{format_loss(end_val)}, within noise of its best: no clear overfitting.")
    return Finding(NO_OVERFITTING, value, _start(at, rest), data)


def accuracy_gap(history: RunHistory, page: str = EPOCHS) -> Finding | None:
    """End-of-run training vs validation accuracy. Data: train_accuracy, val_accuracy, gap, epoch."""
    if not history.accuracy or not history.val_accuracy:
        return None
    train_acc, val_acc = float(history.accuracy[-1]), float(history.val_accuracy[-1])
    if not (math.isfinite(train_acc) and math.isfinite(val_acc)):
        return None
    gap = train_acc - val_acc
    value = _swept_value(history, page)
    epoch = len(history.accuracy)
    if gap > 0.05:
        rest = (f"after epoch {epoch}, training accuracy is {_pct(train_acc)} but validation accuracy only "
                f"{_pct(val_acc)}, a gap of {100 * gap:.0f} points: the model fits its training rows better than "
                "new ones.")
    else:
        rest = (f"after epoch {epoch}, training accuracy is {_pct(train_acc)} and validation accuracy "
                f"{_pct(val_acc)}, a gap of only {100 * gap:.0f} points.")
    sentence = _start(_at(page, value), rest)
    return Finding(ACCURACY_GAP, value, sentence, dict(train_accuracy=train_acc, val_accuracy=val_acc, gap=gap,
                                                       epoch=len(history.accuracy)))


def divergence(history: RunHistory, factor: float = DIVERGENCE_FACTOR, page: str = LEARNING_RATE
               ) -> Finding | None:
    """Did the run blow up? Uses `history.diverged_at` when set, else finds the first epoch whose training or
    validation loss (or any update's loss) is NaN/inf, or whose training loss exceeds `factor` times the loss it
    started from (`initial_loss`, or the first epoch's loss for hand-made histories).

    Data: epoch (1-based), reason ("nan", "inf" or "exploded"), loss (that epoch's training loss), start_loss, ratio.
    """
    loss = _array(history.loss)
    val = _array(history.val_loss)
    start = _starting_loss(history)
    updates = np.asarray(history.update_loss, dtype=np.float64).reshape(-1)
    per_epoch = history.updates_per_epoch

    def bad_updates(epoch_index: int) -> np.ndarray:
        if per_epoch <= 0 or not len(updates):
            return np.zeros(0)
        chunk = updates[epoch_index * per_epoch:(epoch_index + 1) * per_epoch]
        return chunk[~np.isfinite(chunk)]

    def reason_at(i: int) -> str | None:
        values = [loss[i]] if i < len(loss) else []
        values += [val[i]] if i < len(val) else []
        values += list(bad_updates(i))
        if any(math.isnan(x) for x in values):
            return "nan"
        if any(math.isinf(x) for x in values):
            return "inf"
        if i < len(loss) and math.isfinite(start) and loss[i] > factor * start:
            return "exploded"
        return None

    epoch = history.diverged_at
    reason = None
    if epoch is None:
        for i in range(max(len(loss), len(val))):
            reason = reason_at(i)
            if reason:
                epoch = i + 1
                break
    else:
        reason = reason_at(epoch - 1) or "exploded"
    if epoch is None:
        return None
    at_loss = float(loss[epoch - 1]) if epoch - 1 < len(loss) else float("nan")
    ratio = at_loss / start if math.isfinite(at_loss) and math.isfinite(start) and start > 0 else float("nan")
    value = _swept_value(history, page)
    if reason == "exploded" and math.isfinite(ratio):
        what = (f"training loss jumped to {format_loss(at_loss)} in epoch {epoch}, {ratio:.0f}x its starting "
                f"value of {format_loss(start)}")
    elif reason == "exploded":
        what = f"training loss exploded in epoch {epoch}"
    else:
        what = f"the loss became {'NaN' if reason == 'nan' else 'infinite'} in epoch {epoch}"
    sentence = _start(_at(page, value), f"{what}: the updates overshoot so far that the run diverged.")
    return Finding(DIVERGED, value, sentence, dict(epoch=int(epoch), reason=reason, loss=at_loss, start_loss=start,
                                                   ratio=ratio))


def _reversals(values: np.ndarray, jump: float, min_abs: float) -> int:
    """How often a curve's large moves (relative > `jump` and absolute > `min_abs`) change direction."""
    if len(values) < 3:
        return 0
    steps = np.diff(values)
    base = np.abs(values[:-1])
    big = (np.abs(steps) > jump * base) & (np.abs(steps) > min_abs)
    signs = np.sign(steps[big])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def _rises(values: np.ndarray, rise: float, min_abs: float) -> int:
    steps = np.diff(values)
    return int(np.count_nonzero((steps > rise * np.abs(values[:-1])) & (steps > min_abs)))


def oscillation(history: RunHistory, jump: float = OSCILLATION_JUMP, page: str = LEARNING_RATE
                ) -> Finding | None:
    """Does the loss keep swinging instead of settling? Only for runs that did not diverge.

    Oscillating means: validation-loss jumps (> `jump` relative and > 0.01 absolute) change direction at least three
    times (a single spike in a falling curve is only two),
    or the epoch training loss (which a stable run lowers almost every epoch) rises by > 2% in at least two epochs
    and at least 20% of them. Data: reversals, train_rises, steps (epoch-to-epoch steps), jump.
    """
    if divergence(history, page=page) is not None:
        return None
    val = _array(history.val_loss)
    loss = _array(history.loss)
    if not np.isfinite(val).all():
        val = np.zeros(0)
    reversals = _reversals(val, jump, OSCILLATION_MIN_ABS)
    rises = _rises(loss, TRAIN_RISE, TRAIN_RISE_MIN_ABS) if np.isfinite(loss).all() else 0
    steps = max(len(loss) - 1, 0)
    swinging = reversals >= OSCILLATION_REVERSALS or (
        rises >= 2 and steps > 0 and rises >= TRAIN_RISE_SHARE * steps)
    if not swinging:
        return None
    parts = []
    if reversals:
        parts.append(f"validation loss swings up and down by more than {_pct(jump)} "
                     f"({reversals} change{'s' if reversals != 1 else ''} of direction)")
    if rises:
        parts.append(f"training loss goes up in {rises} of {steps} epochs")
    value = _swept_value(history, page)
    sentence = _start(_at(page, value), " and ".join(parts) + ": the steps are too big to settle into a minimum.")
    return Finding(OSCILLATING, value, sentence, dict(reversals=reversals, train_rises=rises, steps=steps, jump=jump))


def update_noise(history: RunHistory, window: int | None = None) -> float:
    """How noisy the per-update training loss is: the standard deviation of `update_loss` around its own centred
    moving average (window `min(25, updates / 5)`, made odd). Only the updates before any NaN/inf count; NaN when
    there are too few updates to say."""
    loss = np.asarray(history.update_loss, dtype=np.float64).reshape(-1)
    bad = np.nonzero(~np.isfinite(loss))[0]
    if len(bad):
        loss = loss[:bad[0]]
    n = len(loss)
    if window is None:
        window = min(NOISE_MAX_WINDOW, n // 5)
    window = int(window)
    if window % 2 == 0:
        window -= 1
    if window < 3 or n < window:
        return float("nan")
    trend = np.convolve(loss, np.ones(window) / window, mode="valid")
    half = window // 2
    return float(np.std(loss[half:n - half] - trend))


def update_counts(history: RunHistory) -> tuple[int, int]:
    """(updates per epoch, updates made in total)."""
    total = len(history.update_loss) or history.updates_per_epoch * history.epochs_run
    return int(history.updates_per_epoch), int(total)


def early_stopping(val_loss: Sequence[float], patience: int = EARLY_STOPPING_PATIENCE, min_delta: float = 0.0,
                   start_from_epoch: int = 0) -> EarlyStop:
    """Replay `keras.callbacks.EarlyStopping(monitor="val_loss", patience, min_delta, restore_best_weights=True)`
    over a finished run's validation losses.

    Returns `EarlyStop(stop_epoch, best_epoch)`, 1-based: `stop_epoch` is the epoch after which Keras sets
    `model.stop_training` (so `fit` runs `stop_epoch` epochs), None if it never fires; it can equal the last epoch,
    where stopping changes nothing. `best_epoch` is the epoch whose weights Keras restores at the end of training,
    which it does whether or not it stopped early (None for an empty curve).

    As in Keras 3: an epoch improves when `val_loss + min_delta < best` compared in float32 (the first monitored
    epoch always does; NaN never does); `wait` counts epochs since the last improvement, and training stops once
    `wait >= patience` (never at the first epoch).

    >>> early_stopping([0.5, 0.4, 0.45, 0.46, 0.47], patience=2)
    EarlyStop(stop_epoch=4, best_epoch=2)
    """
    delta = abs(float(min_delta))
    best: np.float32 | None = None
    best_index: int | None = None
    wait = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for index, current in enumerate(val_loss):
            if index < start_from_epoch:
                continue
            if best_index is None:
                best_index = index  # restore_best_weights: the first monitored epoch's weights are kept at least
            wait += 1
            current = float(current)
            if best is None or bool(np.float32(current + delta) < best):
                best = np.float32(current)
                best_index = index
                wait = 0
                continue
            if wait >= patience and index > 0:
                return EarlyStop(index + 1, best_index + 1)
    return EarlyStop(None, None if best_index is None else best_index + 1)


def early_stopping_finding(history: RunHistory, patience: int = EARLY_STOPPING_PATIENCE,
                           page: str = EPOCHS) -> Finding | None:
    """What `EarlyStopping(patience, restore_best_weights=True)` would have done to this run.
    Data: patience, stop_epoch, best_epoch, best_val_loss, epochs (run length), epochs_saved."""
    val = _array(history.val_loss)
    if not len(val):
        return None
    stop, best = early_stopping(val, patience)
    n = len(val)
    best_val = float(val[best - 1])
    saved = n - stop if stop is not None else 0
    value = _swept_value(history, page)
    if stop is not None and stop < n:
        rest = (f"EarlyStopping with patience {patience} would stop after epoch {stop} of {n}, saving {saved} "
                f"epochs, and restore the weights from epoch {best} (validation loss {format_loss(best_val)}).")
    else:
        rest = (f"EarlyStopping with patience {patience} would not stop before epoch {n}; it would keep the "
                f"weights from epoch {best} (validation loss {format_loss(best_val)}).")
    return Finding(EARLY_STOPPING, value, _start(_at(page, value), rest),
                   dict(patience=patience, stop_epoch=stop, best_epoch=best, best_val_loss=best_val, epochs=n,
                        epochs_saved=saved))


def best_val_loss_finding(history: RunHistory, page: str) -> Finding | None:
    """Per value: lowest validation loss and where. Data: best_epoch, best_val_loss, val_accuracy_at_best,
    end_val_loss, end_val_accuracy, end_train_loss, epochs."""
    found = best_epoch(history)
    if found is None:
        return None
    epoch, val = found
    val_acc = history.val_accuracy
    value = _swept_value(history, page)
    data = dict(best_epoch=epoch, best_val_loss=val,
                val_accuracy_at_best=float(val_acc[epoch - 1]) if len(val_acc) >= epoch else None,
                end_val_loss=float(history.val_loss[-1]),
                end_val_accuracy=float(val_acc[-1]) if val_acc else None,
                end_train_loss=float(history.loss[-1]) if history.loss else None, epochs=len(history.val_loss))
    name = f"{_NAME[page].capitalize()} {format_value(page, value)}" if value is not None else "The run"
    sentence = f"{name}: lowest validation loss {format_loss(val)} at epoch {epoch}."
    return Finding(BEST_VAL_LOSS, value, sentence, data, detail=True)


def verdict(history: RunHistory, page: str = EPOCHS, findings: Findings | None = None) -> str:
    """A short legend label for one run, e.g. `lr 1.0 — diverged at epoch 3`, `batch 8 — noisiest`,
    `best val loss 0.31 @ epoch 14`. With `findings` from this run's sweep, the label is the one computed there
    (which knows the sweep: too slow, noisiest, best); without, it is judged from the run alone."""
    value = _swept_value(history, page)
    if findings is not None and value in findings.verdicts:
        return findings.verdicts[value]
    items = [f for f in (divergence(history, page=page), oscillation(history, page=page),
                         overfitting(history, page=page), best_val_loss_finding(history, page)) if f is not None]
    return _label(page, value, items, is_best=False)


def _label(page: str, value: Any, items: list[Finding], is_best: bool) -> str:
    by_kind = {f.kind: f for f in items}
    status: list[str] = []
    if DIVERGED in by_kind:
        status.append(f"diverged at epoch {by_kind[DIVERGED].data['epoch']}")
    elif TOO_SLOW in by_kind:
        status.append("too slow")
    elif TOO_HIGH in by_kind and OSCILLATING in by_kind:
        status.append("too high, oscillating")
    elif TOO_HIGH in by_kind:
        status.append("too high")
    elif OSCILLATING in by_kind:
        status.append("oscillating")
    for kind in ("noisiest", "smoothest"):
        if kind in by_kind:
            status.append(kind)
    if not status or (is_best and DIVERGED not in by_kind):
        best = by_kind.get(BEST_VAL_LOSS) or by_kind.get(OVERFITTING) or by_kind.get(NO_OVERFITTING)
        if best is not None:
            epoch, val = best.data["best_epoch"], format_loss(best.data["best_val_loss"])
            if is_best:
                status.append(f"best val loss {val} @ epoch {epoch}")
            elif page == EPOCHS and OVERFITTING in by_kind:
                status.append(f"overfits after epoch {epoch} (best val loss {val})")
            elif page == EPOCHS:
                status.append(f"best val loss {val} @ epoch {epoch}")
            else:
                status.append(f"val loss {val} @ epoch {epoch}")
    prefix = label_prefix(page, value)
    text = ", ".join(status)
    return f"{prefix} — {text}" if prefix and text else (prefix or text)


# ---------------------------------------------------------------------------------------------------------------
# Sweeps


def _best_run(histories: Sequence[RunHistory], page: str, diverged: set) -> Finding | None:
    candidates = []
    for history in histories:
        value = _swept_value(history, page)
        found = best_epoch(history)
        if value in diverged or found is None:
            continue
        candidates.append((found[1], found[0], value, history))
    if not candidates:
        return None
    val, epoch, value, history = min(candidates, key=lambda c: c[0])
    acc = history.val_accuracy[epoch - 1] if len(history.val_accuracy) >= epoch else None
    acc_text = f", validation accuracy {_pct(acc)}" if acc is not None else ""
    sentence = (f"The lowest validation loss, {format_loss(val)} at epoch {epoch}{acc_text}, comes from "
                f"{_NAME[page]} {format_value(page, value)}.")
    return Finding(BEST_RUN, value, sentence, dict(best_val_loss=val, best_epoch=epoch, val_accuracy=acc))


def _speed_findings(histories: Sequence[RunHistory], diverged: set) -> list[Finding]:
    """Too slow / too high learning rates, judged against the run that got its training loss lowest."""
    page = LEARNING_RATE
    finals = {}
    for history in histories:
        value = history.spec.learning_rate
        if value in diverged or not history.loss or not math.isfinite(history.loss[-1]):
            continue
        finals[value] = (float(history.loss[-1]), history)
    if len(finals) < 2:
        return []
    reference = min(finals, key=lambda v: finals[v][0])
    ref_final, ref_history = finals[reference]
    start = _starting_loss(ref_history)
    found = []
    for value, (final, history) in finals.items():
        if value == reference or not (final > SLOW_RATIO * ref_final and final > ref_final + SLOW_MARGIN):
            continue
        epochs = len(history.loss)
        own_start = _starting_loss(history)
        ref_drop = start - ref_final
        progress = (own_start - final) / ref_drop if ref_drop > 0 else float("nan")
        data = dict(final_loss=final, start_loss=own_start, reference_value=reference, reference_final_loss=ref_final,
                    progress=progress, epochs=epochs, step_ratio=value / reference)
        if value < reference and math.isfinite(progress) and progress < SLOW_PROGRESS:
            sentence = (f"At learning rate {format_value(page, value)}, training loss only fell from "
                        f"{format_loss(own_start)} to {format_loss(final)} in {epochs} epochs, "
                        f"{_pct(max(progress, 0.0))} of the way learning rate {format_value(page, reference)} got "
                        f"(to {format_loss(ref_final)}): the steps are too small, so it learns too slowly.")
            found.append(Finding(TOO_SLOW, value, sentence, data))
        elif value > reference:
            sentence = (f"At learning rate {format_value(page, value)}, training loss ends at {format_loss(final)}, "
                        f"above the {format_loss(ref_final)} that learning rate {format_value(page, reference)} "
                        f"reaches with {value / reference:.3g}x smaller steps: the updates overshoot instead of "
                        "settling.")
            found.append(Finding(TOO_HIGH, value, sentence, data))
    return found


def _finish(findings: Findings, page: str, histories: Sequence[RunHistory], extra_labels: dict | None = None
            ) -> Findings:
    best = findings.get(BEST_RUN)
    findings.best_value = best.value if best is not None else None
    groups = findings.by_value()
    for history in histories:
        value = _swept_value(history, page)
        items = list(groups.get(value, []))
        for mark in (extra_labels or {}).get(value, ()):
            items.append(Finding(mark, value, ""))
        findings.verdicts[value] = _label(page, value, items, is_best=best is not None and best.value == value)
    return findings


def _order(items: list[Finding]) -> list[Finding]:
    rank = {SUMMARY: 0, DIVERGED: 1, TOO_SLOW: 2, TOO_HIGH: 3, OSCILLATING: 4, OVERFITTING: 5, NO_OVERFITTING: 5,
            BEST_RUN: 6, EARLY_STOPPING: 7, ACCURACY_GAP: 8, UPDATES_COMPARISON: 9, NOISE_COMPARISON: 10}
    return sorted(items, key=lambda f: (f.detail, rank.get(f.kind, 20)))  # stable: sweep order within a kind


def diagnose_epochs(history: RunHistory, patience: int = EARLY_STOPPING_PATIENCE) -> Findings:
    """The epochs page: one long run. Findings: overfitting or no_overfitting (given a finite validation loss and no
    divergence), early_stopping, accuracy_gap, diverged (if so), oscillating (only when not overfitting: an overfitting
    run's validation loss also swings, and the turn is the story), updates (detail). Values are None."""
    page = EPOCHS
    items: list[Finding] = []
    diverged = divergence(history, page=page)
    if diverged is not None:
        items.append(diverged)
    # A diverged run's curves end in NaN or explode: neither overfitting nor oscillation is the story then.
    fit = overfitting(history, page=page) if diverged is None else None
    if fit is not None:
        items.append(fit)
    if diverged is None and (fit is None or fit.kind != OVERFITTING):
        wobble = oscillation(history, page=page)
        if wobble is not None:
            items.append(wobble)
    for finding in (early_stopping_finding(history, patience, page), accuracy_gap(history, page)):
        if finding is not None:
            items.append(finding)
    per_epoch, total = update_counts(history)
    if per_epoch:
        items.append(Finding(UPDATES, None, f"{per_epoch:,} weight updates per epoch, {total:,} in "
                             f"{history.epochs_run} epochs.",
                             dict(updates_per_epoch=per_epoch, total_updates=total, epochs=history.epochs_run),
                             detail=True))
    findings = Findings(page, _order(items), [None])
    findings.verdicts[None] = _label(page, None, items, is_best=False)
    return findings


def _per_value_details(histories: Sequence[RunHistory], page: str, diverged: set) -> list[Finding]:
    """Per run that did not diverge: its lowest validation loss and, if so, its overfitting (detail findings)."""
    details = []
    for history in histories:
        if _swept_value(history, page) in diverged:
            continue
        for finding in (best_val_loss_finding(history, page), overfitting(history, page=page)):
            if finding is not None and finding.kind != NO_OVERFITTING:
                details.append(dataclasses.replace(finding, detail=True))
    return details


def diagnose_batch_sizes(histories: Sequence[RunHistory]) -> Findings:
    """The batch-size page: same data and start, several batch sizes. Findings: updates per value (detail) and
    updates_comparison (data: updates_per_epoch, total_updates, by value); noise per value (detail; data: noise,
    updates) and noise_comparison (data: noise by value, noisiest, smoothest, ratio); best_val_loss per value
    (detail), overfitting per value (detail), diverged per value, best_run. Verdicts mark noisiest and smoothest."""
    page = BATCH_SIZE
    histories = list(histories)
    items: list[Finding] = []
    values = [h.spec.batch_size for h in histories]
    divergences = [f for f in (divergence(h, page=page) for h in histories) if f is not None]
    items += divergences
    diverged = {f.value for f in divergences}
    per_epoch, totals, noise = {}, {}, {}
    for history in histories:
        value = history.spec.batch_size
        per_epoch[value], totals[value] = update_counts(history)
        epochs = history.epochs_run
        items.append(Finding(UPDATES, value, f"Batch size {value:,}: {per_epoch[value]:,} updates per epoch, "
                             f"{totals[value]:,} in {epochs} epochs.",
                             dict(updates_per_epoch=per_epoch[value], total_updates=totals[value], epochs=epochs),
                             detail=True))
        level = update_noise(history)
        if math.isfinite(level):
            noise[value] = level
            items.append(Finding(NOISE, value, f"Batch size {value:,}: per-update training loss scatters by "
                                 f"{format_loss(level)} around its trend.",
                                 dict(noise=level, updates=totals[value]), detail=True))
    if len(set(values)) >= 2:
        small, large = min(values), max(values)
        sentence = (f"Batch size {small:,} makes {per_epoch[small]:,} weight updates per epoch "
                    f"({totals[small]:,} in all); batch size {large:,} makes {per_epoch[large]:,} "
                    f"({totals[large]:,} in all): a bigger batch means fewer updates.")
        items.append(Finding(UPDATES_COMPARISON, None, sentence,
                             dict(updates_per_epoch=per_epoch, total_updates=totals, smallest=small, largest=large)))
    marks: dict[Any, list[str]] = {}
    if len(noise) >= 2:
        noisiest = max(noise, key=noise.get)
        smoothest = min(noise, key=noise.get)
        small, large = min(noise), max(noise)
        ratio = noise[small] / noise[large] if noise[large] > 0 else float("inf")
        if noise[small] > noise[large]:
            tail = (f"about {ratio:.1f}x as much: bigger batches average over more rows, so each step is steadier "
                    "and the curve smoother.")
        else:
            tail = "no more: here the batch size did not make the updates noisier."
        sentence = (f"Per-update training loss scatters by {format_loss(noise[small])} around its trend at batch "
                    f"size {small:,} and by {format_loss(noise[large])} at batch size {large:,}, {tail}")
        items.append(Finding(NOISE_COMPARISON, None, sentence,
                             dict(noise=noise, noisiest=noisiest, smoothest=smoothest, smallest=small, largest=large,
                                  ratio=ratio)))
        marks = {noisiest: ["noisiest"], smoothest: ["smoothest"]} if noisiest != smoothest else {}
    best = _best_run(histories, page, diverged)
    if best is not None:
        items.append(best)
    items += _per_value_details(histories, page, diverged)
    findings = Findings(page, _order(items), values)
    return _finish(findings, page, histories, marks)


def diagnose_learning_rates(histories: Sequence[RunHistory]) -> Findings:
    """The learning-rate page: same data and start, several learning rates. Findings: diverged, too_slow, too_high
    (data: final_loss, start_loss, reference_value, reference_final_loss, progress, epochs, step_ratio),
    oscillating, best_run, a summary sentence, and per value best_val_loss and overfitting (detail)."""
    page = LEARNING_RATE
    histories = list(histories)
    values = [h.spec.learning_rate for h in histories]
    items: list[Finding] = []
    divergences = [f for f in (divergence(h, page=page) for h in histories) if f is not None]
    items += divergences
    diverged = {f.value for f in divergences}
    items += _speed_findings(histories, diverged)
    for history in histories:
        found = oscillation(history, page=page)
        if found is not None:
            items.append(found)
    best = _best_run(histories, page, diverged)
    if best is not None:
        items.append(best)
    items += _per_value_details(histories, page, diverged)
    findings = _finish(Findings(page, _order(items), values), page, histories)
    summary = _lr_summary(findings)
    if summary is not None:
        findings.items.insert(0, summary)
    return findings


def _lr_summary(findings: Findings) -> Finding | None:
    """One sentence over the sweep: which rates diverged, crawled, overshot or swung, and which did best."""
    page = LEARNING_RATE
    words: dict[Any, str] = {}
    for value in findings.values:
        kinds = findings.kinds(value)
        if DIVERGED in kinds:
            words[value] = "diverged"
        elif TOO_SLOW in kinds:
            words[value] = "learned too slowly"
        elif TOO_HIGH in kinds and OSCILLATING in kinds:
            words[value] = "overshot and oscillated"
        elif TOO_HIGH in kinds:
            words[value] = "overshot"
        elif OSCILLATING in kinds:
            words[value] = "oscillated"
    grouped: dict[str, list] = {}
    for value, word in words.items():
        grouped.setdefault(word, []).append(value)
    parts = [f"{', '.join(format_value(page, v) for v in sorted(vs))} {word}" for word, vs in grouped.items()]
    best = findings.get(BEST_RUN)
    if best is None and not parts:
        return None
    if best is not None:
        parts.append(f"{format_value(page, best.value)} reached the lowest validation loss "
                     f"({format_loss(best.data['best_val_loss'])})")
    sentence = f"Of {len(findings.values)} learning rates: {'; '.join(parts)}."
    data: dict[str, Any] = {kind: sorted({f.value for f in findings.of_kind(kind)})
                            for kind in (DIVERGED, TOO_SLOW, OSCILLATING, TOO_HIGH)}
    data["best"] = best.value if best is not None else None
    return Finding(SUMMARY, None, sentence, data)


def diagnose(page: str, histories: Sequence[RunHistory] | RunHistory, **options) -> Findings:
    """Dispatch by page name (`epochs` takes one history or a one-element list)."""
    if page == EPOCHS:
        history = histories if isinstance(histories, RunHistory) else list(histories)[0]
        return diagnose_epochs(history, **options)
    if page == BATCH_SIZE:
        return diagnose_batch_sizes(histories, **options)  # type: ignore[arg-type]
    if page == LEARNING_RATE:
        return diagnose_learning_rates(histories, **options)  # type: ignore[arg-type]
    raise ValueError(f"Unknown page {page!r}; expected one of {', '.join(PAGES)}.")
