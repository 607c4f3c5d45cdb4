"""Findings read from histories: typed dataclasses, numbers only, no sentences (`dlviz.text` words them): one run
(`curves`), the seed-aware rule (`compare`), a one-setting sweep (`sweeps`), the batch size x learning rate grid
(`grid`), batch size told fairly (`batch_fair`), the loss surface (`plane`, `landscape`), the edge of stability
(`stability`)."""
