"""What a person sees in a real browser: every page draws, controls change the chart, uploads, links, presenter mode."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dlviz.analysis import grid as interplay
from tests.browser.helpers import (CHART, app_pages, assert_healthy, charts, legend, problems, query, wait_settled)

pytestmark = pytest.mark.browser


def value_entries(names: list[str], prefix: str) -> list[str]:
    """The legend entries of the swept values ("lr 0.1 — too high, oscillating" -> "lr 0.1"), not "training" etc."""
    return [name.split(" — ")[0] for name in names if name.startswith(prefix)]


def last_epoch(page) -> float:
    return charts(page)[0]["traces"][0]["x"][-1]


def y_titles(page) -> str:
    return " | ".join(charts(page)[0]["ytitles"])


# (1) every page ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", app_pages())
def test_every_page_draws_without_errors(new_page, path):
    page = new_page(path)  # waits for the charts and for no progress bar; asserts no exception and no st.error
    assert page.locator('[data-testid="stMain"] h1').count() >= 1
    assert page.locator('[data-testid="stProgress"]').count() == 0
    for chart in charts(page):
        assert chart["traces"], f"{path}: a chart without traces"


# (2) controls change the chart -------------------------------------------------------------------------------------

def test_learning_rate_metric_and_values_change_the_chart(new_page):
    page = new_page("/learning_rate")
    rates = page.get_by_test_id("stMultiSelect").filter(has_text="Learning rates")
    shown = rates.locator("[data-tag]").all_inner_texts()  # the defaults, smallest first
    assert len(shown) >= 2
    assert value_entries(legend(page), "lr ") == [f"lr {rate}" for rate in shown]
    assert "loss" in y_titles(page).lower()

    page.get_by_test_id("stRadio").filter(has_text="Metric").get_by_text("accuracy", exact=True).click()
    page.wait_for_function("""(chart) => [...document.querySelectorAll(chart + ' .g-ytitle')]
                                    .some(e => /accuracy/i.test(e.textContent))""", arg=CHART)
    wait_settled(page, 1)
    assert_healthy(page, 1)
    assert "accuracy" in y_titles(page).lower() and "loss" not in y_titles(page).lower()
    assert query(page)["metric"] == "accuracy"

    kept, removed = shown[:-1], shown[-1]
    rates.get_by_role("button", name=f"Remove {removed}", exact=True).click()
    page.wait_for_function("""([removed, chart]) => {
        const names = [...document.querySelectorAll(chart + ' .legendtext')]
            .map(e => e.textContent.split(' — ')[0]);
        return names.some(n => n.startsWith('lr ')) && !names.includes('lr ' + removed);
    }""", arg=[removed, CHART])
    wait_settled(page, 1)
    assert_healthy(page, 1)
    assert value_entries(legend(page), "lr ") == [f"lr {rate}" for rate in kept]
    assert rates.locator("[data-tag]").all_inner_texts() == kept
    assert query(page)["lrs"] == ",".join(kept)
    assert "accuracy" in y_titles(page).lower()  # the other control kept its value


def test_epochs_slider_moves_with_the_keyboard(new_page):
    page = new_page("/epochs?epochs=12")
    assert last_epoch(page) == 12
    thumb = page.get_by_test_id("stSlider").filter(has_text="Train for up to N epochs").get_by_role("slider")
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => new URLSearchParams(location.search).get('epochs') === '9'")
    page.wait_for_function("""(chart) => {
        const plot = document.querySelector(chart + ' .js-plotly-plot');
        const x = plot && plot.data && plot.data[0].x;
        return x && x[x.length - 1] === 9;
    }""", arg=CHART)
    wait_settled(page, 1)
    assert_healthy(page, 1)
    assert last_epoch(page) == 9
    assert query(page)["epochs"] == "9" and int(query(page)["stop"]) <= 9


def test_epochs_page_with_a_single_epoch(new_page):
    page = new_page("/epochs?epochs=1", check=False)
    assert not problems(page), problems(page)
    assert last_epoch(page) == 1


# (3) upload ----------------------------------------------------------------------------------------------------------

def test_upload_a_csv_then_a_bad_file(new_page, tmp_path):
    from dlviz.data import practice_frame

    good = tmp_path / "practice600.csv"
    practice_frame(600).to_csv(good, index=False)
    bad = tmp_path / "bad.csv"
    bad.write_text('{"x1": [1, 2, 3], "target": [0, 1, 0]}\n')

    page = new_page("/learning_rate?lrs=0.01,0.1&epochs=3")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stRadio").filter(has_text="Dataset").get_by_text("Upload your own CSV").click()
    file_input = sidebar.get_by_test_id("stFileUploader").locator("input[type=file]")
    file_input.wait_for(state="attached")
    file_input.set_input_files(good)
    sidebar.get_by_text("600 rows", exact=False).first.wait_for()
    wait_settled(page, 1)
    assert_healthy(page, 1)
    assert "Split: 384 train, 96 validation, 120 test" in sidebar.inner_text()
    assert value_entries(legend(page), "lr ") == ["lr 0.01", "lr 0.1"]
    assert query(page)["data"] == "upload"

    file_input.set_input_files(bad)
    error = sidebar.get_by_test_id("stAlertContentError")
    error.wait_for()
    wait_settled(page, 1)
    assert "bad.csv" in error.inner_text() and "JSON" in error.inner_text()
    still = sidebar.get_by_test_id("stAlertContentInfo").filter(has_text="Still showing")
    assert still.count() == 1 and "practice600.csv" in still.inner_text()
    assert "600 rows" in sidebar.inner_text()  # the previous dataset is still described ...
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_test_id("stMain").get_by_test_id("stAlertContentError").count() == 0
    assert value_entries(legend(page), "lr ") == ["lr 0.01", "lr 0.1"]  # ... and still charted


# (4) links -----------------------------------------------------------------------------------------------------------

def test_a_shared_link_opens_the_same_view(new_page):
    page = new_page("/learning_rate?lrs=0.001,0.1&epochs=5&metric=accuracy")
    rates = page.get_by_test_id("stMultiSelect").filter(has_text="Learning rates")
    assert rates.locator("[data-tag]").all_inner_texts() == ["0.001", "0.1"]
    metric = page.get_by_test_id("stRadio").filter(has_text="Metric")
    assert metric.locator('[data-testid="stRadioOption"][data-selected="true"]').all_inner_texts() == ["accuracy"]
    assert value_entries(legend(page), "lr ") == ["lr 0.001", "lr 0.1"]
    assert "accuracy" in y_titles(page).lower()
    assert last_epoch(page) == 5
    assert {k: query(page)[k] for k in ("lrs", "epochs", "metric")} == \
        {"lrs": "0.001,0.1", "epochs": "5", "metric": "accuracy"}


def test_a_bad_link_warns_and_falls_back_to_defaults(new_page):
    page = new_page("/epochs?epochs=banana")  # no exception, no st.error: asserted by new_page
    warnings = page.get_by_test_id("stAlertContentWarning").all_inner_texts()
    assert any("epochs=banana" in w for w in warnings), warnings
    assert query(page)["epochs"] == "100"
    assert last_epoch(page) == 100


# (5) presenter mode --------------------------------------------------------------------------------------------------

def test_presenter_link_folds_the_settings_away(new_page):
    page = new_page("/learning_rate?present=1")
    settings = page.get_by_test_id("stExpander").filter(has=page.locator("summary", has_text="Settings"))
    assert settings.count() == 1
    assert settings.locator("details").get_attribute("open") is None
    assert not page.get_by_test_id("stMultiSelect").filter(has_text="Learning rates").is_visible()
    assert page.get_by_test_id("stSidebar").get_by_role("switch", name="Presenter mode").is_checked()


# (6) downloads and the code tab -------------------------------------------------------------------------------------

def download(page, button, folder: Path) -> Path:
    """Click a download button and save the file under the name the app gave it."""
    with page.expect_download() as started:
        button.click()
    saved = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def test_downloads_give_the_runs_and_the_dataset_as_csv(new_page, tmp_path):
    """Both files are made on click (deferred), so this is the only place their real download path runs. The second
    is clicked right after the first, as a person would (a download that reran the page made that fail)."""
    page = new_page("/epochs")
    runs = download(page, page.get_by_role("button", name="Download runs (CSV)"), tmp_path)
    assert runs.name == "dlviz_epochs_runs.csv"
    lines = runs.read_text().splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["value", "epoch", "weight_updates"] and "val_loss" in header
    assert len(lines) == 1 + 101  # the default 100 epochs, and epoch 0 (before training)
    dataset = download(page, page.get_by_test_id("stSidebar").get_by_role("button", name="Download this dataset (CSV)"),
                       tmp_path)
    assert dataset.name == "dlviz_practice.csv"
    rows = dataset.read_text().splitlines()
    assert rows[0].endswith(",target") and len(rows) == 1 + 10_000
    assert not problems(page)


def test_the_grid_page_downloads_every_cell_of_the_grid(new_page, tmp_path):
    page = new_page("/interplay")
    runs = download(page, page.get_by_role("button", name="Download runs (CSV)"), tmp_path)
    assert runs.name == "dlviz_interplay_runs.csv"
    table = pd.read_csv(runs)
    cells = set(zip(table["batch_size"], table["learning_rate"]))
    assert cells == {(b, r) for b in interplay.DEFAULT_BATCH_SIZES for r in interplay.DEFAULT_LEARNING_RATES}
    assert table["epoch"].max() == interplay.DEFAULT_EPOCHS and table["value"].iloc[0] == "batch 16, lr 0.0001"
    assert not problems(page)


def test_the_code_tab_draws_the_code_when_opened(new_page):
    page = new_page("/batch_size")
    assert page.locator('[data-testid="stCode"]').count() == 0  # lazy: not sent with the page
    page.get_by_role("tab", name="The code").click()
    page.locator('[data-testid="stCode"]').first.wait_for()
    assert "model.fit(" in page.locator('[data-testid="stCode"]').first.inner_text()
    wait_settled(page, 2)
    assert_healthy(page, 2)
