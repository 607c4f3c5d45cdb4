"""Plotly figures of a `Landscape`: the loss map with every run's path on it (animated in the browser with plotly
`frames`), and the 1-D companion (loss along the straight line from each run's start to its end).

Pure functions of plain data. Colours of the map are log10(loss), so a run that blows up far from the valley does not
wash the valley out; hover shows the loss itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.analysis.landscape import Landscape, clip_to_map
from dlviz.charts import style
from dlviz.text.landscape import epoch_label

MAP_COLORS = "Viridis"
EXIT_SYMBOL = "x"
# One colour per run: the curve charts' qualitative palette (`style.value_colors`, neighbours > 25 CIELAB units
# apart), so the same run has the same colour on every chart; Plasma's dark end made lr 0.0001 and 0.001 look alike.
run_colors = style.value_colors


def direction_label(landscape: Landscape, k: int, short: bool = False) -> str:
    """An axis title: the direction and the share of the paths' movement it captures (short: "direction 1, 79%",
    for presenter mode, where a long title would run past the small square map)."""
    share = landscape.plane.explained[k]
    return f"direction {k + 1}, {share:.0%}" if short else f"direction {k + 1} ({share:.0%} of the movement)"


def _visible_path(landscape: Landscape, run: int, upto_epoch: float | None) -> tuple[np.ndarray, bool]:
    """The run's plane coordinates up to `upto_epoch` (all if None), clipped where it leaves the map."""
    coords = landscape.coords[run]
    if upto_epoch is not None:
        coords = coords[landscape.epochs[run] <= upto_epoch + 1e-9]
    return clip_to_map(coords, landscape.axis_a, landscape.axis_b)


def _path_traces(landscape: Landscape, labels: Sequence[str], colors: Sequence[str], upto_epoch: float | None,
                 width: float, answers: bool = True) -> list[dict]:
    """Two scatter traces (plain dicts, see `_add_replay`) per run: the path so far, and its head (with `answers`, a
    cross where it left the map or diverged; without, always a dot)."""
    traces = []
    for run, (label, color) in enumerate(zip(labels, colors)):
        path, left = _visible_path(landscape, run, upto_epoch)
        n_recorded = len(path) - (1 if left and len(path) else 0)
        epochs = landscape.epochs[run][:n_recorded]
        losses = landscape.point_loss[run][:n_recorded]
        custom = np.column_stack([losses, landscape.residual[run][:n_recorded]])
        when = [epoch_label(e) for e in epochs]
        if left and len(path):
            custom = np.vstack([custom, [np.nan, np.nan]])
            when.append("")
        traces.append(dict(
            type="scatter", x=path[:, 0], y=path[:, 1], mode="lines+markers", name=label, legendgroup=label,
            line=dict(color=color, width=width), marker=dict(size=5, color=color), customdata=custom, text=when,
            hovertemplate=(f"{label}<br>epoch %{{text}}<br>loss at these weights %{{customdata[0]:.4f}}"
                           "<br>distance from the plane %{customdata[1]:.2f}<extra></extra>")))
        finished = upto_epoch is None or upto_epoch >= landscape.epochs[run][-1] - 1e-9
        crossed = answers and (left or (landscape.diverged[run] and finished))
        head = path[-1:] if len(path) else np.zeros((0, 2))
        traces.append(dict(
            type="scatter", x=head[:, 0], y=head[:, 1], mode="markers", legendgroup=label, showlegend=False,
            name=f"{label} (left the map)" if left and answers else label, hoverinfo="name",
            marker=dict(symbol=EXIT_SYMBOL if crossed else "circle", size=14 if crossed else 9, color=color,
                        line=dict(color="white", width=1))))
    return traces


def frame_epochs(landscape: Landscape) -> list[float]:
    """The replay's frame times: every epoch (fractional) at which some run recorded a point, in order."""
    return sorted({round(float(e), 6) for epochs in landscape.epochs for e in epochs})


def _curve_traces(landscape: Landscape, labels: Sequence[str], colors: Sequence[str], upto_epoch: float | None,
                  width: float) -> list[dict]:
    """Two traces per run on the curves' axes (x2, y2): the training loss (solid) and the validation loss (dashed)
    at each recorded point up to `upto_epoch` (all if None), against epochs (fractional inside epoch 1)."""
    traces = []
    for run, (label, color) in enumerate(zip(labels, colors)):
        epochs = landscape.epochs[run]
        shown = slice(None) if upto_epoch is None else epochs <= upto_epoch + 1e-9
        val = landscape.point_val_loss[run] if landscape.point_val_loss else np.full(len(epochs), np.nan)
        for name, losses, dash in (("training", landscape.point_loss[run], "solid"), ("validation", val, "dash")):
            y = np.where(np.isfinite(losses) & (losses > 0), losses, np.nan)[shown]
            traces.append(dict(
                type="scatter", x=epochs[shown], y=y, mode="lines", name=f"{label} ({name})", legendgroup=label,
                showlegend=False, line=dict(color=color, width=width, dash=dash), xaxis="x2", yaxis="y2",
                text=[epoch_label(e) for e in epochs],
                hovertemplate=f"{label}<br>epoch %{{text}}<br>{name} loss %{{y:.4f}}<extra></extra>"))
    return traces


@dataclass(frozen=True)
class Strip:
    """Where the rows under the plot go, in pixels below its bottom edge: the x axes' ticks and titles, then the
    legend's row, then the replay's row (▶ Play / ❚❚ Pause on the left, the slider with the current epoch printed
    above its rail on the right). Plotly places legends, menus and sliders in fractions of the plot's height, so
    `surface_figure` converts these with the plot's height in pixels (`fraction`)."""

    legend_top: int
    controls_top: int
    bottom: int  # the figure's bottom margin: everything above fits in it, so plotly never grows it

    def fraction(self, px: int, plot_px: int) -> float:
        return -px / plot_px


def strip(presenter: bool) -> Strip:
    """The rows under the plot, from the text sizes (`style.sizes`): a tick label and an axis title (each its size
    plus a gap), a legend row (its text plus padding), then the replay row (the slider's epoch label above its
    rail, as tall as a button)."""
    s = style.sizes(presenter)
    legend_top = s.tick + 10 + s.text + 24
    controls_top = legend_top + s.legend + 24
    return Strip(legend_top, controls_top, controls_top + round(1.6 * s.legend) + 20)


# Paper coordinates of the two panels: the map on the left (square, drawn against the right edge of its share, its
# colour bar just right of it), the curves on the right. In presenter mode the figure is short, so the square map is
# narrower than half the width: its share shrinks and the curves get the rest.
DOMAINS = {False: ((0.0, 0.5), (0.68, 1.0)), True: ((0.0, 0.38), (0.55, 1.0))}


def surface_figure(landscape: Landscape, labels: Sequence[str], *, presenter: bool = False, answers: bool = True
                   ) -> go.Figure:
    """The loss map (filled contours of log10 training loss) with every run's projected path, and beside it the
    loss curves of the same runs (training solid, validation dashed, at the recorded weights against epochs).

    Trace 0 is the map, trace 1 the plane's centre, then two traces per run on the map (path, head), then two per
    run on the curves (training, validation), then two legend keys (solid, dashed). The figure carries one frame per
    `frame_epochs` time (frame names are the epochs as text) that draws the paths and the curves up to that time,
    with play/pause buttons and a slider; the figure as built shows everything.

    Without `answers` (presenter mode, "Hide the answers") the map and the paths are drawn plainly: trace 1 (the
    star at the centre, which names the run with the lowest loss) is empty and out of the legend, and every head is
    a dot named after its run (no ✕ where a run left the map or blew up).
    """
    size = 20 if presenter else 14
    width = 4 if presenter else 2.5
    colors = run_colors(len(labels))
    rows = strip(presenter)
    height, top = (500 if presenter else 620), 56
    plot_px = max(100, height - top - rows.bottom)
    map_domain, curves_domain = DOMAINS[presenter]
    finite = landscape.grid_loss[np.isfinite(landscape.grid_loss) & (landscape.grid_loss > 0)]
    low, high = float(finite.min()), float(finite.max())
    ticks, ticktext = style.log_ticks(low, max(high, low * 1.01))  # the colour bar's, at log10 positions
    z = np.log10(np.clip(landscape.grid_loss, low, None))
    fig = go.Figure()
    fig.add_trace(go.Contour(
        x=landscape.axis_a, y=landscape.axis_b, z=z, colorscale=MAP_COLORS, ncontours=24, name="training loss",
        contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5, color="rgba(255,255,255,0.35)"),
        customdata=landscape.grid_loss, hovertemplate="training loss %{customdata:.4f}<extra></extra>",
        colorbar=dict(title=dict(text="training loss", side="right"), tickvals=np.log10(ticks), ticktext=ticktext,
                      x=map_domain[1] + 0.01, xanchor="left", thickness=14 if presenter else 12)))
    centre = labels[landscape.centre_run]
    centre_label = f"centre: {centre}'s end" if presenter else f"centre: final weights of {centre}"
    if answers:
        fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name=centre_label, hoverinfo="name",
                                 marker=dict(symbol="star", size=16, color="white",
                                             line=dict(color="black", width=1))))
    else:  # kept empty, so that the traces keep their places (the replay's frames name them by index)
        fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="plane centre", showlegend=False,
                                 hoverinfo="skip"))
    for trace in (_path_traces(landscape, labels, colors, None, width, answers)
                  + _curve_traces(landscape, labels, colors, None, width)):
        fig.add_trace(trace)
    for name, dash in (("training loss", "solid"), ("validation loss", "dash")):  # the curves' key, on them
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=name, xaxis="x2", yaxis="y2",
                                 legend="legend2", line=dict(color="grey", width=width, dash=dash),
                                 hoverinfo="skip"))
    fig.update_layout(
        title=dict(text=("Each run's path on the loss surface, and its loss" if presenter else
                         "Each run's path on a 2-D slice of the training loss, and its loss curves"),
                   font=dict(size=size + 4)),
        font=dict(size=size), height=height, template="plotly_white",
        # The legend has a row of its own under the x-axis titles, the replay's buttons and slider one under it.
        legend=dict(orientation="h", x=0.0, xanchor="left", y=rows.fraction(rows.legend_top, plot_px),
                    yanchor="top"),
        legend2=dict(x=curves_domain[1], xanchor="right", y=1.0, yanchor="top", bgcolor="rgba(255,255,255,0.8)"),
        margin=dict(l=60, r=20, t=top, b=rows.bottom), hovermode="closest",
        xaxis=dict(domain=list(map_domain), title_text=direction_label(landscape, 0, presenter),
                   range=[landscape.axis_a[0], landscape.axis_a[-1]], showgrid=False, zeroline=False,
                   constrain="domain", constraintoward="right"),
        yaxis=dict(title_text=direction_label(landscape, 1, presenter), range=[landscape.axis_b[0],
                   landscape.axis_b[-1]], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1,
                   constrain="domain"),
        xaxis2=dict(domain=list(curves_domain), anchor="y2", title_text="epoch",
                    range=[0, max(float(e[-1]) for e in landscape.epochs) * 1.02]),
        # No y title in presenter mode: its large text would run into the colour bar's; the key names the loss. The
        # range is fixed to every loss of the curves, so it does not jump while the replay draws.
        yaxis2=dict(anchor="x2", title_text=None if presenter else "loss", **style.log_axis(*style.finite_range(
            np.concatenate([*landscape.point_loss, *landscape.point_val_loss]), positive=True))))
    _explicit_fonts(fig, presenter)
    _add_replay(fig, landscape, labels, colors, width, answers, rows.fraction(rows.controls_top, plot_px),
                style.sizes(presenter))
    return fig


def _explicit_fonts(fig: go.Figure, presenter: bool) -> None:
    """Every text's size set on the figure itself: Streamlit's chart theme replaces sizes a figure leaves to the
    layout font (ticks came out at 12 px in presenter mode)."""
    s = style.sizes(presenter)
    fig.update_xaxes(tickfont=dict(size=s.tick), title_font=dict(size=s.text))
    fig.update_yaxes(tickfont=dict(size=s.tick), title_font=dict(size=s.text))
    fig.update_layout(legend_font=dict(size=s.legend), hoverlabel_font=dict(size=s.text))
    if "legend2" in fig.layout:
        fig.update_layout(legend2_font=dict(size=s.legend))
    fig.update_traces(selector=dict(type="contour"), colorbar=dict(tickfont=dict(size=s.tick),
                                                                   title_font=dict(size=s.text)))
    fig.for_each_annotation(lambda a: a.update(font=dict(size=s.text)))


def _changing(trace: dict) -> dict:
    """What a replay frame must carry of a path, head or curve trace: its points, and a head's mark and name."""
    kept = {"type": trace["type"], "x": trace["x"], "y": trace["y"]}
    if trace.get("hoverinfo") == "name":  # a head: a dot, or a cross where its run left the map or blew up
        kept.update(name=trace["name"], marker=dict(symbol=trace["marker"]["symbol"], size=trace["marker"]["size"]))
    return kept


def _add_replay(fig: go.Figure, landscape: Landscape, labels: Sequence[str], colors: Sequence[str],
                width: float, answers: bool, y: float, s: style.Sizes) -> None:
    """One frame per recorded time: the paths (traces 2 .. 2 + 2n) and the curves (the next 2n) up to it."""
    times = frame_epochs(landscape)
    n = len(labels)
    moving = list(range(2, 2 + 4 * n))
    # Frames as plain dicts, validated once by the assignment (go.Scatter and go.Frame objects are validated three
    # times each), holding only what changes: plotly.js merges a frame's
    # data into the traces, so colours, names and hover texts come from the figure. A path's hover data (customdata)
    # stays the whole path's: a frame shows a prefix of it, point for point.
    fig.frames = [dict(name=f"{t:g}", traces=moving, data=[_changing(trace) for trace in
                                                           _path_traces(landscape, labels, colors, t, width,
                                                                        answers)
                                                           + _curve_traces(landscape, labels, colors, t, width)])
                  for t in times]
    # redraw=True: without it plotly.js animates only the scatter traces and drops the contour from the plot.
    play = dict(frame=dict(duration=350, redraw=True), transition=dict(duration=0), fromcurrent=True,
                mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0), mode="immediate")
    # As `charts.animated` draws its replays: the step labels are hidden (29 of them overlap), the current one is
    # printed above the rail ("epoch 1 · 25%"), right of the buttons.
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=y, xanchor="left", yanchor="top",
                          pad=dict(t=0, r=10), showactive=False, font=dict(size=s.legend),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], pause])])],
        sliders=[dict(active=len(times) - 1, x=0.3, len=0.7, xanchor="left", y=y, yanchor="top",
                      pad=dict(t=0, b=0), font=dict(size=s.smallest, color="rgba(0,0,0,0)"), ticklen=0,
                      minorticklen=0,
                      currentvalue=dict(prefix="epoch ", font=dict(size=s.legend, color="#1b1b1f"), visible=True,
                                        offset=4),
                      steps=[dict(label=epoch_label(t), method="animate",
                                  args=[[f"{t:g}"], dict(frame=dict(duration=0, redraw=True), mode="immediate",
                                                         transition=dict(duration=0))]) for t in times])])


def line_figure(landscape: Landscape, labels: Sequence[str], *, presenter: bool = False) -> go.Figure:
    """Training (solid) and validation (dashed) loss along each run's straight line from its start (alpha 0) to its
    final weights (alpha 1), on a log axis (Goodfellow, Vinyals and Saxe 2015)."""
    size = 20 if presenter else 14
    width = 4 if presenter else 2.5
    fig = go.Figure()
    for label, color, line in zip(labels, run_colors(len(labels)), landscape.lines):
        hover = f"{label}<br>alpha %{{x:.2f}}<br>%{{meta}} loss %{{y:.4f}}<extra></extra>"
        fig.add_trace(go.Scatter(x=line.alphas, y=line.train_loss, mode="lines", name=label, legendgroup=label,
                                 meta="training", line=dict(color=color, width=width), hovertemplate=hover))
        fig.add_trace(go.Scatter(x=line.alphas, y=line.val_loss, mode="lines", name=f"{label} (validation)",
                                 legendgroup=label, showlegend=False, meta="validation",
                                 line=dict(color=color, width=width, dash="dash"), hovertemplate=hover))
    for alpha, text in ((0.0, "start"), (1.0, "end of run")):
        fig.add_vline(x=alpha, line=dict(color="grey", dash="dot"), annotation_text=text)
    fig.update_layout(title=dict(text="Loss on the straight line from the start to each run's end",
                                 font=dict(size=size + 4)), font=dict(size=size),
                      height=430 if presenter else 420, template="plotly_white", hovermode="closest",
                      margin=dict(l=60, r=20, t=60, b=50))
    fig.update_xaxes(title_text="alpha: weights = (1 − alpha) × start + alpha × end")
    found = style.finite_range(np.concatenate([np.r_[line.train_loss, line.val_loss] for line in landscape.lines]),
                               positive=True)
    # Value-printing ticks only: a log axis' own minor labels ("2", "3", ...) are small and read as values.
    fig.update_yaxes(title_text="loss (binary cross-entropy)",
                     **(style.log_axis(*found) if found else dict(type="log")))
    _explicit_fonts(fig, presenter)
    return fig
