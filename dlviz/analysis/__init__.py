"""Findings read from histories: typed dataclasses, numbers only, no sentences (`dlviz.text` words them).

- `curves`: one run (robust statistic, best epoch, overfitting, EarlyStopping replay, divergence, noise).
- `compare`: the seed-aware comparison rule every ranking follows.
- `sweeps`: per-page analysis (`analyze_epochs`, `analyze_batch_sizes`, `analyze_learning_rates`).
- `grid`: the batch size x learning rate grid.
"""

from dlviz.analysis.compare import ONE_SEED_SPREAD, Comparison, Ranking, ValueStat, compare, rank
from dlviz.analysis.sweeps import (BATCH_SIZE, EPOCHS, LEARNING_RATE, PAGES, SweepFindings, ValueFindings, analyze,
                                   analyze_batch_sizes, analyze_epochs, analyze_learning_rates)

__all__ = ["ONE_SEED_SPREAD", "Comparison", "Ranking", "ValueStat", "compare", "rank", "BATCH_SIZE", "EPOCHS",
           "LEARNING_RATE", "PAGES", "SweepFindings", "ValueFindings", "analyze", "analyze_batch_sizes",
           "analyze_epochs", "analyze_learning_rates"]
