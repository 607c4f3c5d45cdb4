"""The batch page's fair-comparison panels: the gradient noise scale over epochs, the isolation plot, and the weight
updates to reach a target loss (pure functions of `dlviz.analysis.batch_fair`'s findings)."""

from __future__ import annotations

import math
from typing import Sequence

import plotly.graph_objects as go

from dlviz.analysis.batch_fair import Isolation, NoiseCurve, StepsToTarget
from dlviz.analysis.compare import ValueStat
from dlviz.charts.style import finite_range, layout, log_axis, rgba, sizes, value_colors
from dlviz.text.batch_fair import about
from dlviz.text.findings import statistic_label
from dlviz.text.format import format_lr


def noise_figure(found: Sequence[NoiseCurve], *, presenter: bool = False) -> go.Figure:
    """The gradient noise scale B_simple (rows, log axis) per epoch of each batch size's runs: the seeds' geometric
    mean with a min–max band, and the batch size itself as a dotted line in its colour.

    Args:
        found: one `analysis.batch_fair.NoiseCurve` per batch size; presenter: presenter mode's sizes.
    Returns:
        The figure."""
    s, fig = sizes(presenter), go.Figure()
    for curve, color in zip(found, value_colors(len(found))):
        epochs = list(range(len(curve.mean)))
        edge = dict(x=epochs, mode="lines", line=dict(width=0, color=color), hoverinfo="skip", showlegend=False)
        fig.add_trace(go.Scatter(y=curve.low, **edge))
        fig.add_trace(go.Scatter(y=curve.high, fill="tonexty", fillcolor=rgba(color, 0.15), **edge))
        fig.add_trace(go.Scatter(x=epochs, y=curve.mean, name=f"batch {curve.batch_size:,}", mode="lines+markers",
                                 line=dict(color=color, width=s.line), marker=dict(size=s.marker // 2),
                                 hovertemplate="epoch %{x}: B_simple %{y:,.0f}<extra></extra>"))
        fig.add_hline(y=curve.batch_size, line=dict(color=color, width=s.thin + 0.5, dash="dot"))
    span = finite_range([v for c in found for v in (*c.low, *c.high, c.batch_size)], positive=True) or (1.0, 10.0)
    fig.update_yaxes(title="B_simple (rows)", **log_axis(*span, counts=True))
    fig.update_xaxes(title="epoch", rangemode="tozero")
    return fig.update_layout(layout(fig.data, title="Gradient noise scale B_simple per epoch", presenter=presenter,
                                    subtitle="solid: each batch's runs (band: seeds) · dotted: the batch size itself",
                                    height=420))


def _points(stats: Sequence[ValueStat]) -> dict:
    shown = [v for v in stats if v.finite]
    return dict(x=[v.value for v in shown], y=[v.mean for v in shown],
                error_y=dict(type="data", symmetric=False, array=[v.high - v.mean for v in shown],
                             arrayminus=[v.mean - v.low for v in shown], thickness=1.5, width=6))


def _batch_axis(values: Sequence[float]) -> dict:
    """A log batch-size axis ticked at the values themselves."""
    return dict(log_axis(min(values), max(values), counts=True, pad=0.12), title="batch size (rows)",
                tickvals=list(values), ticktext=[f"{v:,.0f}" for v in values])


def isolation_figure(found: Isolation, *, presenter: bool = False) -> go.Figure:
    """Lowest validation loss (seeds' mean, bars: min–max) against batch size (log axis), at the lesson's learning
    rate (dashed) and at each batch size's own best rate (each point labelled with it).

    Args:
        found: the `analysis.batch_fair.Isolation` findings; presenter: presenter mode's sizes.
    Returns:
        The figure."""
    s, fig = sizes(presenter), go.Figure()
    fixed, own = value_colors(2)
    fig.add_trace(go.Scatter(**_points(found.at_fixed.stats), name=f"lr {format_lr(found.fixed_rate)} (the lesson's)",
                             mode="lines+markers", line=dict(color=fixed, width=s.line, dash="dash"),
                             marker=dict(size=s.marker)))
    labels = {b.batch_size: f"lr {format_lr(b.best_rate)}" for b in found.batches if b.best_rate is not None}
    stats = [v for v in found.at_own.stats if v.finite]
    fig.add_trace(go.Scatter(**_points(stats), name="its own best rate", mode="lines+markers+text",
                             text=[labels[v.value] for v in stats], textposition="bottom center",
                             textfont=dict(size=s.smallest, color=own), line=dict(color=own, width=s.line),
                             marker=dict(size=s.marker, symbol="diamond")))
    fig.update_xaxes(**_batch_axis([b.batch_size for b in found.batches]))
    fig.update_yaxes(title="lowest validation loss")
    n_seeds = found.at_fixed.n_seeds
    said = f"lowest validation loss, {statistic_label(n_seeds)}; bars: each seed's value there, min to max"
    return fig.update_layout(layout(fig.data, title="Lowest validation loss: the lesson's rate against each batch's "
                                    "own", subtitle=said, presenter=presenter, height=420, legend_at="bottom"))


def steps_figure(found: StepsToTarget, *, presenter: bool = False) -> go.Figure:
    """Weight updates to first reach the target validation loss (seeds' mean, bars: min–max) against batch size,
    log-log, with the perfect-scaling line (updates ∝ 1/batch) through the smallest batch size that reached it and
    B_simple as a dotted vertical line.

    Args:
        found: the `analysis.batch_fair.StepsToTarget` findings; presenter: presenter mode's sizes.
    Returns:
        The figure."""
    s, fig = sizes(presenter), go.Figure()
    reached = [v for v in found.updates if v.finite]
    line, dots = value_colors(2)
    batches = [v.value for v in found.updates]
    if reached:
        first = reached[0]
        ideal = [first.mean * first.value / b for b in batches if b >= first.value]
        fig.add_trace(go.Scatter(x=[b for b in batches if b >= first.value], y=ideal, mode="lines",
                                 name="perfect scaling", line=dict(color="#868e96", width=s.thin + 1, dash="dash")))
        fig.add_trace(go.Scatter(**_points(reached), name="updates to the target", mode="lines+markers",
                                 line=dict(color=dots, width=s.line), marker=dict(size=s.marker)))
        y_span = finite_range([*ideal, *(v.low for v in reached), *(v.high for v in reached)], positive=True)
        fig.update_yaxes(title="weight updates", **log_axis(*y_span, counts=True))
        if math.isfinite(found.noise_scale):
            fig.add_trace(go.Scatter(x=[found.noise_scale] * 2, y=list(y_span), mode="lines",
                                     name=f"B_simple ≈ {about(found.noise_scale)}",
                                     line=dict(color=line, width=s.thin + 1, dash="dot")))
            batches = batches + [found.noise_scale]
    fig.update_xaxes(**_batch_axis(batches))
    return fig.update_layout(layout(fig.data, title="Weight updates to reach validation loss "
                                    + (f"{found.target:.3f}" if math.isfinite(found.target) else "(no target)"),
                                    subtitle="mean over seeds, bars from min to max · read at the end of each epoch",
                                    presenter=presenter, height=420, legend_at="bottom"))
