"""Extreme settings give a clear result or a message, never a traceback.

Every control is bounded so the app stays responsive on Community Cloud (`dlviz.ui.sweep.fit_budget` trims a sweep
to the caps on rows seen and weight updates, with a notice by the controls naming what helps). Learning rates up to
10, batch sizes as large as the training set, a single value, no value, the fewest rows, a single epoch, the widest
and narrowest model, seed 0 and nonsense in a link all end in a chart or a message. A diverging run is a result,
not an error, drawn to its end as Keras reports it.

AppTest page tests first (a link opened straight on a page, as a shared URL would be), then the unit-level bounds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dlviz import settings
from dlviz.data import load_builtin
from dlviz.runs import (MAX_BATCH_SIZE, MAX_EPOCHS, MAX_HIDDEN_UNITS, MAX_LEARNING_RATE, MIN_LEARNING_RATE,
                        MAX_SEEDS, RunSpec, TrainingError)
from dlviz.text.format import format_lr
from dlviz.ui import sweep
from tests.support import TIMEOUT, figures, notices, open_page, tables, trace_names
from tests.support.pages import band_traces, blowup_traces, code_selector, curve, in_page_order, series, shows

FEWEST_ROWS = str(min(settings.ROW_CHOICES))  # 500 rows: 320 training rows
FEWEST_N_TRAIN = 320
SMALL = {"rows": FEWEST_ROWS, "seeds": "2"}
TRIM_ICON = ":material/content_cut:"
PAGES = {  # page: its epochs key, and small values for its other controls
    "epochs": ("epochs", {}),
    "batch_size": ("b_epochs", {"batches": ["32", "128"]}),
    "learning_rate": ("lr_epochs", {"lrs": ["0.01", "0.1"]}),
    "interplay": ("g_epochs", {"g_batches": ["64"], "g_lrs": ["0.01", "0.1"]}),
}


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def assert_no_message(at: AppTest) -> None:
    """Neither an error nor a warning anywhere on the page (main area and sidebar)."""
    assert not at.error and not at.warning, (texts(at.error), texts(at.warning))
    assert not at.sidebar.error and not at.sidebar.warning


def main_curves(at: AppTest) -> dict:
    """The page's sweep curves (on the grid page, the curves under the heatmap)."""
    return [f for f in figures(at) if not any(t.get("type") == "heatmap" for t in f["data"])][0]


def first_x(at: AppTest) -> list:
    return [int(x) for x in series(main_curves(at)["data"][0]["x"])]


# ---------------------------------------------------------------------------------------------------------------
# Learning rates up to 10: diverging runs are drawn as results


def test_learning_rate_10_alone_is_a_diverged_result():
    at = open_page("app_pages/learning_rate.py", lrs="10", lr_epochs="4", **SMALL)
    assert_no_message(at)
    assert at.multiselect(key="lrs").value == [10.0]
    figure = figures(at)[0]  # the sweep's chart; the page's sections draw theirs below it
    assert trace_names(figure)[0] == "lr 10"  # the legend holds the value; the verdict is in the text
    (cross,) = blowup_traces(figure)
    assert list(series(cross["x"])) == [1]  # ✕ where it blew up: epoch 1
    assert band_traces(figure)  # two seeds: bands
    assert "the run diverged" in shows(at)  # "What these runs show" says so in words
    assert code_selector(at).value == 10.0  # the lesson's code is still offered for it


def test_learning_rate_10_is_drawn_to_the_end_with_its_mark():
    """At lr 10 Keras keeps reporting every epoch (the network collapses to a constant guess): 4 epochs asked, 4
    drawn, the ✕ at epoch 1, and the text says what happened afterwards."""
    at = open_page("app_pages/learning_rate.py", lrs="10", lr_epochs="4", **SMALL)
    figure = figures(at)[0]  # the sweep's chart; the page's sections draw theirs below it
    assert list(series(curve(figure, "lr 10")["x"])) == [0, 1, 2, 3, 4]
    assert list(series(blowup_traces(figure)[0]["x"])) == [1]
    assert "afterwards" in shows(at).lower() or "NaN" in shows(at)  # what the network did after it blew up


def test_learning_rates_3_and_10_both_diverge_and_are_shown():
    at = open_page("app_pages/learning_rate.py", lrs=["3", "10"], lr_epochs="2", **SMALL)
    assert_no_message(at)
    figure = figures(at)[0]  # the sweep's chart; the page's sections draw theirs below it
    assert [n for n in trace_names(figure) if n.startswith("lr ")] == ["lr 3", "lr 10"]
    assert [t["name"] for t in blowup_traces(figure)] == ["lr 3 blew up", "lr 10 blew up"]
    for trace in figure["data"]:
        assert not np.isinf(series(trace.get("y")).astype(float)).any()  # NaN is a gap; never an infinite value
    text = shows(at)
    assert "At learning rate 3," in text and "At learning rate 10," in text


def test_every_offered_learning_rate_at_once_on_few_rows():
    """All 13 rates (1e-5 to 10) in one sweep: slow, good and diverging runs side by side."""
    rates = [format_lr(r) for r in settings.LEARNING_RATE_CHOICES]
    at = open_page("app_pages/learning_rate.py", lrs=rates, lr_epochs="2", rows=FEWEST_ROWS, seeds="1")
    assert_no_message(at)
    figure = figures(at)[0]
    names = [n for n in trace_names(figure) if n.startswith("lr ")]
    assert names == [f"lr {r}" for r in rates]
    crossed = [t["name"] for t in blowup_traces(figure)]
    assert "lr 10 blew up" in crossed
    assert not {"lr 0.00001 blew up", "lr 0.0001 blew up", "lr 0.01 blew up"} & set(crossed)


# ---------------------------------------------------------------------------------------------------------------
# Batch sizes: the whole training set, a single value, none


def test_whole_training_set_as_one_batch():
    at = open_page("app_pages/batch_size.py", batches="512", b_epochs="5", **SMALL)
    assert not at.error and not at.warning
    assert at.multiselect(key="batches").value == [512]
    assert f"the {FEWEST_N_TRAIN} training rows" in texts(at.info)  # it trains as the whole training set
    curves, per_update = figures(at)[:2]  # the sweep's curves, then the per-update chart (the noise charts follow)
    assert trace_names(curves)[0] == f"batch {FEWEST_N_TRAIN}"
    assert first_x(at) == list(range(6))
    table = tables(at)[0]
    assert list(table["batch size"]) == [str(FEWEST_N_TRAIN)]
    assert list(table["updates per epoch"]) == ["1"] and list(table["updates in total"]) == ["5"]
    assert per_update["data"]  # the per-update chart still has its 5 points


def test_a_single_batch_size():
    at = open_page("app_pages/batch_size.py", batches="8", b_epochs="2", **SMALL)
    assert_no_message(at)
    curves = figures(at)[0]
    assert [n for n in trace_names(curves) if n.startswith("batch")] == ["batch 8"]
    assert list(tables(at)[0]["updates per epoch"]) == ["40"]  # 320 rows / 8
    assert "How values are compared" not in texts(at.caption)  # one value: nothing to compare


def test_a_batch_size_larger_than_the_new_training_set_trains_as_the_whole_set_with_a_notice():
    """Batch 512 chosen on 1,000 rows (640 training rows), then rows cut to 500 (320): 512 trains as 320, and the
    control keeps the learner's choice."""
    at = open_page("app_pages/batch_size.py", batches=["8", "512"], b_epochs="2", rows="1000", seeds="1")
    assert list(tables(at)[0]["batch size"]) == ["8", "512"]
    at.sidebar.select_slider(key="rows").set_value(500).run()
    assert not at.exception
    assert at.multiselect(key="batches").value == [8, 512]
    assert "Batch size 512 is larger than the 320 training rows" in texts(at.info)
    assert list(tables(at)[0]["batch size"]) == ["8", "320"]


def test_no_batch_size_selected_is_a_message():
    at = open_page("app_pages/batch_size.py", b_epochs="2", **SMALL)
    assert figures(at)
    at.multiselect(key="batches").set_value([]).run()
    assert not at.exception and not figures(at) and not tables(at)
    assert "Pick at least one batch size to train." in texts(at.info)


# ---------------------------------------------------------------------------------------------------------------
# Rows and epochs at their ends, on every page


@pytest.mark.parametrize("page", list(PAGES))
def test_fewest_rows_on_every_page_with_bands(page):
    key, others = PAGES[page]
    at = open_page(f"app_pages/{page}.py", **{key: "3"}, **others, **SMALL)
    assert_no_message(at)
    assert at.sidebar.select_slider(key="rows").value == 500
    assert "500 rows" in texts(at.sidebar.caption)
    assert first_x(at)[-1] == 3
    assert band_traces(main_curves(at))  # two seeds: a min-max band per curve


@pytest.mark.parametrize("page", list(PAGES))
def test_a_single_epoch_on_every_page(page):
    key, others = PAGES[page]
    at = open_page(f"app_pages/{page}.py", **{key: "1"}, **others, **SMALL)
    assert_no_message(at)
    assert first_x(at) == [0, 1]  # the start and the one epoch


def test_epochs_300_on_all_10000_rows_is_within_the_caps():
    """The longest epochs-page run on the most rows trains untrimmed at the default 3 seeds (checked on the budget,
    not trained: 60,000 updates per seed)."""
    n_train = len(load_builtin("practice", max_rows=10_000).y_train)
    spec = RunSpec("any", epochs=300, batch_size=32)
    assert sweep.fit_budget([spec], n_train, settings.SEEDS.default) == ([spec], None)
    trimmed, message = sweep.fit_budget([spec], n_train, MAX_SEEDS)  # 5 seeds are too much: trimmed
    assert message and trimmed[0].epochs < 300


# ---------------------------------------------------------------------------------------------------------------
# The caps: a request beyond them is trimmed, with the notice next to the controls


@pytest.fixture
def small_caps(monkeypatch):
    """Caps small enough that a trimmed sweep trains in a moment (AppTest runs the app in this process)."""
    monkeypatch.setattr(sweep, "MAX_TOTAL_UPDATES", 600)
    monkeypatch.setattr(sweep, "MAX_SAMPLE_PASSES", 200_000)


TRIMS = [  # page, the link, the epochs control, what was asked (updates), the epochs trained
    ("epochs", {"epochs": "120"}, "epochs", "1,200", 60),  # 120 x 10 updates
    ("batch_size", {"batches": ["8", "16", "32"], "b_epochs": "20"}, "b_epochs", "1,400", 8),  # 20 x (40 + 20 + 10)
    ("learning_rate", {"lrs": ["0.01", "0.1"], "lr_epochs": "60"}, "lr_epochs", "1,200", 30),  # 2 x 60 x 10
    ("interplay", {"g_batches": ["64"], "g_lrs": ["0.01", "0.1"], "g_epochs": "120"}, "g_epochs", "1,200", 60),
]


@pytest.mark.parametrize("page, link, control, asked, epochs", TRIMS, ids=[t[0] for t in TRIMS])
def test_a_request_beyond_the_caps_is_trimmed_with_a_notice_by_the_controls(small_caps, page, link, control, asked,
                                                                           epochs):
    at = open_page(f"app_pages/{page}.py", **link, rows=FEWEST_ROWS, seeds="1")
    assert not at.error
    (warning,) = sweep_trim_notices(at)
    assert f"asks for {asked} weight updates (1 seed per value)" in warning.value
    assert "at most 600 updates and 200,000 rows seen" in warning.value
    assert f"trimmed to {epochs} epochs** (from {link[control]})" in warning.value
    # Next to the controls: after the control that asked for it, before the chart it trims.
    order = [id(node) for node in in_page_order(at)]
    slider = order.index(id(at.slider(key=control)))
    notice = order.index(id(warning))
    chart = min(order.index(id(c)) for c in at.get("plotly_chart"))
    assert slider < notice < chart
    # The runs are the trimmed ones; the control still shows the request, so the learner can change it.
    assert first_x(at)[-1] == epochs
    assert at.slider(key=control).value == int(link[control])


def sweep_trim_notices(at) -> list:
    """The trim notices above the page's first chart: the sweep's own (the batch page's fair-comparison section
    below its charts trains a learning-rate sweep per batch size, which the same caps can trim, with its own notice)."""
    order = [id(node) for node in in_page_order(at)]
    chart = min(order.index(id(c)) for c in at.get("plotly_chart"))
    return [w for w in at.warning if w.icon == TRIM_ICON and order.index(id(w)) < chart]


def test_shrinking_a_trimmed_request_trains_it_in_full(small_caps):
    at = open_page("app_pages/batch_size.py", batches=["8", "16", "32"], b_epochs="20", rows=FEWEST_ROWS, seeds="1")
    assert sweep_trim_notices(at)
    at.slider(key="b_epochs").set_value(3).run()
    assert not at.exception and not sweep_trim_notices(at)
    assert first_x(at)[-1] == 3


def test_more_seeds_trim_sooner(small_caps):
    at = open_page("app_pages/learning_rate.py", lrs=["0.01", "0.1"], lr_epochs="60", rows=FEWEST_ROWS, seeds="2")
    (warning,) = [w for w in at.warning if w.icon == TRIM_ICON]
    assert "(2 seeds per value)" in warning.value and "trimmed to 20 epochs" in warning.value  # 1,200 x 1.5 > 600


def test_fit_budget_keeps_the_sweep_within_the_caps():
    n_train = 6_400
    specs = [RunSpec("d", epochs=200, batch_size=b) for b in (8, 16, 32)]
    trimmed, message = sweep.fit_budget(specs, n_train)
    assert message and sweep.fit_budget(trimmed, n_train) == (trimmed, None)
    # 280,000 updates asked against 150,000: every run cut by the same factor, 200 -> 107 epochs
    assert {s.epochs for s in trimmed} == {107} and [s.batch_size for s in trimmed] == [8, 16, 32]
    assert sweep.fit_budget(specs[:1], 100) == (specs[:1], None)  # small sweeps are left alone
    # a wider model and more seeds count as more work, so they are trimmed sooner
    wide = [s.replace(hidden_units=512) for s in specs]
    assert max(s.epochs for s in sweep.fit_budget(wide, n_train)[0]) < 107
    assert max(s.epochs for s in sweep.fit_budget(specs, n_train, 3)[0]) < 107
    # when even one epoch per run is too much, nothing is trained and the message says why
    nothing, why = sweep.fit_budget([RunSpec("d", epochs=5, batch_size=1)] * 30, n_train)
    assert nothing == [] and "Even one epoch" in why


def test_work_at_the_caps():
    """Exactly at a cap is allowed; one epoch more is trimmed, the request named."""
    n_train = 1_000
    at_update_cap = [RunSpec("d", epochs=300, batch_size=10)] * 5  # 5 x 300 x 100 = 150,000 updates
    assert sweep.work(at_update_cap, n_train)[1] == sweep.MAX_TOTAL_UPDATES
    assert sweep.fit_budget(at_update_cap, n_train)[1] is None
    message = sweep.fit_budget(at_update_cap + [RunSpec("d", epochs=1, batch_size=10)], n_train)[1]
    assert message is not None and "150,100 weight updates" in message
    at_pass_cap = [RunSpec("d", epochs=400, batch_size=MAX_BATCH_SIZE)] * 10  # 4,000,000 rows seen, 4,000 updates
    assert sweep.work(at_pass_cap, n_train) == (sweep.MAX_SAMPLE_PASSES, 4_000)
    assert sweep.fit_budget(at_pass_cap, n_train)[1] is None
    more = at_pass_cap + [RunSpec("d", epochs=1, batch_size=MAX_BATCH_SIZE)]
    assert sweep.work(more, n_train) == (4_001_000, 4_001)  # few updates, but too many rows seen
    assert sweep.fit_budget(more, n_train)[1] is not None


# ---------------------------------------------------------------------------------------------------------------
# The model: narrowest, widest, seed 0


@pytest.mark.parametrize("hidden", [str(min(settings.HIDDEN_UNIT_CHOICES)), str(max(settings.HIDDEN_UNIT_CHOICES))])
def test_hidden_units_at_their_bounds(hidden):
    at = open_page("app_pages/learning_rate.py", hidden=hidden, lrs=["0.01", "1"], lr_epochs="2", rows=FEWEST_ROWS,
                   seeds="1")
    assert not at.error and not at.warning
    assert at.sidebar.select_slider(key="hidden").value == int(hidden)
    assert len([n for n in trace_names(figures(at)[0]) if n.startswith("lr ")]) == 2
    assert f"hidden units **{hidden}**" in texts(at.caption)
    at.session_state["lesson_tabs_learning_rate"] = "The code"
    at.run()
    assert f"Dense({hidden}" in texts(at.code)  # the lesson's code uses the chosen width


def test_seed_zero_is_a_seed_not_a_missing_value():
    at = open_page("app_pages/epochs.py", seed="0", epochs="3", rows=FEWEST_ROWS, seeds="1")
    assert_no_message(at)
    assert at.sidebar.slider(key="seed").value == 0
    assert "seeds **0**" in texts(at.caption)
    other = open_page("app_pages/epochs.py", seed="42", epochs="3", rows=FEWEST_ROWS, seeds="1")
    assert not np.array_equal(series(figures(at)[0]["data"][0]["y"]), series(figures(other)[0]["data"][0]["y"]))


def test_the_most_seeds_draw_a_band_and_every_seed_on_request():
    at = open_page("app_pages/learning_rate.py", lrs=["0.01"], lr_epochs="2", rows=FEWEST_ROWS,
                   seeds=str(MAX_SEEDS))
    assert "seeds **42, 43, 44, 45, 46**" in texts(at.caption)
    assert band_traces(figures(at)[0])
    at.sidebar.toggle(key="each_seed").set_value(True).run()
    assert not at.exception
    figure = figures(at)[0]
    assert not band_traces(figure)
    assert len([t for t in figure["data"] if (t.get("name") or "").startswith("lr 0.01 seed ")]) == 2 * 5


# ---------------------------------------------------------------------------------------------------------------
# Nonsense in a link: ignored with a notice, the default used (more kinds of values in test_pages.BAD_LINKS)


OUT_OF_RANGE = [  # page, key, the link's value(s), the control's default
    ("epochs", "epochs", "0", 100),
    ("epochs", "epochs", "99999", 100),
    ("learning_rate", "lrs", "-1", [1e-4, 1e-3, 1e-2, 0.1, 1.0]),
    ("learning_rate", "lr_epochs", "201", 20),
    ("learning_rate", "hidden", "100000", 64),
    ("learning_rate", "rows", "123", 4000),
    ("batch_size", "batches", "1e9", [8, 32, 128, 512]),
]


@pytest.mark.parametrize("page, key, raw, default", OUT_OF_RANGE, ids=[f"{k}={r}" for _, k, r, _ in OUT_OF_RANGE])
def test_out_of_range_link_values_fall_back_with_a_notice(page, key, raw, default):
    small = {"rows": FEWEST_ROWS, "seeds": "1", "epochs": "2", "lr_epochs": "2", "b_epochs": "2",
             "lrs": ["0.01"], "batches": ["64"]}
    small.pop(key, None)
    at = open_page(f"app_pages/{page}.py", **{key: raw}, **small)
    assert f"Ignored `{key}={raw}`" in notices(at) and "back at its default" in notices(at)
    assert not at.error
    where = at.sidebar if key in ("hidden", "rows") else at
    finder = {"hidden": where.select_slider, "rows": where.select_slider, "lrs": where.multiselect,
              "batches": where.multiselect, "epochs": where.slider, "lr_epochs": where.slider}[key]
    assert finder(key=key).value == default
    if key not in ("epochs", "rows"):  # (those defaults are long runs on many rows: not trained here)
        assert figures(at)  # the page still draws its chart with the default
    # The notice is shown once: the next run (any interaction) does not repeat it.
    at.run()
    assert f"Ignored `{key}={raw}`" not in notices(at)


def test_a_link_mixing_good_and_bad_values_shows_what_its_notice_says():
    """Streamlit's binding keeps a multiselect's usable link values and drops the rest: the notice names the dropped
    one and says the others are kept, and the control shows exactly those."""
    at = open_page("app_pages/learning_rate.py", lrs=["0.01", "100"], lr_epochs="2", rows=FEWEST_ROWS, seeds="1")
    assert "Ignored `lrs=100`" in notices(at) and "keeps the link's other values" in notices(at)
    assert at.multiselect(key="lrs").value == [0.01]


# ---------------------------------------------------------------------------------------------------------------
# Unit level: the engine and the bounds


@pytest.fixture(scope="module")
def data():
    return load_builtin("practice", max_rows=500)


def test_learning_rate_10_returns_a_diverged_history(data):
    from dlviz.engine.sweep import train_sweep

    base = RunSpec(data.fingerprint, epochs=4, learning_rate=0.01)
    reports = []
    good, wild = train_sweep(data, [base, base.replace(learning_rate=10.0)], reports.append)
    assert wild.diverged and wild.diverged_at == 1 and wild.complete
    assert wild.weights  # the model at the end is kept, like any result
    assert len(wild.update_loss) == wild.updates_per_epoch * wild.epochs_run
    assert not good.diverged and good.epochs_run == 4 and np.isfinite(good.loss).all()
    assert reports[-1].fraction == 1.0  # progress still reaches the end


def test_a_diverged_run_is_recorded_to_the_end(data):
    """`diverged_at` is the first bad epoch; the run goes on as model.fit would, unless its loss became NaN."""
    from dlviz.engine.sweep import train_sweep

    (wild,) = train_sweep(data, [RunSpec(data.fingerprint, epochs=4, learning_rate=10.0)])
    nan_at = getattr(wild, "nan_at", None)
    assert wild.diverged_at == 1
    assert wild.epochs_run == (wild.spec.epochs if nan_at is None else nan_at)
    if nan_at is None:
        assert all(math.isfinite(v) for v in wild.loss)


def test_a_batch_larger_than_the_training_set_makes_one_update_per_epoch(data):
    from dlviz.engine.sweep import train_sweep

    n_train = len(data.y_train)
    base = RunSpec(data.fingerprint, epochs=3)
    whole, larger = train_sweep(data, [base.replace(batch_size=n_train), base.replace(batch_size=10 * n_train)])
    assert larger.updates_per_epoch == 1 and larger.total_updates == 3
    # A batch larger than the data is the whole data: the very same run.
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "update_loss"):
        assert np.array_equal(getattr(whole, key), getattr(larger, key)), key
    (history,) = train_sweep(data, [base.replace(batch_size=MAX_BATCH_SIZE)])
    assert history.updates_per_epoch == 1 and history.epochs_run == 3


@pytest.mark.parametrize("changes, bound", [
    (dict(epochs=0), f"between 1 and {MAX_EPOCHS}"),
    (dict(epochs=MAX_EPOCHS + 1), f"between 1 and {MAX_EPOCHS}"),
    (dict(batch_size=0), f"between 1 and {MAX_BATCH_SIZE:,}"),
    (dict(batch_size=MAX_BATCH_SIZE + 1), f"between 1 and {MAX_BATCH_SIZE:,}"),
    (dict(learning_rate=0.0), f"between {MIN_LEARNING_RATE:g} and {MAX_LEARNING_RATE:g}"),
    (dict(learning_rate=-0.01), f"between {MIN_LEARNING_RATE:g} and {MAX_LEARNING_RATE:g}"),
    (dict(learning_rate=MAX_LEARNING_RATE * 10), f"between {MIN_LEARNING_RATE:g} and {MAX_LEARNING_RATE:g}"),
    (dict(learning_rate=float("nan")), f"between {MIN_LEARNING_RATE:g} and {MAX_LEARNING_RATE:g}"),
    (dict(learning_rate=float("inf")), f"between {MIN_LEARNING_RATE:g} and {MAX_LEARNING_RATE:g}"),
    (dict(hidden_units=0), f"between 1 and {MAX_HIDDEN_UNITS}"),
    (dict(hidden_units=MAX_HIDDEN_UNITS + 1), f"between 1 and {MAX_HIDDEN_UNITS}"),
])
def test_refusals_name_the_bound(data, changes, bound):
    from dlviz.engine.sweep import train_sweep

    spec = RunSpec(data.fingerprint, epochs=2).replace(**changes)
    with pytest.raises(TrainingError) as refused:
        spec.validate()
    assert bound in str(refused.value)
    field_name = next(iter(changes))
    assert {"epochs": "Epochs", "batch_size": "Batch size", "learning_rate": "Learning rate",
            "hidden_units": "Hidden units"}[field_name] in str(refused.value)
    with pytest.raises(TrainingError, match="must be between"):
        train_sweep(data, [RunSpec(data.fingerprint, epochs=2), spec])  # refused before anything trains


def test_the_bounds_themselves_are_accepted(data):
    for spec in (RunSpec(data.fingerprint, epochs=1, batch_size=1, learning_rate=MIN_LEARNING_RATE, hidden_units=1),
                 RunSpec(data.fingerprint, epochs=MAX_EPOCHS, batch_size=MAX_BATCH_SIZE,
                         learning_rate=MAX_LEARNING_RATE, hidden_units=MAX_HIDDEN_UNITS)):
        spec.validate()


def test_a_refused_training_request_in_the_ui_is_an_error_message_not_a_traceback():
    """`sweep.train` shows a `TrainingError` with `st.error` (no page can send one: the controls' bounds are tighter
    than the engine's, so this drives `train` directly)."""

    def script():
        import streamlit as st

        from dlviz.data import load_builtin
        from dlviz.ui import sweep
        from dlviz.ui.sidebar import Selection

        dataset = load_builtin("practice", max_rows=500)
        chosen = Selection(dataset, 64, 42, 1, True, False)
        result = sweep.train(chosen, [chosen.base_spec(epochs=2, learning_rate=1000.0)])
        st.write(f"result={result}")

    at = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Learning rate must be between" in texts(at.error)
    assert "result=None" in texts(at.markdown)
