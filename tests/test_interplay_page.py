"""AppTest: the batch size x learning rate page opens at its defaults, shows the heatmap and what it shows, and
follows changes of the outcome, the budget and the cells looked at."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_pages import figures, tables
from tests.test_teaching import page

PAGE = "pages/interplay.py"


def open_page(**query) -> AppTest:
    return page(PAGE, **query)


def heatmap(at: AppTest) -> dict:
    (figure,) = [f for f in figures(at) if any(t.get("type") == "heatmap" for t in f["data"])]
    return figure


def curve_names(at: AppTest) -> list[str]:
    (figure,) = [f for f in figures(at) if not any(t.get("type") == "heatmap" for t in f["data"])]
    return [t["name"] for t in figure["data"] if t.get("name") and t.get("showlegend", True)
            and t["name"] not in ("training", "validation")]


def test_opens_at_defaults_with_heatmap_findings_and_curves():
    at = open_page()
    assert "Batch size × learning rate" in at.title[0].value
    figure = heatmap(at)
    scores = figure["data"][0]
    assert len(scores["z"]) == 4 and all(len(row) == 9 for row in scores["z"])  # 4 batch sizes x 9 learning rates
    assert figure["layout"]["yaxis"]["ticktext"][0].startswith("16 (3,200 updates)")
    assert figure["layout"]["xaxis"]["ticktext"] == ["0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1",
                                                     "0.3", "1"]
    names = [t.get("name") or "" for t in figure["data"]]
    assert "best learning rate per batch size" in names and any("linear scaling" in n for n in names)
    assert "diverged" in names  # the practice data's lr 1 diverges
    text = " ".join(m.value for m in at.markdown)
    assert "At batch 16 the best learning rate is" in text and "at batch 1024 it is" in text
    assert "Goyal" in " ".join(c.value for c in at.caption)
    table = tables(at)[0]
    assert list(table["batch size"]) == [16, 64, 256, 1024]
    assert list(table["weight updates"]) == [3200, 800, 200, 60]  # 20 epochs of 2,560 rows
    # Below: the best cell's row, one curve per learning rate.
    assert curve_names(at)[:2] == ["lr 0.0001", "lr 0.0003"] and len(curve_names(at)) == 9


def test_the_defaults_show_the_best_learning_rate_moving_up_with_the_batch():
    at = open_page()
    table = tables(at)[0]
    best = [float(v) for v in table["best learning rate"]]
    assert best[-1] > best[0] and best == sorted(best), best


def test_changing_the_outcome():
    at = open_page()
    at.selectbox(key="outcome").set_value("final_val_accuracy").run()
    assert not at.exception
    figure = heatmap(at)
    assert figure["data"][0]["name"] == "final validation accuracy"
    assert any(a["text"].endswith("%") for a in figure["layout"]["annotations"])
    at.selectbox(key="outcome").set_value("diverged").run()
    assert not at.exception
    figure = heatmap(at)
    texts = [a["text"] for a in figure["layout"]["annotations"]]
    assert "✓" in texts and any(t.startswith("✕") for t in texts)


def test_changing_the_cells_looked_at():
    at = open_page()
    at.radio(key="look").set_value("cell").run()
    at.selectbox(key="cb").set_value(64).run()
    at.selectbox(key="clr").set_value(0.01).run()
    assert not at.exception
    assert curve_names(at) == ["batch 64, lr 0.01"]
    shapes = heatmap(at)["layout"]["shapes"]
    assert any(s["line"].get("dash") == "dot" and s["x0"] == 3.5 and s["y0"] == 0.5 for s in shapes)  # (64, 0.01)
    at.radio(key="look").set_value("column").run()
    assert not at.exception
    assert curve_names(at) == ["batch 16", "batch 64", "batch 256", "batch 1024"]


def test_same_number_of_updates_and_link_parameters():
    at = open_page(budget="updates", gupdates="100", glrs="0.001,0.1", gbatches="16,1024")
    table = tables(at)[0]
    assert list(table["epochs"]) == [1, 33]  # 100 updates: batch 16 makes 160 per epoch, batch 1024 makes 3
    assert "Same weight updates" in " ".join(c.value for c in at.caption)
    assert any("went through the training rows 33 times" in m.value for m in at.markdown)


def test_nothing_selected_is_a_message():
    at = open_page()
    at.multiselect(key="glrs").set_value([]).run()
    assert not at.exception
    assert any("Pick at least one" in i.value for i in at.info)


def test_batch_sizes_are_capped_to_a_small_training_set():
    at = open_page()
    at.sidebar.radio(key="data").set_value("breast_cancer").run()
    assert not at.exception, [e.value for e in at.exception]
    n_train = int(tables(at)[0]["batch size"][-1])
    assert list(tables(at)[0]["batch size"]) == [16, 64, 256, n_train] and n_train < 1024
    assert heatmap(at)["layout"]["yaxis"]["ticktext"][-1].startswith(f"{n_train} (")
