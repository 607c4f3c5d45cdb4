"""The learning-rate range test figure (Smith 2017; fastai's `lr_find`): loss against a growing learning rate."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.text.format import format_loss, format_lr

BEST_COLOR = style.BEST_COLOR


def _finite(values: Sequence[float]) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(v) else None for v in values]


def lr_finder_figure(result, *, answers: bool = True, presenter: bool = False) -> go.Figure:
    """The learning-rate range test: each update's loss (thin) and its smoothed curve (thick) against the learning
    rate on a log axis, with the lowest smoothed loss, the steepest fall and the suggestion marked (each legend entry
    says "at lr 0.043": the number is a learning rate).

    Args:
        result: a `dlviz.engine.lr_finder.FinderResult` (only its arrays and numbers are read).
        answers: False while a teacher hides them: the two curves only, no marks, suggestion or stop mark.
        presenter: large fonts and lines.

    Returns:
        The figure."""
    rates = np.asarray(result.learning_rates, dtype=float)
    smoothed = np.asarray(result.smoothed, dtype=float)
    losses = np.asarray(result.losses, dtype=float)
    s = style.sizes(presenter)
    fig = go.Figure()
    # Every hover and legend entry names its numbers' kinds: learning rates as "lr 0.01" (format_lr's plain
    # decimals; d3's "~r" for the per-point hovers), losses as "loss 0.35".
    fig.add_trace(go.Scatter(x=rates, y=_finite(losses), mode="lines", name="each batch", opacity=0.35,
                             line=dict(color="#5c2d91", width=1),
                             hovertemplate="lr %{x:.3~r}<br>batch loss %{y:.4f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=rates, y=_finite(smoothed), mode="lines", name="smoothed",
                             line=dict(color="#5c2d91", width=s.line),
                             hovertemplate="lr %{x:.3~r}<br>smoothed loss %{y:.4f}<extra></extra>"))
    if not answers:
        _layout(fig, smoothed, presenter)
        return fig

    def at(rate: float) -> float:
        return float(np.interp(math.log10(rate), np.log10(rates), smoothed))

    marks = [(result.min_loss_lr, "lowest smoothed loss", "circle", "#2b8a3e"),
             (result.steepest_lr, "steepest fall", "diamond", "#1c7ed6")]
    for rate, name, symbol, color in marks:
        fig.add_trace(go.Scatter(x=[rate], y=[at(rate)], mode="markers", name=mark_name(name, rate),
                                 marker=dict(symbol=symbol, size=s.marker, color=color,
                                             line=dict(color="black", width=1)),
                                 hovertemplate=f"{name} at lr {format_lr(rate)}<br>smoothed loss there "
                                               f"{format_loss(at(rate))}<extra></extra>"))
    fig.add_vline(x=result.suggestion, line=dict(color=BEST_COLOR, width=3, dash="dash"))
    fig.add_trace(go.Scatter(x=[result.suggestion], y=[at(result.suggestion)], mode="markers",
                             name=f"suggested: lr {format_lr(result.suggestion)} ({result.suggestion_rule})",
                             marker=dict(symbol="star", size=s.star, color=BEST_COLOR,
                                         line=dict(color="black", width=1)),
                             hovertemplate=f"suggested learning rate: lr {format_lr(result.suggestion)}"
                                           "<extra></extra>"))
    if result.stopped_early and len(rates):
        fig.add_trace(go.Scatter(x=[rates[-1]], y=_finite([min(smoothed[-1], _finder_top(smoothed))]),
                                 mode="markers", name="✕ stopped: the loss blew up", cliponaxis=False,
                                 marker=dict(symbol="x", size=s.marker + 2, color="#c92a2a",
                                             line=dict(color="black", width=1)),
                                 hovertemplate=f"stopped at lr {format_lr(rates[-1])}: {result.stop_reason}"
                                               "<extra></extra>"))
    _layout(fig, smoothed, presenter)
    return fig


def mark_name(what: str, rate: float) -> str:
    """A legend entry for a mark at a learning rate: "lowest smoothed loss at lr 0.043" (the number is a rate)."""
    return f"{what} at lr {format_lr(rate)}"


def _layout(fig: go.Figure, smoothed: np.ndarray, presenter: bool) -> None:
    """Title, key, log learning-rate axis and a loss axis fitted to the smoothed curve."""
    style.apply_layout(fig, title="Learning-rate range test: one run, the learning rate growing at every update",
                       subtitle="thin: each batch's loss, thick: its moving average", presenter=presenter,
                       legend_at="bottom")
    # Not a page's first chart: the rows of its legend under the plot are added to the height, not taken from the plot.
    fig.update_layout(height=fig.layout.height + fig.layout.margin.b - 60)
    # Decade ticks only (dtick=1), printed as powers of ten: no digit-only minor labels.
    fig.update_xaxes(title_text="Learning rate (log scale)", type="log", exponentformat="power", dtick=1,
                     hoverformat=".3~r")
    fig.update_yaxes(title_text="Training loss", tickformat=".2~f")
    finite = smoothed[np.isfinite(smoothed)]
    if finite.size:
        fig.update_yaxes(range=[0.9 * float(finite.min()), _finder_top(smoothed)])


def _finder_top(smoothed: np.ndarray) -> float:
    """The loss axis' top: a little above where the test started, so the fall fills the chart and the blow-up
    leaves through the top instead of squashing it (a ✕ on the top edge marks where the test stopped)."""
    finite = smoothed[np.isfinite(smoothed)]
    if not finite.size:
        return 1.0
    return float(min(1.08 * finite.max(), 1.5 * max(finite[0], finite.min())))
