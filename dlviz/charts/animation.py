"""Replay in the browser: plotly `frames` with ▶ Play / ❚❚ Pause buttons and a slider (no Python loop, no blocked
page). A frame does not resend the curves: it moves a curtain, a rectangle in the plot's background colour over
every x beyond the frame's epoch, and hides the finished run's marks until the last frame. The figure a replay adds
to costs about as much to build and send as the finished figure alone (bench/charts_cost.py)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.charts.curves import FINAL

_MAX_FRAMES = 40
_KEYS = ("x", "y", "text", "customdata")  # what the last frame gives back to a mark


def _stops(scales: set, epochs: int, unit: str, log_x: bool) -> tuple[list[float], list[str]]:
    """Where each frame's curtain starts (x units) and its slider label."""
    shown = list(range(1, epochs + 1)) if epochs <= _MAX_FRAMES else \
        sorted({round(v) for v in np.linspace(1, epochs, _MAX_FRAMES)})
    if len(scales) == 1:  # one x unit per epoch for every curve: the frames stop at epochs
        (scale,) = scales
        return [e * scale for e in shown], [f"{unit} {e}" for e in shown]
    # Curves with x units of their own per epoch (weight updates: each batch size's updates per epoch): the frames
    # stop at the same number of updates for every curve, evenly spread along the axis as drawn.
    top = max(scales) * epochs
    spread = np.geomspace(min(scales), top, len(shown)) if log_x else np.linspace(top / len(shown), top, len(shown))
    stops = sorted({round(float(v)) for v in spread})
    return stops, [f"update {s:,}" for s in stops]


def replay(final: go.Figure, epochs: int, *, unit: str = "epoch", frame_ms: int = 120,
           presenter: bool = False) -> go.Figure:
    """Make a finished figure (`curves_figure`, `epochs_figure`, `stability.stability_figure`) replay its training in
    the browser: ▶ Play (from the start) and ❚❚ Pause buttons and a slider labelled "epoch 5", in a strip under the
    x-axis title. It opens on the finished figure with its marks.

    Frame e draws a curtain in the plot's background colour over every x beyond epoch e on each panel with
    epoch-indexed traces (their `meta` is their x units per epoch), turns hover off (a hover would read the values
    under the curtain), and hides the finished run's marks (traces with `meta == FINAL`, and the layout's shapes)
    until the last frame, which restores the figure's hover mode. Traces without `meta` stay as they are. When the
    traces' x units per epoch differ (the weight-updates axis), the frames stop at the same number of updates for
    every trace ("update 1,200"). Every axis without a range of its own is fixed to one that holds the finished
    figure, so nothing moves while the curtain does.

    Args:
        final: the finished figure, changed in place: its layout gets the controls, fixed ranges and frames.
        epochs: the epochs (or steps) trained: frames at up to 40 of them, evenly spread, the last one last.
        unit: what the slider calls an epoch ("step" for full-batch runs); frame_ms: each frame's time on ▶ Play;
            presenter: presenter mode's sizes.
    Returns:
        `final`.
    Raises:
        ValueError: no epoch-indexed trace, or `epochs` < 1."""
    indexed = [t for t in final.data if t.meta not in (None, FINAL)]
    if not indexed or epochs < 1:
        raise ValueError(f"replay needs an epoch-indexed trace and epochs >= 1; got {len(indexed)} and {epochs}")
    s, layout = style.sizes(presenter), final.layout.to_plotly_json()
    log_x = layout.get("xaxis", {}).get("type") == "log"
    stops, labels = _stops({t.meta for t in indexed}, epochs, unit, log_x)
    marks = [k for k, t in enumerate(final.data) if t.meta == FINAL]
    shapes = layout.get("shapes", [])
    # Every axis without a range of its own holds the finished figure's points (a log axis' range is in log10 units).
    points: dict[str, list] = {}
    for t in final.data:
        for key in ("x", "y"):
            if t[key] is not None:
                points.setdefault(f"{key}axis{(t[key + 'axis'] or key)[1:]}", []).append(
                    np.asarray(t[key], dtype=np.float64).ravel())
    fixed = {}
    for name, chunks in points.items():
        axis, values = layout.get(name, {}), np.concatenate(chunks)
        values = values[np.isfinite(values) & ((values > 0) if axis.get("type") == "log" else True)]
        if "range" not in axis and values.size:
            values = np.log10(values) if axis.get("type") == "log" else values
            low, high = float(values.min()), float(values.max())
            pad = 0.05 * (high - low) if high > low else 0.5
            fixed[name] = layout[name] = dict(axis, range=[low - pad, high + pad], autorange=False)
    # One curtain per panel with epoch-indexed traces, from the frame's stop to past the end of its x-axis (by 1% of
    # its span, so the last gridline is covered too; plotly clips a shape to its panel), over the panel's whole
    # height. A shape's x is in data units on a log axis too.
    panels = sorted({(t.xaxis or "x", t.yaxis or "y") for t in indexed})
    ends = {}
    for x, _ in panels:
        axis = layout[f"xaxis{x[1:]}"]
        low, high = axis["range"]
        past = high + 0.01 * (high - low)
        ends[x] = 10 ** past if axis.get("type") == "log" else past
    background = layout.get("plot_bgcolor", "white")

    def curtains(stop: float) -> list[dict]:
        return [dict(type="rect", xref=x, yref=f"{y} domain", x0=stop, x1=ends[x], y0=0, y1=1, layer="above",
                     fillcolor=background, line=dict(width=0)) for x, y in panels if stop < ends[x]]

    hidden = [dict(shape, visible=False) for shape in shapes]
    empty = [{"type": "scatter", "x": [], "y": []}] * len(marks)
    frames = [dict(name=str(i), traces=marks, data=empty,
                   layout=dict(shapes=hidden + curtains(stop), hovermode=False)) for i, stop in enumerate(stops[:-1])]
    frames.append(dict(name=str(len(frames)), traces=marks,
                       layout=dict(shapes=shapes, hovermode=layout.get("hovermode", "closest")),
                       data=[{"type": final.data[k].type, **{key: final.data[k][key] for key in _KEYS
                                                             if final.data[k][key] is not None}} for k in marks]))
    play = dict(frame=dict(duration=frame_ms, redraw=True), transition=dict(duration=0), fromcurrent=False,
                mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    # The controls sit in a strip added under the x-axis title: buttons left, the slider right of them. Menus and
    # sliders are placed in fractions of the plot's height (plotly gives them no pixel or container reference), so
    # the strip's top is converted from pixels.
    height, top, bottom = layout["height"], layout["margin"]["t"], layout["margin"]["b"]
    strip, y = round(2.6 * s.legend) + 14, -(bottom + 4) / max(100, height - top - bottom)
    final.update_layout(
        fixed, height=height + strip,
        margin=dict(layout["margin"], b=bottom + strip),
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, xanchor="left", y=y,
                          yanchor="top", pad=dict(t=0, r=10), font=dict(size=s.legend),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], pause])])],
        # Step labels are hidden (40 of them overlap); the current frame's label is printed above the rail.
        # The rail starts right of the buttons by their width in pixels (~11 px a character at the buttons' size,
        # plus their padding), whatever the plot's width: at 30% of a narrow plot the handle covered ❚❚ Pause.
        sliders=[dict(active=len(frames) - 1, x=0, len=1, xanchor="left", y=y + 0.02, yanchor="top",
                      pad=dict(t=0, b=0, l=11 * s.legend + 30), font=dict(size=s.smallest, color="rgba(0,0,0,0)"),
                      ticklen=0, minorticklen=0,
                      currentvalue=dict(prefix="", font=dict(size=s.legend, color="#1b1b1f"), visible=True,
                                        xanchor="right", offset=4),
                      steps=[dict(label=label, method="animate",
                                  args=[[str(i)], dict(pause, frame=dict(duration=0, redraw=True))])
                             for i, label in enumerate(labels)])])
    final.frames = frames
    return final
