"""Classroom features through AppTest: presenter mode, links that cannot carry an upload, each page keeping its own
settings, tidy run downloads."""

from __future__ import annotations

import json

from dlviz import defaults, settings
from dlviz.runs import RunSpec, histories_frame
from tests.support import figures, open_page

SMALL = {"rows": "500", "seeds": "1"}


def test_presenter_mode_from_the_link():
    at = open_page("pages/learning_rate.py", present="true", lr_epochs="2", **SMALL)
    assert at.sidebar.toggle(key="present").value is True
    assert any(e.label == "Settings" for e in at.expander)  # the controls are folded away
    assert figures(at)[0]["layout"]["font"]["size"] >= 16


def test_shared_upload_view_falls_back_to_practice_data():
    at = open_page("pages/batch_size.py", data="upload", b_epochs="2", **SMALL)
    assert at.sidebar.radio(key="data").value == "practice"
    assert any("cannot travel in a link" in w.value for w in at.warning)
    assert figures(at)


def test_runs_csv_is_tidy():
    from dlviz.training import train_sweep
    dataset = defaults.load_builtin("practice", max_rows=500)
    runs = train_sweep(dataset, defaults.learning_rate_specs(RunSpec(dataset.fingerprint), rates=(0.01, 10.0),
                                                             epochs=3))
    frame = histories_frame(runs, ["lr 0.01", "lr 10"])
    assert list(frame.columns[:7]) == ["value", "epoch", "weight_updates", "loss", "accuracy", "val_loss",
                                       "val_accuracy"]
    assert len(frame[frame.value == "lr 0.01"]) == 4  # epochs 0..3
    assert frame[frame.value == "lr 10"]["diverged"].iloc[-1]
    assert frame.loc[0, "loss"] == runs[0].initial_loss
    json.dumps(frame.to_dict())  # plain data


def test_each_page_keeps_its_own_settings_when_the_visitor_moves_between_pages():
    """Every page has its own keys: moving between pages gives each page the value it had, else its default."""
    at = open_page("pages/learning_rate.py", lr_epochs="3", **SMALL)
    at.slider(key="lr_epochs").set_value(4).run()
    for page, key, expected in [("batch_size", "b_epochs", settings.BATCH_EPOCHS.default),
                                ("epochs", "epochs", settings.EPOCHS.default), ("learning_rate", "lr_epochs", 4)]:
        if page == "batch_size":
            at.query_params["b_epochs"] = "2"  # keep the training short; the page must take it
            expected = 2
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and not at.warning, page
        assert at.slider(key=key).value == expected, page
        assert figures(at)[0]["data"], page
