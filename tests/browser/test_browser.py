"""What a person sees in a real browser: every page draws, a link reproduces a view, a bad link says so, the
controls show what ran, log axes read as values, downloads give CSV files, a replay hovers nothing under its
curtain. Small settings come through the URL so that training stays short; every test is a new visitor on the one
shared server.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from dlviz import settings
from dlviz.text.format import format_lr
from tests.support.browser import (SCREENSHOTS, SMALL, SMALL_VIEWS, app_paths, assert_healthy, charts, choose,
                                   full_screenshot, measured, multiselect_values, open_page_in_nav, problems, query,
                                   radio_value, shot_name, slider_value, toggle_value, wait_settled, warnings,
                                   y_ticks)

pytestmark = pytest.mark.browser



def test_the_small_views_cover_every_page():
    assert sorted(SMALL_VIEWS) == sorted(app_paths())


# (1) every page draws, normal and in presenter mode; screenshots for a person to look at ---------------------------

@pytest.mark.parametrize("mode", ["normal", "presenter"])
@pytest.mark.parametrize("path", list(SMALL_VIEWS))
def test_every_page_draws_without_errors(new_page, path, mode):
    link = f"{path}?{SMALL_VIEWS[path]}" + ("&present=true" if mode == "presenter" else "")
    page = new_page(link)  # waits until drawn; asserts no exception, no st.error, every chart rendered
    assert page.locator('[data-testid="stMain"] h1').count() >= 1
    assert page.locator('[data-testid="stProgress"]').count() == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{shot_name(path)}-{mode}-1280x720.png"))
    full_screenshot(page, SCREENSHOTS / f"{shot_name(path)}-{mode}-full.png")
    for chart in charts(page):
        assert chart["legend"] or chart["ytitles"], f"{path}: a chart with neither legend nor axis title"
    assert toggle_value(page, "Presenter mode") is (mode == "presenter")


# (2) a link reproduces a view ---------------------------------------------------------------------------------------

VIEW = {"b_epochs": "2", "batches": ["32", "128"], "b_x": "updates", "b_metric": "accuracy", "rows": "1000",
        "seeds": "2", "std": "false", "each_seed": "true"}


def test_a_link_with_several_keys_reproduces_the_view(new_page):
    link = "&".join(f"{k}={v}" for k, values in VIEW.items() for v in ([values] if isinstance(values, str) else values))
    page = new_page(f"/batch_size?{link}")
    assert multiselect_values(page, "Batch sizes") == ["32", "128"]
    assert slider_value(page, "Epochs") == "2"
    assert radio_value(page, "x-axis") == "weight updates"
    assert radio_value(page, "Metric") == "accuracy"
    assert slider_value(page, "Rows used") == "1000"
    assert slider_value(page, "Seeds per value") == "2"
    assert not toggle_value(page, "Standardise features")
    assert toggle_value(page, "Draw every seed's curve")
    assert "1,000 rows" in page.get_by_test_id("stSidebar").inner_text()
    first = charts(page)[0]
    assert [n.split(" — ")[0] for n in first["legend"] if n.startswith("batch ")][:2] == ["batch 32", "batch 128"]
    assert any("update" in t.lower() for t in first["xtitles"]), first["xtitles"]
    assert any("accuracy" in t.lower() for t in first["ytitles"]), first["ytitles"]


def test_the_address_bar_still_holds_the_link_after_it_opens(new_page):
    """A link written in the binding's own spellings (a choice by its label, "weight updates") stays in the address
    bar, so a person can copy it on. (A short spelling such as `b_x=updates` still sets the view, above, and the
    address bar then shows the label form from the next change on.)"""
    bound = {**VIEW, "b_x": "weight updates"}
    link = "&".join(f"{k}={v}" for k, values in bound.items() for v in ([values] if isinstance(values, str) else values))
    page = new_page(f"/batch_size?{link}")
    shown = query(page)
    lost = {k: v for k, v in bound.items() if shown.get(k) != ([v] if isinstance(v, str) else v)}
    assert not lost, f"the address bar lost {lost}: {page.url}"


def test_a_link_keeps_its_lowest_values_after_a_change(new_page):
    """Streamlit's binding leaves a value out of the URL when it equals the widget's default; every control is given
    the setting's default, so values at a slider's lowest end (500 rows, 1 seed, seed 0, 1 epoch) or a toggle turned
    off stay in the address bar after the learner changes something else, and the link reopens them."""
    link = {"rows": "500", "seeds": "1", "seed": "0", "b_epochs": "1", "std": "false", "batches": "32"}
    page = new_page("/batch_size?" + "&".join(f"{k}={v}" for k, v in link.items()))
    choose(page, "Metric", "accuracy", charts=1)
    shown = query(page)
    lost = {k: v for k, v in link.items() if shown.get(k) != [v]}
    assert not lost, f"the address bar lost {lost}: {page.url}"
    assert shown.get("b_metric") == ["accuracy"], page.url


# (3) a bad link shows a notice, never a traceback ---------------------------------------------------------------

BAD_LINKS = {
    "infinite seed": ("/epochs", "seed=1e999", "seed", "First seed", "42"),
    "not a number": ("/batch_size", "b_epochs=abc", "b_epochs", "Epochs", "20"),
    "not offered": ("/learning_rate", "lrs=0.5", "lrs", None, None),
    "400 digits": ("/epochs", "epochs=" + "9" * 400, "epochs", "Train for up to N epochs", "100"),
    "repeated scalar": ("/epochs", "epochs=5&epochs=7", "epochs", "Train for up to N epochs", "100"),
}
# The other keys keep training short; the bad key's own control falls back to its default.
SHORT = {"/epochs": "", "/batch_size": "batches=32&", "/learning_rate": "lr_epochs=2&"}


@pytest.mark.parametrize("case", list(BAD_LINKS))
def test_a_bad_link_shows_a_notice_and_no_traceback(new_page, case):
    path, bad, key, label, default = BAD_LINKS[case]
    short = SHORT[path] + SMALL
    if path == "/epochs" and key == "epochs":
        short += "&stop=5"  # the run is the default 100 epochs: the cheapest fallback there is
    elif path == "/epochs":
        short += "&epochs=4"
    page = new_page(f"{path}?{short}&{bad}", check=False)
    assert page.locator('[data-testid="stException"]').count() == 0, "a traceback"
    assert not problems(page), problems(page)
    notices = [w for w in warnings(page) if f"{key}=" in w]
    assert notices, f"no notice naming `{key}=` among {warnings(page)}"
    assert all(len(n) < 400 for n in notices), "a notice repeats the whole value"
    if label:
        # A person can see which value is used now.
        where = page.get_by_test_id("stSidebar") if key == "seed" else page
        if key == "seed":
            where.get_by_text("Advanced: model and seed").click()
        assert slider_value(page, label) == default
    else:
        assert multiselect_values(page, "Learning rates (log scale)") == [
            format_lr(r) for r in settings.LEARNING_RATES.default]


# (4) log loss axes read as values ------------------------------------------------------------------------------------

def tick_value(text: str) -> float:
    # plotly writes minus as U+2212 and may use SI suffixes; a tick a person reads as a value parses as one.
    return float(text.replace("\u2212", "-"))


def test_log_loss_axis_ticks_read_as_values(new_page):
    """The default rates (0.0001 crawls near 0.7, 1 spikes) over 20 epochs span more than a decade of loss on the
    log axis: every tick label must be the value at its place, so read top to bottom they fall. "2, 1, 9, 8" (0.9
    printed as 9) rises at "9"."""
    page = new_page(f"/learning_rate?lr_epochs=20&{SMALL}")
    assert toggle_value(page, "Log loss axis")
    found = [axis for axis in y_ticks(page) if axis["chart"] == 0]
    assert found, "no y ticks on the learning-rate chart"
    for axis in found:
        ticks = sorted(axis["ticks"], key=lambda t: t["top"])
        texts = [t["text"] for t in ticks]
        try:
            values = [tick_value(t) for t in texts]
        except ValueError:
            pytest.fail(f"{axis['axis']}: a tick label that is not a number: {texts}")
        if not all(a > b for a, b in zip(values, values[1:])):
            measured(f"[log ticks] /learning_rate {axis['axis']} labels, top to bottom: {texts}")
            pytest.fail(f"{axis['axis']} ticks, top to bottom: {texts}")


def test_a_multiselect_shows_every_value_it_holds(new_page):
    page = new_page(f"/learning_rate?lr_epochs=20&{SMALL}")  # the default five rates
    hidden = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMultiSelect"]')].flatMap(box => {
        const frame = box.querySelector('[data-testid="stMultiSelectTagsContainer"]').getBoundingClientRect();
        return [...box.querySelectorAll('[data-testid="stMultiSelectTagsContainer"] [role="group"] > *')]
          .filter(tag => tag.innerText.trim())
          .filter(tag => { const r = tag.getBoundingClientRect();
                           return r.right > frame.right + 1 || r.bottom > frame.bottom + 1 || r.width === 0; })
          .map(tag => tag.innerText.trim()); })""")
    if hidden:
        measured(f"[multiselect] /learning_rate: selected but not visible: {hidden}")
    assert not hidden, f"selected values a person cannot see: {hidden}"


# (5) every control shows what ran, after data -> breast cancer -> another page -> practice --------------------------

def download(page, button, folder: Path) -> Path:
    """Click a download button and save the file under the name the app gave it."""
    with page.expect_download() as started:
        button.click()
    saved = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def rows_in_caption(page) -> int:
    text = page.get_by_test_id("stSidebar").inner_text()
    found = re.search(r"([\d,]+) rows, \d+ features", text)
    assert found, f"no dataset caption in the sidebar: {text[:400]}"
    return int(found.group(1).replace(",", ""))


def test_controls_show_what_ran_after_a_sequence(new_page, tmp_path):
    page = new_page("/learning_rate?lr_epochs=2&lrs=0.001&lrs=0.1&seeds=1")
    assert slider_value(page, "Rows used") == f"{settings.ROWS.default}" and rows_in_caption(page) == 4_000
    choose(page, "Dataset", "Breast cancer", charts=1)
    assert not problems(page), problems(page)
    assert radio_value(page, "Dataset").startswith("Breast cancer")
    open_page_in_nav(page, "Home")
    assert radio_value(page, "Dataset").startswith("Breast cancer"), "another page forgot the sidebar's dataset"
    choose(page, "Dataset", "Practice data")
    open_page_in_nav(page, "Learning rate", charts=1)
    assert not problems(page), problems(page)
    assert radio_value(page, "Dataset").startswith("Practice data")
    shown_rows = int(slider_value(page, "Rows used").replace(",", ""))
    assert shown_rows == rows_in_caption(page), \
        f"'Rows used' shows {shown_rows:,} while the data caption says {rows_in_caption(page):,} rows"

    runs = pd.read_csv(download(page, page.get_by_role("button", name="Download runs (CSV)"), tmp_path))
    rates = multiselect_values(page, "Learning rates (log scale)")
    assert sorted(format_lr(r) for r in runs["learning_rate"].unique()) == sorted(rates)
    assert runs["epoch"].max() == int(slider_value(page, "Epochs"))
    assert runs["seed"].nunique() == int(slider_value(page, "Seeds per value"))
    page.get_by_test_id("stSidebar").get_by_text("Advanced: model and seed").click()
    assert runs["hidden_units"].unique().tolist() == [int(slider_value(page, "Hidden units"))]
    assert runs["seed"].min() == int(slider_value(page, "First seed"))
    assert runs["batch_size"].unique().tolist() == [32]  # fixed on this page, as its caption says
    assert "batch size **32**".replace("*", "") in page.get_by_test_id("stMain").inner_text()


def test_the_stop_slider_shows_the_epoch_the_page_reports(new_page):
    page = new_page(f"/epochs?epochs=6&{SMALL}")
    stop = int(slider_value(page, "Stop after epoch E"))
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    assert stop <= 6 and any(f"at epoch {stop}" in label for label in labels), (stop, labels)


# (6) downloads give CSV files -------------------------------------------------------------------------------------

def test_downloads_give_the_runs_and_the_dataset_as_csv(new_page, tmp_path):
    """Both files are made on click (deferred); the second is clicked right after the first, as a person would."""
    page = new_page(f"/epochs?epochs=4&{SMALL}")
    runs = download(page, page.get_by_role("button", name="Download runs (CSV)"), tmp_path)
    assert runs.name == "dlviz_epochs_runs.csv"
    table = pd.read_csv(runs)
    assert {"value", "epoch", "weight_updates", "loss", "val_loss", "accuracy", "val_accuracy"} <= set(table.columns)
    assert table["epoch"].tolist() == [0, 1, 2, 3, 4]  # epoch 0 (before training), then one row per epoch
    sidebar = page.get_by_test_id("stSidebar")
    used = download(page, sidebar.get_by_role("button", name="Download the rows used (CSV)"), tmp_path)
    assert used.name == "data.csv"  # what the lesson's code reads
    frame = pd.read_csv(used)
    assert frame.columns[-1] == "target" and set(frame["target"].unique()) == {0, 1} and len(frame) == 500
    whole = download(page, sidebar.get_by_role("button", name="Download the whole dataset (CSV)"), tmp_path)
    assert whole.name == "dlviz_practice_all.csv" and len(pd.read_csv(whole)) == 10_000
    assert not problems(page)
    assert_healthy(page, 1)


# (7) an upload, then a bad file: the last good data stays -------------------------------------------------------

def test_upload_a_csv_then_a_bad_file(new_page, tmp_path):
    from dlviz.data import practice_frame

    good = tmp_path / "practice600.csv"
    practice_frame(600).to_csv(good, index=False)
    bad = tmp_path / "bad.csv"
    bad.write_text('{"x1": [1, 2, 3], "target": [0, 1, 0]}\n')

    page = new_page("/learning_rate?lrs=0.01&lrs=0.1&lr_epochs=3&seeds=1")
    sidebar = page.get_by_test_id("stSidebar")
    choose(page, "Dataset", "Upload your own CSV")
    file_input = sidebar.get_by_test_id("stFileUploader").locator("input[type=file]")
    file_input.set_input_files(good)
    sidebar.get_by_text("600 rows", exact=False).first.wait_for()
    wait_settled(page, 1)
    assert_healthy(page, 1)
    assert "Split: 384 train, 96 validation, 120 test" in sidebar.inner_text()
    assert [n.split(" — ")[0] for n in charts(page)[0]["legend"] if n.startswith("lr ")] == ["lr 0.01", "lr 0.1"]

    file_input.set_input_files(bad)
    error = sidebar.get_by_test_id("stAlertContentError")
    error.wait_for()
    wait_settled(page, 1)
    assert "bad.csv" in error.inner_text()
    still = sidebar.get_by_test_id("stAlertContentInfo").filter(has_text="Still showing")
    assert still.count() == 1 and "practice600.csv" in still.inner_text()
    assert "600 rows" in sidebar.inner_text()  # the previous dataset is still described ...
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_test_id("stMain").get_by_test_id("stAlertContentError").count() == 0
    assert [n.split(" — ")[0] for n in charts(page)[0]["legend"] if n.startswith("lr ")] == ["lr 0.01", "lr 0.1"]


def hovered_heights(page, chart) -> int:
    """Of 24 heights along the vertical at 80% of the chart's plot area, how many show a hover label."""
    box = chart.locator(".nsewdrag").first.bounding_box()
    found = 0
    for k in range(4, 97, 4):
        page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * k / 100)
        page.wait_for_timeout(150)
        found += chart.locator(".hoverlayer .hovertext").count() > 0
    page.mouse.move(1, 1)
    return found


def test_a_replay_hovers_no_value_under_its_curtain(new_page):
    """Mid-replay the curves beyond the frame's epoch are under the curtain: no hover reads them; the last frame
    hovers again. Frames are chosen on the slider's rail."""
    page = new_page("/learning_rate")
    chart = page.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    assert hovered_heights(page, chart) > 0  # the finished figure: its curves' values
    rail = chart.locator(".slider-rail-rect").first.bounding_box()
    for at, hovers in ((0.15, False), (0.999, True)):
        page.mouse.click(rail["x"] + rail["width"] * at, rail["y"] + rail["height"] / 2)
        page.wait_for_timeout(500)
        assert (hovered_heights(page, chart) > 0) is hovers, at
