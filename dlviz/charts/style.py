"""The look every dlviz figure shares: value colours, font sizes (normal and presenter), log-axis ticks that print the
value, a compact legend (the swept values only) and a one- or two-line key in the subtitle. No figure family lives here.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Sequence

import numpy as np

# An ordered, hue-stepping palette (navy -> blue -> teal -> green -> orange -> red -> crimson -> purple). Neighbours
# differ by at least 29 CIELAB units (CIE76; near-identical purples of the old Plasma sampling were ~8 apart) and every
# colour has a lightness L* of at most 60, so thin lines stay visible on a white page through a projector.
PALETTE = ("#1b3a8c", "#1c7ed6", "#0b8a7a", "#5c8a00", "#d9730d", "#c92a2a", "#a3195b", "#7b3fa6")
# For more values than PALETTE holds (a grid row of up to 13 learning rates): 13 distinct colours, hues interleaved
# so that neighbours differ, none repeated (a repeat made lr 0.0001 and lr 1 look the same).
_LONG_PALETTE = ("#1b3a8c", "#b08900", "#1c7ed6", "#7a4a1d", "#0b8a7a", "#d6336c", "#5c8a00", "#4c3f91", "#d9730d",
                 "#0b7285", "#c92a2a", "#7b3fa6", "#a3195b")
BEST_COLOR = "#e8590c"
_GRID = "#e9ecef"


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes of one mode: every text of a figure is at least `smallest` px (12 normally, 16 presenting);
    `text` is the layout's font (axis titles, hover), `line` a value's main line width, `thin` an each-seed line."""

    text: int
    title: int
    tick: int
    legend: int
    smallest: int
    line: float
    thin: float
    marker: int


NORMAL = Sizes(text=14, title=18, tick=13, legend=13, smallest=12, line=2.5, thin=1.0, marker=12)
PRESENTER = Sizes(text=20, title=24, tick=18, legend=18, smallest=16, line=4.0, thin=1.5, marker=16)


def sizes(presenter: bool) -> Sizes:
    """The sizes of a mode.

    Args:
        presenter: presenter mode (a projector at 1280x720: text >= 16 px), else normal (text >= 12 px).
    Returns:
        `PRESENTER` or `NORMAL`."""
    return PRESENTER if presenter else NORMAL


def value_colors(n: int) -> list[str]:
    """The colours of `n` values, in value order.

    Args:
        n: how many values.
    Returns:
        Up to len(PALETTE) values, evenly spread entries of it (3 values: navy, green, purple: fewer values get more
        contrast); more values, 13 interleaved colours, cycled only past 13."""
    if n <= len(PALETTE):
        return [PALETTE[round(i * (len(PALETTE) - 1) / max(1, n - 1))] for i in range(n)]
    return [_LONG_PALETTE[i % len(_LONG_PALETTE)] for i in range(n)]


def log_title(title: str, log: bool) -> str:
    """An axis title that says when its axis is logarithmic.

    Args:
        title: the title ("Epoch", "Loss (binary cross-entropy)"); log: the axis is logarithmic.
    Returns:
        With `log`, "log scale" in the title's own brackets, never a second pair: "Loss (binary cross-entropy, log
        scale)", "Epoch (log scale)"."""
    if not log:
        return title
    return title[:-1] + ", log scale)" if title.endswith(")") else title + " (log scale)"


def rgba(hex_color: str, alpha: float) -> str:
    """A colour made transparent, for bands and shading.

    Args:
        hex_color: "#rrggbb"; alpha: opacity from 0 to 1.
    Returns:
        Plotly's "rgba(r,g,b,alpha)": '#1b3a8c', 0.2 -> 'rgba(27,58,140,0.2)'."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"


def format_tick(value: float, counts: bool = False) -> str:
    """A tick label that is the value itself.

    Args:
        value: the tick's value; counts: a count, with thousands separators and no decimals.
    Returns:
        0.9 -> '0.9', 0.0003 -> '0.0003', 6400 -> '6,400' (counts), 2e-5 -> '2e-5'."""
    if counts:
        return f"{value:,.0f}"
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e5:
        return f"{value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.6g}"
    return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")


# Mantissa sets from coarse to fine: the first that puts at least 4 ticks on the range is used.
_MANTISSAS = ((1.0,), (1.0, 3.0), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 5.0), (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0),
              tuple(float(m) for m in range(1, 10)))


def log_ticks(low: float, high: float, *, counts: bool = False) -> tuple[list[float], list[str]]:
    """Tick values and labels for a log axis that print the value.

    Plotly's automatic log ticks label minor ticks by their leading digit only (0.9 printed as "9") on ranges of one
    to a few decades; this takes the coarsest 1-3 / 1-2-5 / ... mantissa set that gives at least 4 ticks, and evenly
    spaced round values on a range under a factor of ~2.

    Args:
        low, high: the range in data units, both positive and finite (in either order).
        counts: labels with thousands separators and no decimals ("6,400").
    Returns:
        (values, labels), for `tickvals` and `ticktext`.
    Raises:
        ValueError: `low` or `high` is not a positive finite number."""
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low and 0 < high):
        raise ValueError(f"log ticks need a positive finite range; got {low} to {high}")
    low, high = min(low, high), max(low, high)
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    for mantissas in _MANTISSAS:
        vals = [float(f"{m * 10.0 ** e:.6g}") for e in decades for m in mantissas]
        vals = [v for v in vals if low <= v <= high]
        if len(vals) >= 4:
            break
    if len(vals) < 3:  # under a factor ~2: steps of a round size (1, 2 or 5 x 10^k)
        exponent = math.floor(math.log10((high - low) / 4))
        step = next(m * 10.0 ** exponent for m in (1, 2, 5, 10) if m * 10.0 ** exponent >= (high - low) / 4)
        vals = [float(f"{v:.6g}") for v in np.arange(math.ceil(low / step) * step, high + step / 2, step)]
    return vals, [format_tick(v, counts) for v in vals]


def finite_range(values: Sequence[float] | np.ndarray, *, positive: bool = False) -> tuple[float, float] | None:
    """The range an axis must show.

    Args:
        values: numbers of any shape (None, NaN and inf are left out); positive: leave out values <= 0 (a log axis).
    Returns:
        (min, max) of the values kept, or None if none is."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    arr = arr[np.isfinite(arr) & ((arr > 0) if positive else True)]
    return (float(arr.min()), float(arr.max())) if arr.size else None


def log_axis(low: float, high: float, *, counts: bool = False, pad: float = 0.06) -> dict:
    """A log axis whose ticks print the value (`log_ticks`).

    Args:
        low, high: the range in data units (> 0); counts: counts' labels ("6,400"); pad: the share of the range's
            decades added on each side.
    Returns:
        Axis settings for a layout's axis or `update_xaxes` (type, ticks, range in log10 units, hover format)."""
    vals, texts = log_ticks(low, high, counts=counts)
    span = max(math.log10(high) - math.log10(low), 1e-3)
    return dict(type="log", tickmode="array", tickvals=vals, ticktext=texts,
                range=[math.log10(low) - pad * span, math.log10(high) + pad * span],
                hoverformat=",.0f" if counts else ".4g")


# The narrowest chart the layout plans for (px): Streamlit's wide layout at 1280 px with the sidebar open leaves
# ~820 px to a chart; presenter mode at 1024 px with the sidebar closed 864 (measured).
PLANNED_WIDTH = {False: 780, True: 864}
# Presenter mode's figure height (px, the figure's whole height before a replay's controls): a 1280x720 projector
# shows a page's title, one line of intro, the folded settings and this chart without scrolling (measured in
# Chromium with Streamlit 1.67; tests/test_legibility.py keeps the arithmetic).
_PRESENTER_HEIGHT = 380
# A character of a title or key line is 0.43-0.45 em on average (measured in Chromium on these charts at 17 and 24
# px); lines start at the plot's left edge, ~80 px into the chart (the y-axis' ticks and title).
CHAR_EM = 0.45
TEXT_LEFT = 80


def key_line(parts: Sequence[str], presenter: bool) -> str:
    """A figure's key (what its line styles, bands and marks mean), for its subtitle.

    Args:
        parts: the key's parts ("" for one not drawn); presenter: presenter mode's sizes.
    Returns:
        The parts joined by " · ", broken with `<br>` where a line would pass the planned width: the key costs a
        line or two of height, never the plot's width."""
    lines: list[str] = []
    font_px = sizes(presenter).smallest + 1
    for part in (p for p in parts if p):
        candidate = f"{lines[-1]} · {part}" if lines else part
        if lines and len(candidate) * CHAR_EM * font_px <= PLANNED_WIDTH[presenter] - TEXT_LEFT:
            lines[-1] = candidate
        else:
            lines.append(part)
    return "<br>".join(lines)


def _wrap(text: str, font_px: int, width_px: int) -> str:
    """`text` broken at spaces with `<br>` so no line passes `width_px` at `font_px` (plotly never wraps a title)."""
    if "<br>" in text:
        return text
    width = max(1, int((width_px - TEXT_LEFT) / (CHAR_EM * font_px)))
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or text


def text_lines(text: str) -> int:
    """How many lines a title or subtitle takes.

    Args:
        text: lines joined by `<br>`.
    Returns:
        Their number; 0 for ""."""
    return text.count("<br>") + 1 if text else 0


def _legend_rows(names: Sequence[str], font_px: int, width_px: int) -> int:
    """Rows a horizontal legend of `names` takes: one if every entry fits in a row, else plotly wraps it into columns
    as wide as its widest entry (~CHAR_EM em a character plus 40 px of symbol and gap an entry)."""
    if not names or sum(40 + CHAR_EM * font_px * len(n) for n in names) <= width_px:
        return len(names[:1])
    per_row = max(1, int(width_px // (40 + CHAR_EM * font_px * max(len(n) for n in names))))
    return -(-len(names) // per_row)


def layout(traces: Sequence = (), *, title: str, presenter: bool, subtitle: str = "", height: int = 460,
           legend: bool = True, legend_at: str = "right", extra_top: int = 0, axes: int = 1) -> dict:
    """The layout every figure shares, for `go.Figure(data=traces, layout=...)` or one `fig.update_layout(...)`:
    fonts at `sizes(presenter)`, the title (wrapped: plotly never wraps one) and its subtitle in a top margin as tall
    as their lines, no template (assigning "plotly_white" deep-copies it into every figure), and a legend of the
    traces' named scatter entries right of the plot, or in rows under the x-axis title where a column would be taller
    than the plot (plotly would scroll it, hiding the last values).

    Args:
        traces: the figure's traces; title, subtitle: its title and its key (`key_line`).
        presenter: presenter mode's sizes, the height capped at 380 px (+ `extra_top`): above a 1280x720 fold.
        height: the figure's height in px in normal mode; legend, legend_at: a legend, "right" or "bottom".
        extra_top: px more between the title block and the plot (for panel titles).
        axes: the x/y axis pairs to style (`xaxis`, `xaxis2`, ... of subplots).
    Returns:
        The layout as a dict; its `xaxis*` / `yaxis*` entries may be updated before use.
    Raises:
        ValueError: an unknown `legend_at`."""
    if legend_at not in ("right", "bottom"):
        raise ValueError(f"legend_at must be 'right' or 'bottom'; got {legend_at!r}")
    s = sizes(presenter)
    width = PLANNED_WIDTH[presenter]
    title, subtitle = _wrap(title, s.title, width), _wrap(subtitle, s.smallest + 1, width)
    title_h = (8 + text_lines(title) * round(1.3 * s.title) + text_lines(subtitle) * round(1.35 * (s.smallest + 1))
               + 10)
    bottom = 56 + (round(s.tick * 0.6) if presenter else 0)
    total = min(height, _PRESENTER_HEIGHT) + extra_top if presenter else height
    names = [t.name for t in traces if t.name and t.showlegend is not False and t.type == "scatter"]
    if legend and legend_at == "right" and len(names) * round(1.6 * s.legend) > total - title_h - extra_top - bottom:
        legend_at = "bottom"
    if legend and legend_at == "right":  # outside the plot: plotly widens the right margin to the legend's width
        place = dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top")
    else:  # rows in the figure's bottom strip, under the x-axis title
        place = dict(orientation="h", x=0, xanchor="left", y=0, yref="container", yanchor="bottom")
        bottom += _legend_rows(names, s.legend, width) * round(s.legend * 1.6) if legend else 0
    axis = dict(tickfont=dict(size=s.tick), title_font=dict(size=s.text), automargin=True, gridcolor=_GRID,
                zerolinecolor=_GRID, linecolor=_GRID, showline=False, ticks="")
    return dict(
        # From the figure's left edge ("container"): the planned width is the figure's, and a chart with long tick
        # labels on its left would push the title past its right edge. Plotly anchors a title of several lines by
        # its first line's baseline: it moves down by the lines under it.
        title=dict(text=title, font=dict(size=s.title), x=0, xanchor="left", xref="container", yref="container",
                   y=1 - (text_lines(title) - 1) * round(1.3 * s.title) / total, yanchor="top", pad=dict(t=6, l=8),
                   subtitle=dict(text=subtitle, font=dict(size=s.smallest + 1))),
        font=dict(size=s.text, family="Arial, Helvetica, sans-serif"), height=total, template="none",
        plot_bgcolor="white", paper_bgcolor="white", hovermode="closest", separators=".,",
        hoverlabel=dict(font=dict(size=s.text)), showlegend=legend,
        legend=dict(traceorder="normal", font=dict(size=s.legend), itemsizing="constant", title=dict(text=""),
                    valign="middle", bgcolor="rgba(255,255,255,0)", **place),
        margin=dict(l=70, r=16, t=title_h + extra_top + 6, b=bottom),
        **{f"{xy}axis{k if k > 1 else ''}": dict(axis) for xy in "xy" for k in range(1, axes + 1)})
