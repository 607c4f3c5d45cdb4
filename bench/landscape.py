"""Benchmark: the loss map of "Where the steps go" as one batched computation against the naive per-point loop.

    python bench/landscape.py           # default learning-rate sweep (practice data, 4,000 rows, 20 epochs)
    python bench/landscape.py --naive-points 1681   # time the naive loop on every grid point (about a minute)

Paths are recorded with real Keras training (`dlviz.engine.landscape.sweep_paths`: the engine's own recording when it
has one, else the lesson's `model.fit` with a weight-recording callback); that time is printed but is not the map's.
Then, in one process on the same plane and grid:

- batched: `map_losses` on the 41 x 41 grid (1,681 weight vectors), cold (first call: tracing included) and warm
  (best of 3), and the whole `compute_landscape` (plane, map, losses at every recorded and projected point, the 1-D
  lines), warm;
- naive: one compiled Keras model of the lesson's architecture, `model.set_weights(w)` then
  `model.evaluate(x, y, batch_size=len(x))` per grid point, on `--naive-points` points spread over the grid (default
  120), scaled to 1,681 points linearly (each point costs the same); the largest difference between the two losses on
  those points is printed as a check.

The last line is `landscape map_s=<warm batched seconds> naive_s=<naive seconds for the grid> ratio=<naive/batched>`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--naive-points", type=int, default=120)
    parser.add_argument("--sweep", choices=("learning_rate", "batch_size"), default="learning_rate")
    args = parser.parse_args()

    started = time.perf_counter()
    import numpy as np

    from dlviz import defaults
    from dlviz.analysis.plane import grid_coords
    from dlviz import surface
    from dlviz.engine import landscape as engine
    from tests.support.reference import build_model, unflatten_weights
    from dlviz.engine.runtime import keras, tf
    print(f"import: {time.perf_counter() - started:.1f} s (not counted)")
    print(f"threads: intra-op {tf.config.threading.get_intra_op_parallelism_threads()} "
          f"(0 = all), cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")

    dataset = defaults.default_dataset()
    specs = defaults.default_sweeps(dataset)[args.sweep]
    t = time.perf_counter()
    paths = engine.sweep_paths(dataset, specs)
    print(f"recording {len(paths)} paths ({args.sweep}, {specs[0].epochs} epochs): {time.perf_counter() - t:.1f} s "
          f"(real training, not counted); {sum(p.trajectory.nbytes for p in paths) / 1e6:.2f} MB of weights")

    landscape = surface.compute_landscape(dataset, paths)
    x, y = surface.loss_sample(dataset)
    hidden = specs[0].hidden_units
    n_grid = len(landscape.axis_a) * len(landscape.axis_b)
    print(f"grid {len(landscape.axis_a)} x {len(landscape.axis_b)} = {n_grid} weight vectors of "
          f"{landscape.plane.n_params} weights, loss on {len(y)} training rows")

    engine._loss_fn.cache_clear()  # a cold call: the traced function built again
    t = time.perf_counter()
    grid = surface.map_losses(landscape.plane, landscape.axis_a, landscape.axis_b, x, y, hidden)
    cold = time.perf_counter() - t
    warm_times = []
    for _ in range(3):
        t = time.perf_counter()
        surface.map_losses(landscape.plane, landscape.axis_a, landscape.axis_b, x, y, hidden)
        warm_times.append(time.perf_counter() - t)
    warm = min(warm_times)
    t = time.perf_counter()
    surface.compute_landscape(dataset, paths)
    whole = time.perf_counter() - t
    print(f"batched map: cold {cold:.2f} s (tracing included), warm {warm:.2f} s (best of 3: "
          f"{', '.join(f'{w:.2f}' for w in warm_times)}); whole compute_landscape warm {whole:.2f} s")

    coords = grid_coords(landscape.axis_a, landscape.axis_b)
    picks = np.unique(np.linspace(0, n_grid - 1, min(args.naive_points, n_grid)).round().astype(int))
    model = build_model(dataset.n_features, hidden, specs[0].seed)
    model.compile(loss="binary_crossentropy")
    weights = landscape.plane.weights_at(coords[picks])
    model.set_weights(unflatten_weights(weights[0], dataset.n_features, hidden))
    model.evaluate(x, y, batch_size=len(x), verbose=0)  # build the evaluate function once, outside the timing
    naive_losses = []
    t = time.perf_counter()
    for w in weights:
        model.set_weights(unflatten_weights(w, dataset.n_features, hidden))
        naive_losses.append(model.evaluate(x, y, batch_size=len(x), verbose=0))
    naive_measured = time.perf_counter() - t
    naive = naive_measured * n_grid / len(picks)
    diff = np.abs(np.array(naive_losses) - grid.ravel()[picks]) / np.maximum(1.0, np.abs(grid.ravel()[picks]))
    print(f"naive loop (set_weights + evaluate): {naive_measured:.2f} s for {len(picks)} points "
          f"({1e3 * naive_measured / len(picks):.1f} ms each) -> {naive:.1f} s for {n_grid} points")
    print(f"largest difference naive vs batched on those points: {diff.max():.2e} (absolute or relative)")

    # The leanest plain loop: set_weights, then call the model and the loss directly (no evaluate() machinery).
    x_t, y_t = tf.constant(x), tf.constant(y[:, None])
    loss_fn = keras.losses.BinaryCrossentropy()
    t = time.perf_counter()
    for w in weights:
        model.set_weights(unflatten_weights(w, dataset.n_features, hidden))
        float(loss_fn(y_t, model(x_t, training=False)))
    lean = (time.perf_counter() - t) * n_grid / len(picks)
    print(f"lean loop (set_weights + model(x) + loss): {lean:.1f} s for {n_grid} points (ratio {lean / warm:.0f})")
    print(f"landscape map_s={warm:.2f} naive_s={naive:.1f} ratio={naive / warm:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
