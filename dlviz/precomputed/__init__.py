"""Every page's default sweep, trained once and shipped with the app so a first visit shows curves at once.

Regenerate with `python -m dlviz.precomputed` after changing the engine or the defaults; `tests/test_precomputed.py`
checks that the shipped results equal a fresh training run. If the data on a machine differs (its fingerprint does not
match), nothing is loaded and the app trains as usual.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np

from dlviz import defaults
from dlviz.data import Dataset
from dlviz.runs import RunHistory, RunSpec

PATH = Path(__file__).with_name("defaults.json.gz")
FORMAT = 1

SweepKey = tuple[str, tuple[RunSpec, ...]]


def history_to_dict(history: RunHistory) -> dict[str, Any]:
    return {
        "spec": history.spec.__dict__,
        "loss": history.loss, "accuracy": history.accuracy, "val_loss": history.val_loss,
        "val_accuracy": history.val_accuracy, "update_loss": history.update_loss.tolist(),
        "updates_per_epoch": history.updates_per_epoch, "initial_loss": history.initial_loss,
        "initial_val_loss": history.initial_val_loss, "initial_accuracy": history.initial_accuracy,
        "initial_val_accuracy": history.initial_val_accuracy, "wall_time": history.wall_time,
        "diverged_at": history.diverged_at,
        "weights": [{"shape": list(w.shape), "values": w.ravel().tolist()} for w in history.weights],
    }


def history_from_dict(raw: dict[str, Any]) -> RunHistory:
    return RunHistory(
        spec=RunSpec(**raw["spec"]), loss=list(raw["loss"]), accuracy=list(raw["accuracy"]),
        val_loss=list(raw["val_loss"]), val_accuracy=list(raw["val_accuracy"]),
        update_loss=np.asarray(raw["update_loss"], np.float32), updates_per_epoch=raw["updates_per_epoch"],
        initial_loss=raw["initial_loss"], initial_val_loss=raw["initial_val_loss"],
        initial_accuracy=raw["initial_accuracy"], initial_val_accuracy=raw["initial_val_accuracy"],
        wall_time=raw["wall_time"], diverged_at=raw["diverged_at"],
        weights=tuple(np.asarray(w["values"], np.float32).reshape(w["shape"]) for w in raw["weights"]))


def load(dataset: Dataset, path: Path = PATH) -> dict[SweepKey, list[RunHistory]]:
    """The shipped default sweeps for `dataset`, keyed as the UI's cache keys them; empty if they don't apply."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        return {}
    if stored.get("format") != FORMAT or stored.get("fingerprint") != dataset.fingerprint:
        return {}
    result = {}
    for sweep in stored["sweeps"]:
        histories = [history_from_dict(raw) for raw in sweep]
        result[(dataset.fingerprint, tuple(h.spec for h in histories))] = histories
    return result


def generate(path: Path = PATH) -> Path:
    """Train every page's default sweep and write the results to `path`."""
    from dlviz.training import train_sweep

    dataset = defaults.default_dataset()
    sweeps = [train_sweep(dataset, specs) for specs in defaults.default_sweeps(dataset).values()]
    payload = {"format": FORMAT, "fingerprint": dataset.fingerprint,
               "sweeps": [[history_to_dict(h) for h in sweep] for sweep in sweeps]}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(payload, handle)
    return path


