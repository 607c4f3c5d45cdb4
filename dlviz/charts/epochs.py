"""The epochs page's figure: one value over seeds, loss | accuracy side by side, with the learner's stop, the
findings' marks and where EarlyStopping would stop."""

from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlviz.charts import style
from dlviz.charts.curves import (BEST_KEY, FINAL, KINDS, Band, Marks, browser_floats, overfit_traces, seed_band,
                                 short_y_titles, star_point)
from dlviz.runs import RunHistory

EPOCH_COLORS = {"training": "#1b3a8c", "validation": "#d9480f"}


def epochs_figure(runs: Sequence[RunHistory], *, marks: Marks | None = None, stop_epoch: int | None = None,
                  early_stop_epoch: int | None = None, x_max: int | None = None, each_seed: bool = False,
                  answers: bool = True, presenter: bool = False) -> go.Figure:
    """One long run over seeds: loss (left panel) and accuracy (right), training solid and validation dashed, each a
    mean with a min–max band (or every seed thinly). `marks` as in `curves_figure`; `stop_epoch` a dotted line (the
    learner's stop), `early_stop_epoch` a dash-dot line (where EarlyStopping would stop). Overfitting is hatched between
    the two curves of each panel (one legend entry). `answers=False` (hidden by a teacher) draws neither the
    marks nor the EarlyStopping line; the learner's own stop stays. The panels are far enough apart (more in
    presenter mode) that the "Accuracy" title cannot reach the loss panel. Raises ValueError for no runs."""
    if not runs:
        raise ValueError("epochs_figure needs at least one run")
    if not answers:
        marks, early_stop_epoch = None, None
    s = style.sizes(presenter)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.16 if presenter else 0.12)
    multi = len(runs) > 1
    overfit_drawn = False
    for col, metric in ((1, "loss"), (2, "accuracy")):
        means: dict[str, Band] = {}
        for kind, prefix, dash in KINDS:
            color = EPOCH_COLORS[kind]
            band = means[kind] = seed_band(runs, prefix + metric)
            fmt = ".1%" if metric == "accuracy" else ".4f"
            edge = dict(mode="lines", line=dict(width=0, color=color), showlegend=False, hoverinfo="skip", meta=1)
            if multi and not each_seed:
                fig.add_trace(go.Scatter(x=band.epochs, y=browser_floats(band.low), name=f"{kind} min", **edge),
                              row=1, col=col)
                fig.add_trace(go.Scatter(x=band.epochs, y=browser_floats(band.high), name=f"{kind} max",
                                         fill="tonexty", fillcolor=style.rgba(color, 0.18), **edge), row=1, col=col)
            if multi and each_seed:
                for h, curve in zip(runs, band.seeds):
                    fig.add_trace(go.Scatter(x=band.epochs, y=browser_floats(curve), mode="lines", showlegend=False,
                                             opacity=0.55, line=dict(color=color, width=s.thin, dash=dash),
                                             name=f"{kind} seed {h.spec.seed}", meta=1,
                                             hovertemplate=f"{kind} {metric}, seed {h.spec.seed}<br>epoch %{{x}}: "
                                                           f"%{{y:{fmt}}}<extra></extra>"), row=1, col=col)
            fig.add_trace(go.Scatter(
                x=band.epochs, y=browser_floats(band.mean), mode="lines", name=kind, legendgroup=kind,
                showlegend=col == 1, line=dict(color=color, width=s.line, dash=dash), meta=1,
                hovertemplate=f"{kind} {metric}{' (mean)' if multi else ''}<br>epoch %{{x}}: %{{y:{fmt}}}"
                              "<extra></extra>"), row=1, col=col)
        star_x, star_y, star_text = star_point(runs, marks, metric)
        fig.add_trace(go.Scatter(
            x=star_x, y=star_y, mode="markers", name="lowest validation loss", showlegend=False,
            legendgroup="best", meta=FINAL,
            marker=dict(symbol="star", size=s.star, color="#2b8a3e", line=dict(color="black", width=1)),
            hovertemplate=f"epoch %{{x}}<br>{star_text}<extra></extra>"), row=1, col=col)
        if marks is not None and marks.overfit is not None:
            hatched = overfit_traces(means["training"], means["validation"], marks.overfit, label="the run",
                                     color=EPOCH_COLORS["validation"], name="overfitting", in_legend=col == 1)
            for trace in hatched:
                fig.add_trace(trace, row=1, col=col)
            overfit_drawn = overfit_drawn or bool(hatched)
        if stop_epoch is not None:
            fig.add_vline(x=stop_epoch, line=dict(color="#495057", width=2, dash="dot"), row=1, col=col)
        if early_stop_epoch is not None:
            fig.add_vline(x=early_stop_epoch, line=dict(color="#2b8a3e", width=2, dash="dashdot"), row=1, col=col)
    parts = [(f"thin: each of {len(runs)} seeds" if each_seed else
              f"lines: mean of {len(runs)} seeds, band: min–max") if multi else "",
             "solid: training, dashed: validation",
             BEST_KEY if marks is not None and marks.best_epoch is not None else "",
             "hatched: overfitting" if overfit_drawn else "",
             "dotted: your stop epoch" if stop_epoch is not None else "",
             "dash-dot: EarlyStopping would stop" if early_stop_epoch is not None else ""]
    style.apply_layout(fig, title="One long run: where does validation turn?", presenter=presenter,
                       subtitle=style.key_line(parts, s.smallest + 1, style.PLANNED_WIDTH[presenter]))
    x_high = x_max or max(h.epochs_run for h in runs)
    fig.update_xaxes(title_text="Epoch", range=[0, x_high], tickformat="d", **style.whole_number_ticks(x_high))
    # Each panel's y title sits in the gap left of its own axis.
    fig.update_yaxes(title_text="Loss (binary cross-entropy)", tickformat=".2~f", row=1, col=1)
    fig.update_yaxes(title_text="Accuracy", tickformat=".0%", hoverformat=".1%", row=1, col=2)
    if presenter:
        short_y_titles(fig)
    return fig
