"""The stacked sweep engine: `RunSpec`s in, `RunHistory`s out, with the curves `model.fit` gives.

A fresh `model.fit` per run spends almost all of its time on per-step overhead on a small CPU. The engine runs whole
epochs inside one traced `tf.function` (`dlviz.engine.kernels`), and every run of a sweep that shares batch size,
epochs and hidden units trains at once as a *lane* of stacked models (its own Adam step size, seeded initial weights
and batch order), bitwise as `model.fit` would (`tests/support/reference.train_plain`,
`tests/test_engine_equivalence.py`)."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Sequence

import numpy as np

from dlviz.data import Dataset
from dlviz.engine.kernels import evaluate_fn, train_rows_fn
from dlviz.engine.model import initial_weights
from dlviz.engine.noise import noise_scale
from dlviz.engine.runtime import TRAINING_LOCK, tf
from dlviz.runs import (DIVERGENCE_FACTOR, ProgressCallback, RunHistory, RunSpec, SweepProgress, TrainingError,
                        updates_per_epoch)

# With `record_path`, epoch 1 is cut into this many chunks of whole batches and the weights are recorded after each
# (the first epoch is where the weights move most), then after every later epoch.
FIRST_EPOCH_CHUNKS = 9  # 8 points inside epoch 1, then its end
# The noise scale of one epoch's weights is measured in NumPy on this thread while TensorFlow trains the next epoch.
_NOISE_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlviz-noise")


def epoch_orders(n_train: int, seed: int, epochs: int) -> list[np.ndarray]:
    """The order in which each epoch visits the training rows for `seed`, the same for every value trained with it.
    Args:
        n_train: training rows.
        seed: the run's seed.
        epochs: epochs to plan.
    Returns:
        int64 array [epochs, n_train]: one permutation of `range(n_train)` per epoch."""
    rng = np.random.default_rng([seed, n_train])
    return [rng.permutation(n_train) for _ in range(epochs)]


def train_sweep(dataset: Dataset, specs: Sequence[RunSpec], progress: ProgressCallback | None = None, *,
                record_path: bool = False, measure_noise: bool = True) -> list[RunHistory]:
    """Train every spec on `dataset` as stacked lanes of one traced Adam loop and return their histories in order.
    A run's seed fixes its initial weights (`initial_weights`) and its batch order (`epoch_orders`), so runs with the
    same seed differ only in the setting that differs, and a run's curves do not depend on the runs beside it (the
    lesson's `model.fit` gives the same curves: tests/test_engine_equivalence.py). A run that blows up keeps training
    and recording, as `model.fit` reports it; only a NaN/inf loss ends its recording.
    Args:
        dataset: the prepared data (float32 arrays).
        specs: the runs; runs of one batch size, epochs and width train together.
        progress: called after each epoch of each stack with a `SweepProgress` holding partial histories.
        record_path: also record each run's weight trajectory (`RunHistory.trajectory`); the curves are the same.
        measure_noise: also measure the gradient noise scale at the start and after every epoch
            (`RunHistory.noise_scale`, `dlviz.engine.noise`); the curves are the same.
    Returns:
        One `RunHistory` per spec, in the order of `specs`: per-epoch loss and accuracy (float lists, epoch 0 in
        `initial_*`), per-update loss (float32 [updates]), `diverged_at` (first epoch above `DIVERGENCE_FACTOR` x the
        start), `nan_at`, the final weights.
    Raises:
        TrainingError: an absurd setting, or a spec of another dataset.
    >>> from dlviz.data import load_builtin
    >>> data = load_builtin("practice", max_rows=500)
    >>> base = RunSpec(data.fingerprint, epochs=2)
    >>> [h.epochs_run for h in train_sweep(data, [base, base.replace(learning_rate=0.1, seed=7)])]
    [2, 2]"""
    specs = list(specs)
    for spec in specs:
        spec.validate()
        if spec.dataset != dataset.fingerprint:
            raise TrainingError("A run was asked for on a different dataset than the one given.")
    groups: dict[tuple, list[int]] = {}  # runs that differ only in learning rate and seed: lanes of one stack
    for index, spec in enumerate(specs):
        groups.setdefault((spec.dataset, spec.batch_size, spec.epochs, spec.hidden_units), []).append(index)
    n_train = len(dataset.y_train)
    total = sum(s.epochs * updates_per_epoch(n_train, s.batch_size) for s in specs)
    state = SweepProgress(0, total, [None] * len(specs))
    results: list[RunHistory | None] = [None] * len(specs)
    with TRAINING_LOCK:
        for number, indices in enumerate(groups.values(), start=1):
            together = f"{len(indices)} run{'s together' if len(indices) > 1 else ''}"
            label = (f"batch {specs[indices[0]].batch_size:,}: {together}"
                     + (f", group {number} of {len(groups)}" if len(groups) > 1 else ""))
            for i, history in zip(indices, _train_stack(dataset, [specs[i] for i in indices], label, state, indices,
                                                        progress, record_path, measure_noise)):
                results[i] = history
    return results  # type: ignore[return-value]


def _chunk_bounds(n_train: int, batch_size: int, chunks: int) -> list[int]:
    """Row offsets cutting an epoch into up to `chunks` pieces of whole batches: `[0, ..., n_train]`."""
    n_batches = updates_per_epoch(n_train, batch_size)
    cuts = sorted({min(n_train, round(j * n_batches / chunks) * batch_size) for j in range(chunks + 1)})
    return cuts if cuts[-1] == n_train else cuts + [n_train]


def _evaluate(params: tuple, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each lane's loss, accuracy and share predicted positive on `x`, `y` (`kernels.evaluate_fn`); NaN for no rows."""
    n_lanes = int(params[0].shape[0])
    if not len(y):
        return (np.full(n_lanes, np.nan, np.float32),) * 3
    return tuple(t.numpy() for t in evaluate_fn(n_lanes)(params, tf.constant(x), tf.constant(y)))


def _train_stack(dataset: Dataset, specs: list[RunSpec], label: str, state: SweepProgress, slots: list[int],
                 progress: ProgressCallback | None, record_path: bool, measure_noise: bool) -> list[RunHistory]:
    """K lanes trained together: lane k is `specs[k]` throughout (a lane that reached NaN keeps running, its numbers
    ignored, because a new number of lanes would mean tracing the kernels again)."""
    spec0, n_lanes, n_train = specs[0], len(specs), len(dataset.y_train)
    starts = {seed: initial_weights(dataset.n_features, spec0.hidden_units, seed) for seed in {s.seed for s in specs}}
    params = tuple(tf.constant(np.stack([starts[s.seed][i] for s in specs])) for i in range(4))
    orders = {seed: epoch_orders(n_train, seed, spec0.epochs) for seed in starts}
    loss, accuracy, _ = _evaluate(params, dataset.x_train, dataset.y_train)
    val_loss, val_accuracy, _ = _evaluate(params, dataset.x_val, dataset.y_val)
    histories = [RunHistory(
        spec=s, updates_per_epoch=updates_per_epoch(n_train, s.batch_size), initial_loss=float(loss[k]),
        initial_val_loss=float(val_loss[k]), initial_accuracy=float(accuracy[k]),
        initial_val_accuracy=float(val_accuracy[k]),
        prior_loss=float(getattr(dataset, "prior_loss", np.nan)),
        majority_val_accuracy=float(getattr(dataset, "majority_share_val", np.nan)))
        for k, s in enumerate(specs)]
    paths: list[list[np.ndarray]] = [[] for _ in specs]
    path_updates: list[int] = []
    noise_jobs: list[tuple[list[int], Future]] = []

    def record_noise(lanes) -> None:
        # On a copy of the weights, in NumPy: the training's tensors and TensorFlow's state are not touched.
        if measure_noise and n_train > 1:
            noise_jobs.append((list(lanes), _NOISE_WORKER.submit(
                noise_scale, [p.numpy() for p in params], dataset.x_train, dataset.y_train)))

    def record_weights(updates: int, lanes: list[int]) -> None:
        arrays = [p.numpy() for p in params]
        for lane in lanes:
            paths[lane].append(np.concatenate([a[lane].ravel() for a in arrays]).astype(np.float32))
        path_updates.append(updates)

    record_noise(range(n_lanes))
    per_epoch = updates_per_epoch(n_train, spec0.batch_size)
    batch_size = min(spec0.batch_size, n_train)
    batch_sizes = np.diff(np.minimum(np.arange(per_epoch + 1) * batch_size, n_train))
    train_rows = train_rows_fn(n_lanes)
    started = time.perf_counter()
    m = v = tuple(tf.zeros_like(p) for p in params)  # Adam's moments start at 0 (tensors are immutable)
    step = tf.constant(0.0)
    rates = tf.constant(np.array([s.learning_rate for s in specs], np.float32))
    x_train, y_train = tf.constant(dataset.x_train), tf.constant(dataset.y_train)
    batch = tf.constant(batch_size, tf.int32)
    update_chunks: list[list[np.ndarray]] = [[] for _ in specs]
    active = list(range(n_lanes))  # the lanes still being recorded
    if record_path:
        record_weights(0, active)

    for epoch in range(1, spec0.epochs + 1):
        rows = np.stack([orders[s.seed][epoch - 1] for s in specs]).astype(np.int32)  # [K, n]
        bounds = (_chunk_bounds(n_train, batch_size, FIRST_EPOCH_CHUNKS) if record_path and epoch == 1
                  else [0, n_train])
        losses, corrects = [], []
        for first, last in zip(bounds[:-1], bounds[1:]):
            params, m, v, step, chunk_losses, chunk_correct = train_rows(
                params, m, v, step, x_train, y_train, tf.constant(rows[:, first:last]), batch, rates)
            losses.append(chunk_losses.numpy())
            corrects.append(chunk_correct.numpy())
            if record_path and last < n_train:
                record_weights(last // batch_size, active)  # whole batches so far
        batch_losses = np.concatenate(losses)  # [batches, lanes]
        epoch_loss = (batch_losses * batch_sizes[:, None]).sum(axis=0) / n_train
        epoch_acc = np.concatenate(corrects).sum(axis=0) / n_train
        val_loss, val_acc, positive_share = _evaluate(params, dataset.x_val, dataset.y_val)
        if record_path:
            record_weights(epoch * per_epoch, active)
        record_noise(active)
        weights = None
        ended = []
        for lane in active:
            history = histories[lane]
            history.loss.append(float(epoch_loss[lane]))
            history.accuracy.append(float(epoch_acc[lane]))
            history.val_loss.append(float(val_loss[lane]))
            history.val_accuracy.append(float(val_acc[lane]))
            history.final_positive_share = float(positive_share[lane])
            update_chunks[lane].append(batch_losses[:, lane])
            history.update_loss = np.concatenate(update_chunks[lane]).astype(np.float32)
            history.wall_time = (time.perf_counter() - started) / n_lanes
            blew_up = not (np.isfinite(epoch_loss[lane]) and np.isfinite(batch_losses[:, lane]).all()
                           and np.isfinite(val_loss[lane]))
            if history.diverged_at is None and (blew_up or epoch_loss[lane] > DIVERGENCE_FACTOR
                                                * history.initial_loss):
                history.diverged_at = epoch
            if blew_up:
                history.nan_at = epoch
                ended.append(lane)
                state.done_updates += per_epoch * (spec0.epochs - epoch)
            if blew_up or epoch == spec0.epochs:
                weights = weights or [p.numpy() for p in params]
                history.weights = tuple(w[lane] for w in weights)
                if record_path:
                    history.trajectory = np.stack(paths[lane])
                    history.trajectory_updates = np.array(path_updates[:len(paths[lane])], np.int64)
        state.done_updates += per_epoch * len(active)
        active = [lane for lane in active if lane not in ended]
        for slot, history in zip(slots, histories):
            state.histories[slot] = history
        if progress is not None:
            state.message = f"{label + ', ' if label else ''}epoch {epoch} of {spec0.epochs}"
            progress(state)
        if not active:
            break
    for lanes, job in noise_jobs:
        for lane, scale in zip(lanes, job.result()[lanes]):
            histories[lane].noise_scale.append(float(scale))
    return histories
