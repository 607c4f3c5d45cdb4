"""The learning-rate range test figure (Smith 2017; fastai's `lr_find`): loss against a growing learning rate, on
several seeds, with the interval their suggestions span."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.text.format import format_lr


def range_band_figure(results: Sequence, interval: tuple[float, float], *, seeds: Sequence[int],
                      answers: bool = True, presenter: bool = False) -> go.Figure:
    """The learning-rate range test on several seeds: each seed's smoothed training loss (thin) against the learning
    rate (log axis, growing at every update), the band between the seeds' lowest and highest, and the suggested
    interval shaded (the span of the seeds' suggestions).

    Args:
        results: `engine.lr_finder.FinderResult`s, one per seed, on the same learning-rate schedule.
        interval: the suggested (low, high) learning rates; seeds: the seeds of `results`, in order.
        answers: False while a teacher hides the answers: the curves and the band only.
        presenter: presenter mode's sizes.
    Returns:
        The figure."""
    s = style.sizes(presenter)
    longest = max(results, key=lambda r: len(r.smoothed))
    rates = np.asarray(longest.learning_rates, dtype=float)
    stacked = np.full((len(results), len(rates)), np.nan)
    for k, result in enumerate(results):
        stacked[k, :len(result.smoothed)] = result.smoothed
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=rates, y=np.nanmin(stacked, axis=0), mode="lines", line=dict(width=0),
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=rates, y=np.nanmax(stacked, axis=0), mode="lines", line=dict(width=0),
                             fill="tonexty", fillcolor=style.rgba("#5c2d91", 0.2), name=f"band: {len(results)} seeds",
                             hoverinfo="skip"))
    for seed, result, color in zip(seeds, results, style.value_colors(len(results))):
        fig.add_trace(go.Scatter(x=result.learning_rates, y=result.smoothed, mode="lines",
                                 name=f"seed {seed}", line=dict(color=color, width=s.thin + 1),
                                 hovertemplate=f"seed {seed}<br>lr %{{x:.3~r}}<br>smoothed loss %{{y:.4f}}"
                                               "<extra></extra>"))
    if answers:
        low, high = interval
        best = style.BEST_COLOR
        fig.add_vrect(x0=low, x1=high, fillcolor=style.rgba(best, 0.25), line=dict(color=best, width=2))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(symbol="square", size=s.marker,
                                                                                 color=style.rgba(best, 0.5)),
                                 name=f"suggested: lr {format_lr(low)} to {format_lr(high)} "
                                      f"({longest.suggestion_rule} of each seed)"))
    layout = style.layout(fig.data, title="Learning-rate range test on every seed: the learning rate growing at every "
                          "update", subtitle="thin: each seed's smoothed loss, band: lowest to highest across the "
                          "seeds",
                          presenter=presenter, legend_at="bottom")
    # Not a page's first chart: the rows of its legend under the plot are added to the height, not taken from the plot.
    fig.update_layout(layout, height=layout["height"] + layout["margin"]["b"] - 60)
    # Decade ticks only (dtick=1), printed as powers of ten: no digit-only minor labels.
    fig.update_xaxes(title_text="Learning rate (log scale)", type="log", exponentformat="power", dtick=1,
                     hoverformat=".3~r")
    fig.update_yaxes(title_text="Training loss", tickformat=".2~f")
    # The loss axis' top a little above where the tests started, so the fall fills the chart and the blow-up leaves
    # through the top instead of squashing it.
    finite = np.concatenate([r.smoothed for r in results])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        fig.update_yaxes(range=[0.9 * float(finite.min()), float(min(1.08 * finite.max(),
                                                                      1.5 * max(finite[0], finite.min())))])
    return fig
