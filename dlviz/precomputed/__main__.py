"""`python -m dlviz.precomputed [runs] [surface]`: retrain the shipped defaults and write their files (both
without arguments): every page's default runs (`default_runs.npz`) and the loss-surface page's view
(`default_surface.npz`)."""

import sys

from dlviz.precomputed import generate, surface

parts = sys.argv[1:] or ["runs", "surface"]
for name in parts:
    written = {"runs": generate, "surface": surface.generate}[name]()
    print(f"wrote {written} ({written.stat().st_size / 1024:.0f} KiB)")
