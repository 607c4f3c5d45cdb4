"""The edge-of-stability section (issue 28): what measuring the sharpness costs against the training it measures,
the default view's time cold, and (`--seeds`, `--minibatch`) the report's tables on 3 seeds.

    python bench/stability.py               # cost: sharpness / training, both optimizers' default runs; default view
    python bench/stability.py --seeds       # the regimes of the section's runs at seeds 42, 43, 44
    python bench/stability.py --minibatch   # the page's mini-batch Adam runs (batch 32): preconditioned sharpness
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from dlviz import defaults  # noqa: E402
from dlviz.analysis.stability import classify  # noqa: E402
from dlviz.runs import ADAM, FIRST_SEED, GD, StabilitySpec, stability_specs  # noqa: E402


def cold_view() -> None:
    """The default view as a first visit builds it: the shipped runs read, classified and drawn (no TensorFlow)."""
    started = time.perf_counter()
    from dlviz.charts.stability import stability_figure, valley_figure
    from dlviz.precomputed import stability as shipped
    from dlviz.text.stability import regime_sentence

    dataset = defaults.default_dataset()
    runs = [shipped.load()[s] for s in stability_specs(dataset.fingerprint, GD, FIRST_SEED)]
    sentences = [regime_sentence(classify(r)) for r in runs]
    figures = [stability_figure(runs), valley_figure(float(runs[0].sharpness[0]))]
    print(f"default view cold: {time.perf_counter() - started:.2f} s (data, shipped runs, {len(sentences)} "
          f"sentences, {len(figures)} figures; TensorFlow imported: {'tensorflow' in sys.modules})")


def cost() -> None:
    """Each default run trained with its sharpness measured, then the same training unmeasured (`every=0`), back to
    back: the measurement's cost is the difference."""
    from dlviz.engine.stability import train_full_batch

    dataset = defaults.default_dataset()
    for optimizer in (GD, ADAM):  # trace the functions first
        train_full_batch(dataset, StabilitySpec(dataset.fingerprint, 0.1, optimizer, steps=20))
    for optimizer in (GD, ADAM):
        measured = plain = 0.0
        for spec in stability_specs(dataset.fingerprint, optimizer, FIRST_SEED):
            for every in (spec.every, 0):
                started = time.perf_counter()
                train_full_batch(dataset, StabilitySpec(**{**spec.__dict__, "every": every}))
                seconds = time.perf_counter() - started
                measured, plain = (measured + seconds, plain) if every else (measured, plain + seconds)
        print(f"{optimizer}: training alone {plain:.2f} s, with the sharpness measured {measured:.2f} s: the "
              f"measurement costs {(measured - plain) / plain:.2f}x the training (load {os.getloadavg()[0]:.1f})")


def seeds_table() -> None:
    from dlviz.engine.stability import train_full_batch

    dataset = defaults.default_dataset()
    for optimizer in (GD, ADAM):
        for spec in stability_specs(dataset.fingerprint, optimizer, 42):
            rows = []
            for seed in (42, 43, 44):
                run = train_full_batch(dataset, StabilitySpec(**{**spec.__dict__, "seed": seed}))
                r = classify(run)
                extra = (f" rise {r.start_loss:.3f}->{r.rise_loss:.3f}@{r.rise_step} fall {r.fall_sharpness:.3g}"
                         f"@{r.fall_step}" if r.kind == "catapult" else "")
                rows.append(f"seed {seed}: {r.kind} start {r.start_sharpness:.4g} peak {r.peak_sharpness:.4g} last "
                            f"quarter {r.late_low:.4g}-{r.late_high:.4g} (median {r.late_median / r.threshold:.0%}) "
                            f"loss {r.start_loss:.3f}->{r.end_loss:.3f} rises {r.loss_rises}{extra}")
            print(f"{optimizer} lr {spec.learning_rate:g} threshold {spec.threshold:.4g}\n  " + "\n  ".join(rows))


def minibatch() -> None:
    """The page's Adam runs (its default rates, batch 32, 20 epochs, the sweeps' batch order): the preconditioned
    sharpness against 38/lr after every epoch, on the full training loss."""
    from dlviz.engine import stability as engine
    from dlviz.engine.kernels import adam_step
    from dlviz.engine.model import initial_weights
    from dlviz.engine.runtime import tf
    from dlviz.engine.sweep import epoch_orders

    dataset = defaults.default_dataset()
    x, y = tf.constant(dataset.x_train), tf.constant(dataset.y_train)

    @tf.function
    def step(flat, m, v, t, xb, yb, lr):
        _, grad = engine._gradient(flat, xb, yb)
        (flat,), (m,), (v,), t = adam_step((flat,), (grad,), (m,), (v,), t, lr[None])
        return flat, m, v, t

    for lr in (1e-4, 1e-3, 1e-2, 1e-1, 1.0):
        for seed in (42, 43, 44):
            flat = tf.constant(np.concatenate([w.ravel() for w in initial_weights(dataset.n_features, 64, seed)]))
            m = v = tf.zeros_like(flat)
            t, vector, shares = tf.constant(0.0), tf.ones_like(flat), []
            for order in epoch_orders(len(dataset.y_train), seed, 20):
                for first in range(0, len(order), 32):
                    rows = order[first:first + 32]
                    flat, m, v, t = step(flat, m, v, t, tf.gather(x, rows), tf.gather(y, rows), tf.constant(lr))
                scale = tf.constant(engine.adam_scale(v.numpy(), float(t)))
                value, vector, _ = engine.top_eigenvalue(flat, x, y, scale, vector)
                shares.append(float(value) * lr / 38)
            print(f"mini-batch Adam lr {lr:g} seed {seed}: preconditioned sharpness / (38/lr) per epoch "
                  + " ".join(f"{s:.2f}" for s in shares))


if __name__ == "__main__":
    if "--seeds" in sys.argv:
        seeds_table()
    elif "--minibatch" in sys.argv:
        minibatch()
    else:
        cold_view()
        cost()
