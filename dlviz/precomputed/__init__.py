"""Every page's default runs, trained once and shipped with the app so that a first visit shows curves at once.

Stored as one compressed `.npz`: each run's fields are written generically from the `RunHistory` dataclass (no
hand-written mirror of it), and a run is found again by its `RunSpec`. A built-in dataset's fingerprint names its
generator version and settings (never a hash of generated floats), so the shipped runs apply on any machine whose
practice data has the same version, and simply go unused (the page trains) where it does not.
Regenerate with `python -m dlviz.precomputed` after changing the engine or the defaults; `tests/test_precomputed.py`
checks that the shipped runs cover every default and that a fresh run's curves agree with them. The loss-surface
page ships its own view beside them (`surface.py`, `default_surface.npz`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from dlviz.runs import RunHistory, RunSpec

PATH = Path(__file__).with_name("default_runs.npz")
FORMAT = 2
_INDEX = "index"


def _encode(history: RunHistory, prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Arrays of one history go into `arrays` under `prefix`; the rest (the spec, scalars) is returned as JSON."""
    scalars: dict[str, Any] = {}
    for field in dataclasses.fields(RunHistory):
        value = getattr(history, field.name)
        if isinstance(value, RunSpec):
            scalars[field.name] = dataclasses.asdict(value)
        elif isinstance(value, tuple):  # the weights: a tuple of arrays
            for k, part in enumerate(value):
                arrays[f"{prefix}{field.name}.{k}"] = np.asarray(part)
            scalars[field.name] = {"parts": len(value)}
        elif isinstance(value, (list, np.ndarray)):
            arrays[f"{prefix}{field.name}"] = np.asarray(value)
            scalars[field.name] = {"array": isinstance(value, np.ndarray)}
        else:  # numbers, None
            scalars[field.name] = value
    return scalars


def _decode(scalars: dict[str, Any], prefix: str, arrays: Any) -> RunHistory:
    values: dict[str, Any] = {}
    for field in dataclasses.fields(RunHistory):
        if field.name not in scalars:  # a field newer than the file: its default
            continue
        stored = scalars[field.name]
        if field.name == "spec":
            values["spec"] = RunSpec(**stored)
        elif isinstance(stored, dict) and "parts" in stored:
            values[field.name] = tuple(arrays[f"{prefix}{field.name}.{k}"] for k in range(stored["parts"]))
        elif isinstance(stored, dict) and "array" in stored:
            array = arrays[f"{prefix}{field.name}"]
            values[field.name] = array if stored["array"] else array.tolist()
        else:
            values[field.name] = stored
    return RunHistory(**values)


def save(histories: Iterable[RunHistory], path: Path = PATH) -> Path:
    """Write `histories` to `path` (compressed .npz)."""
    arrays: dict[str, np.ndarray] = {}
    index = [_encode(history, f"{i}/", arrays) for i, history in enumerate(histories)]
    arrays[_INDEX] = np.frombuffer(json.dumps({"format": FORMAT, "runs": index}).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


def load(path: Path = PATH) -> dict[RunSpec, RunHistory]:
    """The shipped runs by spec; empty if the file is missing, unreadable or of another format."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            index = json.loads(stored[_INDEX].tobytes())
            if index.get("format") != FORMAT:
                return {}
            runs = [_decode(scalars, f"{i}/", stored) for i, scalars in enumerate(index["runs"])]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {history.spec: history for history in runs}


def generate(path: Path = PATH) -> Path:
    """Train every page's default runs (all default seeds) and write them to `path`."""
    from dlviz import defaults
    from dlviz.engine.sweep import train_sweep

    dataset = defaults.default_dataset()
    specs = list(dict.fromkeys(s for specs in defaults.default_sweeps(dataset).values() for s in specs))
    return save(train_sweep(dataset, specs), path)
