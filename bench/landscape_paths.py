"""What the defaults of "Where the steps go" show, in numbers: both default sweeps (practice data, 4,000 rows, 20
epochs; learning rates 1e-4..1 at batch 32, batch sizes 8..512 at lr 0.01), real Keras training, one seed by default.

    python bench/landscape_paths.py                # seed 42 (the page's default)
    python bench/landscape_paths.py --seeds 42 7   # more seeds: is the picture the same?

Per run: distance from start, path length, straightness (distance / length), training loss at the end, largest
residual (distance off the plane), in-plane path length, where it leaves the map; per sweep: explained variance, the
centre, the gap between the map and the exact points' losses. Figures only; nothing is timed.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    args = parser.parse_args()
    import numpy as np

    from dlviz import defaults
    from dlviz.analysis.landscape import zoom_runs
    from dlviz.engine.landscape import compute_landscape, sweep_paths
    from dlviz.runs import RunSpec

    dataset = defaults.default_dataset()
    for seed in args.seeds:
        base = RunSpec(dataset.fingerprint, hidden_units=defaults.HIDDEN_UNITS, seed=seed)
        for name, specs, label in (
                ("learning_rate", defaults.learning_rate_specs(base), lambda s: f"lr {s.learning_rate:g}"),
                ("batch_size", defaults.batch_size_specs(base), lambda s: f"batch {s.batch_size}")):
            paths = sweep_paths(dataset, specs)
            landscape = compute_landscape(dataset, paths)
            zoomed = compute_landscape(dataset, paths, centre_run=landscape.centre_run,
                                       extent_runs=zoom_runs([p.trajectory for p in paths], landscape.centre_run))
            labels = [label(s) for s in specs]
            gap = np.abs(np.concatenate(landscape.point_loss) - np.concatenate(landscape.projected_loss))
            print(f"\n== {name}, seed {seed}: {landscape.plane.n_params} weights, explained "
                  f"{landscape.plane.explained[0]:.1%} + {landscape.plane.explained[1]:.1%}; centre "
                  f"{labels[landscape.centre_run]}; map spans {np.ptp(landscape.axis_a):.3g} "
                  f"(zoomed {np.ptp(zoomed.axis_a):.3g}); map loss {landscape.grid_loss.min():.3f}.."
                  f"{landscape.grid_loss.max():.3g}; |exact - map at projection| max {gap.max():.3f} "
                  f"median {np.median(gap):.3f}")
            print(f"{'run':>11} {'dist':>7} {'length':>8} {'straight':>8} {'loss end':>8} {'max res':>7} "
                  f"{'plane len':>9} {'left map':>8} {'left zoom':>9} {'line rise':>9}")
            for i, (s, z, line) in enumerate(zip(landscape.stats, zoomed.stats, landscape.lines)):
                left = "-" if s.left_map_at is None else f"{landscape.epochs[i][s.left_map_at]:.3g}"
                left_zoom = "-" if z.left_map_at is None else f"{zoomed.epochs[i][z.left_map_at]:.3g}"
                print(f"{labels[i]:>11} {s.distance_from_start:7.3g} {s.path_length:8.3g} {s.straightness:8.0%} "
                      f"{s.final_loss:8.3f} {s.max_residual:7.2g} {s.plane_path_length:9.3g} {left:>8} "
                      f"{left_zoom:>9} {line.rise:9.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
