"""AppTest: every page opens, its controls follow the URL, a bad link falls back with a notice, changes retrain."""

from __future__ import annotations

import pytest

from dlviz import settings
from tests.support import array, curve, figures, notices, open_page, tables, trace_names

SMALL = {"rows": "500", "seeds": "2"}  # small runs: these tests check the pages, not the training


def test_home_page():
    at = open_page()
    assert "epochs, batch size and learning rate" in at.title[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "solid" in text.lower() and "dashed" in text.lower()
    assert at.sidebar.radio(key="data").value == "practice"
    # The home page links every page.
    assert {p.url_path for p in settings.PAGES[1:]} <= {link.proto.page for link in at.get("page_link")}


def test_epochs_page_follows_its_controls():
    at = open_page("app_pages/epochs.py", epochs="12", stop="5", **SMALL)
    assert at.slider(key="epochs").value == 12 and at.slider(key="stop").value == 5
    assert array(figures(at)[0]["data"][0], "x")[-1] == 12
    assert any(m.label == "Validation loss at epoch 5 of 12" for m in at.metric)
    at.slider(key="epochs").set_value(4).run()
    assert not at.exception
    assert array(figures(at)[0]["data"][0], "x")[-1] == 4
    assert at.slider(key="stop").value == 4  # clamped to the new run length
    assert any(m.label == "Validation loss at epoch 4 (the last)" for m in at.metric)
    at.slider(key="epochs").set_value(6).run()
    assert at.slider(key="stop").value == 6  # a stop at the end stays at the end


def test_batch_size_page_counts_updates():
    at = open_page("app_pages/batch_size.py", b_epochs="2", **SMALL)
    table = tables(at)[0]
    assert list(table["batch size"]) == ["8", "32", "128", "320"]  # 512 > the 320 training rows: all of them
    assert list(table["updates per epoch"]) == ["40", "10", "3", "1"]  # 320 training rows
    at.radio(key="b_x").set_value("updates").run()
    assert not at.exception


def test_batch_sizes_larger_than_the_data_train_as_the_whole_set_and_come_back():
    """A small dataset turns a too-large batch into the whole training set without changing the control: back on
    the practice data, the page's batch sizes are the ones the learner chose."""
    at = open_page("app_pages/batch_size.py", b_epochs="2", batches=["8", "512"], **{**SMALL, "rows": "1000"})
    at.sidebar.radio(key="data").set_value("breast_cancer").run()
    assert not at.exception
    assert at.multiselect(key="batches").value == [8, 512]
    assert any("364 training rows" in i.value for i in at.info)
    at.sidebar.radio(key="data").set_value("practice").run()
    assert at.multiselect(key="batches").value == [8, 512]
    assert list(tables(at)[0]["batch size"]) == ["8", "512"]


def test_learning_rate_page_follows_the_link():
    at = open_page("app_pages/learning_rate.py", lrs=["0.001", "0.1"], lr_epochs="3", **SMALL)
    assert at.multiselect(key="lrs").value == [0.001, 0.1]
    assert array(curve(figures(at)[0], "lr 0.1"), "x")[-1] == 3
    names = trace_names(figures(at)[0])
    assert any(n.startswith("lr 0.001") for n in names) and any(n.startswith("lr 0.1") for n in names)


def test_no_value_selected_is_a_message_not_an_error():
    at = open_page("app_pages/learning_rate.py", lr_epochs="2", **SMALL)
    at.multiselect(key="lrs").set_value([]).run()
    # No sweep chart; the "why big steps oscillate" section has rates of its own and stays.
    assert not at.exception and all(f["layout"]["title"]["text"].startswith(("Full-batch", "One valley"))
                                    for f in figures(at))
    assert any("Pick at least one" in i.value for i in at.info)


def test_switching_dataset_trains_on_it():
    at = open_page("app_pages/batch_size.py", b_epochs="2", **SMALL)
    at.sidebar.radio(key="data").set_value("breast_cancer").run()
    assert not at.exception
    assert "569 rows" in " ".join(c.value for c in at.sidebar.caption)
    assert figures(at)


BAD_LINKS = [
    # (key, value(s), the page): huge, infinite, negative, non-numeric and repeated values of every kind of control
    ("seed", "1e999", None), ("seed", "9" * 400, None), ("seed", "-5", None), ("seed", "abc", None),
    ("seed", ["1", "2"], None), ("seeds", "inf", None), ("seeds", "0", None), ("rows", "7", None),
    ("rows", "nan", None), ("hidden", "1e309", None), ("std", "maybe", None), ("data", "mine", None),
    ("present", ["1", "0"], None),
    ("epochs", "1e999", "app_pages/epochs.py"), ("stop", "-1", "app_pages/epochs.py"),
    ("patience", "x", "app_pages/epochs.py"),
    ("batches", "7", "app_pages/batch_size.py"), ("b_epochs", "1e999", "app_pages/batch_size.py"),
    ("b_x", "time", "app_pages/batch_size.py"), ("lrs", "0.5", "app_pages/learning_rate.py"),
    ("lr_epochs", "9" * 400, "app_pages/learning_rate.py"), ("lr_logy", "2", "app_pages/learning_rate.py"),
    ("g_epochs", ["3", "4"], "app_pages/interplay.py"), ("g_outcome", "best", "app_pages/interplay.py"),
]


@pytest.mark.parametrize("key, value, page", BAD_LINKS, ids=[f"{k}={str(v)[:12]}" for k, v, _ in BAD_LINKS])
def test_a_bad_link_value_falls_back_with_a_notice(key, value, page):
    small = {k: v for k, v in {**SMALL, "lr_epochs": "2", "b_epochs": "2", "epochs": "2", "g_epochs": "2",
                               "g_lrs": ["0.01", "0.1"], "g_batches": ["64"]}.items() if k != key}
    at = open_page(page, **{key: value}, **small)
    assert not at.exception
    assert f"`{key}=" in notices(at), notices(at)
    setting = next(s for s in settings.every_setting() if s.key == key)
    widget = at.get(setting.widget if setting.widget != "toggle" else "toggle")
    shown = [w.value for w in widget if getattr(w, "key", None) == key]
    default = list(setting.default) if isinstance(setting.default, tuple) else setting.default
    if key == "stop":
        default = 2  # the default, 100, clamped to the run's 2 epochs
    assert shown == [default], (key, shown)


def test_repeated_values_of_a_list_are_all_used():
    at = open_page("app_pages/learning_rate.py", lrs=["0.01", "1", "0.01"], lr_epochs="2", **SMALL)
    assert at.multiselect(key="lrs").value == [0.01, 1.0]
    assert "repeats a value of `lrs`" in notices(at)


def test_learning_rate_range_test_adds_its_suggestion_to_the_sweep():
    at = open_page("app_pages/learning_rate.py", lr_epochs="2", lrs=["10"], **SMALL)  # 10 is never the suggestion
    at.toggle(key="lr_range_test").set_value(True).run()
    assert not at.exception
    assert figures(at)[-1]["layout"]["xaxis"]["type"] == "log"
    (add,) = [b for b in at.button if b.label.startswith("Add learning rate")]
    offered = [float(r) for r in add.label.removeprefix("Add learning rate ").removesuffix(" to the sweep").split(", ")]
    captions = " ".join(c.value for c in at.caption)
    low, high = (float(w) for w in captions.split("Suggested: between learning rate ")[1].split()[:3:2])
    assert all(low <= r <= high for r in offered) or len(offered) == 1  # the choices inside the seeds' interval
    add.click().run()
    assert not at.exception
    assert set(offered) <= set(at.multiselect(key="lrs").value)


def test_downloads_are_made_on_click_without_a_rerun():
    """A download that reruns the page gives every deferred download a new id; a second download clicked while that
    rerun is on its way asks for an id the server has dropped, and nothing happens."""
    small = {**SMALL, "epochs": "2", "b_epochs": "2", "lr_epochs": "2", "g_epochs": "2", "g_lrs": ["0.01"],
             "g_batches": ["64"]}
    for page in [None] + [p.script for p in settings.PAGES[1:]]:
        buttons = open_page(page, **small).get("download_button")
        assert len(buttons) >= (1 if page is None else 2), page  # the dataset's, and the runs' on a chart page
        for button in buttons:
            assert button.proto.ignore_rerun and button.proto.deferred_file_id, (page, button.proto.label)


HOSTILE = ["1e999", "-1e999", "inf", "-inf", "nan", "9" * 400, "-5", "abc", "", "0x10"]


@pytest.mark.parametrize("setting", [s for s in settings.every_setting() if s.widget != "multiselect" or s.choices],
                         ids=lambda s: s.key)
def test_every_setting_refuses_hostile_link_values_with_a_reason(setting):
    """Every query parameter of every page and the sidebar: huge, infinite, negative, non-numeric and repeated
    values are refused with a LinkError the notice quotes (never an OverflowError or a traceback), or, where a value
    happens to be valid for that control, read as such."""
    for text in HOSTILE:
        try:
            value = setting.parse([text])
        except settings.LinkError as exc:
            assert str(exc)
            continue
        assert setting.parse([setting.format(value) if not isinstance(value, bool) else text]) == value
    if setting.widget != "multiselect":
        with pytest.raises(settings.LinkError, match="times"):
            setting.parse(["1", "2"])
    else:
        assert setting.parse([setting.format(setting.choices[0])] * 2) == [setting.choices[0]]
