"""What the training process runs (`dlviz.engine.queue.TrainingProcess`): one function per kind of job, each
`job(*args, report)` with picklable arguments and a plain-data result (`dlviz.runs`, `dlviz.analysis.landscape`).
Importing this module costs no TensorFlow: each job imports the engine when it runs, in the training process."""

from __future__ import annotations

import gc
from typing import Sequence

from dlviz.data import Dataset
from dlviz.engine.queue import Report  # report(fraction, message="", partial=None); raises Cancelled once nobody waits
from dlviz.runs import FinderResult, RunHistory, RunSpec, StabilityRun, StabilitySpec


def sweep(dataset: Dataset, specs: Sequence[RunSpec], report: Report) -> list[RunHistory]:
    """`dlviz.engine.sweep.train_sweep(dataset, specs)`, reporting the growing histories as `partial`."""
    from dlviz.engine.sweep import train_sweep

    return train_sweep(dataset, specs, lambda p: report(p.fraction, p.message, list(p.histories)))


def full_batch(dataset: Dataset, specs: Sequence[StabilitySpec], report: Report) -> list[StabilityRun]:
    """`dlviz.engine.stability.train_full_batch` for each spec in turn."""
    from dlviz.engine.stability import train_full_batch

    return [train_full_batch(dataset, spec, lambda f, i=i: report((i + f) / len(specs), "full-batch runs"))
            for i, spec in enumerate(specs)]


def range_test(dataset: Dataset, seeds: Sequence[int], batch_size: int, hidden_units: int,
               report: Report) -> list[FinderResult]:
    """`dlviz.engine.lr_finder.find_learning_rates` (raises `dlviz.runs.FinderError` for a setting it refuses)."""
    from dlviz.engine.lr_finder import find_learning_rates

    return find_learning_rates(dataset, seeds, batch_size=batch_size, hidden_units=hidden_units)


def loss_maps(dataset: Dataset, specs: Sequence[RunSpec], report: Report):
    """Both zooms of the loss-surface view (`dlviz.surface.compute_landscape`) of the runs trained with their paths
    (`dlviz.engine.landscape.sweep_paths`): a (zoomed, whole) pair of `dlviz.analysis.landscape.Landscape`."""
    from dlviz.engine.landscape import sweep_paths
    from dlviz.surface import compute_landscape

    paths = sweep_paths(dataset, specs)
    report(0.5, "computing the map")
    return tuple(compute_landscape(dataset, paths, zoom=zoom) for zoom in (True, False))


def warm_up(lanes: Sequence[int], report: Report) -> None:
    """Import TensorFlow and trace the sweep engine for each lane count of `lanes` (one epoch on 200 practice rows),
    then move every object alive (TensorFlow's, Keras', the traced engine's: about half a million) out of the garbage
    collector's way (`gc.collect()`, `gc.freeze()`), which every full collection would otherwise walk again while a
    class keeps the process allocating (bench/README.md). Frozen objects are still freed by reference counting."""
    from dlviz.data import load_builtin
    from dlviz.engine.sweep import train_sweep

    data = load_builtin("practice", max_rows=200)
    for n in lanes:
        train_sweep(data, [RunSpec(data.fingerprint, epochs=1, seed=s) for s in range(n)])
    gc.collect()
    gc.freeze()
