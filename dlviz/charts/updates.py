"""Per-update training loss (the batch page): small multiples, one panel per batch size on a shared loss axis, each
one seed's loss at every weight update (thin) and its moving average (thick).

Batch 8 makes 800 updates an epoch against batch 512's 13: overlaid, batch 8's spikes hide every other line; side by
side on one y-axis, each stays readable and the noise can still be compared.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.runs import RunHistory
from dlviz.smoothing import centred_mean

_MAX_WINDOW = 25
_COLUMN_GAP = 0.05  # between panels, a share of the plot's width


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def update_loss_figure(groups: Mapping[str, Sequence[RunHistory]], *, x_axis: str = "updates", log_x: bool = False,
                       max_points: int = 1500, x_max: int | None = None, presenter: bool = False) -> go.Figure:
    """The training loss of every weight update: one panel per value, all on one loss axis (and one x-axis, so a big
    batch's few updates end early on the same scale). Each panel draws its value's first seed: every update's batch
    loss thinly (every k-th past `max_points`, said in the panel's title) and, thickly, its centred moving average
    over up to 25 updates (`smoothing.centred_mean` of every update). The loss axis ends above the 99.5th percentile
    of the runs that did not diverge, so a few single-batch spikes do not squash every curve.

    Args:
        groups: `{label: [RunHistory per seed]}` in value order (`curves.group_runs`).
        x_axis: "updates" (weight updates), or "epoch" (updates / updates per epoch); log_x: a log x-axis.
        max_points: at most this many points of a panel are sent to the browser.
        x_max: the requested epochs (the x range); presenter: presenter mode's sizes.
    Returns:
        The figure (float32 arrays).
    Raises:
        ValueError: no groups."""
    if not groups:
        raise ValueError("update_loss_figure needs at least one value")
    s = style.sizes(presenter)
    cols = 1 if len(groups) == 1 else 2 if len(groups) <= 6 else 3  # titles need half the width
    rows = math.ceil(len(groups) / cols)
    updates = x_axis == "updates"
    traces, titles, seeds, highs, x_low, x_high = [], [], set(), [], math.inf, 1.0
    for k, ((label, runs), color) in enumerate(zip(groups.items(), style.value_colors(len(groups)))):
        history, n = runs[0], f"{k + 1 if k else ''}"
        seeds.add(history.spec.seed)
        losses = np.asarray(history.update_loss, dtype=np.float64)
        losses = np.where(np.isfinite(losses), losses, np.nan)
        per_epoch = max(1, history.updates_per_epoch)
        window = max(1, min(_MAX_WINDOW, len(losses) // 5))
        step = max(1, math.ceil(len(losses) / max_points))
        if np.isfinite(losses).any() and not history.diverged:
            highs.append(float(np.nanpercentile(losses, 99.5)))
        x_high = max(x_high, (x_max or history.spec.epochs) * (per_epoch if updates else 1))
        x_low = min(x_low, 1.0 if updates else 1.0 / per_epoch)
        titles.append(f"{label}: " + (f"all {len(losses):,} updates" if step == 1 else
                                      f"every {_ordinal(step)} of {len(losses):,} updates drawn"))
        xs = (np.arange(1, len(losses) + 1)[::step] / (1 if updates else per_epoch)).astype(np.float32)
        hover = f"{label}<br>{'update %{x:,}' if updates else 'epoch %{x:.2f}'}<br>batch loss"
        panel = dict(mode="lines", showlegend=False, xaxis=f"x{n}", yaxis=f"y{n}")
        traces += [go.Scatter(x=xs, y=losses[::step].astype(np.float32), opacity=0.35, name=f"{label} each update",
                              line=dict(color=color, width=s.thin), hovertemplate=f"{hover} %{{y:.4f}}<extra></extra>",
                              **panel),
                   go.Scatter(x=xs, y=centred_mean(losses, window, skip_missing=True)[::step].astype(np.float32),
                              name=label, line=dict(color=color, width=s.line), **panel,
                              hovertemplate=f"{hover}, moving average over {window} updates: %{{y:.4f}}"
                                            "<extra></extra>")]
    seed_text = f"seed {seeds.pop()}" if len(seeds) == 1 else "one seed per batch size"
    layout = style.layout(title="Training loss at every weight update", presenter=presenter, legend=False,
                          subtitle=f"{seed_text}; thin: each update's loss, thick: its moving average over up to "
                                   f"{_MAX_WINDOW} updates; one panel per value, same loss axis",
                          height=max(360, 210 * rows + 110), extra_top=round(1.5 * s.text), axes=len(groups))
    # Rows of panels a fixed number of px apart, whatever the height (a share of it, as make_subplots spaces them, is
    # too little for the upper panels' tick labels and the lower panels' titles in presenter mode's capped height).
    plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    gap = min(0.5 / max(1, rows - 1), round(1.4 * s.tick + 1.5 * s.text + 12) / plot_h)
    height, width = (1 - (rows - 1) * gap) / rows, (1 - (cols - 1) * _COLUMN_GAP) / cols
    x_settings = style.log_axis(x_low, x_high, counts=updates) if log_x else dict(
        range=[0, x_high], tickformat=",~r" if updates else "~r", hoverformat=",~r")
    x_title = style.log_title("Weight update" if updates else "Epoch (fraction of the data seen)", log_x)
    annotations = []
    for k, title in enumerate(titles):  # one panel: its axes (ticks on every panel, one shared range) and its title
        (row, col), n = divmod(k, cols), f"{k + 1 if k else ''}"
        left, top = col * (width + _COLUMN_GAP), 1 - row * (height + gap)
        layout[f"xaxis{n}"].update(domain=[left, left + width], anchor=f"y{n}", **x_settings,
                                   **({"matches": "x"} if k else {}),
                                   **({"title_text": x_title} if k + cols >= len(titles) else {}))
        layout[f"yaxis{n}"].update(domain=[max(0.0, top - height), top], anchor=f"x{n}", showticklabels=col == 0,
                                   **({"matches": "y"} if k else {}), **({} if col else {"title_text": "Batch loss"}),
                                   **(dict(range=[0, 1.1 * max(highs)], tickformat=".2~f") if highs else {}))
        annotations.append(dict(text=title, x=left + width / 2, y=top, xref="paper", yref="paper", xanchor="center",
                                yanchor="bottom", showarrow=False, font=dict(size=s.text)))
    return go.Figure(data=traces, layout=dict(layout, annotations=annotations))
