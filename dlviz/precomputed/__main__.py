"""`python -m dlviz.precomputed [runs] [surface] [stability]`: retrain the shipped defaults and write their files (all
without arguments): every page's default runs (`default_runs.npz`), the loss-surface page's view
(`default_surface.npz`) and the edge-of-stability section's runs (`default_stability.npz`)."""

import sys

from dlviz.precomputed import generate, stability, surface

parts = sys.argv[1:] or ["runs", "surface", "stability"]
for name in parts:
    written = {"runs": generate, "surface": surface.generate, "stability": stability.generate}[name]()
    print(f"wrote {written} ({written.stat().st_size / 1024:.0f} KiB)")
