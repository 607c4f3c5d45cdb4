"""What an upload's checks cost: `dlviz.data.read_csv` (encoding, separator, row check with line numbers, the file's
one number convention) against a plain `pd.read_csv` told the separator and decimal mark, in one run: CPU seconds of
this process (`time.process_time`, which other sessions on the same cores disturb less than wall time), best of 3.

Files are the practice data written by pandas: one comma-separated, one semicolon-separated with decimal commas (as
European Excel writes it). Usage: python bench/read_csv.py [--rows 100000]
Last line: `read_csv comma=<ratio> decimal_comma=<ratio>` (dlviz's time over plain pandas').
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlviz.data import practice_frame, read_csv  # noqa: E402


def best_of(runs: int, call) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    frame = practice_frame(parser.parse_args().rows)
    ratios = {}
    for name, sep, decimal in (("comma", ",", "."), ("decimal_comma", ";", ",")):
        data = frame.to_csv(index=False, sep=sep, decimal=decimal).encode()
        dlviz = best_of(3, lambda: read_csv(data))
        plain = best_of(3, lambda: pd.read_csv(io.BytesIO(data), sep=sep, decimal=decimal))
        ratios[name] = dlviz / plain
        print(f"{name}: {len(data) / 2**20:.1f} MB, read_csv {dlviz:.2f} s CPU, plain pd.read_csv {plain:.2f} s, "
              f"{ratios[name]:.1f}x")
    print("read_csv " + " ".join(f"{name}={ratio:.2f}" for name, ratio in ratios.items()))


if __name__ == "__main__":
    main()
