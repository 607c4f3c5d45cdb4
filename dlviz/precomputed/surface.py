"""The loss-surface page's default views, computed once and shipped so that a first visit draws them without
training: the `Landscape` of each of the page's sweeps at its default values (learning rates, which the page opens on,
and batch sizes; the page's default seed and epochs) at both zoom settings.

Stored as one compressed `.npz` (`default_surface.npz`), written by `dlviz.precomputed.encode` from the dataclasses
(`Landscape` and what it holds: `Plane`, `PathStats`, `LineProfile`): every array goes in as itself (float64 stays
float64, so a load is bit-exact), everything else into a JSON index. A view is found again by its key: the data's
fingerprint (for built-in data its generator version and settings, never a hash of generated floats), the runs'
specs and the zoom. Any other request, or a file that is missing, unreadable or of another format, finds nothing
and the page computes. Regenerate with `python -m dlviz.precomputed` (after changing the engine, the map or the
page's defaults); `tests/test_surface_precomputed.py` checks that it covers the page's defaults, that its maps are
the current loss code's, and that the learning-rate sweep's view agrees with a fresh computation.
"""

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
FORMAT = 2
# The dataclasses a stored view may hold, by name (a name not here makes the file unreadable: the page computes).
_CLASSES = {cls.__name__: cls for cls in (Landscape, Plane, PathStats, LineProfile, RunSpec)}

Key = tuple[str, tuple[RunSpec, ...], bool]  # (data fingerprint, the runs' specs, zoom)


def key_of(fingerprint: str, specs: Iterable[RunSpec], zoom: bool) -> Key:
    return (fingerprint, tuple(specs), bool(zoom))


def save(views: dict[Key, Landscape], path: Path = PATH) -> Path:
    """Write `views` (key -> Landscape) to `path` (compressed .npz)."""
    arrays: dict[str, np.ndarray] = {}
    entries = [{"fingerprint": fingerprint, "specs": [dataclasses.asdict(s) for s in specs], "zoom": zoom,
                "landscape": encode(landscape, f"{i}", arrays)}
               for i, ((fingerprint, specs, zoom), landscape) in enumerate(views.items())]
    return write(path, entries, arrays, FORMAT)


def load(path: Path = PATH) -> dict[Key, Landscape]:
    """The shipped views by key; empty if the file is missing, unreadable or of another format (or its Landscape
    no longer fits the dataclass)."""
    return read(path, FORMAT, lambda entries, arrays: {
        key_of(e["fingerprint"], (RunSpec(**s) for s in e["specs"]), e["zoom"]):
            decode(e["landscape"], arrays, _CLASSES) for e in entries}) or {}


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[Key, Landscape]:
    return load()


def shipped(fingerprint: str, specs: Iterable[RunSpec], zoom: bool) -> Landscape | None:
    """The shipped view for this request, or None (the page computes it). Reads the file once per process."""
    return _shipped().get(key_of(fingerprint, specs, zoom))


def default_key(dataset, sweep: str | None = None) -> tuple[str, tuple[RunSpec, ...]]:
    """The page's default request for `sweep` on `dataset` (the sidebar's and the page's defaults): its fingerprint
    and specs. Raises `ValueError` for a sweep the page does not offer."""
    from dlviz import defaults, settings

    sweep = sweep or settings.SURFACE_SWEEP.default
    if sweep not in settings.SURFACE_SWEEP.choices:
        raise ValueError(f"The loss-surface page has no sweep {sweep!r}; it has "
                         f"{', '.join(settings.SURFACE_SWEEP.choices)}.")
    values = settings.SURFACE_VALUES[sweep].default
    base = defaults.base_spec(dataset)
    return dataset.fingerprint, tuple(defaults.surface_specs(base, sweep, sorted(values),
                                                             settings.SURFACE_EPOCHS.default, len(dataset.y_train)))


def generate(path: Path = PATH) -> Path:
    """Train each sweep's default runs with their paths (real Keras training), compute the view at both zoom
    settings (exactly as the page does, `dlviz.surface.view_of`) and write them all to `path`."""
    from dlviz import defaults, settings
    from dlviz.engine.landscape import sweep_paths
    from dlviz.surface import view_of

    dataset = defaults.default_dataset()
    views = {}
    for sweep in settings.SURFACE_SWEEP.choices:
        fingerprint, specs = default_key(dataset, sweep)
        paths = sweep_paths(dataset, specs)
        views.update({key_of(fingerprint, specs, zoom): view_of(dataset, paths, zoom) for zoom in (True, False)})
    return save(views, path)
