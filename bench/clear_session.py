"""Benchmark: what Streamlit's end-of-run `keras.backend.clear_session()` costs the next training, and what training
in the server's training process costs instead (issue 25).

    python bench/clear_session.py            # about three minutes

Run it under the shared lock: `flock /tmp/dlviz-bench.lock python bench/clear_session.py`.

Streamlit ends every script run of every session with `keras.backend.clear_session()` once Keras is imported (and
TensorFlow imports it): TensorFlow's kernel cache is emptied for the whole process, so the training running then
instantiates its traced functions again. In a class a page ends its run while another visitor's job trains. dlviz
therefore trains in a child process (`dlviz.engine.queue.TrainingProcess`), where nothing clears, and the job, its
data, its progress and its result are pickled across. This trains the class's jobs for a visitor (`bench/class.py`:
the learning-rate sweep, then the oscillation section's full-batch runs, `dlviz.jobs`) on core 0, four visitors at a
time, in turn three ways: in this process ("plain"), in this process with one `clear_session()` before each job
("cleared"), and through a `TrainingProcess` ("child"), each after one untimed warm-up and `gc.freeze()` (as the
training process's warm-up does). CPU seconds count this process and the child. The last line is
`clear_session plain=<s> cleared=<s> child=<s> cleared_ratio=<x> child_ratio=<x>`: CPU seconds a visitor, the
medians of the rounds, and their ratios to plain.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.browser import tree_cpu_seconds  # noqa: E402

WAYS = ("plain", "cleared", "child")


def main() -> None:
    os.sched_setaffinity(0, {0})
    spec = importlib.util.spec_from_file_location("class_bench", ROOT / "bench" / "class.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from dlviz import jobs
    from dlviz.engine.queue import TrainingProcess
    from dlviz.engine.runtime import keras

    process = TrainingProcess()

    def visitor(seed: int, way: str) -> float:
        dataset, specs = bench.page_specs(seed)
        started = tree_cpu_seconds(os.getpid())
        for fn, args in ((jobs.sweep, (dataset, specs)), (jobs.full_batch, (dataset, bench.section_specs(seed)))):
            if way == "child":
                process(fn, args, lambda *report: None)
            else:
                if way == "cleared":
                    keras.backend.clear_session()
                fn(*args, lambda *report: None)
        return tree_cpu_seconds(os.getpid()) - started

    process(jobs.warm_up, ([15],), lambda *report: None)
    for way in ("plain", "child"):
        visitor(bench.WARM_SEED, way)
    gc.collect()
    gc.freeze()
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    for round_ in range(3):
        for number, way in enumerate(WAYS):
            seeds = [100 + 10 * k + 1000 * round_ + 300 * number for k in range(4)]
            seconds[way].append(statistics.mean(visitor(seed, way) for seed in seeds))
            print(f"round {round_ + 1}, {way}: {seconds[way][-1]:.3f} s of CPU a visitor")
    plain, cleared, child = (statistics.median(seconds[way]) for way in WAYS)
    print(f"clear_session plain={plain:.3f} cleared={cleared:.3f} child={child:.3f} "
          f"cleared_ratio={cleared / plain:.2f} child_ratio={child / plain:.2f}")


if __name__ == "__main__":
    main()
