"""Print what each page's defaults now state, at N seeds: per value the robust statistic with its spread, the
verdicts, and the page's sentences (the learning-rate, batch-size and epochs pages; `--grid` adds the interplay grid).

    python bench/verdicts.py [--seeds 3] [--grid]
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dlviz import defaults, kinds, settings  # noqa: E402
from dlviz.analysis import grid as g  # noqa: E402
from dlviz.text import findings as words  # noqa: E402
from dlviz.text.grid import grid_sentences  # noqa: E402
from dlviz.engine.sweep import train_sweep  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args()
    seeds = [settings.SEED.default + k for k in range(args.seeds)]
    dataset = defaults.default_dataset()
    sweeps = defaults.default_sweeps(dataset)
    for kind in kinds.ONE_SETTING:
        # The default sweeps already hold the default seeds: keep each (value, seed) once.
        specs = list(dict.fromkeys(spec.replace(seed=s) for spec in sweeps[kind.name] for s in seeds))
        found = kind.analyze(train_sweep(dataset, specs))
        print(f"\n== {kind.name} ({len(seeds)} seeds: {seeds})")
        for v in found.per_value:
            print(f"  {str(v.value):>8}: score {v.score.mean:.4f} [{v.score.low:.4f}, {v.score.high:.4f}] "
                  f"verdicts={','.join(v.verdicts) or '-'}")
        print(f"  best={found.best_value} tied={found.tied_values}")
        for sentence in words.sentences(found):
            print("  -", sentence)
    if args.grid:
        specs = list(dict.fromkeys(spec.replace(seed=s) for spec in sweeps[kinds.GRID.name] for s in seeds))
        grid = g.Grid.from_runs(train_sweep(dataset, specs), specs)
        print(f"\n== interplay ({len(seeds)} seeds)")
        for row in g.row_bests(grid):
            print(f"  batch {row.batch_size}: best={row.ranking.best} tied={row.tied_rates}")
        for sentence in grid_sentences(grid, g.DEFAULT_OUTCOME, settings.GRID_BUDGET.default, len(dataset.y_train)):
            print("  -", sentence)


if __name__ == "__main__":
    main()
