"""What measuring the gradient noise scale adds to the batch page's default sweep: the same sweep (4 batch sizes x 20
epochs x 3 seeds, `dlviz.defaults.default_sweeps(...)["batch_size"]`) trained with and without
`train_sweep(measure_noise=...)`, alternately, after one untimed warm-up of each (the kernels traced); the best of
`--repeats` each way (wall time; the measurement runs on a thread beside the training, so the process's CPU time
is printed too). Also prints the defaults' B_simple per epoch (the lesson's batch 32, each seed).

    python bench/noise.py [--repeats 3]

The last line is `noise ratio=<with / without>`; the target is <= 1.10.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dlviz import defaults  # noqa: E402
from dlviz.engine.sweep import train_sweep  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    dataset = defaults.default_dataset()
    specs = defaults.default_sweeps(dataset)["batch_size"]
    times: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for repeat in range(args.repeats + 1):
        for measure in (False, True):
            started, cpu_started = time.perf_counter(), time.process_time()
            histories = train_sweep(dataset, specs, measure_noise=measure)
            if repeat:  # the first round traces the kernels: untimed
                times[measure].append(time.perf_counter() - started)
                cpu[measure].append(time.process_time() - cpu_started)
        print(f"round {repeat}: load average {os.getloadavg()[0]:.1f}", flush=True)
    for history in histories:
        if history.spec.batch_size == defaults.settings.BATCH_SIZES.default[1]:
            print(f"B_simple batch {history.spec.batch_size} seed {history.spec.seed}: "
                  + " ".join(f"{v:,.0f}" for v in history.noise_scale))
    with_noise, without = min(times[True]), min(times[False])
    print(f"sweep without the noise scale {without:.2f} s, with it {with_noise:.2f} s (best of {args.repeats}); "
          f"CPU time {min(cpu[False]):.2f} s and {min(cpu[True]):.2f} s (ratio {min(cpu[True]) / min(cpu[False]):.3f})")
    print(f"noise ratio={with_noise / without:.3f}")


if __name__ == "__main__":
    main()
