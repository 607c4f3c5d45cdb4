"""The batch size x learning rate grid as a heatmap: one outcome per cell, diverged cells greyed with a ✕, each row's
best learning rate outlined (and cells that tie with it outlined dashed), an optional linear-scaling guide line.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.analysis import grid as g
from dlviz.charts import style
from dlviz.text.format import format_loss, format_lr
from dlviz.text.grid import OUTCOME_LABELS

_DIVERGED_COLOR = "#868e96"
_SELECTED_COLOR = "#1c7ed6"


def lr_axis_position(rate: float, learning_rates: Sequence[float]) -> float:
    """Where `rate` falls on the heatmap's learning-rate axis, interpolated and extrapolated on a log scale (so the
    guide line can pass between columns and beyond the grid).

    Args:
        rate: a learning rate (> 0); learning_rates: the columns' rates, ascending (column j at x = j).
    Returns:
        The x position in columns (0.0 for a single column)."""
    logs = np.log10(np.asarray(learning_rates, dtype=float))
    if len(logs) == 1:
        return 0.0
    target = math.log10(rate)
    k = int(np.clip(np.searchsorted(logs, target) - 1, 0, len(logs) - 2))
    return k + (target - logs[k]) / (logs[k + 1] - logs[k])


def grid_heatmap_figure(batch_sizes: Sequence[int], learning_rates: Sequence[float], values: np.ndarray, *,
                        value_label: str, higher_is_better: bool = False, diverged: np.ndarray | None = None,
                        diverged_epochs: np.ndarray | None = None, best_columns: Sequence[int | None] | None = None,
                        guide_rates: Sequence[float] | None = None, selected: Sequence[tuple[int, int]] = (),
                        row_labels: Sequence[str] | None = None, status_only: bool = False,
                        color_range: tuple[float, float] | None = None, percent: bool = False,
                        tied_best: np.ndarray | None = None, title: str | None = None, answers: bool = True,
                        presenter: bool = False) -> go.Figure:
    """A batch size (rows, growing upwards) x learning rate (columns, log-spaced, growing rightwards) heatmap of one
    outcome, each cell labelled with its value; brighter is better whichever way the outcome points (Viridis).
    NaN cells that did not diverge are still training and stay blank. The marks' key is the subtitle.

    Args:
        batch_sizes, learning_rates: the rows' and columns' values; values: the outcome, shape (rows, columns).
        value_label: the outcome's name (hover, title); higher_is_better: accuracy-like outcomes.
        diverged, diverged_epochs: bool mask and epochs, shape of `values`: grey cells with a ✕ and the epoch.
        best_columns: per row, its clear best learning rate's column (outlined, ★) or None.
        guide_rates: one learning rate per row (the linear-scaling rule), a dashed line between columns.
        selected: (row, column) cells the curves below show (dotted blue outline); row_labels: the rows' ticks.
        status_only: every finished cell that did not diverge in one light colour (the "diverged" view).
        color_range: the colour scale's (low, high) (default: the finite values'); percent: values as %.
        tied_best: bool mask of the cells that tie with their row's best within the seed spread (dashed outline).
        title: the default names the outcome; presenter: presenter mode's sizes.
        answers: False while a teacher hides the answers: every cell its number on the colour scale ("NaN" if it
            is not one), no ✕, grey, best, tie or guide outline, nor their key.
    Returns:
        The figure."""
    values = np.asarray(values, dtype=float)
    n_rows, n_cols = values.shape
    diverged = np.zeros_like(values, dtype=bool) if diverged is None else np.asarray(diverged, dtype=bool)
    not_a_number = np.zeros_like(diverged)
    if not answers:
        not_a_number = diverged & ~np.isfinite(values)  # finished, but its loss was NaN: not "still training"
        diverged, best_columns, tied_best, guide_rates = np.zeros_like(diverged), None, None, None
    xs, ys = list(range(n_cols)), list(range(n_rows))
    rate_labels = [format_lr(r) for r in learning_rates]
    s = style.sizes(presenter)

    def cell(i: int, j: int) -> tuple[str, str]:
        """A cell's label and what its hover says of it."""
        if diverged[i, j]:
            epoch = int(diverged_epochs[i, j]) if diverged_epochs is not None else 0
            return f"✕ ep {epoch}" if epoch else "✕", "diverged" + (
                f" at epoch {epoch}" if diverged_epochs is not None else "")
        if not_a_number[i, j]:
            return "NaN", f"{value_label}: NaN (not a number)"
        if not math.isfinite(values[i, j]):
            return "", "training…"
        if status_only:
            return "✓", "trained to the end"
        label = f"{values[i, j]:.1%}" if percent else format_loss(values[i, j])
        return label, f"{value_label}: {label}"

    cells = [[cell(i, j) for j in xs] for i in ys]
    hover = [[f"batch {batch_sizes[i]} · lr {rate_labels[j]}<br>{cells[i][j][1]}" for j in xs] for i in ys]
    shown = np.where(diverged | ~np.isfinite(values), np.nan, 0.0 if status_only else values)
    z = [[None if not math.isfinite(v) else float(v) for v in row] for row in shown]
    if status_only:
        scale, zmin, zmax = [[0, "#d3f9d8"], [1, "#d3f9d8"]], 0.0, 1.0
    else:
        finite = shown[np.isfinite(shown)]
        low, high = color_range if color_range is not None else (
            (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0))
        scale, zmin, zmax = "Viridis", low, max(high, low + 1e-9)
    traces: list = [go.Heatmap(
        x=xs, y=ys, z=z, customdata=hover, hovertemplate="%{customdata}<extra></extra>", colorscale=scale,
        reversescale=not higher_is_better, zmin=zmin, zmax=zmax, showscale=not status_only, xgap=2, ygap=2,
        name=value_label, colorbar=dict(title=dict(text="brighter<br>= better", side="top", font=dict(size=s.text)),
                                        thickness=18, tickfont=dict(size=s.tick),
                                        **({"tickformat": ".0%"} if percent and not status_only else {})))]
    if diverged.any():
        traces += [go.Heatmap(x=xs, y=ys, z=[[1.0 if diverged[i, j] else None for j in xs] for i in ys],
                              customdata=hover, hovertemplate="%{customdata}<extra></extra>", showscale=False,
                              colorscale=[[0, _DIVERGED_COLOR], [1, _DIVERGED_COLOR]], xgap=2, ygap=2,
                              name="diverged"),
                   go.Scatter(x=[None], y=[None], mode="markers", name="✕ diverged",
                              marker=dict(symbol="square", size=14, color=_DIVERGED_COLOR))]
    # Cell labels as annotations, so each can take the text colour its cell needs (white on the dark end).
    annotations, shapes = [], []
    for i in ys:
        for j in xs:
            if not cells[i][j][0]:
                continue
            if diverged[i, j] or status_only or not_a_number[i, j]:
                color = "white" if diverged[i, j] else "#1b1b1f"
            else:
                position = (values[i, j] - zmin) / (zmax - zmin)
                position = min(1.0, max(0.0, position if higher_is_better else 1.0 - position))
                color = "white" if position < 0.55 else "#1b1b1f"  # the dark half of Viridis
            annotations.append(dict(x=j, y=i, text=cells[i][j][0], showarrow=False,
                                    font=dict(size=s.tick, color=color)))
    for i, j in selected:
        shapes.append(dict(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                           line=dict(color=_SELECTED_COLOR, width=2, dash="dot")))
    if selected:
        traces.append(_legend_key("shown below", _SELECTED_COLOR))
    best = [(j, i) for i, j in enumerate(best_columns or []) if j is not None]
    if best:
        for j, i in best:
            shapes.append(dict(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                               line=dict(color=style.BEST_COLOR, width=4)))
        # A star in the top-right corner of each best cell (the centre holds the number), outlined in orange.
        traces.append(go.Scatter(
            x=[j + 0.34 for j, _ in best], y=[i + 0.28 for _, i in best], mode="markers",
            name="best learning rate per batch size", cliponaxis=False,
            marker=dict(symbol="star", size=s.marker + 3, color=style.BEST_COLOR,
                        line=dict(color="white", width=1)),
            hovertemplate="batch %{customdata[0]}: best learning rate lr %{customdata[1]}<extra></extra>",
            customdata=[[batch_sizes[i], format_lr(learning_rates[j])] for j, i in best]))
    if tied_best is not None:
        tied = np.asarray(tied_best, dtype=bool)
        ties = [(j, i) for i in ys for j in xs if tied[i, j] and (j, i) not in best]
        shapes += [dict(type="rect", x0=j - 0.46, x1=j + 0.46, y0=i - 0.46, y1=i + 0.46,
                        line=dict(color=style.BEST_COLOR, width=3, dash="dash")) for j, i in ties]
        traces += [_legend_key("tied with the best", style.BEST_COLOR)] if ties else []
    if guide_rates is not None and n_cols > 1:
        rates_y, rows_y = list(guide_rates), [float(i) for i in ys]
        if n_rows > 1:
            # Run the line on to the top and bottom edges, half a row further at the same slope.
            first, last = guide_rates[1] / guide_rates[0], guide_rates[-1] / guide_rates[-2]
            rates_y = [guide_rates[0] / math.sqrt(first)] + rates_y + [guide_rates[-1] * math.sqrt(last)]
            rows_y = [-0.5] + rows_y + [n_rows - 0.5]
        traces.append(go.Scatter(
            x=[lr_axis_position(r, learning_rates) for r in rates_y], y=rows_y, mode="lines",
            name="linear scaling: lr ∝ batch", opacity=0.8,
            line=dict(color="#1b1b1f", width=s.line, dash="dash"), customdata=[format_lr(r) for r in rates_y],
            hovertemplate="linear-scaling rule of thumb<br>lr %{customdata}<extra></extra>"))
    # The marks' key is the subtitle (the traces keep their names for hover and tests): a legend beside the colour
    # bar or under the axis took the width or the height the cells need.
    key = ["★ solid orange box: a row's clear best learning rate" if best else "",
           "dashed orange boxes: a row's rates tied for best" if tied_best is not None and np.asarray(tied_best).any()
           else "",
           "dashed line: linear scaling (lr ∝ batch size)" if guide_rates is not None and n_cols > 1 else "",
           "grey ✕: diverged (at epoch)" if diverged.any() else "", "dotted blue box: shown below" if selected else ""]
    subtitle = style.key_line(key, presenter)
    # Plotly sets a one-line subtitle about half a line lower than the title block's height allows: over cells that
    # fill the plot to its top edge it touched the top row (a line chart's padding hid it). Half a line more room.
    layout = style.layout(traces, title=title or f"{value_label.capitalize()} for every batch size and learning rate",
                          subtitle=subtitle, presenter=presenter, height=max(320, 70 * n_rows + 200), legend=False,
                          extra_top=round(0.6 * (s.smallest + 1)) if style.text_lines(subtitle) == 1 else 0)
    layout["xaxis"].update(title_text="Learning rate (log scale)", tickmode="array", tickvals=xs, ticktext=rate_labels,
                           range=[-0.5, n_cols - 0.5], showgrid=False, zeroline=False)
    layout["yaxis"].update(title_text="Batch size", tickmode="array", tickvals=ys, range=[-0.5, n_rows - 0.5],
                           ticktext=list(row_labels) if row_labels is not None else [str(b) for b in batch_sizes],
                           showgrid=False, zeroline=False)
    return go.Figure(data=traces, layout=dict(layout, annotations=annotations, shapes=shapes))


def _legend_key(name: str, color: str) -> go.Scatter:
    """A legend entry for outlined cells (an open square), drawing nothing on the plot."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=name,
                      marker=dict(symbol="square-open", size=14, color=color))


def _plain_outcomes(grid: g.Grid, outcome: str) -> np.ndarray:
    """Every cell's outcome (seed mean) as its runs ended, a diverged run's included like any other: what the
    heatmap shows while the answers are hidden, so that no cell stands out as "diverged" before the reveal."""
    with np.errstate(invalid="ignore"):
        return np.array([[np.mean([g.run_outcome(h, outcome) for h in cell]) if cell else np.nan
                          for cell in row]
                         for row in grid.histories], dtype=float).reshape(grid.shape)


def outcome_heatmap(grid: g.Grid, outcome: str, *, final: bool, answers: bool = True,
                    selected: Sequence[tuple[int, int]] = (), row_labels: Sequence[str] | None = None,
                    presenter: bool = False) -> go.Figure:
    """The grid page's heatmap of `outcome` (one of `analysis.grid.OUTCOMES`).

    Args:
        grid: the finished (or partial, while training) grid of runs; outcome: what colours the cells.
        final: the runs are finished: outline each row's best learning rate and its ties, draw the linear-scaling
            guide through the best cell (only with `answers`).
        answers: False while a teacher hides the answers: no diverged, best or tied cell stands out.
        selected: the (row, column) cells the curves below show, outlined.
        row_labels: the rows' labels (batch size and its budget); presenter: presenter mode's sizes.
    Returns:
        The plotly figure (`grid_heatmap_figure`)."""
    values = g.outcome_matrix(grid, outcome) if answers or outcome == g.DIVERGED else _plain_outcomes(grid, outcome)
    color_range = None
    if outcome in (g.FINAL_VAL_LOSS, g.BEST_VAL_LOSS):
        # Anything no better than the untrained model gets the darkest colour, so the good region keeps its contrast.
        start = next((h.initial_val_loss for row in grid.histories for cell in row for h in cell if h is not None),
                     None)
        finite = values[values == values]
        if start is not None and finite.size:
            color_range = (float(finite.min()), float(max(finite.min() + 1e-3, min(finite.max(), start))))
    final = final and answers
    anchor = g.best_cell(grid, outcome) if final else None
    tied = np.zeros(grid.shape, bool)
    if final:
        for i, row in enumerate(g.row_bests(grid, outcome)):
            if row.column is None and len(row.tied_columns) > 1:
                tied[i, list(row.tied_columns)] = True
    guide = (g.linear_scaling_guide(grid.batch_sizes, grid.batch_sizes[anchor[0]], grid.learning_rates[anchor[1]])
             if anchor else None)
    return grid_heatmap_figure(
        grid.batch_sizes, grid.learning_rates, values, value_label=OUTCOME_LABELS[outcome],
        higher_is_better=outcome in g.HIGHER_IS_BETTER, diverged=grid.diverged(),
        diverged_epochs=grid.diverged_epochs(), best_columns=g.best_columns(grid, outcome) if final else None,
        guide_rates=guide, selected=selected, row_labels=row_labels, status_only=outcome == g.DIVERGED,
        color_range=color_range, percent=outcome == g.FINAL_VAL_ACCURACY, tied_best=tied,
        title=(("Which runs diverged (✕), and the best learning rate per batch size by final validation loss"
                if answers else "Which runs will have diverged? Decide, then reveal the answers")
               if outcome == g.DIVERGED else None), answers=answers, presenter=presenter)
