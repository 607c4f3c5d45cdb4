"""AppTest: the batch size x learning rate page shows the heatmap and what it shows, names the best learning rate of
a row only when it beats the others beyond the seed spread (a tie otherwise), and follows changes of the outcome,
the budget and the cells looked at. Small grids on few rows and epochs: these tests check the page, not the
training."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.support import figures, open_page, tables
from tests.support.pages import CLEAR, CLOSE, band_traces, blowup_traces, curve, series

PAGE = "app_pages/interplay.py"
SMALL = {"rows": "500", "seeds": "2", "g_epochs": "2", "g_lrs": ["0.001", "0.01", "0.1"]}


def heatmap(at: AppTest) -> dict:
    (figure,) = [f for f in figures(at) if any(t.get("type") == "heatmap" for t in f["data"])]
    return figure


def curves(at: AppTest) -> dict:
    (figure,) = [f for f in figures(at) if not any(t.get("type") == "heatmap" for t in f["data"])]
    return figure


def curve_names(at: AppTest) -> list[str]:
    return [t["name"] for t in curves(at)["data"] if t.get("name") and t.get("showlegend", True)
            and t["name"] not in ("training", "validation") and not t["name"].startswith("band")]


def whats_shown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown if m.value.startswith("- "))


def test_opens_with_heatmap_findings_table_and_curves_with_bands():
    # Breast-cancer rows: 2 epochs learn there (on 500 practice rows no cell gets below a constant guess's loss, and
    # such cells are never ranked, issue 26)
    at = open_page(PAGE, **{**SMALL, "data": "breast_cancer"})
    assert "Batch size × learning rate" in at.title[0].value
    figure = heatmap(at)
    scores = series(figure["data"][0]["z"])
    assert scores.shape == (4, 3)  # 4 batch sizes (1024 capped to the 364 training rows) x 3 learning rates
    assert figure["layout"]["yaxis"]["ticktext"][0].startswith("16 (46 updates)")  # 2 epochs of 23
    assert figure["layout"]["xaxis"]["ticktext"] == ["0.001", "0.01", "0.1"]
    names = [t.get("name") or "" for t in figure["data"]]
    assert "best learning rate per batch size" in names and any("linear scaling" in n for n in names)
    assert "mean over 2 seeds" in whats_shown(at)
    assert "Goyal" in " ".join(c.value for c in at.caption)
    table = tables(at)[0]
    assert list(table["batch size"]) == ["16", "64", "256", "364"]
    assert list(table["weight updates"]) == ["46", "12", "4", "2"]  # 2 epochs of 364 training rows
    # Below: the best cell's row, one curve per learning rate, each a seed mean with its band.
    assert curve_names(at) == ["lr 0.001", "lr 0.01", "lr 0.1"]
    assert len(band_traces(curves(at))) == 6  # 3 values x (training, validation)


def _best_rate_column(at: AppTest) -> list[str]:
    return list(tables(at)[0]["best learning rate"])


def test_a_close_row_is_a_tie():
    """Practice data, 2,000 rows: lr 0.003 and 0.01 at batch 32 differ by less than the seeds move a run."""
    at = open_page(PAGE, g_batches=["32"], g_lrs=["0.003", "0.01"], g_epochs="5", **CLOSE)
    assert _best_rate_column(at) == ["tie: 0.003, 0.01"]
    assert "at batch 32 learning rates 0.003 and 0.01 tie" in whats_shown(at).lower()
    assert "the best learning rate is" not in whats_shown(at)


def test_a_clearly_better_rate_is_named():
    at = open_page(PAGE, g_batches=["32"], g_lrs=["0.0001", "0.01"], g_epochs="5", **CLEAR)
    assert _best_rate_column(at) == ["0.01"]
    assert "At batch 32 the best learning rate is 0.01" in whats_shown(at)


def test_changing_the_outcome():
    at = open_page(PAGE, **{**SMALL, "g_lrs": ["0.01", "10"], "g_batches": ["64", "256"]})
    at.selectbox(key="g_outcome").set_value("final_val_accuracy").run()
    assert not at.exception
    figure = heatmap(at)
    assert figure["data"][0]["name"] == "final validation accuracy"
    assert any(a["text"].endswith("%") for a in figure["layout"]["annotations"])
    at.selectbox(key="g_outcome").set_value("diverged").run()
    assert not at.exception
    texts = [a["text"] for a in heatmap(at)["layout"]["annotations"]]
    assert "✓" in texts and any(t.startswith("✕") for t in texts)


def test_changing_the_cells_looked_at():
    at = open_page(PAGE, **SMALL)
    at.radio(key="g_look").set_value("cell").run()
    at.selectbox(key="g_cb").set_value(64).run()
    at.selectbox(key="g_clr").set_value(0.01).run()
    assert not at.exception
    assert curve_names(at) == ["batch 64, lr 0.01"]
    shapes = heatmap(at)["layout"]["shapes"]
    # (64, 0.01) is row 1, column 1: its outline spans 0.5..1.5 on both axes
    assert any(s["line"].get("dash") == "dot" and s["x0"] == 0.5 and s["y0"] == 0.5 for s in shapes), shapes
    at.radio(key="g_look").set_value("column").run()
    assert not at.exception
    assert curve_names(at) == ["batch 16", "batch 64", "batch 256", "batch 320"]


def test_same_number_of_updates_and_link_parameters():
    at = open_page(PAGE, g_budget="updates", g_updates="100", g_lrs=["0.001", "0.1"], g_batches=["16", "1024"],
                   rows="500", seeds="1")
    table = tables(at)[0]
    assert list(table["epochs"]) == ["5", "100"]  # 100 updates: batch 16 makes 20 per epoch, batch 320 makes 1
    caption = " ".join(c.value for c in at.caption)  # (the findings no longer repeat the caption's passes)
    assert "Same weight updates" in caption and "batch 320 goes through the rows 100 times" in caption


def test_nothing_selected_is_a_message():
    at = open_page(PAGE, **SMALL)
    at.multiselect(key="g_lrs").set_value([]).run()
    assert not at.exception and not figures(at)
    assert any("Pick at least one" in i.value for i in at.info)


def test_batch_sizes_are_capped_to_a_small_training_set():
    at = open_page(PAGE, **{**SMALL, "g_lrs": ["0.01"]})
    at.sidebar.radio(key="data").set_value("breast_cancer").run()
    assert not at.exception, [e.value for e in at.exception]
    batch_sizes = list(tables(at)[0]["batch size"])
    assert batch_sizes == ["16", "64", "256", "364"]  # 1024 > the 364 training rows of breast cancer
    assert heatmap(at)["layout"]["yaxis"]["ticktext"][-1].startswith("364 (")


def test_a_diverging_cell_is_marked_on_the_heatmap_and_its_curve():
    at = open_page(PAGE, g_batches=["64"], g_lrs=["0.01", "10"], g_epochs="4", rows="500", seeds="2")
    assert "diverged" in [t.get("name") for t in heatmap(at)["data"]]
    assert "diverged on at least one seed (✕)" in whats_shown(at)
    assert [t["name"] for t in blowup_traces(curves(at))] == ["lr 10 blew up"]


def test_a_diverging_cell_is_drawn_to_the_end():
    at = open_page(PAGE, g_batches=["64"], g_lrs=["0.01", "10"], g_epochs="4", rows="500", seeds="2")
    assert list(series(curve(curves(at), "lr 10")["x"])) == [0, 1, 2, 3, 4]


def test_the_guide_caption_and_the_key_describe_what_is_drawn():
    """The newcomer's grid: no clear best cell, so no linear-scaling line and no caption about it; most rows have
    only dashed tie boxes, and the key says what each kind of box marks."""
    at = open_page(PAGE, rows="500", seeds="1", g_epochs="5", g_batches=["32", "128"], g_lrs=["0.001", "0.01", "0.1"])
    drawn = [t.get("name") for t in heatmap(at)["data"]]
    captions = " ".join(c.value for c in at.caption)
    assert ("linear scaling: lr ∝ batch" in drawn) == ("linear-scaling rule of thumb" in captions)
    subtitle = heatmap(at)["layout"]["title"]["text"]
    assert "best learning rate per batch size" not in subtitle
    assert ("a row's clear best learning rate" in subtitle) == ("best learning rate per batch size" in drawn)
    assert ("rates tied for best" in subtitle) == ("tied with the best" in drawn)
