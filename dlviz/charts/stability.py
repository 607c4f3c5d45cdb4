"""The edge-of-stability figures: full-batch runs' loss and sharpness against each run's threshold, replayed step
by step; and gradient descent on a one-dimensional valley."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlviz.analysis.stability import valley_iterates
from dlviz.charts import style
from dlviz.charts.animation import replay
from dlviz.text.format import format_lr


def stability_figure(runs: Sequence, *, adam: bool = False, presenter: bool = False) -> go.Figure:
    """The edge of stability (Cohen et al. 2021, 2022), replayed step by step (`animation.replay`): each run's
    training loss per full-batch step (left) and its sharpness, the Hessian's top eigenvalue (right, log axis),
    against its own threshold (dashed, same colour): 2/lr, or with `adam` the preconditioned sharpness against 38/lr.

    Args:
        runs: `engine.stability.StabilityRun`s in learning-rate order (only their arrays and numbers are read).
        adam: the runs used Adam; presenter: presenter mode's sizes.
    Returns:
        The replay figure.
    Raises:
        ValueError: no runs."""
    if not runs:
        raise ValueError("stability_figure needs at least one run")
    s = style.sizes(presenter)
    line = "38/lr" if adam else "2/lr"
    steps = max(len(r.losses) - 1 for r in runs)
    traces = []
    for run, color in zip(runs, style.value_colors(len(runs))):
        name = f"lr {format_lr(run.spec.learning_rate)}"
        traces += [
            go.Scatter(x=np.arange(len(run.losses)), y=run.losses, mode="lines", name=name, legendgroup=name,
                       line=dict(color=color, width=s.line), meta=1,
                       hovertemplate=f"{name}<br>step %{{x}}: loss %{{y:.4f}}<extra></extra>"),
            go.Scatter(x=run.sharpness_steps, y=run.sharpness, mode="lines+markers", name=name, legendgroup=name,
                       showlegend=False, meta=1, line=dict(color=color, width=s.line), marker=dict(size=s.marker // 3),
                       hovertemplate=f"{name}<br>step %{{x}}: sharpness %{{y:.3~r}}<extra></extra>",
                       xaxis="x2", yaxis="y2"),
            go.Scatter(x=[0, steps], y=[run.spec.threshold] * 2, mode="lines", name=f"{line} of {name}",
                       line=dict(color=color, width=s.thin + 1, dash="dash"), legendgroup=name, showlegend=False,
                       hovertemplate=f"{line} = %{{y:.3~r}} for {name}<extra></extra>", xaxis="x2", yaxis="y2")]
    what, of = (("preconditioned sharpness", "λmax of P⁻¹ᐟ²HP⁻¹ᐟ²") if adam else
                ("sharpness", "the Hessian’s top eigenvalue"))
    layout = style.layout(traces, title=f"Full-batch {'Adam' if adam else 'gradient descent'}: loss, and {what} "
                          f"against {line}", presenter=presenter, axes=2,
                          subtitle=f"right: {what} ({of}), dashed: {line} in the same colour")
    gap = 0.16 if presenter else 0.12  # between the two panels, as a fraction of the plot's width
    span = style.finite_range([v for r in runs for v in (*r.sharpness, r.spec.threshold)], positive=True)
    for n, domain in (("", [0, (1 - gap) / 2]), ("2", [(1 + gap) / 2, 1])):
        layout[f"xaxis{n}"].update(domain=domain, anchor=f"y{n}", title=dict(text="Step"), range=[0, steps])
    layout["yaxis"].update(anchor="x", title=dict(text="Training loss"), tickformat=".2~f")
    layout["yaxis2"].update(anchor="x2", title=dict(text="Sharpness (log)"), **style.log_axis(*span))
    fig = go.Figure(data=traces, layout=layout)
    return replay(fig, steps, unit="step", presenter=presenter)


def valley_figure(*, presenter: bool = False) -> go.Figure:
    """Gradient descent on f(x) = λx²/2 from x = 1, one panel per step size: 0.3/λ (creeps), 1.6/λ (overshoots,
    converges) and 2.1/λ (overshoots further each step, diverges); each draws the valley and the iterates, numbered.
    Drawn at λ = 1: the iterates x_t = (1 − lr·λ)ᵗ do not depend on λ and f only scales with it (the y-axis has no
    ticks), so the picture is the same for every network's sharpness; the caption states the page's λ.

    Args:
        presenter: presenter mode's sizes.
    Returns:
        The figure."""
    s = style.sizes(presenter)
    cases = [(0.3, "lr < 1/λ: creeps down"), (1.6, "1/λ < lr < 2/λ: overshoots, converges"),
             (2.1, "lr > 2/λ: diverges")]
    fig = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in cases], horizontal_spacing=0.06)
    grid = np.linspace(-1.6, 1.6, 81)
    for col, (factor, _) in enumerate(cases, start=1):
        xs = valley_iterates(1.0, factor, steps=5)
        fig.add_trace(go.Scatter(x=grid, y=grid ** 2 / 2, mode="lines", showlegend=False,
                                 line=dict(color="#adb5bd", width=s.thin + 1), hoverinfo="skip"), row=1, col=col)
        fig.add_trace(go.Scatter(x=xs, y=xs ** 2 / 2, mode="lines+markers+text", showlegend=False,
                                 text=[str(t) for t in range(len(xs))], textposition="top center",
                                 line=dict(color=style.PALETTE[col], width=s.thin + 1),
                                 marker=dict(size=s.marker * 2 // 3),
                                 hovertemplate=f"lr = {factor:g}/λ<br>x = %{{x:.3f}}<extra></extra>"), row=1, col=col)
    fig.update_layout(style.layout(fig.data, title="One valley, three steps: f(x) = λx²/2",
                                   subtitle="numbers: the iterates x₀, x₁, …; each step x ← (1 − lr·λ)·x",
                                   presenter=presenter, legend=False, height=360, extra_top=20, axes=3))
    fig.update_xaxes(range=[-1.7, 1.7], title_text="x")
    fig.update_yaxes(range=[0, 2.1 ** 2 / 2], showticklabels=False)
    fig.update_annotations(font_size=s.smallest)
    return fig
