"""Replay in the browser: plotly `frames` with play / pause buttons and a slider (no Python loop, no blocked page).

`frames_upto` draws any figure family at a few epochs; `animated` turns the drawings into one figure that starts on
the last frame with its axes fixed to the ranges of every frame.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.charts.curves import Marks, curves_figure
from dlviz.runs import RunHistory

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


def frames_upto(draw: Callable[[int | None], go.Figure], epochs: int,
                max_frames: int = MAX_FRAMES) -> tuple[list[go.Figure], list[str]]:
    """`draw(upto_epoch)` at the `frame_epochs`, the last one as `draw(None)` (the finished chart with its marks).

    `draw` must give every frame the same traces in the same order (the figure families here do)."""
    epochs_drawn = frame_epochs(epochs, max_frames)
    frames = [draw(e) for e in epochs_drawn[:-1]] + [draw(None)]
    return frames, [f"epoch {e}" for e in epochs_drawn]


def curves_frames(groups: Mapping[str, Sequence[RunHistory]], *, marks: Mapping[str, Marks] | None = None,
                  max_frames: int = MAX_FRAMES, **options) -> tuple[list[go.Figure], list[str]]:
    """Frames of `curves_figure(groups, **options)` growing epoch by epoch; the marks only on the last frame.

    Example: `animated(*curves_frames(groups, marks=marks, x_max=20, metric="loss"))`."""
    epochs = min(h.epochs_run for runs in groups.values() for h in runs) if groups else 0
    return frames_upto(lambda upto: curves_figure(groups, marks=marks if upto is None else None, upto_epoch=upto,
                                                  **options), epochs, max_frames)


def _legend_only(trace) -> bool:
    """A key entry (style.key_trace): no data, only a legend line."""
    xs = trace.x
    return xs is not None and len(xs) > 0 and all(v is None for v in xs)


def _axis_ids(trace) -> tuple[str, str]:
    return (getattr(trace, "xaxis", None) or "x"), (getattr(trace, "yaxis", None) or "y")


def _layout_key(axis_id: str) -> str:
    """'x' -> 'xaxis', 'y2' -> 'yaxis2'."""
    return f"{axis_id[0]}axis{axis_id[1:]}"


def _fixed_ranges(base: go.Figure, frames: Sequence[go.Figure]) -> dict[str, list[float]]:
    """Per axis without a range of its own, the range that holds every frame's data (log axes in log10 units)."""
    seen: dict[str, list[float]] = {}
    for frame in frames:
        for trace in frame.data:
            for axis_id, values in zip(_axis_ids(trace), (trace.x, trace.y)):
                if values is None:
                    continue
                arr = np.asarray([v for v in values if v is not None], dtype=np.float64) if len(values) else np.zeros(0)
                seen.setdefault(_layout_key(axis_id), []).extend(arr[np.isfinite(arr)].tolist())
    ranges = {}
    for key, values in seen.items():
        axis = base.layout[key] if key in base.layout else None
        if axis is None or axis.range is not None or not values:
            continue
        log = axis.type == "log"
        arr = np.asarray(values)
        if log:
            arr = np.log10(arr[arr > 0])
            if not arr.size:
                continue
        low, high = float(arr.min()), float(arr.max())
        pad = 0.05 * (high - low) if high > low else 0.5
        ranges[key] = [low - pad, high + pad]
    return ranges


def animated(frames: list[go.Figure], frame_labels: list[str], *, frame_ms: int = 120,
             presenter: bool = False) -> go.Figure:
    """One figure replaying `frames` in the browser: plotly frames, ▶ Play (from the start) and ❚❚ Pause buttons,
    and a slider labelled with `frame_labels`; it starts on the last frame, with every axis fixed to a range that
    holds all frames. Frames with fewer traces are padded with empty ones (plotly updates traces by index).

    Raises ValueError if there are no frames or the labels do not match them.
    """
    if not frames or len(frames) != len(frame_labels):
        raise ValueError(f"animated needs one label per frame; got {len(frames)} frames, {len(frame_labels)} labels")
    s = style.sizes(presenter)
    n_traces = max(len(f.data) for f in frames)

    def padded(fig: go.Figure) -> list:
        empty = [go.Scatter(x=[], y=[], showlegend=False, hoverinfo="skip") for _ in range(n_traces - len(fig.data))]
        return list(fig.data) + empty

    base = go.Figure(frames[-1])
    base.add_traces([go.Scatter(x=[], y=[], showlegend=False, hoverinfo="skip")
                     for _ in range(n_traces - len(base.data))])
    for key, axis_range in _fixed_ranges(base, frames).items():
        base.layout[key].update(range=axis_range, autorange=False)
    # Legend-only key traces stay out of the frames (an animated [None] point is drawn at 0); shapes (the final
    # frame's overfitting shading) are hidden, not removed, on earlier frames: plotly ignores an empty shape list.
    data_idx = [k for k, t in enumerate(base.data) if not _legend_only(t)]
    final_shapes = list(base.layout.shapes or ())

    def shapes_of(fig: go.Figure) -> list:
        own = list(fig.layout.shapes or ())
        hidden = [go.layout.Shape(shape, visible=False) for shape in final_shapes[len(own):]]
        return own + hidden

    base.frames = [go.Frame(data=[padded(f)[k] for k in data_idx], traces=data_idx, name=str(i),
                            layout=dict(shapes=shapes_of(f))) for i, f in enumerate(frames)]
    play = dict(frame=dict(duration=frame_ms, redraw=True), transition=dict(duration=0), fromcurrent=False,
                mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    height = (base.layout.height or 460) + 80
    base.update_layout(
        height=height, margin=dict(b=(base.layout.margin.b or 60) + 80),
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, xanchor="left", y=-0.2,
                          yanchor="top", pad=dict(t=0, r=10), font=dict(size=s.legend),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], pause])])],
        sliders=[dict(active=len(frames) - 1, x=0.2, len=0.8, xanchor="left", y=-0.2, yanchor="top",
                      pad=dict(t=0, b=0), font=dict(size=s.smallest),
                      currentvalue=dict(prefix="", font=dict(size=s.legend), visible=True, xanchor="right"),
                      steps=[dict(label=label, method="animate",
                                  args=[[str(i)], dict(pause, frame=dict(duration=0, redraw=True))])
                             for i, label in enumerate(frame_labels)])])
    return base

