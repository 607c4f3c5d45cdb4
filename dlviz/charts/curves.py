"""Learning curves over seeds: the sweep pages' curves (one colour per value) and the epochs page's two panels (one
value, loss | accuracy). Each curve is the seeds' mean with a min–max band (or every seed thinly), training solid and
validation dashed, with the findings' marks.

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

_EPOCH_COLORS = {"training": "#1b3a8c", "validation": "#d9480f"}
_OVERFIT_ALPHA = 0.3  # the hatching's own colour wash: darker than a seed band (0.1-0.18), so the two never mix up
# Each value hatches at its own angle: where two values' regions overlap, both stay readable (a cross-hatch in two
# colours, not one muddle).
_HATCHES = ("/", "\\", "|", "-", "x", "+")
_MARK_KEYS = {"best": "★ lowest validation loss", "tied": "☆ tied for best (within the seed spread)",
              "overfit": "hatched between a value's curves: where it overfits",
              "blowup": f"✕ blew up (loss > {DIVERGENCE_FACTOR:g}× its start)", "nan": "NaN: the loss became NaN/inf"}
# Trace `meta`: x units per epoch on traces indexed by epoch (a replay frame keeps their points up to its epoch);
# FINAL on marks of the finished run (a replay shows them on its last frame only).
FINAL = "final"

Groups = Mapping[str, Sequence[RunHistory]]


@dataclass(frozen=True)
class Marks:
    """What the findings mark on one value's curves (plain data from the analysis; no verdict text).

    Attributes:
        best_epoch: a star at that epoch (0 = the start): on a loss chart at `best_value`, else on the validation mean.
        overfit: (first, last) epoch, hatched in the value's colour between its own training and validation means.
        tied: the value ties for best within the seed spread (a hollow star).
        best_value: the findings' one lowest validation loss (`ValueFindings.score.mean`: the seeds' mean smoothed
            over 3 epochs), named so in the star's hover."""

    best_epoch: int | None = None
    overfit: tuple[int, int] | None = None
    tied: bool = False
    best_value: float | None = None


def group_runs(histories: Iterable[RunHistory | None],
               label: Callable[[RunHistory], str]) -> dict[str, list[RunHistory]]:
    """Runs grouped by value, the input of `curves_figure` and `update_loss_figure`.

    Args:
        histories: runs in value order, None or without an epoch yet for a run not started (skipped).
        label: a run's value label, e.g. `lambda h: f"lr {h.spec.learning_rate:g}"`.
    Returns:
        `{label: [RunHistory per seed]}` in first-seen order."""
    groups: dict[str, list[RunHistory]] = {}
    for history in histories:
        if history is not None and history.epochs_run:
            groups.setdefault(label(history), []).append(history)
    return groups


def _line(runs: Sequence[RunHistory], metric: str, kind: str, *, label: str, color: str, fill: float, legend: bool,
          each_seed: bool, s: style.Sizes, unit: str = "epoch", scale: int = 1, log_x: bool = False,
          **where: str) -> tuple[np.ndarray, list[go.Scatter]]:
    """One curve over seeds (`kind` "training" or "validation" of `metric`) up to the last epoch every seed reached:
    the seeds' min–max band (two edge traces filled between, alpha `fill`) or every seed thinly (`each_seed`), then
    their mean (hover: the seeds' range), float32, epoch-indexed (`meta` = x units per epoch). Returns the mean
    (float64, NaN where a seed is NaN/inf, as Keras prints a mean with a NaN in it) and the traces."""
    dash = "dash" if kind == "validation" else "solid"
    n = min(h.epochs_run for h in runs)
    seeds = np.array([h.curve(("val_" if kind == "validation" else "") + metric)[: n + 1] for h in runs], np.float64)
    seeds[~np.isfinite(seeds)] = np.nan
    with np.errstate(invalid="ignore"):
        mean, low, high = seeds.mean(axis=0), seeds.min(axis=0), seeds.max(axis=0)
    keep = slice(1, None) if log_x else slice(None)  # epoch 0 has no place on a log axis
    xs, name, fmt = np.arange(n + 1)[keep] * scale, label or kind, ".1%" if metric == "accuracy" else ".4f"
    hover = f"{label + ' · ' if label else ''}{kind}<br>{unit} %{{x:,}}<br>{metric} %{{y:{fmt}}}"
    common = dict(legendgroup=name, meta=scale, **where)
    traces = []
    if len(runs) > 1 and not each_seed:
        edge = dict(mode="lines", line=dict(width=0, color=color), hoverinfo="skip", showlegend=False, **common)
        traces += [go.Scatter(x=xs, y=low[keep].astype(np.float32), name=f"{label} {kind} min".lstrip(), **edge),
                   go.Scatter(x=xs, y=high[keep].astype(np.float32), name=f"{label} {kind} max".lstrip(),
                              fill="tonexty", fillcolor=style.rgba(color, fill), **edge)]
    if len(runs) > 1 and each_seed:
        traces += [go.Scatter(x=xs, y=curve[keep].astype(np.float32), mode="lines", opacity=0.55,
                              name=f"{name} seed {h.spec.seed}", showlegend=False,
                              line=dict(color=color, width=s.thin, dash=dash),
                              hovertemplate=hover + f"<br>seed {h.spec.seed}<extra></extra>", **common)
                   for h, curve in zip(runs, seeds)]
    spread = {}
    if len(runs) > 1:  # the hover gives the seeds' range next to their mean
        spread = dict(customdata=np.c_[low[keep], high[keep]].astype(np.float32))
        hover += f" (mean of {len(runs)} seeds; min %{{customdata[0]:{fmt}}}, max %{{customdata[1]:{fmt}}})"
    traces.append(go.Scatter(x=xs, y=mean[keep].astype(np.float32), mode="lines", name=name, showlegend=legend,
                             line=dict(color=color, width=s.line, dash=dash), hovertemplate=hover + "<extra></extra>",
                             **spread, **common))
    return mean, traces


def _star(runs: Sequence[RunHistory], mark: Marks | None, metric: str, validation: np.ndarray, *, name: str, head: str,
          color: str, s: style.Sizes, scale: int = 1, log_x: bool = False, **where: str) -> list[go.Scatter]:
    """The findings' star (FINAL), hollow when tied: on a loss chart at the statistic itself (`mark.best_value`,
    its hover naming it with the number the page's text prints), else on the validation mean at that epoch."""
    if mark is None or mark.best_epoch is None or mark.best_epoch >= len(validation) or (
            log_x and mark.best_epoch == 0):
        return []
    said = f"lowest validation loss ({statistic_label(len(runs))})"
    if metric == "loss" and mark.best_value is not None:
        y, said = mark.best_value, f"{said}: {format_loss(mark.best_value)}"
    else:
        y, said = float(validation[mark.best_epoch]), f"{said} here; validation {metric} %{{y:.1%}}"
    return [go.Scatter(x=[mark.best_epoch * scale], y=[y], mode="markers", name=name, showlegend=False, meta=FINAL,
                       marker=dict(symbol="star-open" if mark.tied else "star", size=s.marker + 4, color=color,
                                   line=dict(color=color if mark.tied else "black", width=2 if mark.tied else 1)),
                       hovertemplate=f"{head}<br>{said}<extra></extra>", **where)]


def _overfit(training: np.ndarray, validation: np.ndarray, region: tuple[int, int], *, seeds: int, label: str,
             name: str, color: str, hatch: str = "/", scale: int = 1, log_x: bool = False, legend: bool = True,
             **where: str) -> list[go.Scatter]:
    """One value's overfitting (FINAL): an area hatched in its colour between its training and validation means (per
    epoch, of `seeds` seeds) over the region's epochs drawn, with a legend entry `name` and a hover naming the value
    and the epochs; none when fewer than two of those epochs have finite means."""
    first, last = region
    epochs = np.arange(len(training))
    keep = (epochs >= max(first, 1 if log_x else 0)) & (epochs <= last)
    keep &= np.isfinite(training) & np.isfinite(validation)
    if keep.sum() < 2:
        return []
    xs = (epochs[keep] * scale).astype(np.float64)
    low, high = training[keep], validation[keep]
    return [go.Scatter(
        x=np.r_[xs, xs[::-1]], y=np.r_[high, low[::-1]].astype(np.float32), mode="lines", fill="toself", name=name,
        legendgroup=label, showlegend=legend, meta=FINAL, line=dict(width=0, color=color),
        fillcolor=style.rgba(color, 0.1), hoveron="fills", hoverinfo="text",
        fillpattern=dict(shape=hatch, fgcolor=color, bgcolor=style.rgba(color, 0.1), size=9, solidity=_OVERFIT_ALPHA),
        text=f"{label} overfits from epoch {int(epochs[keep][0])} to {int(epochs[keep][-1])} (validation above its "
             f"best while training keeps falling, {on_every_seed(seeds)})", **where)]


def _seeds_key(n_seeds: int, each_seed: bool) -> str:
    return "" if n_seeds < 2 else f"thin: each of {n_seeds} seeds" if each_seed else \
        f"lines: mean of {n_seeds} seeds, band: min–max"


def _whole_number_ticks(high: float) -> dict:
    """On a short range plotly steps ticks by 0.5, printed by a whole-number format as "0 1 1 2 2 3": at most
    `high` + 1 ticks keeps every step whole."""
    return dict(nticks=int(high) + 1) if 0 < high < 10 else {}


def _y_title(metric: str, log: bool, presenter: bool) -> str:
    """Presenter mode's plots are ~200 px tall: "Loss (binary cross-entropy, log scale)" (~390 px at 20 px) would run
    past one, so there the loss drops its full name (the lesson's only loss)."""
    return style.log_title("Loss" if presenter else "Loss (binary cross-entropy)", log) if metric == "loss" else \
        "Accuracy"


def _needs_log_y(groups: Groups) -> bool:
    """A run blew up (a finite training loss above DIVERGENCE_FACTOR x its start): a log loss axis fits it whole
    without flattening the others."""
    for h in (h for runs in groups.values() for h in runs):
        loss = np.asarray(h.loss, dtype=np.float64)
        start = h.initial_loss if math.isfinite(h.initial_loss) else 0.7
        if h.diverged_at is not None or np.any(np.isfinite(loss) & (loss > DIVERGENCE_FACTOR * start)):
            return True
    return False


def curves_figure(groups: Groups, *, marks: Mapping[str, Marks] | None = None, metric: str = "loss",
                  x_axis: str = "epoch", log_x: bool = False, log_y: bool | None = None, x_max: int | None = None,
                  each_seed: bool = False, title: str | None = None, answers: bool = True,
                  presenter: bool = False) -> go.Figure:
    """A sweep's learning curves: per value (one colour, its label in the legend) the seeds' mean training (solid)
    and validation (dashed) `metric` with a min–max band, or every seed thinly; ★ at the findings' lowest validation
    loss (☆ tied), the overfitting hatched between the value's own curves, ✕ where a run blew up, "NaN" where its
    loss became NaN/inf. The subtitle says what each style and mark drawn means.

    Args:
        groups: `{label: [RunHistory per seed]}` in value order (`group_runs`); labels short ("lr 0.01").
        marks: per label, the findings' `Marks`; None while training or replaying.
        metric: "loss" (binary cross-entropy) or "accuracy" (a fraction, printed as %).
        x_axis: "epoch", or "updates" (epoch x the value's updates per epoch); log_x: a log x-axis without epoch 0.
        log_y: a log loss axis; None = log only when a run blew up. Accuracy is always linear.
        x_max: the requested epochs: the x-axis spans them from the start, so curves grow into it while training.
        each_seed: every seed's curve instead of the band; title: the default names the metric and the x unit.
        answers: False while a teacher hides the answers: no mark, key or hover that states a finding.
        presenter: presenter mode's sizes (`style.sizes`).
    Returns:
        The figure, built in one call with its layout; `animation.replay` replays it (epoch-indexed traces
        carry their x units per epoch in `meta`, marks FINAL)."""
    marks = (marks or {}) if answers else {}
    s = style.sizes(presenter)
    log_y = _needs_log_y(groups) if log_y is None and metric == "loss" else bool(log_y) and metric == "loss"
    unit = "epoch" if x_axis == "epoch" else "update"
    traces: list[go.Scatter] = []
    x_extent, drawn, n_hatched = [], set(), 0
    for (label, runs), color in zip(groups.items(), style.value_colors(len(groups))):
        scale = max(1, runs[0].updates_per_epoch) if x_axis == "updates" else 1
        x_extent += [scale, scale * (x_max or max(h.epochs_run for h in runs))]
        means = {}
        for kind in ("training", "validation"):
            means[kind], lines = _line(runs, metric, kind, label=label, color=color, legend=kind == "training",
                                       fill=0.18 if kind == "training" else 0.1, each_seed=each_seed, s=s,
                                       unit=unit, scale=scale, log_x=log_x)
            traces += lines
        train, n = means["training"], len(means["training"]) - 1
        mark = dict(legendgroup=label, showlegend=False, meta=scale, cliponaxis=False)
        # ✕ on the training mean at the first seed's blow-up (each seed's own, on its curve, with `each_seed`).
        blown = [h for h in runs if h.diverged_at is not None and h.diverged_at <= n] if answers else []
        first = min((h.diverged_at for h in blown), default=0)
        points = [(h.diverged_at, h.curve(metric)[h.diverged_at], f"seed {h.spec.seed}") for h in blown] \
            if each_seed else [(first, train[first], f"{len(blown)} of {len(runs)} seeds")] if blown else []
        points = [(e * scale, float(y), text) for e, y, text in points if math.isfinite(y) and not (log_x and e == 0)]
        if points:
            drawn.add("blowup")
            traces.append(go.Scatter(
                x=[p[0] for p in points], y=[p[1] for p in points], customdata=[p[2] for p in points], mode="markers",
                name=f"{label} blew up", marker=dict(symbol="x", size=s.marker + 4, color=color,
                                                     line=dict(color="black", width=1)), **mark,
                hovertemplate=f"{label}: blew up here (loss above {DIVERGENCE_FACTOR:g}× its start), "
                              "%{customdata}<extra></extra>"))
        # NaN at the last finite point of the training mean (of each NaN/inf seed, with `each_seed`).
        nan_runs = [h for h in runs if h.nan_at is not None and h.nan_at <= n] if answers else []
        ends = [np.asarray(h.curve(metric)[: n + 1], dtype=np.float64) for h in nan_runs] if each_seed else \
            [train] if nan_runs else []
        ends = [(k[-1] * scale, float(end[k[-1]])) for end in ends if (k := np.flatnonzero(np.isfinite(end))).size]
        if ends:
            drawn.add("nan")
            traces.append(go.Scatter(
                x=[x for x, _ in ends], y=[y for _, y in ends], mode="markers+text", text=["NaN"] * len(ends),
                textposition="top right", textfont=dict(size=s.text, color=color), name=f"{label} NaN", **mark,
                marker=dict(symbol="x-thin", size=s.marker + 4, color=color, line=dict(color=color, width=3)),
                hovertemplate=f"{label}: the loss became NaN/inf after this point<extra></extra>"))
        best = marks.get(label)
        if best is None:
            continue
        if star := _star(runs, best, metric, means["validation"], name=f"{label} best", color=color, s=s,
                         head=f"{label}: {'tied for best' if best.tied else 'best'} at {unit} %{{x:,}}",
                         scale=scale, log_x=log_x, legendgroup=label):
            drawn.add("tied" if best.tied else "best")
            traces += star
        if best.overfit is not None and (hatched := _overfit(
                train, means["validation"], best.overfit, seeds=len(runs), label=label, name=f"{label} overfits",
                color=color, hatch=_HATCHES[n_hatched % len(_HATCHES)], scale=scale, log_x=log_x)):
            drawn.add("overfit")
            traces, n_hatched = traces + hatched, n_hatched + 1
    # The legend names the values; what the styles and marks mean is the subtitle's key (a line or two).
    n_seeds = max((len(runs) for runs in groups.values()), default=1)
    key = [_seeds_key(n_seeds, each_seed), "solid: training, dashed: validation",
           *(text for part, text in _MARK_KEYS.items() if part in drawn)]
    what = "Accuracy" if metric == "accuracy" else "Loss"
    layout = style.layout(traces, title=title or f"{what} per {'epoch' if x_axis == 'epoch' else 'weight update'}",
                          subtitle=style.key_line(key, presenter), presenter=presenter)
    x_title = style.log_title("Epoch" if x_axis == "epoch" else "Weight updates (batches seen)", log_x)
    layout["xaxis"].update(title_text=x_title)
    if x_extent:
        low, high = min(x_extent), max(x_extent)
        layout["xaxis"].update(style.log_axis(low, high, counts=True) if log_x else dict(
            range=[0, high], tickformat=",d" if x_axis == "updates" else "d", hoverformat=",d", rangemode="tozero",
            **_whole_number_ticks(high)))
    if metric == "accuracy":
        y_axis = dict(tickformat=".0%", hoverformat=".1%")
    elif log_y and groups and (found := style.finite_range(np.concatenate(
            [h.curve(k) for runs in groups.values() for h in runs for k in ("loss", "val_loss")]), positive=True)):
        y_axis = style.log_axis(*found)
    else:
        y_axis = dict(type="log" if log_y else "linear", tickformat=".2~f")
    layout["yaxis"].update(title_text=_y_title(metric, log_y, presenter), **y_axis)
    # One constructor call with the whole layout: adding traces or updating the layout afterwards validates again.
    return go.Figure(data=traces, layout=layout)


def epochs_figure(runs: Sequence[RunHistory], *, marks: Marks | None = None, stop_epoch: int | None = None,
                  early_stop_epoch: int | None = None, x_max: int | None = None, each_seed: bool = False,
                  answers: bool = True, presenter: bool = False) -> go.Figure:
    """One long run over seeds, in two panels: loss (binary cross-entropy, left) and accuracy (right) per epoch,
    training solid and validation dashed, each the seeds' mean with a min–max band (or every seed thinly); ★ at the
    findings' lowest validation loss, the overfitting hatched between the curves (one legend entry), the learner's
    stop (dotted) and where EarlyStopping would stop (dash-dot).

    Args:
        runs: the seeds' runs of the one value.
        marks: the findings' `Marks`; stop_epoch: the learner's stop epoch; early_stop_epoch: EarlyStopping's.
        x_max: the requested epochs (the x range); each_seed: every seed's curve instead of the band.
        answers: False while a teacher hides the answers: no mark and no EarlyStopping line (the stop stays).
        presenter: presenter mode's sizes; the panels are further apart, so "Accuracy" cannot reach the loss panel.
    Returns:
        The figure (replay it with `animation.replay`).
    Raises:
        ValueError: no runs."""
    if not runs:
        raise ValueError("epochs_figure needs at least one run")
    if not answers:
        marks, early_stop_epoch = None, None
    s = style.sizes(presenter)
    traces, shapes, starred, hatched = [], [], False, False
    for col, metric in ((1, "loss"), (2, "accuracy")):
        where = dict(xaxis=f"x{col if col > 1 else ''}", yaxis=f"y{col if col > 1 else ''}")
        means = {}
        for kind in ("training", "validation"):
            means[kind], lines = _line(runs, metric, kind, label="", color=_EPOCH_COLORS[kind], fill=0.18, s=s,
                                       legend=col == 1, each_seed=each_seed, **where)
            traces += lines
        star = _star(runs, marks, metric, means["validation"], name="lowest validation loss", head="epoch %{x}",
                     color="#2b8a3e", s=s, **where)
        traces, starred = traces + star, starred or bool(star)
        if marks is not None and marks.overfit is not None:
            areas = _overfit(means["training"], means["validation"], marks.overfit, seeds=len(runs), label="the run",
                             name="overfitting", color=_EPOCH_COLORS["validation"], legend=col == 1, **where)
            traces, hatched = traces + areas, hatched or bool(areas)
        for epoch, color, dash in ((stop_epoch, "#495057", "dot"), (early_stop_epoch, "#2b8a3e", "dashdot")):
            if epoch is not None:
                shapes.append(dict(type="line", x0=epoch, x1=epoch, y0=0, y1=1, xref=where["xaxis"],
                                   yref=f"{where['yaxis']} domain", line=dict(color=color, width=2, dash=dash)))
    key = [_seeds_key(len(runs), each_seed), "solid: training, dashed: validation",
           _MARK_KEYS["best"] if starred else "",
           "hatched: overfitting" if hatched else "", "dotted: your stop epoch" if stop_epoch is not None else "",
           "dash-dot: EarlyStopping would stop" if early_stop_epoch is not None else ""]
    layout = style.layout(traces, title="One long run: where does validation turn?", presenter=presenter, axes=2,
                          subtitle=style.key_line(key, presenter))
    gap, x_high = 0.16 if presenter else 0.12, x_max or max(h.epochs_run for h in runs)
    for col, domain in ((1, [0, (1 - gap) / 2]), (2, [(1 + gap) / 2, 1])):
        n = col if col > 1 else ""
        layout[f"xaxis{n}"].update(domain=domain, anchor=f"y{n}", title_text="Epoch", range=[0, x_high],
                                   tickformat="d", **_whole_number_ticks(x_high))
        layout[f"yaxis{n}"].update(anchor=f"x{n}")  # each panel's y title sits in the gap left of its own axis
    layout["yaxis"].update(title_text=_y_title("loss", False, presenter), tickformat=".2~f")
    layout["yaxis2"].update(title_text="Accuracy", tickformat=".0%", hoverformat=".1%")
    return go.Figure(data=traces, layout=dict(layout, shapes=shapes))
