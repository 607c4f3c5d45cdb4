"""Plotly figures built from run histories: overlaid training (solid) and validation (dashed) curves per value.

Pure functions of plain data; non-finite values (a diverged run) become gaps instead of breaking an axis.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from dlviz.runs import DIVERGENCE_FACTOR, RunHistory

COLOR_SCALE = "Plasma"
METRIC_LABELS = {"loss": "Loss (binary cross-entropy)", "accuracy": "Accuracy"}
X_LABELS = {"epoch": "Epoch", "updates": "Weight updates (batches seen)"}


def value_colors(n: int) -> list[str]:
    """One colour per value, in order, from an ordered scale (the top end of Plasma is too pale to project)."""
    if n <= 1:
        return sample_colorscale(COLOR_SCALE, [0.0])
    return sample_colorscale(COLOR_SCALE, [0.85 * i / (n - 1) for i in range(n)])


def _finite(values: Sequence[float]) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(v) else None for v in values]


def _layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, log_y: bool, presenter: bool,
            height: int = 460) -> go.Figure:
    size = 20 if presenter else 14
    fig.update_layout(
        title=dict(text=title, font=dict(size=size + 4)), font=dict(size=size),
        height=height + (120 if presenter else 0),
        hovermode="closest", legend=dict(font=dict(size=size - 1)), margin=dict(l=60, r=20, t=60, b=50),
        template="plotly_white")
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, type="log" if log_y else "linear")
    return fig


def curves_figure(histories: Sequence[RunHistory], labels: Sequence[str], *, metric: str = "loss",
                  x_axis: str = "epoch", log_y: bool = False, title: str | None = None,
                  verdicts: Sequence[str] | None = None, best_epochs: Sequence[int | None] | None = None,
                  overfit_regions: Sequence[tuple[int, int] | None] | None = None,
                  upto_epoch: int | None = None, presenter: bool = False) -> go.Figure:
    """Overlay training (solid) and validation (dashed) `metric` curves, one colour per history.

    `x_axis` is "epoch" or "updates" (epoch x updates per epoch). `verdicts` are appended to the legend labels;
    `best_epochs` put a marker on each run's best epoch; `overfit_regions` shade (first, last) epochs; a diverged run
    ends with a cross. `upto_epoch` cuts every curve there (for a replay).
    """
    fig = go.Figure()
    colors = value_colors(len(histories))
    val_key = f"val_{metric}"
    width = 4 if presenter else 2.5
    ceiling = _loss_ceiling(histories) if metric == "loss" else None
    for i, (history, label, color) in enumerate(zip(histories, labels, colors)):
        # Curves start at epoch 0 (the shared starting weights), so every run visibly leaves the same point.
        train_values = history.curve(metric)
        val_values = history.curve(val_key)
        n = history.epochs_run if upto_epoch is None else min(history.epochs_run, upto_epoch)
        if n == 0:
            continue
        n += 1
        scale = history.updates_per_epoch if x_axis == "updates" else 1
        xs = [e * scale for e in range(n)]
        name = label if not verdicts else f"{label} — {verdicts[i]}"
        hover = (f"{label}<br>{X_LABELS[x_axis]}: %{{x}}<br>%{{meta}} {metric}: %{{y:.4f}}<extra></extra>")
        fig.add_trace(go.Scatter(x=xs, y=_finite(train_values[:n]), mode="lines", name=name, legendgroup=label,
                                 line=dict(color=color, width=width), meta="training", hovertemplate=hover))
        fig.add_trace(go.Scatter(x=xs, y=_finite(val_values[:n]), mode="lines", name=f"{label} (validation)",
                                 legendgroup=label, showlegend=False, meta="validation",
                                 line=dict(color=color, width=width, dash="dash"), hovertemplate=hover))
        if best_epochs and best_epochs[i] is not None and best_epochs[i] < n:
            e = best_epochs[i]
            fig.add_trace(go.Scatter(
                x=[e * scale], y=_finite([val_values[e]]), mode="markers", legendgroup=label, showlegend=False,
                marker=dict(symbol="star", size=16 if presenter else 13, color=color,
                            line=dict(color="black", width=1)),
                hovertemplate=f"{label}<br>best validation {metric} at epoch {e}: %{{y:.4f}}<extra></extra>"))
        if history.diverged_at is not None and history.diverged_at < n:
            finite_points = [(x, y) for x, y in zip(xs, _finite(train_values[:n])) if y is not None]
            if finite_points:
                x, y = finite_points[-1]
                y = min(y, ceiling) if ceiling is not None else y  # an exploded run's cross sits at the top edge
                fig.add_trace(go.Scatter(
                    x=[x], y=[y], mode="markers", legendgroup=label, showlegend=False, cliponaxis=False,
                    marker=dict(symbol="x", size=18 if presenter else 15, color=color,
                                line=dict(color="black", width=1)),
                    hovertemplate=f"{label}<br>diverged at epoch {history.diverged_at}<extra></extra>"))
        if overfit_regions and overfit_regions[i] is not None:
            first, last = overfit_regions[i]
            label_args = (dict(annotation_text="overfitting", annotation_position="top left")
                          if len(histories) == 1 else {})
            fig.add_vrect(x0=first * scale, x1=last * scale, fillcolor=color, opacity=0.06, line_width=0, **label_args)
    # Line-style key: colour = value, solid = training, dashed = validation.
    for dash, text in (("solid", "training"), ("dash", "validation")):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=text, legendgroup="style",
                                 line=dict(color="gray", width=width, dash=dash)))
    title = title or f"{METRIC_LABELS[metric].split(' (')[0]} per {'epoch' if x_axis == 'epoch' else 'weight update'}"
    log_y = log_y and metric == "loss"
    _layout(fig, title=title, x_title=X_LABELS[x_axis], y_title=METRIC_LABELS[metric], log_y=log_y,
            presenter=presenter)
    if ceiling is not None:
        low = min(_finite_min(h.curve("loss") + h.curve("val_loss")) for h in histories)
        fig.update_yaxes(range=[math.log10(low * 0.9), math.log10(ceiling)] if log_y else [0, ceiling])
    return fig


def _finite_min(values: Sequence[float]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    return min(finite) if finite else 1e-3


def _loss_ceiling(histories: Sequence[RunHistory]) -> float | None:
    """A y-axis top that keeps an exploding run from flattening the others: None when nothing exceeds it."""
    starts = [h.initial_loss for h in histories if math.isfinite(h.initial_loss)]
    if not starts:
        return None
    ceiling = 1.2 * DIVERGENCE_FACTOR * max(starts)
    highest = max((v for h in histories for v in h.curve("loss") + h.curve("val_loss")
                   if v is not None and math.isfinite(v)), default=0.0)
    too_high = highest > ceiling or any(not math.isfinite(v) for h in histories for v in h.loss + h.val_loss)
    return ceiling if too_high else None


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average that keeps the length (shorter windows at the ends); NaN-safe."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values
    finite = np.isfinite(values)
    kernel = np.ones(window)
    sums = np.convolve(np.where(finite, values, 0.0), kernel, mode="same")
    counts = np.convolve(finite.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def _thin(xs: np.ndarray, ys: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most `max_points` points (every k-th) so a browser isn't sent 20,000 points per line."""
    if len(xs) <= max_points:
        return xs, ys
    step = int(math.ceil(len(xs) / max_points))
    return xs[::step], ys[::step]


def update_loss_figure(histories: Sequence[RunHistory], labels: Sequence[str], *, x_axis: str = "updates",
                       log_y: bool = False, max_points: int = 4000, upto_epoch: int | None = None,
                       presenter: bool = False) -> go.Figure:
    """Every weight update's training loss (thin) with its moving average (thick), one colour per history."""
    fig = go.Figure()
    colors = value_colors(len(histories))
    top_losses = []
    for history, label, color in zip(histories, labels, colors):
        losses = np.asarray(history.update_loss, dtype=np.float64)
        if upto_epoch is not None:
            losses = losses[: upto_epoch * history.updates_per_epoch]
        if len(losses) == 0:
            continue
        xs = np.arange(1, len(losses) + 1, dtype=np.float64)
        if x_axis == "epoch":
            xs = xs / history.updates_per_epoch
        losses = np.where(np.isfinite(losses), losses, np.nan)
        if np.isfinite(losses).any() and not history.diverged:
            top_losses.append(losses[np.isfinite(losses)])
        smooth = moving_average(losses, max(1, min(25, len(losses) // 5)))
        # float32 arrays (the losses' own precision) travel as compact binary; NaN leaves a gap.
        raw_x, raw_y = (a.astype(np.float32) for a in _thin(xs, losses, max_points))
        fig.add_trace(go.Scatter(x=raw_x, y=raw_y, mode="lines",
                                 name=f"{label} (each update)", legendgroup=label, showlegend=False, opacity=0.35,
                                 line=dict(color=color, width=1),
                                 hovertemplate=f"{label}<br>update %{{x}}<br>batch loss %{{y:.4f}}<extra></extra>"))
        sx, sy = (a.astype(np.float32) for a in _thin(xs, smooth, max_points))
        fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", name=label,
                                 legendgroup=label, line=dict(color=color, width=4 if presenter else 2.5),
                                 hovertemplate=f"{label}<br>%{{x}}<br>moving average %{{y:.4f}}<extra></extra>"))
    _layout(fig, title="Training loss at every weight update (thin) and its moving average (thick)",
            x_title="Weight update" if x_axis == "updates" else "Epoch (fraction of the data seen)",
            y_title="Batch loss", log_y=log_y, presenter=presenter)
    if not log_y and top_losses:
        # A few single-batch spikes would otherwise squash every curve into the bottom of the chart.
        fig.update_yaxes(range=[0, 1.1 * float(np.percentile(np.concatenate(top_losses), 99.5))])
    return fig


def epochs_figure(history: RunHistory, *, stop_epoch: int | None = None, best_epoch: int | None = None,
                  overfit_region: tuple[int, int] | None = None, early_stop_epoch: int | None = None,
                  upto_epoch: int | None = None, presenter: bool = False) -> go.Figure:
    """One long run: loss (left) and accuracy (right), training solid and validation dashed, with markers."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss (binary cross-entropy)", "Accuracy"),
                        horizontal_spacing=0.08)
    n = (history.epochs_run if upto_epoch is None else min(history.epochs_run, upto_epoch)) + 1
    xs = list(range(n))
    colors = {"training": "#1f4e9c", "validation": "#d9480f"}
    width = 4 if presenter else 2.5
    for col, metric in ((1, "loss"), (2, "accuracy")):
        for kind, key, dash in (("training", metric, "solid"), ("validation", f"val_{metric}", "dash")):
            fig.add_trace(go.Scatter(
                x=xs, y=_finite(history.curve(key)[:n]), mode="lines", name=kind, showlegend=col == 1,
                legendgroup=kind, line=dict(color=colors[kind], width=width, dash=dash),
                hovertemplate=f"{kind} {metric}<br>epoch %{{x}}: %{{y:.4f}}<extra></extra>"), row=1, col=col)
        if best_epoch is not None and best_epoch < n:
            fig.add_trace(go.Scatter(
                x=[best_epoch], y=_finite([history.curve(f"val_{metric}")[best_epoch]]), mode="markers",
                name="lowest validation loss", showlegend=col == 1, legendgroup="best",
                marker=dict(symbol="star", size=16, color="#2b8a3e", line=dict(color="black", width=1)),
                hovertemplate=f"lowest validation loss at epoch {best_epoch}<br>{metric} %{{y:.4f}}<extra></extra>"),
                row=1, col=col)
        if overfit_region is not None:
            fig.add_vrect(x0=overfit_region[0], x1=overfit_region[1], fillcolor="#d9480f", opacity=0.07, line_width=0,
                          row=1, col=col)
        if stop_epoch is not None:
            fig.add_vline(x=stop_epoch, line=dict(color="#495057", width=2, dash="dot"), row=1, col=col)
        if early_stop_epoch is not None:
            fig.add_vline(x=early_stop_epoch, line=dict(color="#2b8a3e", width=2, dash="dashdot"), row=1, col=col)
    _layout(fig, title="One long run: where does validation turn?", x_title="Epoch", y_title="", log_y=False,
            presenter=presenter)
    fig.update_xaxes(title_text="Epoch")
    fig.update_yaxes(title_text="Loss", row=1, col=1)
    fig.update_yaxes(title_text="Accuracy", row=1, col=2)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Batch size x learning rate grid, and the learning-rate range test

GRID_COLOR_SCALE = "Viridis"
DIVERGED_COLOR = "#868e96"
BEST_COLOR = "#e8590c"
GUIDE_COLOR = "#1b1b1f"
SELECTED_COLOR = "#1c7ed6"


def grid_heatmap_figure(batch_sizes: Sequence[int], learning_rates: Sequence[float], values: np.ndarray, *,
                        value_label: str, higher_is_better: bool = False, diverged: np.ndarray | None = None,
                        diverged_epochs: np.ndarray | None = None, best_columns: Sequence[int | None] | None = None,
                        guide_rates: Sequence[float] | None = None, selected: Sequence[tuple[int, int]] = (),
                        row_labels: Sequence[str] | None = None, status_only: bool = False,
                        color_range: tuple[float, float] | None = None, percent: bool = False,
                        title: str | None = None, presenter: bool = False) -> go.Figure:
    """A batch size (rows, growing upwards) x learning rate (columns, growing rightwards) heatmap of one outcome.

    Brighter is better whichever way the outcome points. `diverged` cells are grey with a ✕ (and the epoch they
    diverged at); `best_columns[i]` outlines row i's best learning rate and joins them with a line; `guide_rates`
    (one learning rate per row, e.g. the linear-scaling rule) is drawn dashed, placed between columns on a log scale;
    `selected` cells get a thin blue outline. `status_only` draws every finished, non-diverged cell in one light
    colour (the "diverged" view). NaN cells that did not diverge are still training and stay blank.
    """
    from dlviz.analysis.grid import lr_axis_position

    values = np.asarray(values, dtype=float)
    n_rows, n_cols = values.shape
    diverged = np.zeros_like(values, dtype=bool) if diverged is None else np.asarray(diverged, dtype=bool)
    xs, ys = list(range(n_cols)), list(range(n_rows))
    rate_labels = [f"{r:g}" for r in learning_rates]
    row_labels = list(row_labels) if row_labels is not None else [str(b) for b in batch_sizes]
    size = 20 if presenter else 14

    def cell_text(i: int, j: int) -> str:
        if diverged[i, j]:
            epoch = int(diverged_epochs[i, j]) if diverged_epochs is not None else 0
            return f"✕ ep {epoch}" if epoch else "✕"
        v = values[i, j]
        if not math.isfinite(v):
            return ""
        return "✓" if status_only else (f"{v:.1%}" if percent else f"{v:.3f}")

    text = [[cell_text(i, j) for j in xs] for i in ys]
    hover = [[f"batch {batch_sizes[i]} · lr {rate_labels[j]}<br>"
              + ("diverged" + (f" at epoch {int(diverged_epochs[i, j])}" if diverged_epochs is not None else "")
                 if diverged[i, j] else
                 (f"{value_label}: {text[i][j]}" if text[i][j] and not status_only else
                  "trained to the end" if text[i][j] else "training…"))
              for j in xs] for i in ys]
    fig = go.Figure()
    shown = np.where(diverged | ~np.isfinite(values), np.nan, 0.0 if status_only else values)
    z = [[None if not math.isfinite(v) else float(v) for v in row] for row in shown]
    if status_only:
        scale, show_scale, zmin, zmax = [[0, "#d3f9d8"], [1, "#d3f9d8"]], False, 0.0, 1.0
    else:
        finite = shown[np.isfinite(shown)]
        low, high = color_range if color_range is not None else (
            (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0))
        scale, show_scale, zmin, zmax = GRID_COLOR_SCALE, True, low, max(high, low + 1e-9)
    fig.add_trace(go.Heatmap(
        x=xs, y=ys, z=z, customdata=hover,
        hovertemplate="%{customdata}<extra></extra>", colorscale=scale, reversescale=not higher_is_better,
        zmin=zmin, zmax=zmax, showscale=show_scale, xgap=2, ygap=2, name=value_label,
        colorbar=dict(title=dict(text=value_label + (" (brighter = better)" if show_scale else ""), side="right"))))
    if diverged.any():
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=[[1.0 if diverged[i, j] else None for j in xs] for i in ys], customdata=hover,
            hovertemplate="%{customdata}<extra></extra>", colorscale=[[0, DIVERGED_COLOR], [1, DIVERGED_COLOR]],
            showscale=False, xgap=2, ygap=2, name="diverged"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="✕ diverged",
                                 marker=dict(symbol="square", size=14, color=DIVERGED_COLOR)))
    # Cell labels as annotations, so each can take the text colour its cell needs (white on the dark end). Collected
    # and set once: plotly re-validates every earlier one on each add_annotation (0.4 s for a 4 x 9 grid).
    annotations, shapes = [], []
    for i in ys:
        for j in xs:
            if not text[i][j]:
                continue
            if diverged[i, j] or status_only:
                color = "white" if diverged[i, j] else "#1b1b1f"
            else:
                position = (values[i, j] - zmin) / (zmax - zmin)
                position = min(1.0, max(0.0, position if higher_is_better else 1.0 - position))
                color = "white" if position < 0.55 else "#1b1b1f"  # the dark half of Viridis
            annotations.append(dict(x=j, y=i, text=text[i][j], showarrow=False,
                                    font=dict(size=size - 1, color=color)))
    for i, j in selected:
        shapes.append(dict(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                           line=dict(color=SELECTED_COLOR, width=2, dash="dot")))
    if selected:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="shown below",
                                 marker=dict(symbol="square-open", size=14, color=SELECTED_COLOR)))
    best = [(j, i) for i, j in enumerate(best_columns or []) if j is not None]
    if best:
        for j, i in best:
            shapes.append(dict(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                               line=dict(color=BEST_COLOR, width=4)))
        # A star in the top-right corner of each best cell (the centre holds the number), outlined in orange.
        fig.add_trace(go.Scatter(
            x=[j + 0.34 for j, _ in best], y=[i + 0.28 for _, i in best], mode="markers",
            name="best learning rate per batch size", cliponaxis=False,
            marker=dict(symbol="star", size=15 if presenter else 12, color=BEST_COLOR,
                        line=dict(color="white", width=1)),
            hovertemplate="best learning rate at batch %{customdata[0]}: %{customdata[1]}<extra></extra>",
            customdata=[[batch_sizes[i], f"{learning_rates[j]:g}"] for j, i in best]))
    if guide_rates is not None and n_cols > 1:
        rates_y, rows_y = list(guide_rates), [float(i) for i in ys]
        if n_rows > 1:
            # Run the line on to the top and bottom edges, half a row further at the same slope.
            first, last = guide_rates[1] / guide_rates[0], guide_rates[-1] / guide_rates[-2]
            rates_y = [guide_rates[0] / math.sqrt(first)] + rates_y + [guide_rates[-1] * math.sqrt(last)]
            rows_y = [-0.5] + rows_y + [n_rows - 0.5]
        fig.add_trace(go.Scatter(
            x=[lr_axis_position(r, learning_rates) for r in rates_y], y=rows_y, mode="lines",
            name="rule of thumb: learning rate ∝ batch size (linear scaling)", opacity=0.8,
            line=dict(color=GUIDE_COLOR, width=2.5, dash="dash"), customdata=[f"{r:.2g}" for r in rates_y],
            hovertemplate="linear-scaling rule of thumb<br>lr %{customdata}<extra></extra>"))
    fig.update_layout(
        title=dict(text=title or f"{value_label.capitalize()} for every batch size and learning rate",
                   font=dict(size=size + 4)),
        font=dict(size=size), height=max(320, 70 * n_rows + 200) + (120 if presenter else 0),
        template="plotly_white", margin=dict(l=60, r=20, t=60, b=50), hovermode="closest",
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0, font=dict(size=size - 1)),
        plot_bgcolor="white", annotations=annotations, shapes=shapes)
    fig.update_xaxes(title_text="Learning rate (log scale)", tickmode="array", tickvals=xs, ticktext=rate_labels,
                     range=[-0.5, n_cols - 0.5], showgrid=False, zeroline=False, tickfont=dict(size=size - 1))
    fig.update_yaxes(title_text="Batch size", tickmode="array", tickvals=ys, ticktext=row_labels,
                     range=[-0.5, n_rows - 0.5], showgrid=False, zeroline=False, automargin=True,
                     tickfont=dict(size=size - 1))
    return fig


def lr_finder_figure(result, *, presenter: bool = False) -> go.Figure:
    """The learning-rate range test: each update's loss (thin) and its smoothed curve (thick) against the learning
    rate on a log axis, with the lowest smoothed loss, the steepest fall and the suggestion marked.

    `result` is a `dlviz.lr_finder.FinderResult` (only its arrays and numbers are read).
    """
    rates = np.asarray(result.learning_rates, dtype=float)
    smoothed = np.asarray(result.smoothed, dtype=float)
    losses = np.asarray(result.losses, dtype=float)
    width = 4 if presenter else 2.5
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=rates, y=_finite(losses), mode="lines", name="loss of each batch", opacity=0.35,
                             line=dict(color="#5c2d91", width=1),
                             hovertemplate="lr %{x:.2g}<br>batch loss %{y:.4f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=rates, y=_finite(smoothed), mode="lines", name="smoothed (moving average)",
                             line=dict(color="#5c2d91", width=width),
                             hovertemplate="lr %{x:.2g}<br>smoothed loss %{y:.4f}<extra></extra>"))

    def at(rate: float) -> float:
        return float(np.interp(math.log10(rate), np.log10(rates), smoothed))

    marks = [(result.min_loss_lr, "lowest smoothed loss", "circle", "#2b8a3e"),
             (result.steepest_lr, "steepest fall", "diamond", "#1c7ed6")]
    for rate, name, symbol, color in marks:
        fig.add_trace(go.Scatter(x=[rate], y=[at(rate)], mode="markers", name=f"{name}: {rate:.2g}",
                                 marker=dict(symbol=symbol, size=14 if presenter else 11, color=color,
                                             line=dict(color="black", width=1)),
                                 hovertemplate=f"{name}<br>lr {rate:.2g}<extra></extra>"))
    fig.add_vline(x=result.suggestion, line=dict(color=BEST_COLOR, width=3, dash="dash"))
    fig.add_trace(go.Scatter(x=[result.suggestion], y=[at(result.suggestion)], mode="markers",
                             name=f"suggested: {result.suggestion:.2g} ({result.suggestion_rule})",
                             marker=dict(symbol="star", size=18 if presenter else 15, color=BEST_COLOR,
                                         line=dict(color="black", width=1)),
                             hovertemplate=f"suggested learning rate {result.suggestion:.2g}<extra></extra>"))
    if result.stopped_early and len(rates):
        fig.add_trace(go.Scatter(x=[rates[-1]], y=_finite([min(smoothed[-1], _finder_top(smoothed))]),
                                 mode="markers", name="stopped: the loss blew up", cliponaxis=False,
                                 marker=dict(symbol="x", size=16 if presenter else 13, color="#c92a2a",
                                             line=dict(color="black", width=1)),
                                 hovertemplate=f"stopped at lr {rates[-1]:.2g}: {result.stop_reason}<extra></extra>"))
    _layout(fig, title="Learning-rate range test: one run, the learning rate growing at every update",
            x_title="Learning rate (log scale)", y_title="Training loss", log_y=False, presenter=presenter)
    fig.update_xaxes(type="log", exponentformat="power", dtick=1)
    finite = smoothed[np.isfinite(smoothed)]
    if finite.size:
        fig.update_yaxes(range=[0.9 * float(finite.min()), _finder_top(smoothed)])
    return fig


def _finder_top(smoothed: np.ndarray) -> float:
    """The loss axis' top: a little above where the test started, so the fall fills the chart and the blow-up
    leaves through the top instead of squashing it (a ✕ on the top edge marks where the test stopped)."""
    finite = smoothed[np.isfinite(smoothed)]
    if not finite.size:
        return 1.0
    return float(min(1.08 * finite.max(), 1.5 * max(finite[0], finite.min())))
