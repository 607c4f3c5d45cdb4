"""Benchmark: what training in the server's training process costs against training in this process (issue 25).

    python bench/training_process.py         # about two minutes

Run it under the shared lock: `flock /tmp/dlviz-bench.lock python bench/training_process.py`.

The server hands every job to one child process (`dlviz.engine.queue.TrainingProcess`): the job and its data are
pickled to it, its progress (growing histories, at most every 0.25 s) and result pickled back. This trains the class's
jobs for a visitor (`bench/class.py`: the learning-rate sweep, then the oscillation section's full-batch runs) on
core 0, four visitors at a time, alternately in this process (`dlviz.jobs` called directly) and through a
`TrainingProcess`, both after one untimed warm-up and `gc.freeze()`. CPU seconds count both processes (this one and
the child, from /proc), so the pickling on both sides is in. The last line is
`training_process in_process=<s> child=<s> ratio=<x>`: CPU seconds a visitor, the medians of the rounds.
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
from tests.support.browser import tree_cpu_seconds  # noqa: E402


def main() -> None:
    os.sched_setaffinity(0, {0})
    spec = importlib.util.spec_from_file_location("class_bench", ROOT / "bench" / "class.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from dlviz import jobs
    from dlviz.engine.queue import TrainingProcess

    process = TrainingProcess()

    def visitor(seed: int, child: bool) -> float:
        dataset, specs = bench.page_specs(seed)
        calls = [(jobs.sweep, (dataset, specs)), (jobs.full_batch, (dataset, bench.section_specs(seed)))]
        started = tree_cpu_seconds(os.getpid())
        for fn, args in calls:
            if child:
                process(fn, args, lambda *report: None)
            else:
                fn(*args, lambda *report: None)
        return tree_cpu_seconds(os.getpid()) - started

    for child in (False, True):  # warm-up: TensorFlow imported and the engine traced on both sides
        process(jobs.warm_up, ([15],), lambda *report: None) if child else jobs.warm_up([15], lambda *report: None)
        visitor(bench.WARM_SEED, child)
    seconds: dict[bool, list[float]] = {False: [], True: []}
    for round_ in range(3):
        for child in (False, True):
            seeds = [100 + 10 * k + 1000 * round_ + 500 * child for k in range(4)]
            seconds[child].append(statistics.mean(visitor(seed, child) for seed in seeds))
            print(f"round {round_ + 1}, {'through the training process' if child else 'in this process'}: "
                  f"{seconds[child][-1]:.3f} s of CPU a visitor (both processes)")
    plain, child = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"training_process in_process={plain:.3f} child={child:.3f} ratio={child / plain:.2f}")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"({time.monotonic() - started:.0f} s)")
