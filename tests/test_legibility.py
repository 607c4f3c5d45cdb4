"""What a person can read, checked where the figure's JSON or AppTest can show it (issue 20): chart text sizes in
normal and presenter mode, a compact legend (the swept values only) with the key in at most two subtitle lines,
presenter figures short enough for the first chart to sit above the fold at 1280x720, presenter CSS that never
shrinks a metric or cuts text with an ellipsis, presenter mode and hidden answers readable from a link, and the home
page's lesson path. What only a browser shows (the fold itself, truncation, rendered tick text) is in tests/browser/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dlviz import charts, settings
from dlviz.charts import Marks, style
from dlviz.runs import RunHistory, RunSpec
from dlviz.ui import layout
from tests.support import figures, open_page

# Streamlit 1.67 in presenter mode at 1280x720 (PRESENTER_CSS), measured in Chromium: the page's top padding
# (3rem = 48 px), the title (2.1rem plus padding, ~56 px), one line of intro at 1.25rem (~36 px), the folded
# "Settings" expander (~44 px), and Streamlit's 16 px gap after each of them; the rest is the chart's.
FOLD_PX = 720
ABOVE_FIRST_CHART_PX = 48 + 56 + 36 + 44 + 4 * 16
RATES = (0.001, 0.01, 0.1, 1.0)


def history(loss, *, seed=1, lr=0.01, diverged_at=None) -> RunHistory:
    loss = [float(v) for v in loss]
    n = len(loss)
    return RunHistory(RunSpec("legible", epochs=n, batch_size=32, learning_rate=lr, seed=seed), loss=loss,
                      val_loss=[v + 0.05 for v in loss], accuracy=[0.6 + 0.01 * i for i in range(n)],
                      val_accuracy=[0.58 + 0.01 * i for i in range(n)], updates_per_epoch=10, initial_loss=0.69,
                      initial_val_loss=0.69, initial_accuracy=0.5, initial_val_accuracy=0.5, diverged_at=diverged_at,
                      update_loss=np.linspace(0.7, 0.3, 10 * n).astype(np.float32))


def sweep() -> dict[str, list[RunHistory]]:
    """Four learning rates x 3 seeds, the last one blowing up: every key part appears."""
    groups = {f"lr {r:g}": [history(np.linspace(0.6, 0.3 + s / 100, 20), seed=s, lr=r) for s in (1, 2, 3)]
              for r in RATES[:-1]}
    groups["lr 1"] = [history([15.0] + [0.8] * 19, seed=s, lr=1.0, diverged_at=1) for s in (1, 2, 3)]
    return groups


MARKS = {"lr 0.01": Marks(best_epoch=12, overfit=(12, 20)), "lr 0.1": Marks(best_epoch=10, overfit=(10, 20))}


def font_sizes(node, found=None) -> list[float]:
    """Every font size set anywhere in a figure's JSON (layout, traces, axes, annotations, menus, sliders)."""
    found = [] if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                found.append(float(value["size"]))
            font_sizes(value, found)
    elif isinstance(node, (list, tuple)):
        for item in node:
            font_sizes(item, found)
    return found


def every_figure(presenter: bool) -> dict[str, dict]:
    groups = sweep()
    runs = groups["lr 0.01"]
    final = charts.curves_figure(groups, marks=MARKS, x_max=20, presenter=presenter)
    epochs = charts.epochs_figure(runs, marks=Marks(best_epoch=12, overfit=(12, 20)), stop_epoch=15,
                                  early_stop_epoch=17, x_max=20, presenter=presenter)
    grid = charts.grid_heatmap_figure([16, 64, 256, 1024], list(RATES), np.full((4, 4), 0.5), value_label="final "
                                      "validation loss (mean of the last 3 epochs)", best_columns=[0, 1, 1, 2],
                                      guide_rates=[0.001, 0.004, 0.016, 0.064], presenter=presenter)
    return {"curves": final.to_plotly_json(),
            "replay": charts.replay(final, 20, presenter=presenter).to_plotly_json(),
            "epochs": charts.replay(epochs, 20, presenter=presenter).to_plotly_json(),
            "updates": charts.update_loss_figure(groups, presenter=presenter).to_plotly_json(),
            "grid": grid.to_plotly_json()}


@pytest.mark.parametrize("presenter, smallest", [(False, 12), (True, 16)])
def test_every_chart_text_is_large_enough(presenter, smallest):
    for name, figure in every_figure(presenter).items():
        sizes = font_sizes(figure)
        assert sizes and min(sizes) >= smallest, (name, sorted(sizes)[:3])


@pytest.mark.parametrize("presenter", [False, True])
def test_the_legend_names_only_the_values_and_the_key_takes_two_lines_at_most(presenter):
    figure = charts.curves_figure(sweep(), marks=MARKS, x_max=20, presenter=presenter)
    shown = [t.name for t in figure.data if t.showlegend is not False]
    # The values, each followed by its overfitting hatch's entry when it has one (whose hatching is whose).
    assert shown == ["lr 0.001", "lr 0.01", "lr 0.01 overfits", "lr 0.1", "lr 0.1 overfits", "lr 1"]
    legend = figure.layout.legend
    assert legend.orientation == "v" and legend.x >= 1  # a narrow column right of the plot, not rows above it
    key = figure.layout.title.subtitle.text
    assert style.text_lines(key) <= 2, key
    for part in ("band: min–max", "solid: training, dashed: validation", "★", "hatched between", "✕ blew up"):
        assert part in key
    width = style.PLANNED_WIDTH[presenter]
    for line in key.split("<br>"):  # no key line runs past the chart's planned width
        assert len(line) * style.CHAR_EM * figure.layout.title.subtitle.font.size <= width - style.TEXT_LEFT, line


def test_epochs_figure_legend_is_training_validation_and_overfitting_only():
    runs = sweep()["lr 0.01"]
    figure = charts.epochs_figure(runs, marks=Marks(best_epoch=12, overfit=(12, 20)), stop_epoch=15,
                                  early_stop_epoch=17, x_max=20, presenter=True)
    assert [t.name for t in figure.data if t.showlegend is not False] == ["training", "validation", "overfitting"]
    assert style.text_lines(figure.layout.title.subtitle.text) <= 2


def test_grid_key_is_in_the_subtitle_and_its_title_wraps():
    figure = every_figure(True)["grid"]
    layout_ = figure["layout"]
    assert layout_["showlegend"] is False
    assert "a row's clear best learning rate" in layout_["title"]["subtitle"]["text"]  # the key, in the subtitle
    title = layout_["title"]["text"]
    assert "<br>" in title  # 24 px text: the long title is wrapped, not cut at the chart's edge
    for line in title.split("<br>"):
        assert len(line) * style.CHAR_EM * style.PRESENTER.title <= style.PLANNED_WIDTH[True] - style.TEXT_LEFT
    colorbar = figure["data"][0]["colorbar"]["title"]["text"]
    assert len(max(colorbar.split("<br>"), key=len)) <= 10  # a long vertical colour-bar title ran off the chart


def test_presenter_first_chart_fits_above_the_fold_at_1280x720():
    """The first chart of a sweep page is its replay (the finished chart plus ▶ / ❚❚ and a slider): with the page
    above it as PRESENTER_CSS draws it, its bottom edge is within 720 px."""
    for name in ("replay", "epochs", "grid"):
        height = every_figure(True)[name]["layout"]["height"]
        assert ABOVE_FIRST_CHART_PX + height <= FOLD_PX, (name, height)
    assert every_figure(False)["replay"]["layout"]["height"] >= every_figure(True)["replay"]["layout"]["height"]


def test_replay_controls_sit_below_the_x_axis_title():
    figure = every_figure(True)["replay"]["layout"]
    plot_px = figure["height"] - figure["margin"]["t"] - figure["margin"]["b"]
    below_plot_px = -figure["updatemenus"][0]["y"] * plot_px
    assert below_plot_px >= 56  # ticks and the axis title (56 px + 60% of a tick) come first
    buttons = "".join(button["label"] for button in figure["updatemenus"][0]["buttons"])
    slider = figure["sliders"][0]
    # Right of the two buttons at any plot width (issue 26, item 9: at 30% of a narrow plot the handle covered
    # ❚❚ Pause): the rail starts where the buttons start, padded by more than their text's width (~0.6 em a
    # character; measured in Chromium by tests/browser/test_presenter.py).
    assert slider["x"] == figure["updatemenus"][0]["x"] and slider["xanchor"] == "left"
    assert slider["pad"]["l"] >= 0.6 * len(buttons) * figure["updatemenus"][0]["font"]["size"] + 20


@pytest.mark.parametrize("presenter", [False, True])
def test_axis_titles_never_double_their_brackets(presenter):
    """Issue 26, item 9: "Loss (binary cross-entropy) (log scale)"."""
    groups = sweep()
    figures = [charts.curves_figure(groups, x_max=20, log_x=True, log_y=True, presenter=presenter),
               charts.update_loss_figure(groups, x_axis="epoch", log_x=True, presenter=presenter)]
    titles = [figure.layout[k].title.text for figure in figures for k in figure.layout
              if k.startswith(("xaxis", "yaxis")) and figure.layout[k].title.text]
    assert any("log scale" in t for t in titles) and not [t for t in titles if re.search(r"\)\s*\(", t)], titles


def _modes_app():
    import streamlit as st

    from dlviz.ui import layout as page_layout

    st.write(f"presenter={page_layout.presenter()} hidden={page_layout.answers_hidden()}")


@pytest.mark.parametrize("query, expected", [
    ({}, "presenter=False hidden=False"),
    ({"present": "1"}, "presenter=True hidden=False"),
    ({"present": "1", "hide": "1"}, "presenter=True hidden=True"),
    ({"hide": "1"}, "presenter=False hidden=False"),  # hidden answers only ever in presenter mode
    ({"present": "maybe"}, "presenter=False hidden=False"),  # a bad link value: the default
])
def test_presenter_and_hidden_answers_are_read_from_the_link_before_the_sidebar(query, expected):
    """`st.set_page_config(initial_sidebar_state=...)` runs before the sidebar draws its toggle, so `presenter()`
    must already answer from the link."""
    at = AppTest.from_function(_modes_app)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert at.markdown[0].value == expected


def test_hide_answers_setting_is_a_toggle_off_by_default():
    assert settings.HIDE_ANSWERS.key == "hide" and settings.HIDE_ANSWERS.widget == "toggle"
    assert settings.HIDE_ANSWERS.default is False and settings.HIDE_ANSWERS.parse(["1"]) is True


def test_home_page_leads_through_the_five_questions_with_working_links():
    at = open_page(None)
    links = [link.proto for link in at.get("page_link")]
    questions = [p for p in links if re.match(r"\d\. ", p.label)]
    assert len(questions) == 5
    assert [p.page for p in questions] == ["epochs", "batch_size", "batch_size", "learning_rate", "learning_rate"]
    by_path = {page.url_path: page for page in settings.PAGES}
    for link in questions:
        query = parse_qs(link.query_string)
        assert query, link.label
        page_settings = {s.key: s for s in by_path[link.page].settings + settings.SIDEBAR}
        for key, values in query.items():  # every value is one the page's (or the sidebar's) control takes
            page_settings[key].parse(values)
        assert query[settings.PREDICT.key] == ["true"], link.label  # the answer is checked against the run
    # The text the control shows: Streamlit's binding reads that when the session already has the control.
    assert parse_qs(questions[2].query_string)[settings.BATCH_X.key] == [settings.BATCH_X.format("updates")]
    assert parse_qs(questions[4].query_string)[settings.LR_METRIC.key] == ["accuracy"]
    text = " ".join(m.value for m in at.markdown)
    assert "Presenter mode" in text and settings.HIDE_ANSWERS.label in text


def test_presenter_page_through_apptest_draws_a_short_legible_chart():
    at = open_page("app_pages/learning_rate.py", present="1", rows="500", seeds="1", lr_epochs="2",
                   lrs=["0.01", "0.1"])
    figure = figures(at)[0]
    assert min(font_sizes(figure)) >= 16
    assert ABOVE_FIRST_CHART_PX + figure["layout"]["height"] <= FOLD_PX
    assert [t["name"] for t in figure["data"] if t.get("showlegend", True) and t.get("name")
            and not t["name"].endswith((" min", " max", " best", " blew up", " NaN"))] == ["lr 0.01", "lr 0.1"]


def test_presenter_y_titles_fit_a_short_plot():
    groups = sweep()
    for figure in (charts.curves_figure(groups, x_max=20, presenter=True),
                   charts.epochs_figure(groups["lr 0.01"], x_max=20, presenter=True)):
        titles = [figure.layout[k].title.text for k in figure.layout if k.startswith("yaxis")]
        assert titles and all(len(t) * style.CHAR_EM * style.PRESENTER.text <= 300 for t in titles if t), titles
    assert "binary cross-entropy" in charts.curves_figure(groups, x_max=20).layout.yaxis.title.text


def _reveal_app():
    import streamlit as st

    from dlviz.ui import layout as page_layout

    page_layout.reveal_answers()
    st.write(f"hidden={page_layout.answers_hidden()}")


def test_reveal_button_shows_the_answers():
    at = AppTest.from_function(_reveal_app)
    at.query_params["present"], at.query_params["hide"] = "1", "1"
    at.run()
    assert at.markdown[-1].value == "hidden=True" and at.info
    at.button[0].click().run()
    assert at.markdown[-1].value == "hidden=False" and not at.button
