"""Findings read from histories: typed dataclasses, numbers only, no sentences (`dlviz.text` words them).

- `curves`: one run (robust statistic, best epoch, overfitting, EarlyStopping replay, divergence, noise).
- `compare`: the seed-aware comparison rule every ranking follows.
- `sweeps`: a one-setting sweep (`analyze_values`, configured per page by its kind).
- `grid`: the batch size x learning rate grid.
"""
