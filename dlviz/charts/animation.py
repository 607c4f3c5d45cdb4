"""Replay in the browser: plotly `frames` with play / pause buttons and a slider (no Python loop, no blocked page).

`cut_frames` cuts a finished figure at a few epochs; `animated` turns the frames into one figure that starts on the
last frame with its axes fixed to the ranges of every frame.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.charts.curves import FINAL

MAX_FRAMES = 40


def frame_epochs(epochs: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """At most `max_frames` epochs from 1 to `epochs`, evenly spread, always ending on `epochs`.

    >>> frame_epochs(5), len(frame_epochs(200)), frame_epochs(200)[-1]
    ([1, 2, 3, 4, 5], 40, 200)
    """
    if epochs <= 0:
        return []
    if epochs <= max_frames:
        return list(range(1, epochs + 1))
    return sorted({int(round(v)) for v in np.linspace(1, epochs, max_frames)})


def cut_frames(final: go.Figure, epochs: int, max_frames: int = MAX_FRAMES) -> tuple[list, list[str]]:
    """Replay frames cut from a finished figure (`curves_figure`, `epochs_figure`): frame e keeps each epoch-indexed
    trace's points up to epoch e (their `meta` is the x units per epoch), empties the marks of the finished run
    (`meta == "final"`) and hides its shapes; the last frame is `final` itself.

    Args:
        final: the finished figure; epochs: epochs trained; max_frames: at most this many frames (`frame_epochs`).

    Returns:
        (frames, labels): plain `{"data", "layout"}` dicts, then `final`; the slider's labels ("epoch 5").
        For `animated`."""
    epochs_drawn = frame_epochs(epochs, max_frames)
    traces = [(t.meta, np.asarray(t.x if t.x is not None else [], dtype=object), t) for t in final.data]
    frames: list = []
    for e in epochs_drawn[:-1]:
        data = []
        for meta, xs, trace in traces:
            if meta == FINAL:
                data.append({"type": "scatter", "x": [], "y": []})
            elif isinstance(meta, (int, float)) and not isinstance(meta, bool):
                keep = np.array([x is not None and x <= e * meta + 1e-9 for x in xs], dtype=bool)
                cut = {"type": "scatter", "x": np.asarray(trace.x)[keep], "y": np.asarray(trace.y)[keep]}
                for key in ("text", "customdata"):
                    if trace[key] is not None:
                        cut[key] = np.asarray(trace[key], dtype=object)[keep].tolist()
                data.append(cut)
            else:
                data.append(None)  # not epoch-indexed (a legend key): left as it is
        frames.append({"data": data, "layout": {"shapes": []}})
    return frames + [final], [f"epoch {e}" for e in epochs_drawn]


def _legend_only(trace) -> bool:
    """A legend-only entry (x = [None]): no data, only a legend line."""
    xs = trace.x
    return xs is not None and len(xs) > 0 and all(v is None for v in xs)


def _axis_ids(trace) -> tuple[str, str]:
    return (getattr(trace, "xaxis", None) or "x"), (getattr(trace, "yaxis", None) or "y")


def _layout_key(axis_id: str) -> str:
    """'x' -> 'xaxis', 'y2' -> 'yaxis2'."""
    return f"{axis_id[0]}axis{axis_id[1:]}"


def _slim(trace) -> dict:
    """The parts of a trace a frame changes: its points (and their texts)."""
    out = {"type": trace.type or "scatter", "x": trace.x if trace.x is not None else [],
           "y": trace.y if trace.y is not None else []}
    for key in ("text", "customdata"):
        if trace[key] is not None:
            out[key] = trace[key]
    return out


def _normalise(frame) -> tuple[list[dict | None], list]:
    """A frame (a figure, or a `cut_frames` dict) as (per-trace data dicts or None for 'unchanged', shapes)."""
    if isinstance(frame, go.Figure):
        data = [None if _legend_only(t) else _slim(t) for t in frame.data]
        return data, [shape.to_plotly_json() for shape in frame.layout.shapes or ()]
    return list(frame["data"]), list(frame.get("layout", {}).get("shapes", []))


def _fixed_ranges(base: go.Figure, frames: Sequence[list[dict | None]]) -> dict[str, list[float]]:
    """Per axis without a range of its own, the range that holds every frame's data (log axes in log10 units)."""
    seen: dict[str, list[np.ndarray]] = {}
    for data in frames:
        for trace, item in zip(base.data, data):
            if item is None:
                continue
            for axis_id, values in zip(_axis_ids(trace), (item["x"], item["y"])):
                arr = np.asarray([v for v in values if v is not None], dtype=np.float64)
                seen.setdefault(_layout_key(axis_id), []).append(arr[np.isfinite(arr)])
    ranges = {}
    for key, chunks in seen.items():
        axis = base.layout[key] if key in base.layout else None
        arr = np.concatenate(chunks) if chunks else np.zeros(0)
        if axis is None or axis.range is not None or not arr.size:
            continue
        if axis.type == "log":
            arr = np.log10(arr[arr > 0])
            if not arr.size:
                continue
        low, high = float(arr.min()), float(arr.max())
        pad = 0.05 * (high - low) if high > low else 0.5
        ranges[key] = [low - pad, high + pad]
    return ranges


def animated(frames: Sequence, frame_labels: Sequence[str], *, frame_ms: int = 120,
             presenter: bool = False) -> go.Figure:
    """One figure replaying `frames` in the browser: plotly frames, ▶ Play (from the start) and ❚❚ Pause buttons,
    and a slider labelled with `frame_labels`; it starts on the last frame, with every axis fixed to a range that
    holds all frames.

    Args:
        frames: `cut_frames` output (figures with the same traces in the same order); the last
            one must be a figure (the finished chart). A frame with fewer traces leaves the rest empty.
        frame_labels: one per frame ("epoch 5"), shown on the slider.
    Raises: ValueError if there are no frames, the labels do not match them, or the last frame is not a figure.
    """
    if not frames or len(frames) != len(frame_labels) or not isinstance(frames[-1], go.Figure):
        raise ValueError(f"animated needs one label per frame and a figure last; got {len(frames)} frames, "
                         f"{len(frame_labels)} labels")
    s = style.sizes(presenter)
    normalised = [_normalise(f) for f in frames]
    base = go.Figure(frames[-1])
    for key, axis_range in _fixed_ranges(base, [data for data, _ in normalised]).items():
        base.layout[key].update(range=axis_range, autorange=False)
    # Legend-only key traces stay out of the frames (an animated [None] point is drawn at 0); shapes (any the
    # final frame has) are hidden, not removed, on earlier frames: plotly ignores an empty shape list.
    final_shapes = [shape.to_plotly_json() for shape in base.layout.shapes or ()]
    data_idx = [k for k, t in enumerate(base.data) if not _legend_only(t)]
    built = []
    for i, (data, shapes) in enumerate(normalised):
        items = [(k, data[k] if k < len(data) else {"type": "scatter", "x": [], "y": []}) for k in data_idx]
        items = [(k, item) for k, item in items if item is not None]
        shapes = shapes + [dict(shape, visible=False) for shape in final_shapes[len(shapes):]]
        built.append(dict(data=[item for _, item in items], traces=[k for k, _ in items], name=str(i),
                          layout=dict(shapes=shapes)))
    # Frames as dicts, validated once by the constructor (go.Frame objects set afterwards are validated twice).
    base = go.Figure(data=base.data, layout=base.layout, frames=built)
    play = dict(frame=dict(duration=frame_ms, redraw=True), transition=dict(duration=0), fromcurrent=False,
                mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    # The controls sit in a strip added under the x-axis title: buttons left, the slider right of them. Menus and
    # sliders are placed in fractions of the plot's height (plotly gives them no pixel or container reference), so
    # the strip's top is converted from pixels.
    height, margin = base.layout.height or 460, base.layout.margin
    top, bottom = (margin.t if margin.t is not None else 80), (margin.b if margin.b is not None else 60)
    plot_px = max(100, height - top - bottom)
    strip = round(2.6 * s.legend) + 14
    y = -(bottom + 4) / plot_px
    base.update_layout(
        height=height + strip, margin=dict(b=bottom + strip),
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, xanchor="left", y=y,
                          yanchor="top", pad=dict(t=0, r=10), font=dict(size=s.legend),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], pause])])],
        # Step labels are hidden (40 of them overlap); the current frame's label is printed above the rail.
        # The rail starts right of the buttons by their width in pixels (~11 px a character at the buttons' size,
        # plus their padding), whatever the plot's width: at 30% of a narrow plot the handle covered ❚❚ Pause.
        sliders=[dict(active=len(frames) - 1, x=0, len=1, xanchor="left", y=y + 0.02, yanchor="top",
                      pad=dict(t=0, b=0, l=11 * s.legend + 30), font=dict(size=s.smallest, color="rgba(0,0,0,0)"),
                      ticklen=0,
                      minorticklen=0,
                      currentvalue=dict(prefix="", font=dict(size=s.legend, color="#1b1b1f"), visible=True,
                                        xanchor="right", offset=4),
                      steps=[dict(label=label, method="animate",
                                  args=[[str(i)], dict(pause, frame=dict(duration=0, redraw=True))])
                             for i, label in enumerate(frame_labels)])])
    return base
