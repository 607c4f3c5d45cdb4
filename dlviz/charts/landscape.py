"""Plotly figures of a `Landscape`: the loss map with every run's path on it and the runs' loss curves beside it,
replayed in the browser with plotly `frames`; and the loss on each run's straight line from its start to its end.

Map colours are log10(loss), so a run that blows up far from the valley does not wash the valley out; hover shows
the loss itself. Traces and frames are plain dicts, validated once by the figure's constructor (bench/README.md).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.analysis.landscape import Landscape, clip_to_map
from dlviz.charts import style
from dlviz.text.landscape import epoch_label

# Paper coordinates of the two panels: the map (square, against the right edge of its share, its colour bar just
# right of it), then the curves. Presenter mode's figure is short, so its square map is narrower.
DOMAINS = {False: ((0.0, 0.5), (0.68, 1.0)), True: ((0.0, 0.38), (0.55, 1.0))}


def _traces(landscape: Landscape, labels: Sequence[str], upto: float | None, width: float, answers: bool
            ) -> list[dict]:
    """Per run two traces on the map: its path up to epoch `upto` (None: all), cut where it leaves the map, and its
    head (with `answers` a cross where it left the map or blew up, else a dot); then per run two on the curves' axes:
    the training (solid) and validation (dashed) loss at the recorded points up to `upto`, against epochs."""
    paths, curves = [], []
    for run, (label, color) in enumerate(zip(labels, style.value_colors(len(labels)))):
        epochs = landscape.epochs[run]
        shown = epochs <= (np.inf if upto is None else upto + 1e-9)
        path, left = clip_to_map(landscape.coords[run][shown], landscape.axis_a, landscape.axis_b)
        n = len(path) - (1 if left and len(path) else 0)  # recorded points drawn; then where it crosses the edge
        custom = np.column_stack([landscape.point_loss[run], landscape.residual[run]])[:n]
        crossed = answers and (left or (landscape.diverged[run] and shown.all()))
        paths += [dict(type="scatter", x=path[:, 0], y=path[:, 1], mode="lines+markers", name=label,
                       legendgroup=label, line=dict(color=color, width=width), marker=dict(size=5, color=color),
                       customdata=np.vstack([custom, np.full((len(path) - n, 2), np.nan)]),
                       text=[epoch_label(e) for e in epochs[:n]] + [""] * (len(path) - n),
                       hovertemplate=(f"{label}<br>epoch %{{text}}<br>loss at these weights %{{customdata[0]:.4f}}"
                                      "<br>distance from the plane %{customdata[1]:.2f}<extra></extra>")),
                  dict(type="scatter", x=path[-1:, 0], y=path[-1:, 1], mode="markers", legendgroup=label,
                       showlegend=False, name=f"{label} (left the map)" if left and answers else label,
                       hoverinfo="name", marker=dict(symbol="x" if crossed else "circle", size=14 if crossed else 9,
                                                     color=color, line=dict(color="white", width=1)))]
        for name, losses, dash in (("training", landscape.point_loss[run], "solid"),
                                   ("validation", landscape.point_val_loss[run], "dash")):
            y = np.where(np.isfinite(losses) & (losses > 0), losses, np.nan)[shown]
            curves.append(dict(
                type="scatter", x=epochs[shown], y=y, mode="lines", name=f"{label} ({name})", legendgroup=label,
                showlegend=False, xaxis="x2", yaxis="y2",
                line=dict(color=color, width=width, dash=dash), text=[epoch_label(e) for e in epochs],
                hovertemplate=f"{label}<br>epoch %{{text}}<br>{name} loss %{{y:.4f}}<extra></extra>"))
    return paths + curves


def _changing(trace: dict) -> dict:
    """What a replay frame carries of a trace: its points, and a head's mark and name (the rest is the figure's)."""
    kept = {"type": trace["type"], "x": trace["x"], "y": trace["y"]}
    if trace.get("hoverinfo") == "name":
        kept.update(name=trace["name"], marker=dict(symbol=trace["marker"]["symbol"], size=trace["marker"]["size"]))
    return kept


def surface_figure(landscape: Landscape, labels: Sequence[str], *, presenter: bool = False, answers: bool = True
                   ) -> go.Figure:
    """The loss map (filled contours of log10 training loss) with every run's projected path (Li et al. 2018), and
    beside it the same runs' training (solid) and validation (dashed) loss at the recorded weights, by epoch.

    Args:
        landscape: the view; labels: one name per run, in run order.
        presenter: presenter mode's sizes (`style.sizes`) and a shorter figure.
        answers: False while a teacher hides the answers: no star at the centre (it names the best run), every head
            a dot named after its run (no ✕ where a run left the map or blew up).

    Returns:
        Trace 0 the map, 1 the centre's star (empty without `answers`: the traces keep their places), then per run its
        path and head, then per run its two curves, then the curves' key. One frame per recorded time (named by its
        epoch, "0.5") draws the paths and curves up to it (▶ Play / ❚❚ Pause, a slider); as built it shows all."""
    s = style.sizes(presenter)
    map_domain, curves_domain = DOMAINS[presenter]
    # The rows under the plot, in px below it: ticks and the axis title, the legend, then the replay's controls.
    legend_top = s.tick + 10 + s.text + 24
    controls_top = legend_top + s.legend + 24
    bottom = controls_top + round(1.6 * s.legend) + 20
    height, top = (500 if presenter else 620), 56
    plot_px = max(100, height - top - bottom)  # plotly places legends and menus in fractions of the plot's height
    grid = landscape.grid_loss
    low, high = style.finite_range(grid, positive=True)
    ticks, ticktext = style.log_ticks(low, max(high, low * 1.01))
    centre = labels[landscape.centre_run]
    star = (dict(x=[0.0], y=[0.0], hoverinfo="name", marker=dict(symbol="star", size=16, color="white",
                                                                  line=dict(color="black", width=1)),
                 name=f"centre: {centre}'s end" if presenter else f"centre: final weights of {centre}")
            if answers else dict(x=[], y=[], name="plane centre", showlegend=False, hoverinfo="skip"))
    data = [dict(type="contour", x=landscape.axis_a, y=landscape.axis_b, z=np.log10(np.clip(grid, low, None)),
                 colorscale="Viridis", ncontours=24, name="training loss", contours=dict(coloring="heatmap"),
                 line=dict(width=0.5, color="rgba(255,255,255,0.35)"), customdata=grid,
                 hovertemplate="training loss %{customdata:.4f}<extra></extra>",
                 colorbar=dict(title=dict(text="training loss", side="right", font=dict(size=s.text)),
                               tickvals=np.log10(ticks), ticktext=ticktext, tickfont=dict(size=s.tick),
                               x=map_domain[1] + 0.01, xanchor="left", thickness=14 if presenter else 12)),
            dict(type="scatter", mode="markers", **star), *_traces(landscape, labels, None, s.line, answers)]
    data += [dict(type="scatter", x=[None], y=[None], mode="lines", name=name, xaxis="x2", yaxis="y2",
                  legend="legend2", line=dict(color="grey", width=s.line, dash=dash), hoverinfo="skip")
             for name, dash in (("training loss", "solid"), ("validation loss", "dash"))]
    times = sorted({round(float(e), 6) for e in np.concatenate(landscape.epochs)})
    frames = [dict(name=f"{t:g}", traces=list(range(2, 2 + 4 * len(labels))),
                   data=[_changing(trace) for trace in _traces(landscape, labels, t, s.line, answers)]) for t in times]
    # redraw=True: without it plotly.js animates only the scatter traces and drops the contour from the plot.
    pause = dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0), mode="immediate")
    play = dict(pause, frame=dict(duration=350, redraw=True), fromcurrent=True)
    axis_font = dict(tickfont=dict(size=s.tick), title_font=dict(size=s.text), showgrid=False, zeroline=False)

    def direction(k: int) -> str:  # short in presenter mode, where a long title would run past the small map
        share = landscape.plane.explained[k]
        return f"direction {k + 1}, {share:.0%}" if presenter else f"direction {k + 1} ({share:.0%} of the movement)"

    return go.Figure(data=data, frames=frames, layout=dict(
        title=dict(text=("Each run's path on the loss surface, and its loss" if presenter else
                         "Each run's path on a 2-D slice of the training loss, and its loss curves"),
                   font=dict(size=s.title)),
        font=dict(size=s.text), height=height, template="plotly_white", hovermode="closest",
        hoverlabel=dict(font=dict(size=s.text)), margin=dict(l=60, r=20, t=top, b=bottom),
        legend=dict(orientation="h", x=0.0, xanchor="left", y=-legend_top / plot_px, yanchor="top",
                    font=dict(size=s.legend)),
        legend2=dict(x=curves_domain[1], xanchor="right", y=1.0, yanchor="top", bgcolor="rgba(255,255,255,0.8)",
                     font=dict(size=s.legend)),
        xaxis=dict(domain=list(map_domain), title_text=direction(0), range=[landscape.axis_a[0], landscape.axis_a[-1]],
                   constrain="domain", constraintoward="right", **axis_font),
        yaxis=dict(title_text=direction(1), range=[landscape.axis_b[0], landscape.axis_b[-1]], scaleanchor="x",
                   scaleratio=1, constrain="domain", **axis_font),
        xaxis2=dict(domain=list(curves_domain), anchor="y2", title_text="epoch", tickfont=dict(size=s.tick),
                    title_font=dict(size=s.text), range=[0, max(float(e[-1]) for e in landscape.epochs) * 1.02]),
        # No y title in presenter mode: it would run into the colour bar's. A fixed range: it does not jump in replay.
        yaxis2=dict(anchor="x2", title_text=None if presenter else "loss", tickfont=dict(size=s.tick),
                    title_font=dict(size=s.text), **style.log_axis(*style.finite_range(
                        np.concatenate([*landscape.point_loss, *landscape.point_val_loss]), positive=True))),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-controls_top / plot_px, xanchor="left",
                          yanchor="top", pad=dict(t=0, r=10), showactive=False, font=dict(size=s.legend),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], pause])])],
        # As `charts.replay`: the step labels hidden (they overlap), the current one printed above the rail.
        sliders=[dict(active=len(times) - 1, x=0.3, len=0.7, xanchor="left", y=-controls_top / plot_px,
                      yanchor="top", pad=dict(t=0, b=0), font=dict(size=s.smallest, color="rgba(0,0,0,0)"),
                      ticklen=0, minorticklen=0, currentvalue=dict(prefix="epoch ", visible=True, offset=4,
                                                                   font=dict(size=s.legend, color="#1b1b1f")),
                      steps=[dict(label=epoch_label(t), method="animate", args=[[f"{t:g}"], pause]) for t in times])]))


def line_figure(landscape: Landscape, labels: Sequence[str], *, presenter: bool = False) -> go.Figure:
    """The training (solid) and validation (dashed) loss along each run's straight line from its start (alpha 0) to
    its final weights (alpha 1) and beyond, on a log axis (Goodfellow, Vinyals and Saxe 2015).

    Args:
        landscape: the view (its `lines`); labels: one name per run, in run order.
        presenter: presenter mode's sizes.

    Returns:
        Two traces per run (training, then validation), and a dotted line at the start and at the end."""
    width = style.sizes(presenter).line
    data = []
    for label, color, line in zip(labels, style.value_colors(len(labels)), landscape.lines):
        hover = f"{label}<br>alpha %{{x:.2f}}<br>%{{meta}} loss %{{y:.4f}}<extra></extra>"
        data += [dict(type="scatter", x=line.alphas, y=line.train_loss, mode="lines", name=label, legendgroup=label,
                      meta="training", line=dict(color=color, width=width), hovertemplate=hover),
                 dict(type="scatter", x=line.alphas, y=line.val_loss, mode="lines", name=f"{label} (validation)",
                      legendgroup=label, showlegend=False, meta="validation",
                      line=dict(color=color, width=width, dash="dash"), hovertemplate=hover)]
    fig = go.Figure(data=data)
    for alpha, text in ((0.0, "start"), (1.0, "end of run")):
        fig.add_vline(x=alpha, line=dict(color="grey", dash="dot"), annotation_text=text)
    found = style.finite_range(np.concatenate([np.r_[line.train_loss, line.val_loss] for line in landscape.lines]),
                               positive=True)
    fig.update_xaxes(title_text="alpha: weights = (1 − alpha) × start + alpha × end")
    # Value-printing ticks only: a log axis' own minor labels ("2", "3", ...) are small and read as values.
    fig.update_yaxes(title_text="loss (binary cross-entropy)",
                     **(style.log_axis(*found) if found else dict(type="log")))
    fig.update_layout(style.layout(fig.data, title="Loss on the straight line from the start to each run's end",
                                   presenter=presenter, height=420))
    return fig.update_annotations(font_size=style.sizes(presenter).text)
