"""Figures built from small constructed histories (hand-written curves, several seeds): bands, each-seed mode,
divergence drawn to the end, replay frames, log-axis ticks, font sizes. No TensorFlow."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest

from tests.support.histories import chart_history
from dlviz import charts
from dlviz.charts import Marks, style
from tests.support import cielab as lab

START = 0.69


@pytest.fixture
def groups():
    # Three seeds per value; at epoch 2 lr 0.01's seeds are 0.50, 0.40, 0.60 -> mean 0.5, band 0.4..0.6.
    return {
        "lr 0.01": [chart_history([0.6, 0.5, 0.45], seed=1), chart_history([0.55, 0.4, 0.42], seed=2),
                    chart_history([0.62, 0.6, 0.5], seed=3)],
        "lr 0.1": [chart_history([0.5, 0.35, 0.3], seed=s, lr=0.1) for s in (1, 2, 3)],
    }


def traces(fig, name):
    return [t for t in fig.data if t.name == name]


def test_band_traces_hold_the_seeds_min_and_max(groups):
    fig = charts.curves_figure(groups, x_max=10)
    (low,), (high,) = traces(fig, "lr 0.01 training min"), traces(fig, "lr 0.01 training max")
    (mean,) = [t for t in traces(fig, "lr 0.01") if t.showlegend]  # the training mean carries the legend
    # float32 in the figure: equal to the float64 statistic within float32's 1e-7 relative precision.
    np.testing.assert_allclose(low.y, [START, 0.55, 0.4, 0.42], rtol=1e-6)
    np.testing.assert_allclose(high.y, [START, 0.62, 0.6, 0.5], rtol=1e-6)
    np.testing.assert_allclose(mean.y, [START, (0.6 + 0.55 + 0.62) / 3, 0.5, (0.45 + 0.42 + 0.5) / 3], rtol=1e-6)
    assert high.fill == "tonexty"
    np.testing.assert_allclose(np.asarray(mean.customdata)[2], [0.4, 0.6], rtol=1e-6)  # hover: the seeds' range
    assert list(fig.layout.xaxis.range) == [0, 10]  # the requested epochs, not the epochs run so far
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend == ["lr 0.01", "lr 0.1"]  # short labels, no verdicts; the key is the subtitle
    assert "mean of 3 seeds, band: min–max" in fig.layout.title.subtitle.text


def test_each_seed_draws_every_seed_instead_of_the_band(groups):
    fig = charts.curves_figure(groups, each_seed=True)
    assert not traces(fig, "lr 0.01 training min")
    seeds = [t for t in fig.data if t.name and t.name.startswith("lr 0.01 seed")]
    assert len(seeds) == 3 * 2  # training and validation per seed
    assert "thin: each of 3 seeds" in fig.layout.title.subtitle.text


def test_one_seed_draws_just_the_curve():
    fig = charts.curves_figure({"lr 0.01": [chart_history([0.6, 0.5])]})
    assert not traces(fig, "lr 0.01 training min") and not any("band" in (t.name or "") for t in fig.data)
    assert "band" not in fig.layout.title.subtitle.text and "seeds" not in fig.layout.title.subtitle.text


def test_marks_star_tie_and_one_hatching_entry(groups):
    marks = {"lr 0.01": Marks(best_epoch=2, overfit=(1, 3), tied=True), "lr 0.1": Marks(best_epoch=1, overfit=(1, 3))}
    fig = charts.curves_figure(groups, marks=marks)
    (star,) = traces(fig, "lr 0.01 best")
    assert star.marker.symbol == "star-open" and list(star.x) == [2]
    assert traces(fig, "lr 0.1 best")[0].marker.symbol == "star"
    assert not fig.layout.shapes  # no full-height band that could belong to any value
    key = fig.layout.title.subtitle.text
    assert key.count("hatched between a value's curves: where it overfits") == 1  # one key for every value
    assert "tied for best (within the seed spread)" in key


def test_overfitting_is_hatched_between_its_own_values_curves_only(groups):
    """Issue (newcomer test): one value's overfitting shaded the whole chart height, so with several values it was
    unclear whose it was. Now: that value's colour and legend group, its region's epochs only, between its own
    training and validation means, its own legend entry and hatch angle."""
    marks = {"lr 0.01": Marks(overfit=(1, 3)), "lr 0.1": Marks(overfit=(2, 3))}
    fig = charts.curves_figure(groups, marks=marks)
    colors = {t.name: t.line.color for t in fig.data if t.name in groups and t.showlegend}
    hatches = []
    for label, (first, last) in (("lr 0.01", (1, 3)), ("lr 0.1", (2, 3))):
        (area,) = traces(fig, f"{label} overfits")
        assert area.fill == "toself" and area.showlegend and area.legendgroup == label
        assert area.fillpattern.fgcolor == colors[label]
        assert min(area.x) == first and max(area.x) == last  # onset to end, not the whole x range
        n = last - first + 1
        train = [t for t in traces(fig, label) if (t.line.dash or "solid") == "solid"][0]
        val = [t for t in traces(fig, label) if t.line.dash == "dash"][0]
        # The polygon runs along the validation mean, then back along the training mean: its own curves.
        np.testing.assert_allclose(area.y[:n], val.y[first:last + 1], rtol=1e-6)
        np.testing.assert_allclose(area.y[n:], train.y[first:last + 1][::-1], rtol=1e-6)
        assert label in area.text and f"epoch {first} to {last}" in area.text
        hatches.append(area.fillpattern.shape)
    assert len(set(hatches)) == 2  # overlapping regions stay apart
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend == ["lr 0.01", "lr 0.01 overfits", "lr 0.1", "lr 0.1 overfits"]
    # A replay shows the hatching on its last frame only.
    k = next(i for i, t in enumerate(fig.data) if t.name == "lr 0.1 overfits")
    first = charts.replay(fig, 3).frames[0]
    assert len(first.data[first.traces.index(k)].x) == 0


def test_epochs_figure_hatches_overfitting_between_its_curves():
    val = list(np.r_[np.linspace(0.6, 0.4, 10), np.linspace(0.41, 0.5, 10)])
    runs = [chart_history(list(np.linspace(0.6, 0.3, 20)), val_loss=val, seed=s) for s in (1, 2)]
    fig = charts.epochs_figure(runs, marks=Marks(best_epoch=10, overfit=(10, 20)), x_max=20)
    areas = [t for t in fig.data if t.fill == "toself"]
    assert [t.xaxis for t in areas] == ["x", "x2"] and [bool(t.showlegend) for t in areas] == [True, False]
    assert all(min(t.x) == 10 and max(t.x) == 20 for t in areas)
    assert not fig.layout.shapes and "hatched: overfitting" in fig.layout.title.subtitle.text


def test_blow_up_is_drawn_to_the_end_with_a_cross_and_a_log_axis():
    # lr 1 as Keras reports it: a spike in epoch 1, then a constant predictor for the rest of the run.
    blown = [chart_history([15.0, 0.9, 0.8, 0.8, 0.8], lr=1.0, seed=s, diverged_at=1) for s in (1, 2)]
    fig = charts.curves_figure({"lr 1": blown, "lr 0.01": [chart_history([0.6, 0.5, 0.45, 0.4, 0.4], seed=s)
                                                           for s in (1, 2)]})
    (mean,) = [t for t in traces(fig, "lr 1") if t.showlegend]
    assert len(mean.x) == 6 and list(mean.x)[-1] == 5  # every epoch, not cut after the blow-up
    (cross,) = traces(fig, "lr 1 blew up")
    assert list(cross.x) == [1] and cross.y[0] == pytest.approx(15.0) and cross.marker.symbol == "x"
    assert fig.layout.yaxis.type == "log"


def test_nan_run_ends_with_a_mark_at_its_last_finite_point():
    nan = chart_history([0.6, 0.5, float("nan"), float("nan")], lr=3.0, diverged_at=3, nan_at=3)
    fig = charts.curves_figure({"lr 3": [nan]}, log_y=False)
    (mark,) = traces(fig, "lr 3 NaN")
    assert list(mark.x) == [2] and mark.y[0] == pytest.approx(0.5) and list(mark.text) == ["NaN"]


def test_log_axes_print_the_value():
    vals, texts = style.log_ticks(0.25, 20)
    assert texts == ["0.3", "1", "3", "10"]
    assert "0.5" in style.log_ticks(0.25, 1.0)[1] and "9" not in style.log_ticks(0.25, 1.0)[1]
    assert all(math.isclose(float(t.replace(",", "")), v) for v, t in zip(vals, texts))
    fig = charts.curves_figure({"lr 0.01": [chart_history([0.6, 0.3, 0.2])]}, log_y=True)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.tickmode == "array"
    assert list(fig.layout.yaxis.ticktext) == [style.format_tick(v) for v in fig.layout.yaxis.tickvals]
    batch = {f"batch {b}": [chart_history([0.6, 0.5, 0.4], batch=b, updates_per_epoch=6400 // b)] for b in (8, 512)}
    fig = charts.curves_figure(batch, x_axis="updates", log_x=True, x_max=3)
    assert fig.layout.xaxis.type == "log" and "1,000" in fig.layout.xaxis.ticktext  # counts with separators
    assert charts.curves_figure(batch, x_axis="updates").layout.xaxis.tickformat == ",d"


def test_neighbouring_values_are_distinguishable():
    for n in range(2, 9):
        colors = charts.value_colors(n)
        assert all(np.linalg.norm(lab(a) - lab(b)) > 25 for a, b in zip(colors, colors[1:]))  # CIE76 > 25: obvious
        assert all(lab(c)[0] <= 60 for c in colors)  # dark enough for a projector


def test_no_two_runs_on_the_loss_surface_look_alike():
    """Issue 26, item 9: lr 0.0001 and lr 0.001 were two dark purples of Plasma on the loss-surface page."""
    from itertools import combinations

    from tests.support import figures, open_page

    surface = figures(open_page("app_pages/loss_surface.py"))[0]  # the shipped default sweep: lr 0.0001 to 1
    colors = {t["name"]: t["line"]["color"] for t in surface["data"]
              if (t.get("name") or "").startswith("lr ") and "(" not in t["name"] and (t.get("line") or {}).get("color")}
    assert {"lr 0.0001", "lr 0.001"} <= set(colors) and len(colors) == 5
    for a, b in combinations(colors, 2):
        assert np.linalg.norm(lab(colors[a]) - lab(colors[b])) > 25, (a, b, colors[a], colors[b])


def font_sizes(node, path=""):
    """Every explicit font size in a figure's JSON, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "size" and "font" in path.split(".")[-1]:
                yield path, value
            yield from font_sizes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from font_sizes(item, path)


def replayed(groups, **options):
    """The replay the pages show: the finished curves figure, replayed (`layout.replay`)."""
    epochs = min(h.epochs_run for runs in groups.values() for h in runs)
    return charts.replay(charts.curves_figure(groups, **options), epochs, presenter=options.get("presenter", False))


def all_figures(groups, presenter):
    yield charts.curves_figure(groups, presenter=presenter)
    yield charts.epochs_figure(groups["lr 0.01"], marks=Marks(best_epoch=2), stop_epoch=2, presenter=presenter)
    yield charts.update_loss_figure(groups, presenter=presenter)
    yield charts.grid_heatmap_figure([16, 64], [0.01, 0.1], np.array([[0.4, 0.5], [0.45, 0.6]]), value_label="loss",
                                     best_columns=[0, 0], tied_best=np.array([[False, True], [False, False]]),
                                     presenter=presenter)
    yield replayed(groups, presenter=presenter)
    rates = np.logspace(-6, 1, 50)
    losses = 0.7 - 0.4 * np.exp(-((np.log10(rates) + 2) ** 2))
    yield charts.range_band_figure([_finder(smoothed=losses), _finder(smoothed=losses + 0.02)], (1e-3, 2e-3),
                                   seeds=[42, 43], presenter=presenter)


@pytest.mark.parametrize("presenter, smallest", [(False, 12), (True, 16)])
def test_every_text_is_large_enough(groups, presenter, smallest):
    for fig in all_figures(groups, presenter):
        layout = fig.to_plotly_json()["layout"]
        assert layout["font"]["size"] >= smallest  # what every text without its own size inherits
        small = [(p, v) for p, v in font_sizes(fig.to_plotly_json()) if v < smallest]
        assert not small, small
        assert layout["xaxis"]["tickfont"]["size"] >= smallest


def test_replay_moves_a_curtain_slider_and_fixed_axes(groups):
    long = {label: [chart_history(list(np.linspace(0.6, 0.3, 100)), seed=h.spec.seed) for h in runs]
            for label, runs in groups.items()}
    fig = replayed(long, marks={"lr 0.1": Marks(best_epoch=50, overfit=(50, 100))}, x_max=100)
    assert len(fig.frames) == 40
    (slider,) = fig.layout.sliders
    assert len(slider.steps) == 40 and slider.active == 39
    assert slider.steps[0].label == "epoch 1" and slider.steps[-1].label == "epoch 100"
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    assert fig.layout.yaxis.autorange is False and fig.layout.yaxis.range is not None
    assert list(fig.layout.xaxis.range) == [0, 100]
    # A frame sends no curve again: a curtain in the plot's colour from its epoch to past the axis' end (by 1% of the
    # axis, over the last gridline), over the panel; no hover reads the values under it until the last frame.
    curtain = [s for s in fig.frames[0].layout.shapes if s.visible is not False]
    assert [(c.x0, c.x1, c.yref, c.layer, c.fillcolor) for c in curtain] == [(1, 101, "y domain", "above", "white")]
    assert {f.layout.hovermode for f in fig.frames[:-1]} == {False}
    assert fig.frames[-1].layout.hovermode == fig.layout.hovermode == "closest"
    assert [s.x0 for f in fig.frames[:-1] for s in f.layout.shapes if s.visible is not False][-1] == 97
    assert all(d.x is None or len(d.x) == 0 for f in fig.frames[:-1] for d in f.data)  # marks only, emptied
    assert not [s for s in fig.frames[-1].layout.shapes if s.type == "rect" and s.layer == "above"]
    hatched = next(k for k, t in enumerate(fig.data) if t.name == "lr 0.1 overfits")
    assert len(fig.frames[0].data[fig.frames[0].traces.index(hatched)].x) == 0  # the hatching waits for the end
    assert len(fig.frames[-1].data[fig.frames[-1].traces.index(hatched)].x) > 0
    assert len(fig.to_json()) < 3 * len(charts.curves_figure(long, x_max=100).to_json())
    with pytest.raises(ValueError):
        charts.replay(charts.curves_figure(long, x_max=100), 0)


def test_replay_on_the_updates_axis_stops_at_the_same_update_for_every_batch():
    runs = {f"batch {b}": [chart_history(list(np.linspace(0.6, 0.3, 10)), batch=b, updates_per_epoch=6400 // b)]
            for b in (32, 128)}
    fig = charts.replay(charts.curves_figure(runs, x_axis="updates", x_max=10), 10)
    labels = [step.label for step in fig.layout.sliders[0].steps]
    assert labels[0] == "update 200" and labels[-1] == "update 2,000"  # batch 32's 10 epochs of 200 updates
    assert [s.x0 for s in fig.frames[0].layout.shapes if s.layer == "above"] == [200]


def test_per_update_panels_say_what_is_drawn():
    runs = {f"batch {b}": [chart_history([0.6, 0.5, 0.4, 0.35], batch=b, updates_per_epoch=6400 // b, seed=s)
                           for s in (1, 2)] for b in (8, 32, 128, 512)}
    fig = charts.update_loss_figure(runs, max_points=1000)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "batch 8: every 4th of 3,200 updates drawn" and titles[-1] == "batch 512: all 48 updates"
    raw = traces(fig, "batch 8 each update")[0]
    assert len(raw.x) == 800 and raw.y.dtype == np.float32
    assert len({fig.layout[f"yaxis{k}"].matches for k in ("", 2, 3, 4)} - {None}) == 1  # one shared loss axis
    assert "seed 1" in fig.layout.title.subtitle.text
    assert "update %{x:,}" in raw.hovertemplate
    epochs = traces(charts.update_loss_figure(runs, max_points=1000, x_axis="epochs"), "batch 8 each update")[0]
    assert "epoch %{x:.2f}" in epochs.hovertemplate  # a fraction of an epoch to two places, not 1.56562495232


@pytest.mark.parametrize("presenter", [False, True])
def test_per_update_panel_rows_leave_room_for_ticks_and_titles(presenter):
    """Between two rows of panels there is room, in pixels, for the upper panels' tick labels and the lower panels'
    titles (in presenter mode the figure's height is capped and the fonts are larger: a share of the height that
    suits normal mode put the titles on the tick labels)."""
    runs = {f"batch {b}": [chart_history([0.6, 0.5, 0.4], batch=b, updates_per_epoch=6400 // b)]
            for b in (8, 32, 128, 512)}
    fig = charts.update_loss_figure(runs, presenter=presenter)
    s = charts.style.sizes(presenter)
    plot_h = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    upper, lower = fig.layout.yaxis.domain, fig.layout.yaxis3.domain
    gap_px = (upper[0] - lower[1]) * plot_h
    assert gap_px >= s.tick * 1.2 + s.text * 1.2, gap_px
    assert fig.layout.annotations[2].y == lower[1]  # the lower panel's title sits on its panel


def test_a_legend_too_tall_for_the_plot_goes_under_it():
    """Nine values in presenter mode do not fit in a column beside the plot (plotly would scroll it and hide the
    last ones, the ✕ runs a class looks for): the legend becomes rows under the chart. Five stay beside it."""
    def figure(n: int, presenter: bool):
        groups = {f"lr {k}": [chart_history([0.6, 0.5, 0.4])] for k in range(n)}
        return charts.curves_figure(groups, presenter=presenter)

    assert figure(9, presenter=True).layout.legend.orientation == "h"
    assert figure(5, presenter=True).layout.legend.orientation == "v"
    assert figure(9, presenter=False).layout.legend.orientation == "v"


def test_a_short_run_gets_whole_epoch_ticks():
    """Three epochs: plotly would step ticks by 0.5, printed by the whole-number format as "0 1 1 2 2 3"; the axis
    allows at most one tick per epoch (a long run keeps plotly's own choice)."""
    short = charts.curves_figure({"lr 0.01": [chart_history([0.6, 0.5, 0.4])]})
    assert short.layout.xaxis.nticks == 4 and short.layout.xaxis.tickformat == "d"
    long_run = charts.curves_figure({"lr 0.01": [chart_history(list(np.linspace(0.6, 0.3, 20)))]})
    assert long_run.layout.xaxis.nticks is None


def test_grid_marks_ties():
    tied = np.array([[False, True, False], [False, False, False]])
    fig = charts.grid_heatmap_figure([16, 64], [0.001, 0.01, 0.1], np.array([[0.5, 0.51, 0.7], [0.6, 0.4, 0.9]]),
                                     value_label="final validation loss", best_columns=[0, 1], tied_best=tied)
    dashed = [s for s in fig.layout.shapes if s.line.dash == "dash"]
    assert len(dashed) == 1 and dashed[0].x0 == pytest.approx(1 - 0.46)
    assert any("tied with the best" in (t.name or "") for t in fig.data)


def test_group_runs_keeps_value_order_and_skips_unstarted():
    runs = [chart_history([0.5], lr=0.1, seed=1), None, chart_history([0.5], lr=0.01, seed=1),
            chart_history([0.5], lr=0.1, seed=2)]
    grouped = charts.group_runs(runs, lambda h: f"lr {h.spec.learning_rate:g}")
    assert list(grouped) == ["lr 0.1", "lr 0.01"] and len(grouped["lr 0.1"]) == 2


def test_epochs_replay_is_cut_from_the_finished_figure():
    runs = [chart_history(list(np.linspace(0.6, 0.3, 60)), seed=s) for s in (1, 2, 3)]
    final = charts.epochs_figure(runs, marks=Marks(best_epoch=30, overfit=(30, 60)), stop_epoch=40, x_max=60)
    fig = charts.replay(final, 60)
    assert len(fig.frames) == 40 and fig.layout.sliders[0].steps[-1].label == "epoch 60"
    assert fig.layout.xaxis.title.text == "Epoch" and fig.layout.yaxis2.title.text == "Accuracy"
    first = {k: d for k, d in zip(fig.frames[0].traces, fig.frames[0].data)}
    star = next(k for k, t in enumerate(fig.data) if t.name == "lowest validation loss")
    assert len(first[star].x) == 0  # the finished run's marks wait for the last frame
    hatched = next(k for k, t in enumerate(fig.data) if t.name == "overfitting")
    assert len(first[hatched].x) == 0  # so does the overfitting hatching


def test_nothing_trained_yet_draws_an_empty_chart():
    fig = charts.curves_figure(charts.group_runs([None, None], lambda h: "x"), x_max=5)
    assert not fig.data and "solid: training, dashed: validation" in fig.layout.title.subtitle.text


def test_grid_with_hidden_answers_draws_every_cell_alike():
    """A teacher hides the answers: no ✕ or grey for diverged cells (their number, or "NaN"), no best, tie or
    guide marks, and no key for them."""
    values = np.array([[0.5, 0.45, np.nan], [0.6, 0.4, 0.9]])
    diverged = np.array([[False, False, True], [False, False, True]])
    options = dict(value_label="final validation loss", diverged=diverged, diverged_epochs=diverged * 2,
                   best_columns=[1, 1], tied_best=np.array([[True, False, False], [False, False, False]]),
                   guide_rates=[0.01, 0.02])
    shown = charts.grid_heatmap_figure([16, 64], [0.001, 0.01, 0.1], values, **options)
    assert any("✕" in a.text for a in shown.layout.annotations) and "best" in shown.layout.title.subtitle.text
    hidden = charts.grid_heatmap_figure([16, 64], [0.001, 0.01, 0.1], values, answers=False, **options)
    texts = [a.text for a in hidden.layout.annotations]
    assert not any("✕" in t for t in texts) and "NaN" in texts and "0.900" in texts
    assert [t.name for t in hidden.data] == ["final validation loss"]  # the cells, nothing else
    assert not hidden.layout.shapes and not (hidden.layout.title.subtitle.text or "")
    assert "diverged" not in " ".join(" ".join(row) for row in hidden.data[0].customdata)


def test_grid_hover_and_ticks_write_rates_as_learners_read_them():
    fig = charts.grid_heatmap_figure([16], [0.00001, 0.01], np.array([[0.5, 0.4]]), value_label="loss",
                                     best_columns=[1])
    assert list(fig.layout.xaxis.ticktext) == ["0.00001", "0.01"]
    star = next(t for t in fig.data if t.name == "best learning rate per batch size")
    assert "best learning rate lr %{customdata[1]}" in star.hovertemplate


def _finder(**changes):
    rates = np.logspace(-6, 1, 50)
    losses = 0.7 - 0.4 * np.exp(-((np.log10(rates) + 2) ** 2))
    fields = dict(learning_rates=rates, smoothed=losses, losses=losses, min_loss_lr=0.0431, suggestion=0.00431,
                  suggestion_rule="minimum / 10")
    return SimpleNamespace(**{**fields, **changes})


def test_range_test_draws_the_seeds_band_and_their_interval():
    results = [_finder(), _finder(smoothed=_finder().smoothed + 0.05, suggestion=0.006)]
    fig = charts.range_band_figure(results, (0.00431, 0.006), seeds=[42, 43])
    names = [t.name for t in fig.data]
    assert names[1:] == ["band: 2 seeds", "seed 42", "seed 43", "suggested: lr 0.00431 to 0.006 (minimum / 10 of each seed)"]
    np.testing.assert_allclose(fig.data[0].y, results[0].smoothed)  # the band's low edge: the lower seed
    np.testing.assert_allclose(fig.data[1].y, results[1].smoothed)
    assert (fig.layout.shapes[0].x0, fig.layout.shapes[0].x1) == (0.00431, 0.006)
    hidden = charts.range_band_figure(results, (0.00431, 0.006), seeds=[42, 43], answers=False)
    assert not hidden.layout.shapes and not any("suggested" in (t.name or "") for t in hidden.data)


def test_range_test_sentence_gives_an_interval_with_every_seed():
    from dlviz.text.findings import range_interval_sentence

    text = range_interval_sentence([_finder(), _finder(suggestion=0.006)], [42, 43], (0.00431, 0.006))
    assert text.startswith("Suggested: between learning rate 0.00431 and 0.006 across 2 seeds")
    assert "seed 42 0.00431, seed 43 0.006" in text and "e-0" not in text
