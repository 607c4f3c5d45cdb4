"""Seed wording: with one seed the text says "in this run" and never speaks of seeds ("mean over 1 seed" is wrong
there); findings.ONE_SEED_NOTE alone says why one run cannot separate close values."""

from __future__ import annotations

from typing import Callable, Sequence

from dlviz.analysis.compare import ONE_SEED_SPREAD
from dlviz.text.format import format_loss, seeds_text


def over_seeds(n: int) -> str:
    """"mean over 3 seeds", or "in this run" with one seed."""
    return "in this run" if n <= 1 else f"mean over {seeds_text(n)}"


def on_every_seed(n: int) -> str:
    """"on every seed", or "in this run" with one seed."""
    return "in this run" if n <= 1 else "on every seed"


def at_seeds(n: int) -> str:
    """"at 3 seeds", or "in this run" with one seed."""
    return "in this run" if n <= 1 else f"at {seeds_text(n)}"


def beyond_spread(n: int) -> str:
    """Why a gap counts: "by more than the seeds' spread", or with one run the borrowed ONE_SEED_SPREAD."""
    return ("by more than the seeds' spread" if n > 1 else
            f"by more than {format_loss(ONE_SEED_SPREAD)}, the margin a single run needs")


def span(values: Sequence[float], fmt: Callable[[float], str]) -> str:
    """One number per seed as text: "0.721" when the formatted values agree, else "0.721-0.736" (min-max)."""
    low, high = fmt(min(values)), fmt(max(values))
    return low if low == high else f"{low}-{high}"
