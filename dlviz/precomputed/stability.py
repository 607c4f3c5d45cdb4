"""The edge-of-stability section's default runs, shipped in `default_stability.npz` so that a first visit trains
nothing; found by their `StabilitySpec`. Regenerate with `python -m dlviz.precomputed stability`."""

from __future__ import annotations

import functools
from pathlib import Path

from dlviz import precomputed
from dlviz.runs import ADAM, GD, StabilityRun, StabilitySpec, stability_specs

PATH = Path(__file__).with_name("default_stability.npz")
FORMAT = 1


@functools.lru_cache(maxsize=1)
def load(path: Path = PATH) -> dict[StabilitySpec, StabilityRun]:
    """The shipped runs by spec; empty when the file is missing, unreadable or of another format."""
    return precomputed.load(path, FORMAT, (StabilityRun, StabilitySpec))


def generate(path: Path = PATH) -> Path:
    """Train the section's default runs for both optimizers and write them to `path`."""
    from dlviz import defaults, settings
    from dlviz.engine.stability import train_full_batch

    dataset = defaults.default_dataset()
    specs = [s for opt in (GD, ADAM) for s in stability_specs(dataset.fingerprint, opt, settings.SEED.default,
                                                               settings.HIDDEN.default)]
    return precomputed.save([train_full_batch(dataset, spec) for spec in specs], path, FORMAT)
