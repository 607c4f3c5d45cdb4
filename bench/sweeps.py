"""Benchmark: dlviz's sweep engine against the lesson's plain `model.fit` loop, on the sweeps the app runs.

    python bench/sweeps.py            # the real benchmark (a few minutes on 2 cores)
    python bench/sweeps.py --quick    # a smoke run on fewer rows and epochs
    python bench/sweeps.py --memory   # resident memory of the app's default sweeps, and its growth over 50 sweeps

Timing counts everything a user waits for: building the model(s), tracing, training and validation every epoch (the
TensorFlow import is reported on its own line). The engine's first workload runs first in the process, before any Keras
model exists, so it pays the process's first-call costs; every later workload gets freshly created (untraced) engine
functions, so every engine time includes tracing. The plain side is the lesson's exact code, one fresh
`train_plain(dataset, spec, same_batch_order=False)` per value, timed right after the same workload's engine runs. Curve
differences come from separate plain runs fed the engine's batch order (`same_batch_order=True`) in the same process;
they are not timed.

The seeds workload is the learning-rate sweep at 3 seeds (15 lanes in one stack); right before it, the 1-seed sweep is
timed cold again (fresh functions), and `seed_cost` is the 3-seed cold time over that 1-seed cold time. Its seed-42
members must equal the lr workload's runs to the bit; the other seeds are compared with plain runs of their own seed.

The output ends with exactly one line `speedup lr=<ratio> batch=<ratio> epochs=<ratio> seeds=<ratio>
seed_cost=<ratio>` (or, with --memory, the line `memory peak_mb=<n> growth_mb=<n> sweeps=<n>`).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import warnings
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---------------------------------------------------------------------------------------------------------------
# The workloads of the speed benchmark (the targets).

SPEED_ROWS: int | None = None  # the full practice dataset: 10,000 rows -> 6,400 training rows
SWEEP_EPOCHS = 10
LR_SWEEP = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]  # at batch 32
LR_SWEEP_BATCH = 32
BATCH_SWEEP = [8, 32, 128, 512]  # at learning rate 1e-3
BATCH_SWEEP_LR = 1e-3
LONG_RUN_EPOCHS = 100  # one run, batch 32, learning rate 0.01
LONG_RUN_BATCH = 32
LONG_RUN_LR = 0.01
SEED = 42
SEEDS = 3  # the seeds workload: the learning-rate sweep at this many seeds (sweep_seeds(SEED, SEEDS))
TARGETS = {"lr": 10.0, "batch": 5.0, "epochs": 5.0, "seeds": 30.0}
SEED_COST_TARGET = 2.0  # 3-seed cold time / 1-seed cold time
CURVE_TOLERANCE = 1e-3  # absolute or relative, whichever is larger

QUICK_ROWS = 2_000
QUICK_SWEEP_EPOCHS = 3
QUICK_LONG_RUN_EPOCHS = 10

# ---------------------------------------------------------------------------------------------------------------
# --memory: every page's default sweep (dlviz.defaults.default_sweeps, the same specs the pages and the shipped runs
# use: practice, 4,000 rows; epochs, batch size, learning rate and the interplay grid, each value on the default
# number of seeds), once, then MEMORY_SWEEPS more, rotating through the pages with new seeds.
MEMORY_SWEEPS = 50
MEMORY_WARMUP_SWEEPS = 5
MEMORY_GROWTH_TARGET_MB = 100.0

QUICK_MEMORY_SWEEPS = 9
QUICK_MEMORY_WARMUP_SWEEPS = 3
QUICK_APP_EPOCHS = 10  # every page's epochs in a quick memory run


# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Workload:
    key: str
    label: str
    specs: list
    engine_cold: float = 0.0
    engine_warm: float = 0.0
    plain: float = 0.0
    engine_histories: list = field(default_factory=list)
    max_curve_diff: float = 0.0
    max_curve_diff_where: str = ""
    divergence_notes: list = field(default_factory=list)
    divergence_agrees: bool = True
    max_after_divergence: float = 0.0  # largest curve difference after a run blew up (reported, not a pass/fail)

    @property
    def speedup(self) -> float:
        return self.plain / self.engine_cold


def _import_tensorflow() -> float:
    started = time.perf_counter()
    import dlviz.engine.runtime  # noqa: F401  (TensorFlow and Keras, with dlviz's environment settings)
    return time.perf_counter() - started


def _fresh_engine_functions() -> None:
    """Give the engine new, untraced `tf.function`s, so that its next sweep pays tracing as a fresh process would."""
    from dlviz.engine import kernels
    from dlviz.engine.runtime import tf

    for name, value in list(vars(kernels).items()):
        if isinstance(value, tf.types.experimental.PolymorphicFunction):  # a module-level tf.function
            setattr(kernels, name, tf.function(value.python_function, input_signature=value.input_signature))
        elif callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == kernels.__name__:
            value.cache_clear()  # a factory of tf.functions (one per number of stacked lanes)


def _workloads(data, quick: bool) -> list[Workload]:
    from dlviz.runs import RunSpec, sweep_seeds

    sweep_epochs = QUICK_SWEEP_EPOCHS if quick else SWEEP_EPOCHS
    long_epochs = QUICK_LONG_RUN_EPOCHS if quick else LONG_RUN_EPOCHS
    base = RunSpec(data.fingerprint, epochs=sweep_epochs, seed=SEED)
    lr = [base.replace(learning_rate=rate, batch_size=LR_SWEEP_BATCH) for rate in LR_SWEEP]
    batch = [base.replace(batch_size=size, learning_rate=BATCH_SWEEP_LR) for size in BATCH_SWEEP]
    long_run = [base.replace(epochs=long_epochs, batch_size=LONG_RUN_BATCH, learning_rate=LONG_RUN_LR)]
    seeds = [spec.replace(seed=seed) for seed in sweep_seeds(SEED, SEEDS) for spec in lr]
    return [
        Workload("lr", f"lr {len(LR_SWEEP)} x {sweep_epochs} ep, b{LR_SWEEP_BATCH}", lr),
        Workload("batch", f"batch {len(BATCH_SWEEP)} x {sweep_epochs} ep, lr {BATCH_SWEEP_LR:g}", batch),
        Workload("epochs", f"epochs 1 x {long_epochs} ep, b{LONG_RUN_BATCH}, lr {LONG_RUN_LR:g}", long_run),
        Workload("seeds", f"lr {len(LR_SWEEP)} x {SEEDS} seeds x {sweep_epochs} ep, b{LR_SWEEP_BATCH}", seeds),
    ]


def _start_loss(data, spec) -> float:
    """The initial weights' training loss, computed independently of both training paths (float64 NumPy)."""
    import numpy as np

    from dlviz.engine.model import initial_weights

    kernel1, bias1, kernel2, bias2 = (np.asarray(w, np.float64) for w in
                                      initial_weights(data.n_features, spec.hidden_units, spec.seed))
    logits = (np.maximum(data.x_train @ kernel1 + bias1, 0.0) @ kernel2 + bias2)[:, 0]
    y = data.y_train
    return float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))


def _plain_diverged_at(losses: list[float], start_loss: float) -> int | None:
    import math

    from dlviz.runs import DIVERGENCE_FACTOR

    for epoch, loss in enumerate(losses, start=1):
        if not math.isfinite(loss) or loss > DIVERGENCE_FACTOR * start_loss:
            return epoch
    return None


def _compare(workload: Workload, data, spec, engine, plain) -> None:
    """Fold one value's engine-vs-plain curve difference and divergence agreement into the workload."""
    start = _start_loss(data, spec)
    plain_at = _plain_diverged_at(plain.loss, start)
    value = _value_label(workload.key, spec)
    if engine.diverged_at is not None or plain_at is not None:
        agrees = engine.diverged_at == plain_at
        workload.divergence_agrees &= agrees
        workload.divergence_notes.append(f"{value}: engine epoch {engine.diverged_at}, plain epoch {plain_at}"
                                         f"{'' if agrees else '  <-- DISAGREE'}")
    # The pass/fail comparison is over the epochs before a divergence; after it (the engine records on, as fit does)
    # the largest difference is reported on its own.
    compared = engine.diverged_at - 1 if engine.diverged_at is not None else len(engine.loss)
    for metric in ("loss", "val_loss"):
        for epoch in range(len(engine.loss)):
            a, b = getattr(engine, metric)[epoch], getattr(plain, metric)[epoch]
            difference = abs(a - b) / max(1.0, abs(a), abs(b))
            if epoch >= compared:
                workload.max_after_divergence = max(workload.max_after_divergence, difference)
            elif not difference <= workload.max_curve_diff:  # also catches NaN
                workload.max_curve_diff = difference
                workload.max_curve_diff_where = f"{value} {metric} epoch {epoch + 1}"


def _value_label(key: str, spec) -> str:
    if key == "lr":
        return f"lr={spec.learning_rate:g}"
    if key == "seeds":
        return f"lr={spec.learning_rate:g}/seed {spec.seed}"
    if key == "batch":
        return f"batch={spec.batch_size}"
    return f"epochs={spec.epochs}"


def _load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def run_speed(quick: bool, import_seconds: float) -> int:
    from dlviz.data import load_builtin
    from tests.support.reference import train_plain
    from dlviz.engine.sweep import train_sweep

    rows = QUICK_ROWS if quick else SPEED_ROWS
    data = load_builtin("practice", max_rows=rows)
    workloads = _workloads(data, quick)
    print(f"dlviz sweep benchmark{' (QUICK: fewer rows and epochs; not the real figures)' if quick else ''}")
    print(f"data: practice, {data.n_rows:,} rows -> {len(data.y_train):,} train / {len(data.y_val):,} validation; "
          f"cores: {os.cpu_count()}; load average at start: {_load_average()}")
    print(f"TensorFlow + Keras import (import dlviz.engine.runtime): {import_seconds:.2f} s, not counted below")
    sys.stdout.flush()

    # 1. Per workload: the engine cold (fresh, untraced functions; the first workload runs before any Keras model
    # exists), the same sweep again warm, then the lesson's exact loop, timed: a fresh model, compile and fit per
    # value, shuffled by fit itself. Timing a workload's two sides back to back keeps a busy machine from favouring
    # one side.
    one_seed_cold = float("nan")
    for index, workload in enumerate(workloads):
        if workload.key == "seeds":
            # The 1-seed sweep cold again, right before the 3-seed one and on the same footing (fresh functions,
            # after the other workloads), for seed_cost.
            _fresh_engine_functions()
            started = time.perf_counter()
            train_sweep(data, workloads[0].specs)
            one_seed_cold = time.perf_counter() - started
        if index:
            _fresh_engine_functions()
        started = time.perf_counter()
        workload.engine_histories = train_sweep(data, workload.specs)
        workload.engine_cold = time.perf_counter() - started
        started = time.perf_counter()
        again = train_sweep(data, workload.specs)
        workload.engine_warm = time.perf_counter() - started
        for first, second in zip(workload.engine_histories, again):
            if first.loss != second.loss or first.val_loss != second.val_loss:
                print(f"WARNING: {workload.key}: two engine runs of the same specs differ")
        started = time.perf_counter()
        for spec in workload.specs:
            train_plain(data, spec, same_batch_order=False)
        workload.plain = time.perf_counter() - started
        one_seed = f" (1-seed sweep cold just before: {one_seed_cold:.2f} s)" if workload.key == "seeds" else ""
        print(f"  {workload.key}: engine cold {workload.engine_cold:.2f} s, warm {workload.engine_warm:.2f} s; "
              f"plain {workload.plain:.2f} s{one_seed}; load average {_load_average()}")
        sys.stdout.flush()

    # 2. The lesson's loop fed the engine's batch order, for the curve comparison (not timed). The seeds workload's
    # seed-42 members must be the lr workload's runs to the bit (seed 1 of a sweep is the single-seed run).
    by_spec = {spec: history for spec, history in zip(workloads[0].specs, workloads[0].engine_histories)}
    for workload in workloads:
        for spec, engine in zip(workload.specs, workload.engine_histories):
            if workload.key == "seeds" and spec in by_spec:
                single = by_spec[spec]
                if engine.loss != single.loss or engine.update_loss.tobytes() != single.update_loss.tobytes():
                    workload.divergence_agrees = False
                    workload.divergence_notes.append(f"{_value_label('seeds', spec)} differs from the 1-seed run")
                continue
            _compare(workload, data, spec, engine, train_plain(data, spec, same_batch_order=True))
    print(f"load average at end: {_load_average()}")
    print()

    header = (f"{'workload':<34} {'engine s':>9} {'(warm)':>7} {'plain s':>9} {'speedup':>8} {'target':>7} "
              f"{'max curve diff':>15}  divergence")
    print(header)
    print("-" * len(header))
    curves_ok = True
    for workload in workloads:
        target = TARGETS[workload.key]
        met = "ok" if workload.speedup >= target else "MISSED"
        within = workload.max_curve_diff <= CURVE_TOLERANCE
        curves_ok &= within and workload.divergence_agrees
        divergence = "; ".join(workload.divergence_notes) or "none (all stable)"
        if workload.max_after_divergence:
            divergence += f" (after it: {workload.max_after_divergence:.1e})"
        print(f"{workload.label:<34} {workload.engine_cold:>9.2f} {workload.engine_warm:>7.2f} "
              f"{workload.plain:>9.2f} {workload.speedup:>7.1f}x {f'>={target:g}x':>7} "
              f"{workload.max_curve_diff:>15.2e}  {divergence}   [speed {met}]")
    print("-" * len(header))
    worst = max(workloads, key=lambda w: w.max_curve_diff)
    print(f"largest curve difference on the full workloads: {worst.max_curve_diff:.2e} "
          f"({worst.max_curve_diff_where or 'n/a'}); tolerance {CURVE_TOLERANCE:g} abs-or-rel; "
          f"{'all within' if curves_ok else 'SOME CURVES DIFFER'}")
    print("engine s: cold, with fresh untraced functions (the lr workload runs first in the process, before any Keras "
          "model); (warm): the same sweep again")
    print("plain s: train_plain(same_batch_order=False) per value, the lesson's exact code; curve differences: "
          "train_plain(same_batch_order=True) runs, same process, untimed")
    seeds = next(w for w in workloads if w.key == "seeds")
    seed_cost = seeds.engine_cold / one_seed_cold
    print(f"seed_cost: {SEEDS}-seed sweep cold {seeds.engine_cold:.2f} s / 1-seed sweep cold {one_seed_cold:.2f} s "
          f"(both with fresh functions, back to back) = {seed_cost:.2f} (target <= {SEED_COST_TARGET:g}: "
          f"{'ok' if seed_cost <= SEED_COST_TARGET else 'MISSED'}); {SEEDS}-seed members of seed {SEED} equal the "
          f"1-seed runs to the bit: {'yes' if seeds.divergence_agrees else 'NO'}")
    print("speedup " + " ".join(f"{w.key}={w.speedup:.1f}" for w in workloads) + f" seed_cost={seed_cost:.2f}")
    return 0 if curves_ok else 1


# ---------------------------------------------------------------------------------------------------------------
# Memory


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _page_sweeps(data, seed: int, quick: bool) -> list[list]:
    """Every page's default sweep (`dlviz.defaults.default_sweeps`: epochs, batch size, learning rate and the
    interplay grid, each value on the default number of seeds) with `seed` as the first seed; with `quick`, every
    sweep cut to QUICK_APP_EPOCHS epochs."""
    from dlviz import defaults, settings

    sweeps = [[spec.replace(seed=seed + (spec.seed - settings.SEED.default)) for spec in specs]
              for specs in defaults.default_sweeps(data).values()]
    if quick:
        sweeps = [[spec.replace(epochs=min(spec.epochs, QUICK_APP_EPOCHS)) for spec in specs] for specs in sweeps]
    return sweeps


def run_memory(quick: bool, import_seconds: float) -> int:
    from dlviz import defaults, settings
    from dlviz.engine.sweep import train_sweep

    sweeps = QUICK_MEMORY_SWEEPS if quick else MEMORY_SWEEPS
    warmup = QUICK_MEMORY_WARMUP_SWEEPS if quick else MEMORY_WARMUP_SWEEPS
    print(f"dlviz memory benchmark{' (QUICK: fewer epochs and sweeps)' if quick else ''}")
    print(f"after import dlviz.engine.runtime ({import_seconds:.2f} s): RSS {_rss_mb():.0f} MB, "
          f"peak {_peak_mb():.0f} MB")
    data = defaults.default_dataset()
    print(f"data: the pages' default dataset, {data.n_rows:,} rows -> {len(data.y_train):,} train; "
          f"RSS {_rss_mb():.0f} MB")

    started = time.perf_counter()
    for specs in _page_sweeps(data, settings.SEED.default, quick):
        train_sweep(data, specs)
    gc.collect()
    peak_once, rss_once = _peak_mb(), _rss_mb()
    print(f"after every page's default sweep once ({time.perf_counter() - started:.1f} s): "
          f"peak (ru_maxrss) {peak_once:.0f} MB, current (VmRSS) {rss_once:.0f} MB")
    sys.stdout.flush()

    baseline = float("nan")
    for index in range(sweeps):
        # Rotate through the pages with new seeds every time, so no two sweeps are the same.
        page_sweeps = _page_sweeps(data, 1_000 + 10 * index, quick)
        specs = page_sweeps[index % len(page_sweeps)]
        histories = train_sweep(data, specs)
        del histories
        done = index + 1
        if done == warmup:
            gc.collect()
            baseline = _rss_mb()
            print(f"  after {done} sweeps (warm-up): RSS {baseline:.1f} MB")
        elif done % 10 == 0 or done == sweeps:
            gc.collect()
            print(f"  after {done} sweeps: RSS {_rss_mb():.1f} MB")
        sys.stdout.flush()
    gc.collect()
    end = _rss_mb()
    growth = end - baseline
    peak = _peak_mb()
    verdict = "ok" if growth < MEMORY_GROWTH_TARGET_MB else "MISSED"
    print(f"RSS growth from sweep {warmup} to sweep {sweeps}: {growth:.1f} MB "
          f"(target < {MEMORY_GROWTH_TARGET_MB:g} MB: {verdict}); peak over the whole run {peak:.0f} MB")
    print(f"memory peak_mb={peak_once:.0f} growth_mb={growth:.1f} sweeps={sweeps}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run on fewer rows and epochs")
    parser.add_argument("--memory", action="store_true",
                        help="measure resident memory of the app's default sweeps instead of speed")
    args = parser.parse_args(argv)
    # train_plain(same_batch_order=True) hands fit a tf.data.Dataset, about which Keras warns that shuffle=True is moot.
    warnings.filterwarnings("ignore", message=".*shuffle=True.*tf.data.Dataset", category=UserWarning)
    import_seconds = _import_tensorflow()
    if args.memory:
        return run_memory(args.quick, import_seconds)
    return run_speed(args.quick, import_seconds)


if __name__ == "__main__":
    sys.exit(main())
