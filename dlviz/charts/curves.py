"""Sweep curves over seeds: per value a mean curve with a min–max band (or every seed thinly), training solid and
validation dashed, with the findings' marks (the epochs page's two-panel figure is `charts.epochs`).

Input: runs grouped by the swept value, `{label: [RunHistory, one per seed]}` in value order (`group_runs` builds it).
A blown-up run is drawn to its end as Keras reports it (✕ where it blew up, log y when needed); a run whose loss
became NaN/inf ends with a mark at its last finite point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dlviz.charts import style
from dlviz.runs import DIVERGENCE_FACTOR, RunHistory
from dlviz.text.findings import statistic_label
from dlviz.text.format import format_loss
from dlviz.text.seeds import on_every_seed

METRIC_LABELS = {"loss": "Loss (binary cross-entropy)", "accuracy": "Accuracy"}
X_LABELS = {"epoch": "Epoch", "updates": "Weight updates (batches seen)"}
KINDS = (("training", "", "solid"), ("validation", "val_", "dash"))
OVERFIT_KEY = "hatched between a value's curves: where it overfits"
OVERFIT_ALPHA = 0.3  # the hatching's own colour wash: darker than a seed band (0.1-0.18), so the two never mix up
# Each value hatches at its own angle: where two values' regions overlap, both stay readable (a cross-hatch in two
# colours, not one muddle).
HATCHES = ("/", "\\", "|", "-", "x", "+")
BEST_KEY = "★ lowest validation loss"
TIED_KEY = "☆ tied for best (within the seed spread)"
# Trace `meta`: x units per epoch on traces indexed by epoch (a replay frame keeps their points up to its epoch);
# FINAL on marks of the finished run (a replay shows them on its last frame only).
FINAL = "final"

Groups = Mapping[str, Sequence[RunHistory]]


@dataclass(frozen=True)
class Marks:
    """What the findings mark on one value's curves (plain data from the analysis; no verdict text).

    `best_epoch`: a star at that epoch (0 = the start), at `best_value` (the findings' one lowest validation loss,
    `ValueFindings.score.mean`: the seeds' mean smoothed over 3 epochs, named so in its hover) on a loss chart, else
    on the validation mean; `overfit`: (first, last) epoch, hatched in the value's colour between its own training
    and validation means over those epochs; `tied`: the value ties for best within the seed spread (a hollow star).
    """

    best_epoch: int | None = None
    overfit: tuple[int, int] | None = None
    tied: bool = False
    best_value: float | None = None


def star_point(runs: Sequence[RunHistory], mark: Marks | None, metric: str) -> tuple[list[float], list[float], str]:
    """Where the findings' star goes on a `metric` chart of `runs`: ([epoch], [y], its hover text), empty without
    a star. On a loss chart y is the statistic itself (`mark.best_value`), and the hover names it with the value as
    the page's text prints it; on an accuracy chart, the validation mean at that epoch."""
    if mark is None or mark.best_epoch is None:
        return [], [], ""
    band = seed_band(runs, "val_" + metric)
    if mark.best_epoch >= len(band.mean):
        return [], [], ""
    label = f"lowest validation loss ({statistic_label(len(runs))})"
    if metric == "loss" and mark.best_value is not None:
        return [mark.best_epoch], [mark.best_value], f"{label}: {format_loss(mark.best_value)}"
    return [mark.best_epoch], [float(band.mean[mark.best_epoch])], f"{label} here; validation {metric} %{{y:.1%}}"


@dataclass(frozen=True)
class Band:
    """One value's curve over seeds: `epochs` 0..n (shape (n+1,)), and per epoch the seeds' `mean`, `low` (min) and
    `high` (max); NaN where any seed is NaN/inf (a mean with a NaN in it is NaN, as Keras would print it)."""

    epochs: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    seeds: np.ndarray  # shape (n_seeds, n+1): every seed's curve, NaN for non-finite values


def group_runs(histories: Iterable[RunHistory | None],
               label: Callable[[RunHistory], str]) -> dict[str, list[RunHistory]]:
    """`{label(h): [h, ...]}` in first-seen order, skipping runs not started (None or no epoch yet).

    Example: `group_runs(histories, lambda h: f"lr {h.spec.learning_rate:g}")`.
    """
    groups: dict[str, list[RunHistory]] = {}
    for history in histories:
        if history is not None and history.epochs_run:
            groups.setdefault(label(history), []).append(history)
    return groups


def seed_band(runs: Sequence[RunHistory], key: str) -> Band:
    """The seeds' mean, min and max of the per-epoch series `key` ("loss", "val_accuracy", ...) from epoch 0 to the
    last epoch every seed has reached. Raises ValueError for no runs."""
    if not runs:
        raise ValueError("seed_band needs at least one run")
    n = min(h.epochs_run for h in runs)
    seeds = np.array([h.curve(key)[: n + 1] for h in runs], dtype=np.float64)
    seeds[~np.isfinite(seeds)] = np.nan
    with np.errstate(invalid="ignore"):
        return Band(np.arange(n + 1), seeds.mean(axis=0), seeds.min(axis=0), seeds.max(axis=0), seeds)


def browser_floats(values: np.ndarray) -> np.ndarray:
    """float32 for the browser (compact binary JSON; NaN leaves a gap)."""
    return np.asarray(values, dtype=np.float32)


def _last_finite(xs: np.ndarray, ys: np.ndarray) -> tuple[list[float], list[float]]:
    finite = np.flatnonzero(np.isfinite(ys))
    return ([float(xs[finite[-1]])], [float(ys[finite[-1]])]) if finite.size else ([], [])


def needs_log_y(groups: Groups, metric: str) -> bool:
    """A loss chart turns log when a run blew up (a training loss above DIVERGENCE_FACTOR x its start): the whole run
    then fits without flattening the others."""
    if metric != "loss":
        return False
    for runs in groups.values():
        for h in runs:
            start = h.initial_loss if math.isfinite(h.initial_loss) else 0.7
            if h.diverged_at is not None or any(math.isfinite(v) and v > DIVERGENCE_FACTOR * start for v in h.loss):
                return True
    return False


def _x_scale(runs: Sequence[RunHistory], x_axis: str) -> int:
    return max(1, runs[0].updates_per_epoch) if x_axis == "updates" else 1


def curves_figure(groups: Groups, *, marks: Mapping[str, Marks] | None = None, metric: str = "loss",
                  x_axis: str = "epoch", log_x: bool = False, log_y: bool | None = None, x_max: int | None = None,
                  each_seed: bool = False, title: str | None = None,
                  answers: bool = True, presenter: bool = False) -> go.Figure:
    """Per value (one colour) the seeds' mean training (solid) and validation (dashed) `metric` curve with a shaded
    min–max band, or with `each_seed` every seed's curve thinly; one seed draws just its curve.

    Args:
        groups: `{label: [RunHistory per seed]}`, labels short ("lr 0.01"); the legend shows only these.
        marks: per label, the findings' `Marks` (star, overfitting shading, tie); None while training or replaying.
        x_axis: "epoch" or "updates" (epoch x updates per epoch). `log_x` draws it on a log axis (epoch 0 dropped).
        log_y: a log loss axis; None = log only when a run blew up (`needs_log_y`). Accuracy is always linear.
        x_max: the requested epochs: the x-axis spans them from the start, so curves grow into it while training.
        answers: False while a teacher hides the answers: the plain curves and bands only, no mark that states a
            finding (no star, hatching, ✕ or NaN mark, nor their key or hover), whatever `marks` holds.
    Returns: the figure; per value its bands, mean lines, and a ✕ / NaN / star trace only where there is a mark.
    Replay it with `animation.cut_frames` (frames cut from this finished figure), not by redrawing per epoch.
    """
    marks = (marks or {}) if answers else {}
    s = style.sizes(presenter)
    log_y = needs_log_y(groups, metric) if log_y is None else (log_y and metric == "loss")
    traces: list[go.Scatter] = []
    n_seeds = max((len(runs) for runs in groups.values()), default=1)
    any_blowup = any_nan = False
    n_hatched = 0
    x_extent: list[float] = []
    fmt = ".1%" if metric == "accuracy" else ".4f"
    unit = "epoch" if x_axis == "epoch" else "update"
    for (label, runs), color in zip(groups.items(), style.value_colors(len(groups))):
        scale = _x_scale(runs, x_axis)
        x_extent += [scale, scale * (x_max or max(h.epochs_run for h in runs))]
        keep = slice(1, None) if log_x else slice(None)  # epoch 0 has no place on a log axis
        common = dict(legendgroup=label, showlegend=False, meta=scale)
        means: dict[str, Band] = {}
        for kind, prefix, dash in KINDS:
            band = means[kind] = seed_band(runs, prefix + metric)
            xs = band.epochs[keep] * scale
            hover = f"{label} · {kind}<br>{unit} %{{x:,}}<br>{metric} %{{y:{fmt}}}"
            if len(runs) > 1 and not each_seed:
                edge = dict(mode="lines", line=dict(width=0, color=color), hoverinfo="skip", **common)
                traces.append(go.Scatter(x=xs, y=browser_floats(band.low[keep]), name=f"{label} {kind} min", **edge))
                traces.append(go.Scatter(x=xs, y=browser_floats(band.high[keep]), name=f"{label} {kind} max",
                                         fill="tonexty",
                                         fillcolor=style.rgba(color, 0.18 if kind == "training" else 0.1), **edge))
            if each_seed and len(runs) > 1:
                for h, curve in zip(runs, band.seeds):
                    traces.append(go.Scatter(
                        x=xs, y=browser_floats(curve[keep]), mode="lines", opacity=0.55,
                        name=f"{label} seed {h.spec.seed}",
                        line=dict(color=color, width=s.thin, dash=dash), **common,
                        hovertemplate=hover + f"<br>seed {h.spec.seed}<extra></extra>"))
            spread = {}
            if len(runs) > 1:  # the hover gives the seeds' range next to their mean
                spread = dict(customdata=np.c_[band.low[keep], band.high[keep]].astype(np.float32))
                hover += (f" (mean of {len(runs)} seeds; min %{{customdata[0]:{fmt}}}, "
                          f"max %{{customdata[1]:{fmt}}})")
            traces.append(go.Scatter(
                x=xs, y=browser_floats(band.mean[keep]), mode="lines", name=label, legendgroup=label, meta=scale,
                showlegend=kind == "training", line=dict(color=color, width=s.line, dash=dash), **spread,
                hovertemplate=hover + "<extra></extra>"))
        n_drawn = min(h.epochs_run for h in runs)
        blow_x, blow_y, blow_text = _blowup_points(runs, metric, n_drawn, each_seed, scale, log_x) if answers else \
            ([], [], [])
        any_blowup = any_blowup or bool(blow_x)
        if blow_x:
            traces.append(go.Scatter(
                x=blow_x, y=blow_y, mode="markers", cliponaxis=False, name=f"{label} blew up", customdata=blow_text,
                marker=dict(symbol="x", size=s.marker + 4, color=color, line=dict(color="black", width=1)), **common,
                hovertemplate=f"{label}: blew up here (loss above {DIVERGENCE_FACTOR:g}× its start), "
                              "%{customdata}<extra></extra>"))
        nan_x, nan_y = _nan_points(runs, metric, n_drawn, each_seed, scale) if answers else ([], [])
        any_nan = any_nan or bool(nan_x)
        if nan_x:
            traces.append(go.Scatter(
                x=nan_x, y=nan_y, mode="markers+text", text=["NaN"] * len(nan_x), textposition="top right",
                textfont=dict(size=s.text, color=color), cliponaxis=False, name=f"{label} NaN", **common,
                marker=dict(symbol="x-thin", size=s.marker + 4, color=color, line=dict(color=color, width=3)),
                hovertemplate=f"{label}: the loss became NaN/inf after this point<extra></extra>"))
        mark = marks.get(label)
        star_x, star_y, star_text = star_point(runs, mark, metric)
        tied = mark is not None and mark.tied
        if star_x and not (log_x and star_x[0] == 0):
            traces.append(go.Scatter(
                x=[star_x[0] * scale], y=star_y, mode="markers", name=f"{label} best", **dict(common, meta=FINAL),
                marker=dict(symbol="star-open" if tied else "star", size=s.star, color=color,
                            line=dict(color=color if tied else "black", width=2 if tied else 1)),
                hovertemplate=f"{label}: {'tied for best' if tied else 'best'} at {unit} %{{x:,}}<br>{star_text}"
                              "<extra></extra>"))
        if mark is not None and mark.overfit is not None:
            hatched = overfit_traces(means["training"], means["validation"], mark.overfit, label=label,
                                     color=color, hatch=HATCHES[n_hatched % len(HATCHES)], scale=scale,
                                     log_x=log_x)
            n_hatched += bool(hatched)
            traces += hatched
    # One constructor call for every trace: adding them one by one validates the figure again each time.
    fig = go.Figure(data=traces)
    what = METRIC_LABELS[metric].split(" (")[0]
    title = title or f"{what} per {'epoch' if x_axis == 'epoch' else 'weight update'}"
    # The legend names the values; what the styles and marks mean is the subtitle's key (a line or two).
    key = style.key_line(_key_parts(groups, marks, n_seeds, each_seed, any_blowup, any_nan, n_hatched > 0),
                         s.smallest + 1, style.PLANNED_WIDTH[presenter])
    style.apply_layout(fig, title=title, subtitle=key, presenter=presenter)
    _axes(fig, groups, metric=metric, x_axis=x_axis, log_x=log_x, log_y=log_y, x_extent=x_extent)
    if presenter:
        short_y_titles(fig)
    return fig


def short_y_titles(fig: go.Figure) -> None:
    """Presenter mode's plots are ~200 px tall: a y title longer than that ("Loss (binary cross-entropy, log
    scale)" is ~390 px at 20 px) runs past the plot, so it drops the loss's full name (the lesson's only loss)."""
    fig.for_each_yaxis(lambda axis: axis.update(title_text=axis.title.text.replace(" (binary cross-entropy)", "")
                                                .replace("binary cross-entropy, ", "")) if axis.title.text else None)


def overfit_traces(training: Band, validation: Band, region: tuple[int, int], *, label: str, color: str,
                   hatch: str = "/", scale: int = 1, log_x: bool = False, name: str | None = None,
                   in_legend: bool = True) -> list[go.Scatter]:
    """One value's overfitting, drawn as its own: an area hatched (`hatch`, a plotly fill pattern) in its colour
    between its training and validation means over the region's epochs (first..last, cut to the epochs drawn), with
    a legend entry `name` (default "<label> overfits", in the value's legend group) and a hover naming the value and
    the epochs. Empty when fewer than two epochs of the region are drawn or a mean is not finite there (the trace is
    FINAL: a replay shows it on its last frame only).

    `training`, `validation`: the value's `seed_band`s of one metric; `scale`: x units per epoch."""
    first, last = region
    epochs = training.epochs
    keep = (epochs >= max(first, 1 if log_x else 0)) & (epochs <= last) & (epochs < len(validation.mean))
    keep &= np.isfinite(training.mean) & np.isfinite(validation.mean[: len(epochs)])
    if keep.sum() < 2:
        return []
    xs = (epochs[keep] * scale).astype(np.float64)
    low, high = training.mean[keep], validation.mean[: len(epochs)][keep]
    return [go.Scatter(
        x=np.r_[xs, xs[::-1]], y=browser_floats(np.r_[high, low[::-1]]), mode="lines", fill="toself",
        name=name or f"{label} overfits", legendgroup=label, showlegend=in_legend, meta=FINAL,
        line=dict(width=0, color=color), fillcolor=style.rgba(color, 0.1),
        fillpattern=dict(shape=hatch, fgcolor=color, bgcolor=style.rgba(color, 0.1), size=9, solidity=OVERFIT_ALPHA),
        hoveron="fills", hoverinfo="text",
        text=f"{label} overfits from epoch {int(epochs[keep][0])} to {int(epochs[keep][-1])} (validation above its "
             f"best while training keeps falling, {on_every_seed(len(training.seeds))})")]


def _blowup_points(runs: Sequence[RunHistory], metric: str, n_drawn: int, each_seed: bool, scale: int,
                   log_x: bool) -> tuple[list[float], list[float], list[str]]:
    """Where it blew up: on the training mean at the earliest seed's `diverged_at` (each seed's own, on its own
    curve, with `each_seed`), among the epochs drawn. Returns (xs, ys, hover texts)."""
    blown = [h for h in runs if h.diverged_at is not None and h.diverged_at <= n_drawn]
    if not blown:
        return [], [], []
    if each_seed:
        targets = [(h.diverged_at, [h], f"seed {h.spec.seed}") for h in blown]
    else:
        targets = [(min(h.diverged_at for h in blown), runs, f"{len(blown)} of {len(runs)} seeds")]
    xs, ys, texts = [], [], []
    for epoch, members, text in targets:
        y = seed_band(members, metric).mean[epoch]
        if math.isfinite(y) and not (log_x and epoch == 0):
            xs.append(epoch * scale)
            ys.append(float(y))
            texts.append(text)
    return xs, ys, texts


def _nan_points(runs: Sequence[RunHistory], metric: str, n_drawn: int, each_seed: bool,
                scale: int) -> tuple[list[float], list[float]]:
    """Where a NaN/inf run ends: the last finite point of the training mean (of each such seed with `each_seed`)."""
    nan_runs = [h for h in runs if h.nan_at is not None and h.nan_at <= n_drawn]
    if not nan_runs:
        return [], []
    xs, ys = [], []
    for members in ([[h] for h in nan_runs] if each_seed else [runs]):
        band = seed_band(members, metric)
        px, py = _last_finite(band.epochs[:n_drawn + 1] * scale, band.mean[:n_drawn + 1])
        xs += px
        ys += py
    return xs, ys


def _key_parts(groups: Groups, marks: Mapping[str, Marks], n_seeds: int, each_seed: bool, any_blowup: bool,
               any_nan: bool, any_overfit: bool) -> list[str]:
    """The key's parts: the seeds (band or each seed), the line styles, and the marks that appear on the chart."""
    parts = []
    if n_seeds > 1:
        parts.append(f"thin: each of {n_seeds} seeds" if each_seed else
                     f"lines: mean of {n_seeds} seeds, band: min–max")
    parts.append("solid: training, dashed: validation")
    chosen = [m for label, m in marks.items() if label in groups]
    if any(m.best_epoch is not None and not m.tied for m in chosen):
        parts.append(BEST_KEY)
    if any(m.best_epoch is not None and m.tied for m in chosen):
        parts.append(TIED_KEY)
    if any_overfit:
        parts.append(OVERFIT_KEY)
    if any_blowup:
        parts.append(f"✕ blew up (loss > {DIVERGENCE_FACTOR:g}× its start)")
    if any_nan:
        parts.append("NaN: the loss became NaN/inf")
    return parts


def _axes(fig: go.Figure, groups: Groups, *, metric: str, x_axis: str, log_x: bool, log_y: bool,
          x_extent: Sequence[float], row: int | None = None, col: int | None = None,
          y_values: Sequence[float] | None = None) -> None:
    """Fixed x range (the requested epochs), value-printing ticks on log axes, % on accuracy, ',' on counts."""
    where = dict(row=row, col=col) if row is not None else {}
    x_title = style.log_title(X_LABELS[x_axis], log_x)
    if x_extent:
        low, high = min(x_extent), max(x_extent)
        if log_x:
            fig.update_xaxes(title_text=x_title, **style.log_axis(low, high, counts=True), **where)
        else:
            fig.update_xaxes(title_text=x_title, range=[0, high], tickformat=",d" if x_axis == "updates" else "d",
                             hoverformat=",d", rangemode="tozero", **style.whole_number_ticks(high), **where)
    y_title = style.log_title(METRIC_LABELS[metric], log_y)
    if metric == "accuracy":
        fig.update_yaxes(title_text=y_title, tickformat=".0%", hoverformat=".1%", **where)
        return
    if y_values is None:
        y_values = [v for runs in groups.values() for h in runs for k in ("loss", "val_loss") for v in h.curve(k)]
    found = style.finite_range(y_values, positive=log_y)
    if log_y and found:
        fig.update_yaxes(title_text=y_title, **style.log_axis(found[0], found[1]), **where)
    else:
        fig.update_yaxes(title_text=y_title, type="log" if log_y else "linear", tickformat=".2~f", **where)
