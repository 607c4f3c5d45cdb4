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
        title=dict(text=title, font=dict(size=size + 4)), font=dict(size=size), height=height + (120 if presenter else 0),
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
                marker=dict(symbol="star", size=16 if presenter else 13, color=color, line=dict(color="black", width=1)),
                hovertemplate=f"{label}<br>best validation {metric} at epoch {e}: %{{y:.4f}}<extra></extra>"))
        if history.diverged_at is not None and history.diverged_at < n:
            finite_points = [(x, y) for x, y in zip(xs, _finite(train_values[:n])) if y is not None]
            if finite_points:
                x, y = finite_points[-1]
                y = min(y, ceiling) if ceiling is not None else y  # an exploded run's cross sits at the top edge
                fig.add_trace(go.Scatter(
                    x=[x], y=[y], mode="markers", legendgroup=label, showlegend=False, cliponaxis=False,
                    marker=dict(symbol="x", size=18 if presenter else 15, color=color, line=dict(color="black", width=1)),
                    hovertemplate=f"{label}<br>diverged at epoch {history.diverged_at}<extra></extra>"))
        if overfit_regions and overfit_regions[i] is not None:
            first, last = overfit_regions[i]
            label_args = dict(annotation_text="overfitting", annotation_position="top left") if len(histories) == 1 else {}
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
        raw_x, raw_y = _thin(xs, losses, max_points)
        fig.add_trace(go.Scatter(x=raw_x, y=[None if np.isnan(v) else v for v in raw_y], mode="lines",
                                 name=f"{label} (each update)", legendgroup=label, showlegend=False, opacity=0.35,
                                 line=dict(color=color, width=1),
                                 hovertemplate=f"{label}<br>update %{{x}}<br>batch loss %{{y:.4f}}<extra></extra>"))
        sx, sy = _thin(xs, smooth, max_points)
        fig.add_trace(go.Scatter(x=sx, y=[None if np.isnan(v) else v for v in sy], mode="lines", name=label,
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

