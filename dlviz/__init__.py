"""dlviz: see how epochs, batch size and learning rate shape neural-network training."""

__version__ = "0.1.0"
