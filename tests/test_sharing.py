"""Classroom features through AppTest: presenter mode, replay, downloads, links that cannot carry an upload."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from dlviz import defaults
from dlviz.runs import histories_frame
from tests.test_pages import APP, TIMEOUT, figures


def test_presenter_mode_from_the_link():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["present"] = "1"
    at.switch_page("pages/learning_rate.py").run()
    assert not at.exception
    assert at.sidebar.toggle(key="present").value is True
    assert any(e.label == "Settings" for e in at.expander)  # the controls are folded away
    assert figures(at)[0]["layout"]["font"]["size"] == 20
    assert any("font-size" in m.value for m in at.markdown)


def test_replay_redraws_and_ends_on_the_full_chart():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["epochs"] = "3"
    at.switch_page("pages/learning_rate.py").run()
    at.button(key="replay_learning_rate").click().run()
    assert not at.exception
    assert figures(at)[0]["data"][0]["x"][-1] == 3


def test_shared_upload_view_falls_back_to_practice_data():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["data"] = "upload"
    at.switch_page("pages/batch_size.py").run()
    assert not at.exception
    assert at.sidebar.radio(key="data").value == "practice"
    assert any("cannot travel in a link" in w.value for w in at.warning)
    assert figures(at)


def test_download_buttons_are_offered():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("pages/epochs.py").run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download runs (CSV)" in labels and "Download this dataset (CSV)" in labels


def test_runs_csv_is_tidy():
    from dlviz.training import train_sweep
    dataset = defaults.load_builtin("practice", max_rows=500)
    runs = train_sweep(dataset, defaults.learning_rate_specs(
        defaults.RunSpec(dataset.fingerprint), rates=(0.01, 10.0), epochs=3))
    frame = histories_frame(runs, ["lr 0.01", "lr 10"])
    assert list(frame.columns[:7]) == ["value", "epoch", "weight_updates", "loss", "accuracy", "val_loss",
                                       "val_accuracy"]
    assert len(frame[frame.value == "lr 0.01"]) == 4  # epochs 0..3
    assert frame[frame.value == "lr 10"]["diverged"].iloc[-1]
    assert frame.loc[0, "loss"] == runs[0].initial_loss
    json.dumps(frame.to_dict())  # plain data


def test_each_page_keeps_its_own_settings_when_the_visitor_moves_between_pages():
    """Pages share some keys (`epochs`) but not their meaning. Moving between pages gives each page the value it had,
    else its default: never the other page's control's, nor Streamlit's fallback for a key another page's widget
    holds (the slider's minimum, a one-epoch run)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["epochs"] = "3"
    at.switch_page("pages/learning_rate.py").run()
    assert at.slider(key="epochs").value == 3
    for page, epochs in [("batch_size", defaults.BATCH_PAGE_EPOCHS), ("epochs", defaults.EPOCHS_PAGE_EPOCHS),
                         ("learning_rate", 3), ("batch_size", defaults.BATCH_PAGE_EPOCHS)]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and not at.warning, page
        assert at.slider(key="epochs").value == epochs, page
        assert at.query_params["epochs"] == str(epochs), page
        assert figures(at)[0]["data"], page
