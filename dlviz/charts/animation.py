"""Replay in the browser: plotly `frames` with ▶ Play / ❚❚ Pause buttons and a slider (no Python loop, no blocked
page). `cut_frames` cuts a finished figure at a few epochs; `animated` makes one figure of them."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.charts.curves import FINAL

_MAX_FRAMES = 40
_KEYS = ("x", "y", "text", "customdata")  # what a frame changes of a trace


def cut_frames(final: go.Figure, epochs: int) -> tuple[list, list[str]]:
    """Replay frames cut from a finished figure (`curves_figure`, `epochs_figure`, `stability.stability_figure`).

    Frame e keeps each epoch-indexed trace's points up to epoch e (the trace's `meta` is its x units per epoch) and
    empties the marks of the finished run (`meta == FINAL`); a trace without `meta` stays as it is.

    Args:
        final: the finished figure.
        epochs: the epochs (or steps) trained: frames at up to 40 of them, evenly spread, the last one last.
    Returns:
        (frames, labels): a `{"data", "layout"}` dict per epoch (None for a trace left as it is), then `final`
        itself; one slider label per frame ("epoch 5"). For `animated`."""
    shown = list(range(1, epochs + 1)) if epochs <= _MAX_FRAMES else \
        sorted({round(v) for v in np.linspace(1, epochs, _MAX_FRAMES)})
    cut = []
    for t in final.data:
        arrays = {key: np.asarray(t[key], dtype=object if key in ("text", "customdata") else None)
                  for key in _KEYS if t[key] is not None} if t.meta not in (None, FINAL) else {}
        cut.append((t, arrays, arrays["x"].astype(np.float64) / t.meta if arrays else None))
    empty = {"type": "scatter", "x": [], "y": []}
    frames = [{"data": [None if t.meta is None else empty if t.meta == FINAL else
                        {"type": t.type, **{key: value[epoch <= e + 1e-9].tolist() if value.dtype == object
                                            else value[epoch <= e + 1e-9] for key, value in arrays.items()}}
                        for t, arrays, epoch in cut], "layout": {"shapes": []}} for e in shown[:-1]]
    return frames + [final], [f"epoch {e}" for e in shown]


def animated(frames: Sequence, frame_labels: Sequence[str], *, frame_ms: int = 120,
             presenter: bool = False) -> go.Figure:
    """One figure that replays `frames` in the browser: plotly frames, ▶ Play (from the start) and ❚❚ Pause buttons
    and a slider labelled with `frame_labels`, in a strip under the x-axis title. It opens on the last frame (the
    finished figure with its marks; earlier frames hide its shapes), every axis without a range of its own fixed to
    one that holds all frames.

    Args:
        frames: `cut_frames` output: one dict per frame, the finished figure last.
        frame_labels: one per frame ("epoch 5"), shown above the slider.
        frame_ms: each frame's time on ▶ Play; presenter: presenter mode's sizes.
    Returns:
        The figure (a new one: the finished figure is not changed).
    Raises:
        ValueError: no frames, not one label per frame, or no figure last."""
    if not frames or len(frames) != len(frame_labels) or not isinstance(frames[-1], go.Figure):
        raise ValueError(f"animated needs one label per frame and a figure last; got {len(frames)} frames, "
                         f"{len(frame_labels)} labels")
    s, final = style.sizes(presenter), frames[-1]
    changed = [k for k, t in enumerate(final.data) if t.meta is not None]
    layout = final.layout.to_plotly_json()
    shapes = layout.get("shapes", [])
    last = [{"type": t.type, **{key: t[key] for key in _KEYS if t[key] is not None}}
            for t in (final.data[k] for k in changed)]
    # Frames as dicts, validated once by the constructor (go.Frame objects set afterwards are validated twice).
    built = [dict(name=str(i), traces=changed, data=[frame["data"][k] for k in changed],
                  layout=dict(shapes=[dict(shape, visible=False) for shape in shapes]))
             for i, frame in enumerate(frames[:-1])]
    built.append(dict(name=str(len(built)), traces=changed, data=last, layout=dict(shapes=shapes)))
    # Every axis without a range of its own holds the finished figure's points (each frame is a cut of it; a log
    # axis' range is in log10 units).
    points: dict[str, list] = {}
    for t in final.data:
        for key in ("x", "y"):
            if t[key] is not None:
                points.setdefault(f"{key}axis{(t[key + 'axis'] or key)[1:]}", []).append(
                    np.asarray(t[key], dtype=np.float64).ravel())
    for name, chunks in points.items():
        axis, values = layout.get(name, {}), np.concatenate(chunks)
        values = values[np.isfinite(values) & ((values > 0) if axis.get("type") == "log" else True)]
        if "range" not in axis and values.size:
            values = np.log10(values) if axis.get("type") == "log" else values
            low, high = float(values.min()), float(values.max())
            pad = 0.05 * (high - low) if high > low else 0.5
            layout[name] = dict(axis, range=[low - pad, high + pad], autorange=False)
    play = dict(frame=dict(duration=frame_ms, redraw=True), transition=dict(duration=0), fromcurrent=False,
                mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    # The controls sit in a strip added under the x-axis title: buttons left, the slider right of them. Menus and
    # sliders are placed in fractions of the plot's height (plotly gives them no pixel or container reference), so
    # the strip's top is converted from pixels.
    height, top, bottom = layout["height"], layout["margin"]["t"], layout["margin"]["b"]
    strip, y = round(2.6 * s.legend) + 14, -(bottom + 4) / max(100, height - top - bottom)
    layout.update(
        height=height + strip, margin=dict(layout["margin"], b=bottom + strip),
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
                             for i, label in enumerate(frame_labels)])])
    return go.Figure(data=final.data, layout=layout, frames=built)
