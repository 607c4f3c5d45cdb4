"""Classroom features through AppTest: presenter mode, links that cannot carry an upload, each page keeping its own
settings, tidy run downloads."""

from __future__ import annotations

import json

import pytest

from dlviz import defaults, kinds, settings
from dlviz.runs import RunSpec, histories_frame
from tests.support import figures, open_page

SMALL = {"rows": "500", "seeds": "1"}


def test_presenter_mode_from_the_link():
    at = open_page("app_pages/learning_rate.py", present="true", lr_epochs="2", **SMALL)
    assert at.sidebar.toggle(key="present").value is True
    assert any(e.label == "Settings" for e in at.expander)  # the controls are folded away
    assert figures(at)[0]["layout"]["font"]["size"] >= 16


def test_shared_upload_view_falls_back_to_practice_data():
    at = open_page("app_pages/batch_size.py", data="upload", b_epochs="2", **SMALL)
    assert at.sidebar.radio(key="data").value == "practice"
    assert any("cannot travel in a link" in w.value for w in at.warning)
    assert figures(at)


def test_runs_csv_is_tidy():
    from dlviz.engine.sweep import train_sweep
    dataset = defaults.load_builtin("practice", max_rows=500)
    runs = train_sweep(dataset, kinds.LEARNING_RATE.specs(RunSpec(dataset.fingerprint), (0.01, 10.0), 3))
    frame = histories_frame(runs, ["lr 0.01", "lr 10"])
    assert list(frame.columns[:7]) == ["value", "epoch", "weight_updates", "loss", "accuracy", "val_loss",
                                       "val_accuracy"]
    assert len(frame[frame.value == "lr 0.01"]) == 4  # epochs 0..3
    assert frame[frame.value == "lr 10"]["diverged"].iloc[-1]
    assert frame.loc[0, "loss"] == runs[0].initial_loss
    json.dumps(frame.to_dict())  # plain data


def test_each_page_keeps_its_own_settings_when_the_visitor_moves_between_pages():
    """Every page has its own keys: moving between pages gives each page the value it had, else its default."""
    at = open_page("app_pages/learning_rate.py", lr_epochs="3", **SMALL)
    at.slider(key="lr_epochs").set_value(4).run()
    # AppTest has no browser to write a changed value into the address bar (Streamlit's frontend does that); do it
    # here as the browser would, or the stale link value would be read again on the way back.
    at.query_params["lr_epochs"] = "4"
    for page, key, expected in [("batch_size", "b_epochs", settings.BATCH_EPOCHS.default),
                                ("epochs", "epochs", settings.EPOCHS.default), ("learning_rate", "lr_epochs", 4)]:
        if page == "batch_size":
            at.query_params["b_epochs"] = "2"  # keep the training short; the page must take it
            expected = 2
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception and not at.warning, page
        assert at.slider(key=key).value == expected, page
        assert figures(at)[0]["data"], page


def _widget_default(setting: settings.Setting):
    """What Streamlit's widget takes as its default when given none: a slider's lowest value, a select-slider's,
    radio's or selectbox's first choice, a toggle's off."""
    if setting.widget == "slider":
        return int(setting.low)
    if setting.widget in ("select_slider", "radio", "selectbox"):
        return setting.choices[0]
    if setting.widget == "toggle":
        return False
    return None


@pytest.mark.parametrize("page", [p for p in settings.PAGES if p.settings], ids=lambda p: p.url_path)
def test_a_link_keeps_values_equal_to_a_widgets_own_default(page):
    """Streamlit's binding leaves a value out of the URL when it equals the widget's default. A value that is not the
    setting's default but is the widget's own (a slider at its lowest: 1 seed, seed 0, 500 rows; a radio's first
    choice; a toggle off) must stay in the address bar after the page reruns, so that the link reopens it."""
    link = {}
    for setting in (*settings.SIDEBAR, *page.settings):
        edge = _widget_default(setting)
        if (edge is None or edge == setting.default or setting.key in ("present", "predict", "hide")
                or setting.default is None):  # the grid's cell pickers offer only the grid's own values
            continue
        link[setting.key] = setting.format(edge) if setting.widget != "slider" else str(edge)
        if setting.widget == "toggle":
            link[setting.key] = "false"
    link.update({k: v for k, v in SMALL.items() if k not in link})
    at = open_page(page.script, **link)
    at.run()  # a rerun: the session now holds every value
    assert not at.exception
    kept = dict(at.query_params)
    drawn = {w.key for kind in ("slider", "select_slider", "radio", "selectbox", "toggle")
             for w in getattr(at, kind) if w.key}
    lost = {k: v for k, v in link.items() if k in drawn and kept.get(k) != v}
    assert not lost, f"the address bar lost {lost} (it holds {kept})"
