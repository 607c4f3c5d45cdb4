"""Benchmark: what Streamlit's end-of-run `keras.backend.clear_session()` costs the next training (issue 25).

    python bench/clear_session.py            # about a minute

Run it under the shared lock: `flock /tmp/dlviz-bench.lock python bench/clear_session.py`.

Streamlit ends every script run of every session with `keras.backend.clear_session()` once Keras is imported (and
TensorFlow imports it): TensorFlow's kernel cache is emptied for the whole process, so the training running then
instantiates its traced functions again. In a class a page ends its run while another visitor's job trains. This
trains the class's jobs for a visitor (`bench/class.py`: the learning-rate sweep, then the oscillation section's
full-batch runs) in one process on core 0, four visitors at a time, alternately plain and with one `clear_session()`
before each job, after one untimed warm-up and `gc.freeze()` (as the training process's warm-up does). The last
line is `clear_session plain=<s> cleared=<s> ratio=<x>`: CPU seconds a visitor, the medians of the rounds. This is
what dlviz's training process (`dlviz.engine.queue.TrainingProcess`) avoids: the server, where Streamlit clears, never
imports Keras.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.sched_setaffinity(0, {0})
    spec = importlib.util.spec_from_file_location("class_bench", ROOT / "bench" / "class.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from dlviz.engine.runtime import keras
    from dlviz.engine.stability import train_full_batch
    from dlviz.engine.sweep import train_sweep

    def visitor(seed: int, clear: bool) -> float:
        dataset, specs = bench.page_specs(seed)
        started = time.process_time()
        if clear:
            keras.backend.clear_session()
        train_sweep(dataset, specs)
        if clear:
            keras.backend.clear_session()
        for stability in bench.section_specs(seed):
            train_full_batch(dataset, stability)
        return time.process_time() - started

    visitor(bench.WARM_SEED, False)
    gc.collect()
    gc.freeze()
    seconds: dict[bool, list[float]] = {False: [], True: []}
    for round_ in range(3):
        for clear in (False, True):
            seeds = [100 + 10 * k + 1000 * round_ + 500 * clear for k in range(4)]
            seconds[clear].append(statistics.mean(visitor(seed, clear) for seed in seeds))
            print(f"round {round_ + 1}, {'one clear_session() before each job' if clear else 'plain'}: "
                  f"{seconds[clear][-1]:.3f} s of CPU a visitor")
    plain, cleared = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"clear_session plain={plain:.3f} cleared={cleared:.3f} ratio={cleared / plain:.2f}")


if __name__ == "__main__":
    main()
