"""The edge-of-stability section's default runs, shipped in `default_stability.npz` so that a first visit trains
nothing; found by their `StabilitySpec` (a built-in dataset's fingerprint names its generator version and settings).
Regenerate with `python -m dlviz.precomputed stability`."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np

from dlviz.runs import ADAM, GD, StabilityRun, StabilitySpec, stability_specs

PATH = Path(__file__).with_name("default_stability.npz")
_ARRAYS = ("losses", "sharpness_steps", "sharpness")


def save(runs: list[StabilityRun], path: Path = PATH) -> Path:
    """Write `runs` (their specs and arrays) to `path`, compressed."""
    arrays = {f"{i}/{name}": getattr(run, name) for i, run in enumerate(runs) for name in _ARRAYS}
    index = json.dumps([dataclasses.asdict(run.spec) for run in runs]).encode()
    with open(path, "wb") as handle:
        np.savez_compressed(handle, index=np.frombuffer(index, dtype=np.uint8), **arrays)
    return path


@functools.lru_cache(maxsize=1)
def load(path: Path = PATH) -> dict[StabilitySpec, StabilityRun]:
    """The shipped runs by spec; empty when the file is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            specs = [StabilitySpec(**fields) for fields in json.loads(stored["index"].tobytes())]
            return {spec: StabilityRun(spec, *(stored[f"{i}/{name}"] for name in _ARRAYS))
                    for i, spec in enumerate(specs)}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def generate(path: Path = PATH) -> Path:
    """Train the section's default runs for both optimizers and write them to `path`."""
    from dlviz import defaults, settings
    from dlviz.engine.stability import train_full_batch

    dataset = defaults.default_dataset()
    specs = [s for opt in (GD, ADAM) for s in stability_specs(dataset.fingerprint, opt, settings.SEED.default,
                                                               settings.HIDDEN.default)]
    return save([train_full_batch(dataset, spec) for spec in specs], path)
