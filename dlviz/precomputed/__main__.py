"""`python -m dlviz.precomputed`: retrain every page's default runs and write the shipped file."""

from dlviz.precomputed import generate

written = generate()
print(f"wrote {written} ({written.stat().st_size / 1024:.0f} KiB)")
