"""What the charts cost on the server and on the wire: build time (best of 5) and JSON size of each page's figure,
for 1 seed (the plain single-run chart) and for 3 seeds, and the replay, measured in one run.

Histories are constructed (smooth curves plus noise, lr 1 blown up in epoch 1), so no TensorFlow is imported.
Usage: python bench/charts_cost.py    Last line: `charts seeds3_over_seeds1=<ratio> replay_ms=<ms> replay_kb=<kb>`.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlviz import charts  # noqa: E402
from dlviz.runs import RunHistory, RunSpec  # noqa: E402

RATES = (0.001, 0.003, 0.01, 0.1, 1.0)
BATCHES = (8, 32, 128, 512)
ROWS = 6_400


def run(lr: float, seed: int, epochs: int = 20, batch: int = 32) -> RunHistory:
    rng = np.random.default_rng(seed * 7919 + int(lr * 1e4) + batch)
    e = np.arange(1, epochs + 1)
    loss = 0.69 * np.exp(-min(1.0, lr * 30) * e / 5) + 0.25 + 0.01 * rng.standard_normal(epochs)
    h = RunHistory(RunSpec("bench", epochs=epochs, batch_size=batch, learning_rate=lr, seed=seed),
                   initial_loss=0.69, initial_val_loss=0.69, initial_accuracy=0.5, initial_val_accuracy=0.5,
                   updates_per_epoch=-(-ROWS // batch))
    if lr >= 1.0:
        loss = np.r_[15.0 + seed, np.full(epochs - 1, 0.75)]
        h.diverged_at = 1
    h.loss, h.val_loss = list(loss), list(loss + 0.03)
    h.accuracy, h.val_accuracy = list(1 - loss / 1.5), list(1 - loss / 1.5 - 0.02)
    n = epochs * h.updates_per_epoch
    noise = 1 + rng.standard_normal(n) * 3 / math.sqrt(batch)
    h.update_loss = (np.repeat(loss, h.updates_per_epoch) * noise).clip(0.01).astype(np.float32)
    return h


def best_ms(build, repeat: int = 5) -> tuple[float, object]:
    times, fig = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        fig = build()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times), fig


def kb(fig) -> float:
    return len(fig.to_json()) / 1024


def main() -> None:
    charts.curves_figure({"warm-up": [run(0.01, 1)]})  # plotly's validators load once per process
    rows = []
    cost = {}
    for seeds in (1, 3):
        lr = {f"lr {r:g}": [run(r, s) for s in range(1, seeds + 1)] for r in RATES}
        batch = {f"batch {b}": [run(0.01, s, batch=b) for s in range(1, seeds + 1)] for b in BATCHES}
        for name, build in (("lr curves", lambda: charts.curves_figure(lr, x_max=20)),
                            ("batch curves (updates, log x)",
                             lambda: charts.curves_figure(batch, x_axis="updates", log_x=True, x_max=20)),
                            ("per-update panels", lambda: charts.update_loss_figure(batch, x_max=20)),
                            ("epochs two panels", lambda: charts.epochs_figure(lr["lr 0.01"], x_max=20))):
            ms, fig = best_ms(build)
            rows.append((name, seeds, ms, kb(fig)))
            cost[(name, seeds)] = ms
    lr3 = {f"lr {r:g}": [run(r, s) for s in (1, 2, 3)] for r in RATES}
    replay_ms, replay = best_ms(lambda: charts.replay(charts.curves_figure(lr3, x_max=20), 20), 3)
    rows.append((f"lr replay ({len(replay.frames)} frames)", 3, replay_ms, kb(replay)))
    print(f"{'figure':34} {'seeds':>5} {'build ms':>9} {'JSON KB':>8}")
    for name, seeds, ms, size in rows:
        print(f"{name:34} {seeds:5d} {ms:9.0f} {size:8.0f}")
    # The charts pass their whole layout to the figure's constructor (`style.layout`); the plain way updates it after.
    final = charts.curves_figure(lr3, x_max=20)
    data, layout = final.data, final.layout.to_plotly_json()
    at_once_ms, _ = best_ms(lambda: go.Figure(data=data, layout=layout))
    after_ms, _ = best_ms(lambda: go.Figure(data=data).update_layout(layout))
    print(f"lr curves (3 seeds), layout in the constructor {at_once_ms:.0f} ms, update_layout afterwards "
          f"{after_ms:.0f} ms: {after_ms / at_once_ms:.2f}x")
    ratio = cost[("lr curves", 3)] / cost[("lr curves", 1)]
    print(f"charts seeds3_over_seeds1={ratio:.2f} replay_ms={replay_ms:.0f} replay_kb={kb(replay):.0f}")


if __name__ == "__main__":
    main()
