"""The loss-surface page's default views (`default_surface.npz`), shipped so that a first visit draws them without
training: the `Landscape` of each of the page's sweeps at its default values and both zooms, found by the data's
fingerprint, the runs' specs and the zoom (any other request finds nothing and the page computes). Regenerate with
`python -m dlviz.precomputed surface`; `tests/test_surface_precomputed.py` checks it against the current code."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Iterable

import numpy as np

from dlviz.analysis.landscape import Landscape, LineProfile, PathStats
from dlviz.analysis.plane import Plane
from dlviz.precomputed import decode, encode, read, write
from dlviz.runs import RunSpec

PATH = Path(__file__).with_name("default_surface.npz")
FORMAT = 3
_CLASSES = {cls.__name__: cls for cls in (Landscape, Plane, PathStats, LineProfile, RunSpec)}

Key = tuple[str, tuple[RunSpec, ...], bool]  # (data fingerprint, the runs' specs, zoom)


def save(views: dict[Key, Landscape], path: Path = PATH) -> Path:
    """Write `views` (key -> Landscape) to `path` (compressed .npz)."""
    arrays: dict[str, np.ndarray] = {}
    entries = [{"fingerprint": fingerprint, "specs": [dataclasses.asdict(s) for s in specs], "zoom": zoom,
                "landscape": encode(landscape, f"{i}", arrays)}
               for i, ((fingerprint, specs, zoom), landscape) in enumerate(views.items())]
    return write(path, entries, arrays, FORMAT)


def load(path: Path = PATH) -> dict[Key, Landscape]:
    """The views in `path` by key; empty if the file is missing, unreadable, of another format or of other classes."""
    return read(path, FORMAT, lambda entries, arrays: {
        (e["fingerprint"], tuple(RunSpec(**s) for s in e["specs"]), e["zoom"]):
            decode(e["landscape"], arrays, _CLASSES) for e in entries}) or {}


_shipped = functools.lru_cache(maxsize=1)(load)  # the file, read once per process

def shipped(fingerprint: str, specs: Iterable[RunSpec], zoom: bool) -> Landscape | None:
    """The shipped view for this request, or None (the page computes it). Reads the file once per process."""
    return _shipped().get((fingerprint, tuple(specs), bool(zoom)))


def generate(path: Path = PATH) -> Path:
    """Train each sweep's default runs with their paths (real Keras training), compute both zooms' views as the page
    does and write them all to `path`."""
    from dlviz import defaults, settings
    from dlviz.engine.landscape import sweep_paths
    from dlviz.surface import compute_landscape

    dataset = defaults.default_dataset()
    views = {}
    for sweep in settings.SURFACE_SWEEP.choices:  # at the sidebar's and the page's defaults
        specs = tuple(defaults.surface_specs(defaults.base_spec(dataset), sweep, sorted(settings.SURFACE_VALUES[
            sweep].default), settings.SURFACE_EPOCHS.default, len(dataset.y_train)))
        paths = sweep_paths(dataset, specs)
        views.update({(dataset.fingerprint, specs, zoom): compute_landscape(dataset, paths, zoom=zoom)
                      for zoom in (True, False)})
    return save(views, path)
