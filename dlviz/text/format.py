"""Numbers as a learner reads them, one formatter per kind, never scientific notation in a sentence: 0.00003 (a
learning rate), 0.446 and 2.3 billion (losses), 85.9%, 16,000."""

from __future__ import annotations

import math
from typing import Any, Callable, Hashable, Sequence

import numpy as np

_LARGE = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def format_lr(rate: float) -> str:
    """A learning rate in plain decimals with up to 3 significant digits: 0.00003, 0.003, 0.01, 1."""
    rate = float(rate)
    if not math.isfinite(rate):
        return str(rate)
    return np.format_float_positional(rate, precision=3, unique=True, fractional=False, trim="-")


def format_loss(x: float) -> str:
    """A loss (nats): 3 decimals below 1 (0.446: enough to tell seeds apart), 2 below 10, 1 below 100, whole
    numbers with separators, then words for millions and more; "NaN" / "infinite" for non-finite values."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "infinite" if x > 0 else "minus infinity"
    size = abs(x)
    for scale, word in _LARGE:
        if size >= scale:
            return f"{x / scale:.2g} {word}" if x / scale < 10 else f"{x / scale:,.0f} {word}"
    for bound, spec in ((100, ",.0f"), (10, ".1f"), (1, ".2f"), (0.01, ".3f")):
        if size >= bound or (x == 0 and bound == 0.01):
            return format(x, spec)
    return np.format_float_positional(x, precision=2, fractional=False, trim="-")


def format_percent(share: float, digits: int = 1) -> str:
    """A share (0-1) as a percentage: 0.859 -> 85.9%."""
    return "NaN" if not math.isfinite(share) else f"{100 * share:.{digits}f}%"


def format_points(share_difference: float) -> str:
    """A difference of two shares in percentage points: 0.052 -> 5.2 points."""
    return f"{100 * share_difference:.1f} points"


def format_count(n: int) -> str:
    """A count with thousands separators: 16000 -> 16,000."""
    return f"{int(n):,}"


def format_ratio(x: float) -> str:
    """A multiple: 3x, 2.5x, 1,200x."""
    if not math.isfinite(x):
        return "many times"
    if x >= 1e6:
        return f"{format_loss(x)} times"
    return f"{x:,.0f}x" if x >= 10 else f"{x:.2g}x"


def format_epochs(low: int, high: int | None = None) -> str:
    """An epoch or a range over seeds: "epoch 14", "epochs 12-16"."""
    return f"epoch {low}" if high is None or high == low else f"epochs {low}-{high}"


def format_value(kind: Any, value: Hashable) -> str:
    """A swept value as people write it, by the kind's formatter (`dlviz.kinds.Kind.formatter`): a learning rate in
    decimals, a batch size as a count; "" for the epochs page's one value (None)."""
    return "" if value is None else kind.formatter(value)


def value_label(kind: Any, value: Hashable) -> str:
    """The one label of a swept value, in legends, choices and downloads: "lr 0.01", "batch 32", "" on the epochs
    page."""
    return f"{kind.prefix}{format_value(kind, value)}".strip()


def value_name(kind: Any, value: Hashable) -> str:
    """In a sentence: "learning rate 0.01", "batch size 32"; "the run" for the epochs page's one value."""
    return f"{kind.noun} {format_value(kind, value)}" if value is not None else "the run"


def join_words(words: Sequence[str]) -> str:
    """"0.001, 0.01 and 0.1"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def join_counts(counts: Sequence[int]) -> str:
    """"16, 64 and 1,024"."""
    return join_words([format_count(c) for c in counts])


def join_values(kind: Any, values: Sequence[Hashable]) -> str:
    """Swept values joined as in `join_words`."""
    return join_words([format_value(kind, v) for v in values])


def seeds_text(n: int) -> str:
    return "1 seed" if n == 1 else f"{n} seeds"


def loss_range(mean: float, low: float, high: float, n: int, fmt: Callable[[float], str] = format_loss) -> str:
    """"0.446 (0.440-0.452 over 3 seeds)", "0.446 (on all 3 seeds)", or "0.446" with one seed."""
    if n <= 1:
        return fmt(mean)
    if fmt(low) == fmt(high):
        return f"{fmt(mean)} (on all {n} seeds)"
    return f"{fmt(mean)} ({fmt(low)}-{fmt(high)} over {n} seeds)"
