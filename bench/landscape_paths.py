"""What the defaults of "Where the steps go" show, in numbers: both default sweeps (practice data, 4,000 rows, 20
epochs; learning rates 1e-4..1 at batch 32, batch sizes 8..512 at lr 0.01), real Keras training, one seed by default.

    python bench/landscape_paths.py                # seed 42 (the page's default)
    python bench/landscape_paths.py --seeds 42 7   # more seeds: is the picture the same?
    python bench/landscape_paths.py --memory       # what recording the paths adds, at the largest settings allowed

Per run: distance from start, path length, straightness (distance / length), training loss at the end, largest
residual (distance off the plane), where it leaves the map; per sweep: explained variance, the
centre, the gap between the map and the exact points' losses; and what `compare_paths` calls each run (the page's
sentences). Figures only; nothing is timed.

`--memory`: the memory that recording adds, in one process, at the largest settings the page allows (the sidebar's
largest practice data and hidden units, the page's most epochs, and as many learning rates as
engine.landscape.MAX_PATH_BYTES lets one sweep record; the lowest ones, which do not blow up and so record every
point). The same sweep is trained without and then with its paths; NumPy's allocations are counted exactly
(tracemalloc: NumPy reports its buffers to it), the process' resident memory (RSS) is printed beside them. Then the
view is computed from the paths (the map's own transient memory; the page computes both zooms from one recording,
then drops the paths). `--rows` and `--epochs` shorten the run: rows do
not change a path's size (points x weights), so the recording's figures hold for any number of rows.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def memory(rows: int | None, epochs: int | None) -> int:
    import gc
    import tracemalloc

    from dlviz import defaults, settings
    from dlviz.runs import n_params
    from dlviz.data import load_builtin
    from dlviz.engine.landscape import MAX_PATH_BYTES, sweep_paths
    from dlviz.surface import compute_landscape
    from dlviz.runs import RunSpec
    from dlviz.engine.sweep import train_sweep

    rows = rows or max(settings.ROWS.choices)
    hidden, epochs = max(settings.HIDDEN.choices), epochs or int(settings.SURFACE_EPOCHS.high)
    dataset = load_builtin("practice", max_rows=rows)
    weights = n_params(dataset.n_features, hidden)
    points = 1 + 9 + epochs  # the start, 8 points inside epoch 1, then every epoch's end
    n_values = min(len(settings.SURFACE_RATES.choices), MAX_PATH_BYTES // (points * weights * 4))
    rates = sorted(settings.SURFACE_RATES.choices)[:n_values]
    base = RunSpec(dataset.fingerprint, hidden_units=hidden, seed=settings.SEED.default)
    specs = defaults.surface_specs(base, "learning_rate", rates, epochs)
    train_sweep(dataset, [s.replace(epochs=1) for s in specs], record_path=True)  # TensorFlow loaded and traced
    print(f"{rows:,} rows, {dataset.n_features} features, {hidden} hidden units "
          f"({weights:,} weights), {epochs} epochs, {len(specs)} learning rates {rates[0]:g}..{rates[-1]:g} "
          f"(the most whose paths fit {MAX_PATH_BYTES / 2**20:.0f} MiB); {points} points per run")

    def measured(label: str, work):
        gc.collect()
        rss = _rss_mb()
        tracemalloc.start()
        result = work()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  {label:<34} NumPy held after {held / 2**20:7.1f} MiB, peak {peak / 2**20:7.1f} MiB; "
              f"RSS {rss:7.0f} -> {_rss_mb():7.0f} MB")
        return result, held, peak

    plain, plain_held, plain_peak = measured("train_sweep, no paths", lambda: train_sweep(dataset, specs))
    del plain
    paths, held, peak = measured("sweep_paths (train_sweep + paths)", lambda: sweep_paths(dataset, specs))
    stored = sum(p.trajectory.nbytes for p in paths)
    print(f"  recorded paths: {stored / 2**20:.1f} MiB; recording adds {(held - plain_held) / 2**20:.1f} MiB held, "
          f"{(peak - plain_peak) / 2**20:.1f} MiB at its peak (the page drops the paths once both zooms are drawn)")
    measured("compute_landscape (the map)", lambda: compute_landscape(dataset, paths, zoom=True))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--rows", type=int, default=None, help="--memory: practice rows (default: the most offered)")
    parser.add_argument("--epochs", type=int, default=None, help="--memory: epochs (default: the page's most)")
    args = parser.parse_args()
    if args.memory:
        return memory(args.rows, args.epochs)
    import numpy as np

    from dlviz import defaults, kinds, settings
    from dlviz.analysis.landscape import compare_paths
    from dlviz.engine.landscape import sweep_paths
    from dlviz.surface import compute_landscape
    from dlviz.runs import RunSpec

    dataset = defaults.default_dataset()
    for seed in args.seeds:
        base = RunSpec(dataset.fingerprint, hidden_units=settings.HIDDEN.default, seed=seed)
        for name, specs, label in (
                ("learning_rate", kinds.LEARNING_RATE.specs(base, settings.LEARNING_RATES.default), lambda s: f"lr {s.learning_rate:g}"),
                ("batch_size", kinds.BATCH_SIZE.specs(base, settings.BATCH_SIZES.default), lambda s: f"batch {s.batch_size}")):
            paths = sweep_paths(dataset, specs)
            landscape, zoomed = (compute_landscape(dataset, paths, zoom=zoom) for zoom in (False, True))
            labels = [label(s) for s in specs]
            gap = np.abs(np.concatenate(landscape.point_loss) - np.concatenate(landscape.projected_loss))
            print(f"\n== {name}, seed {seed}: {landscape.plane.n_params} weights, explained "
                  f"{landscape.plane.explained[0]:.1%} + {landscape.plane.explained[1]:.1%}; centre "
                  f"{labels[landscape.centre_run]}; map spans {np.ptp(landscape.axis_a):.3g} "
                  f"(zoomed {np.ptp(zoomed.axis_a):.3g}); map loss {landscape.grid_loss.min():.3f}.."
                  f"{landscape.grid_loss.max():.3g}; |exact - map at projection| max {gap.max():.3f} "
                  f"median {np.median(gap):.3f}")
            print(f"{'run':>11} {'dist':>7} {'length':>8} {'straight':>8} {'loss end':>8} {'max res':>7} "
                  f"{'left map':>8} {'left zoom':>9} {'line rise':>9} {'called':>9}")
            kinds = [c.kind for c in compare_paths(landscape)]
            for i, (s, z, line) in enumerate(zip(landscape.stats, zoomed.stats, landscape.lines)):
                left = "-" if s.left_map_at is None else f"{landscape.epochs[i][s.left_map_at]:.3g}"
                left_zoom = "-" if z.left_map_at is None else f"{zoomed.epochs[i][z.left_map_at]:.3g}"
                print(f"{labels[i]:>11} {s.distance_from_start:7.3g} {s.path_length:8.3g} {s.straightness:8.0%} "
                      f"{s.final_loss:8.3f} {s.max_residual:7.2g} {left:>8} "
                      f"{left_zoom:>9} {line.rise:9.2g} {kinds[i]:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
