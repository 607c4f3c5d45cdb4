"""Every page's default runs, trained once and shipped with the app (`default_runs.npz`) so that a first visit shows
curves at once; the loss-surface page's view (`surface.py`) and the edge-of-stability runs (`stability.py`) beside it.

One compressed `.npz` per file, dataclasses written field by field (`encode`: no hand-written mirror); a run is found
again by its `RunSpec`. A built-in dataset's fingerprint names its generator version (never a hash of generated
floats), so the runs apply on any machine with the same practice data and go unused (the page trains) elsewhere.
Regenerate with `python -m dlviz.precomputed`; `tests/test_precomputed.py` checks them against fresh runs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from dlviz.runs import RunHistory, RunSpec

PATH = Path(__file__).with_name("default_runs.npz")
FORMAT = 3
_INDEX = "index"


def encode(value: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """`value` as JSON, its arrays (and lists of numbers) put into `arrays` under names starting with `prefix`.
    Dataclasses are written field by field, so the files follow the classes without a hand-written mirror; every
    array goes in as itself (float64 stays float64: a load is bit-exact). Raises TypeError for anything else."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"class": type(value).__name__,
                "fields": {f.name: encode(getattr(value, f.name), f"{prefix}.{f.name}", arrays)
                           for f in dataclasses.fields(value)}}
    if isinstance(value, np.ndarray):
        arrays[prefix] = value
        return {"array": prefix}
    if isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        arrays[prefix] = np.asarray(value, dtype=np.float64)
        return {"list": prefix}
    if isinstance(value, (tuple, list)):
        return {"tuple": [encode(v, f"{prefix}.{i}", arrays) for i, v in enumerate(value)]}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value  # NaN and inf go through JSON as NaN / Infinity (Python's json reads them back)
    raise TypeError(f"cannot store a {type(value).__name__}")


def decode(stored: Any, arrays: Any, classes: dict[str, type]) -> Any:
    """The value `encode` wrote, its dataclasses rebuilt from `classes` (by name). Raises KeyError for a class or
    an array the file does not name, TypeError for fields a class no longer has."""
    if not isinstance(stored, dict):
        return stored
    if "array" in stored:
        return arrays[stored["array"]]
    if "list" in stored:
        return arrays[stored["list"]].tolist()
    if "tuple" in stored:
        return tuple(decode(v, arrays, classes) for v in stored["tuple"])
    return classes[stored["class"]](**{name: decode(v, arrays, classes) for name, v in stored["fields"].items()})


def write(path: Path, entries: list, arrays: dict[str, np.ndarray], format: int) -> Path:
    """Write `entries` (JSON) and `arrays` to `path` as one compressed `.npz`."""
    arrays[_INDEX] = np.frombuffer(json.dumps({"format": format, "entries": entries}).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


def read(path: Path, format: int, decode_entries: Callable[[list, Any], Any]) -> Any:
    """`decode_entries(entries, arrays)` of the file at `path`; None if it is missing, unreadable, of another
    format, or holds what the classes no longer fit."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            index = json.loads(stored[_INDEX].tobytes())
            return decode_entries(index["entries"], stored) if index.get("format") == format else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(items: Iterable[Any], path: Path = PATH, format: int = FORMAT) -> Path:
    """Write dataclass instances (`encode`) to `path` as one compressed `.npz`."""
    arrays: dict[str, np.ndarray] = {}
    return write(path, [encode(item, str(i), arrays) for i, item in enumerate(items)], arrays, format)


def load(path: Path = PATH, format: int = FORMAT, classes: tuple[type, ...] = (RunHistory, RunSpec)) -> dict:
    """The stored items (`RunHistory`s unless `classes` says otherwise) by their `spec`; empty if the file is
    missing, unreadable or of another format."""
    by_name = {cls.__name__: cls for cls in classes}
    items = read(path, format, lambda entries, arrays: [decode(e, arrays, by_name) for e in entries])
    return {item.spec: item for item in items or []}


def generate(path: Path = PATH) -> Path:
    """Train every page's default runs (all default seeds) and write them to `path`."""
    from dlviz import defaults
    from dlviz.engine.sweep import train_sweep

    dataset = defaults.default_dataset()
    specs = list(dict.fromkeys(s for specs in defaults.default_sweeps(dataset).values() for s in specs))
    return save(train_sweep(dataset, specs), path)
