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
from plotly.subplots import make_subplots

from dlviz.charts import style
from dlviz.runs import RunHistory
from dlviz.smoothing import centred_mean

MAX_WINDOW = 25


def thin_step(n: int, max_points: int) -> int:
    """Every how many updates to draw so that at most `max_points` of `n` are sent to the browser (1 = all)."""
    return max(1, int(math.ceil(n / max_points))) if max_points > 0 else 1


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def drawn_note(step: int, n: int) -> str:
    """What a panel draws: 'all 100 updates' or 'every 4th of 6,400 updates drawn'."""
    return f"all {n:,} updates" if step == 1 else f"every {_ordinal(step)} of {n:,} updates drawn"


def update_loss_figure(groups: Mapping[str, Sequence[RunHistory]], *, x_axis: str = "updates", log_x: bool = False,
                       log_y: bool = False, max_points: int = 1500,
                       x_max: int | None = None, seed_index: int = 0, columns: int | None = None,
                       presenter: bool = False) -> go.Figure:
    """The loss of every weight update: one panel per value, sharing the y-axis (and the x-axis, so a big batch's few
    updates end early on the same scale).

    Each panel draws run `seed_index` of its value: every update's loss thinly (every k-th above `max_points`, said in
    its title) and a centred moving average of up to 25 updates thickly (`smoothing.centred_mean`, on all updates).

    Args:
        groups: `{label: [RunHistory per seed]}`, in order.
        x_axis: "updates", or "epoch" (updates / updates per epoch); log_x: a log x-axis.
        log_y: a log loss axis; max_points: points drawn per panel.
        x_max: the requested epochs (fixes the x range); columns: panels per row (default: by count).
        presenter: large fonts and lines.

    Returns:
        The figure (float32 arrays).

    Raises:
        ValueError: no groups."""
    if not groups:
        raise ValueError("update_loss_figure needs at least one value")
    s = style.sizes(presenter)
    labels = list(groups)
    cols = columns or (1 if len(labels) == 1 else 2 if len(labels) <= 6 else 3)  # titles need half the width
    rows = math.ceil(len(labels) / cols)
    panels, seeds, highs, x_high, x_low = [], set(), [], 1.0, math.inf
    for label, color in zip(labels, style.value_colors(len(labels))):
        runs = groups[label]
        history = runs[min(seed_index, len(runs) - 1)]
        seeds.add(history.spec.seed)
        losses = np.asarray(history.update_loss, dtype=np.float64)
        per_epoch = max(1, history.updates_per_epoch)
        losses = np.where(np.isfinite(losses), losses, np.nan)
        xs = np.arange(1, len(losses) + 1, dtype=np.float64)
        if x_axis == "epoch":
            xs = xs / per_epoch
        window = max(1, min(MAX_WINDOW, len(losses) // 5))
        smooth = centred_mean(losses, window, skip_missing=True)
        step = thin_step(len(losses), max_points)
        if np.isfinite(losses).any() and not history.diverged:
            highs.append(float(np.percentile(losses[np.isfinite(losses)], 99.5)))
        epochs = x_max or history.spec.epochs
        x_high = max(x_high, epochs * (per_epoch if x_axis == "updates" else 1))
        x_low = min(x_low, 1.0 if x_axis == "updates" else 1.0 / per_epoch)
        panels.append((label, color, xs[::step], losses[::step], smooth[::step], window,
                       f"{label}: {drawn_note(step, len(losses))}"))
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes="all", shared_xaxes="all",
                        subplot_titles=[p[-1] for p in panels], horizontal_spacing=0.05,
                        vertical_spacing=0.16 if rows > 1 else 0.1)
    unit = "update" if x_axis == "updates" else "epoch"
    for k, (label, color, xs, raw, smooth, window, _) in enumerate(panels):
        where = dict(row=k // cols + 1, col=k % cols + 1)
        fig.add_trace(go.Scatter(x=xs.astype(np.float32), y=raw.astype(np.float32), mode="lines", opacity=0.35,
                                 name=f"{label} each update", showlegend=False, line=dict(color=color, width=s.thin),
                                 hovertemplate=f"{label}<br>{unit} %{{x:,}}<br>batch loss %{{y:.4f}}<extra></extra>"),
                      **where)
        fig.add_trace(go.Scatter(x=xs.astype(np.float32), y=smooth.astype(np.float32), mode="lines", name=label,
                                 showlegend=False, line=dict(color=color, width=s.line),
                                 hovertemplate=f"{label}<br>{unit} %{{x:,}}<br>batch loss, moving average over "
                                               f"{window} updates: %{{y:.4f}}<extra></extra>"), **where)
    seed_text = f"seed {seeds.pop()}" if len(seeds) == 1 else "one seed per batch size"
    style.apply_layout(fig, title="Training loss at every weight update", presenter=presenter,
                       subtitle=f"{seed_text}; thin: each update's loss, thick: its moving average over up to "
                                f"{MAX_WINDOW} updates; one panel per value, same loss axis",
                       height=max(360, 210 * rows + 110), legend=False, extra_top=round(1.5 * s.text))
    fig.update_annotations(font_size=s.text)  # panel titles
    if rows > 1:
        _space_rows(fig, rows, cols, gap_px=round(1.4 * s.tick + 1.5 * s.text + 12))
    x_title = style.log_title("Weight update" if x_axis == "updates" else "Epoch (fraction of the data seen)", log_x)
    if log_x:
        fig.update_xaxes(**style.log_axis(x_low, x_high, counts=x_axis == "updates"))
    else:
        fig.update_xaxes(range=[0, x_high], tickformat=",~r" if x_axis == "updates" else "~r", hoverformat=",~r")
    fig.update_xaxes(showticklabels=True)  # every panel shows its own counts (shared axes hide inner ticks)
    for k in range(len(panels)):  # the x title under each column's lowest panel
        if k + cols >= len(panels):
            fig.update_xaxes(title_text=x_title, row=k // cols + 1, col=k % cols + 1)
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text="Batch loss" + (" (log scale)" if log_y else ""), row=r, col=1)
    all_losses = np.concatenate([p[3] for p in panels]) if panels else np.zeros(0)
    if log_y:
        found = style.finite_range(all_losses, positive=True)
        if found:
            fig.update_yaxes(**style.log_axis(found[0], min(found[1], max(highs, default=found[1]) * 1.1)))
    elif highs:
        # A few single-batch spikes would otherwise squash every curve into the bottom of the chart.
        fig.update_yaxes(range=[0, 1.1 * max(highs)], tickformat=".2~f")
    return fig


def _space_rows(fig: go.Figure, rows: int, cols: int, gap_px: int) -> None:
    """Rows of panels `gap_px` apart in pixels, whatever the figure's height (make_subplots spaces them by a share of
    the plot's height, too little for the upper panels' tick labels and the lower panels' titles in presenter mode,
    where the height is capped and the fonts are larger). Moves each panel title with its panel."""
    margin = fig.layout.margin
    plot_h = max(1.0, float(fig.layout.height) - float(margin.t or 0) - float(margin.b or 0))
    gap = min(0.5 / max(1, rows - 1), gap_px / plot_h)
    panel = (1.0 - (rows - 1) * gap) / rows
    tops = [1.0 - r * (panel + gap) for r in range(rows)]
    for r in range(rows):
        for c in range(cols):
            fig.update_yaxes(domain=[max(0.0, tops[r] - panel), tops[r]], row=r + 1, col=c + 1)
    for k, note in enumerate(fig.layout.annotations[: rows * cols]):  # make_subplots' titles, row by row
        note.update(y=tops[k // cols])
