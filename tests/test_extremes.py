"""Extreme settings give a clear result or a message, never a traceback.

Every control is bounded so the app stays responsive on Community Cloud (`dlviz.ui.work_check` caps rows seen and
weight updates per sweep, with a message naming the caps when a request is refused). Learning rates up to 10, batch
sizes as large as the training set, a single value, no value, the fewest rows, the widest and narrowest model, seed
0 and nonsense in a link all end in a chart or a message. A diverging run is a result, not an error.

AppTest page tests first (a link opened straight on a page, as a shared URL would be), then the unit-level bounds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dlviz import ui
from dlviz.data import load_builtin
from dlviz.runs import (MAX_BATCH_SIZE, MAX_EPOCHS, MAX_HIDDEN_UNITS, MAX_LEARNING_RATE, MIN_LEARNING_RATE,
                        RunSpec, TrainingError)
from tests.test_pages import APP, TIMEOUT, figures, page_charts, tables

SMALLEST_ROWS = str(min(ui.ROW_CHOICES))  # 500 rows: 320 training rows
SMALLEST_N_TRAIN = 320
CAP_MESSAGE = "dlviz allows up to"


def open_link(page: str, **query: str) -> AppTest:
    """Open `page` the way a shared link does: query parameters first, straight onto the page."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def legend_names(figure: dict) -> list[str]:
    return [t["name"] for t in figure["data"] if t.get("name") and t.get("showlegend", True)]


def assert_no_message(at: AppTest) -> None:
    """Neither an error nor a warning anywhere on the page (main area and sidebar)."""
    assert not at.error and not at.warning, (texts(at.error), texts(at.warning))
    assert not at.sidebar.error and not at.sidebar.warning


# ---------------------------------------------------------------------------------------------------------------
# Learning rates up to 10: diverging runs are drawn as results


def test_learning_rate_10_alone_is_a_diverged_result():
    at = open_link("learning_rate", lrs="10", rows=SMALLEST_ROWS)
    assert_no_message(at)
    assert at.multiselect(key="lrs").value == [10.0]
    (figure,) = figures(at)
    assert legend_names(figure)[0] == "lr 10 — diverged at epoch 1"
    assert any(t.get("marker", {}).get("symbol") == "x" for t in figure["data"])  # the divergence cross
    first = figure["data"][0]
    assert first["x"] == [0, 1]  # the run stops at the epoch it diverged
    assert "diverged" in texts(at.markdown)  # "What this run shows" says so in words
    assert at.selectbox(key="code_value").value == 10.0  # the lesson's code is still offered for it


def test_learning_rates_3_and_10_both_diverge_and_are_shown():
    at = open_link("learning_rate", lrs="3,10")
    assert_no_message(at)
    (figure,) = figures(at)
    assert [n for n in legend_names(figure) if n.startswith("lr ")] == ["lr 3 — diverged at epoch 1",
                                                                       "lr 10 — diverged at epoch 1"]
    for trace in figure["data"]:
        assert all(y is None or math.isfinite(y) for y in trace.get("y") or [])  # NaN/inf are gaps, not values


def test_every_offered_learning_rate_at_once_on_few_rows():
    """All 13 rates (1e-5 to 10) in one sweep: slow, good and diverging runs side by side."""
    from pages.learning_rate import CHOICES

    at = open_link("learning_rate", lrs=",".join(f"{r:g}" for r in CHOICES), epochs="3", rows=SMALLEST_ROWS)
    assert_no_message(at)
    names = [n for n in legend_names(figures(at)[0]) if n.startswith("lr ")]
    assert len(names) == len(CHOICES)
    assert "lr 10 — diverged at epoch 1" in names
    assert not any("diverged" in n for n in names if n.startswith(("lr 1e-05", "lr 0.0001 ")))


# ---------------------------------------------------------------------------------------------------------------
# Batch sizes: the whole training set, a single value


def test_whole_training_set_as_one_batch():
    at = open_link("batch_size", batches=str(SMALLEST_N_TRAIN), rows=SMALLEST_ROWS, epochs="5")
    assert_no_message(at)
    assert at.multiselect(key="batches").value == [SMALLEST_N_TRAIN]
    assert f"{SMALLEST_N_TRAIN} (whole training set)" in at.multiselect(key="batches").options
    curves, per_update = figures(at)
    assert legend_names(curves)[0].startswith(f"batch {SMALLEST_N_TRAIN}")
    assert curves["data"][0]["x"] == list(range(6))
    table = tables(at)[0]
    assert list(table["updates per epoch"]) == [1] and list(table["updates in total"]) == [5]
    assert per_update["data"]  # the per-update chart still has its 5 points


def test_a_single_batch_size():
    at = open_link("batch_size", batches="8", rows=SMALLEST_ROWS, epochs="3")
    assert_no_message(at)
    curves, _ = figures(at)
    assert [n for n in legend_names(curves) if n.startswith("batch")] == [legend_names(curves)[0]]
    assert list(tables(at)[0]["updates per epoch"]) == [40]  # 320 rows / 8


def test_a_batch_size_larger_than_the_new_training_set_becomes_the_whole_set_with_a_notice():
    """Batch 512 chosen on 4,000 rows, then rows cut to 500 (320 training rows): 512 becomes the whole set (320)."""
    at = open_link("batch_size", batches="512,8", epochs="3")
    at.sidebar.select_slider(key="rows").set_value(500).run()
    assert not at.exception
    assert at.multiselect(key="batches").value == [8, 320]
    assert "Batch size 512 is larger than the 320 training rows" in texts(at.warning)
    assert figures(at)


# ---------------------------------------------------------------------------------------------------------------
# No value selected


def test_no_learning_rate_in_the_link_is_a_message():
    at = open_link("learning_rate", lrs="")
    assert not page_charts(at)
    assert "Pick at least one value to train." in texts(at.info)


def test_no_batch_size_selected_is_a_message():
    at = open_link("batch_size", rows=SMALLEST_ROWS, epochs="2")
    assert figures(at)
    at.multiselect(key="batches").set_value([]).run()
    assert not at.exception and not page_charts(at) and not tables(at)
    assert "Pick at least one value to train." in texts(at.info)


# ---------------------------------------------------------------------------------------------------------------
# Rows: the fewest, and the most with the longest run


@pytest.mark.parametrize("page", ["epochs", "batch_size", "learning_rate"])
def test_fewest_rows_on_every_page(page):
    at = open_link(page, rows=SMALLEST_ROWS, epochs="5")
    assert_no_message(at)
    assert at.sidebar.select_slider(key="rows").value == 500
    assert "500 rows" in texts(at.sidebar.caption)
    assert figures(at) and figures(at)[0]["data"][0]["x"][-1] == 5


@pytest.mark.parametrize("page", ["epochs", "batch_size", "learning_rate"])
def test_a_single_epoch_on_every_page(page):
    at = open_link(page, rows=SMALLEST_ROWS, epochs="1")
    assert_no_message(at)
    assert figures(at)[0]["data"][0]["x"] == [0, 1]  # the start and the one epoch


def test_epochs_300_on_all_10000_rows_is_within_the_caps_and_trains():
    n_train = len(load_builtin("practice", max_rows=10_000).y_train)
    spec = RunSpec("any", epochs=300, batch_size=32)
    assert ui.work_check([spec], n_train) is None  # 60,000 updates, 1,920,000 rows seen
    at = open_link("epochs", epochs="300", rows="10000")
    assert_no_message(at)
    (figure,) = figures(at)
    assert figure["data"][0]["x"][-1] == 300
    stop = at.slider(key="stop").value  # the stop marker keeps its own default (100) within the 300 epochs
    assert any(m.label == f"Validation loss at epoch {stop}" for m in at.metric)


@pytest.fixture
def small_caps(monkeypatch):
    """Caps small enough that a trimmed sweep trains in a moment (AppTest runs the app in this process)."""
    monkeypatch.setattr(ui, "MAX_TOTAL_UPDATES", 3_000)
    monkeypatch.setattr(ui, "MAX_SAMPLE_PASSES", 200_000)


def test_a_request_beyond_the_caps_is_trimmed_with_the_caps_named(small_caps):
    at = open_link("batch_size", batches="8,16,32", epochs="200", rows=str(SMALLEST_ROWS))
    assert not at.exception and not at.error
    (warning,) = at.warning
    assert CAP_MESSAGE in warning.value
    assert "3,000 updates" in warning.value and "200,000 rows" in warning.value
    assert "14,000 weight updates" in warning.value  # 200 x (40 + 20 + 10) on 320 training rows: what was asked
    assert "trimmed to 42 epochs" in warning.value  # 3,000 / 70 updates per epoch, rounded down
    # The runs are the trimmed ones; the controls still show the request, so the user can change it.
    assert figures(at)[0]["data"][0]["x"][-1] == 42
    assert at.multiselect(key="batches").value == [8, 16, 32] and at.slider(key="epochs").value == 200


def test_trimming_keeps_the_sweep_within_the_caps():
    n_train = 6_400
    specs = [RunSpec("d", epochs=200, batch_size=b) for b in (8, 16, 32)]
    trimmed, message = ui.trim_to_budget(specs, n_train)
    assert message and ui.work_check(trimmed, n_train) is None
    assert {s.epochs for s in trimmed} == {107} and [s.batch_size for s in trimmed] == [8, 16, 32]
    assert ui.trim_to_budget(specs[:1], 100) == (specs[:1], None)  # small sweeps are left alone
    # a wider model counts as more work (it is slower), so it is trimmed sooner
    wide = [s.replace(hidden_units=512) for s in specs]
    assert max(s.epochs for s in ui.trim_to_budget(wide, n_train)[0]) < 107
    # when even one epoch per run is too much, nothing is trained and the message says why
    nothing, why = ui.trim_to_budget([RunSpec("d", epochs=5, batch_size=1)] * 30, n_train)
    assert nothing == [] and "Even one epoch" in why


def test_every_learning_rate_at_once_is_trimmed(small_caps):
    from pages.learning_rate import CHOICES

    at = open_link("learning_rate", lrs=",".join(f"{r:g}" for r in CHOICES), epochs="200", rows=str(SMALLEST_ROWS))
    assert not at.exception
    assert CAP_MESSAGE in texts(at.warning) and "trimmed to" in texts(at.warning)
    assert figures(at)


def test_shrinking_a_trimmed_request_trains_it_in_full(small_caps):
    at = open_link("batch_size", batches="8,16,32", epochs="200", rows=str(SMALLEST_ROWS))
    assert CAP_MESSAGE in texts(at.warning)
    at.slider(key="epochs").set_value(3).run()
    assert not at.exception and CAP_MESSAGE not in texts(at.warning)
    assert figures(at)[0]["data"][0]["x"][-1] == 3


# ---------------------------------------------------------------------------------------------------------------
# The model: narrowest, widest, seed 0


@pytest.mark.parametrize("hidden", ["1", "512"])
def test_hidden_units_at_their_bounds(hidden):
    at = open_link("learning_rate", hidden=hidden, lrs="0.01,1", epochs="3", rows=SMALLEST_ROWS)
    assert_no_message(at)
    assert at.sidebar.number_input(key="hidden").value == int(hidden)
    assert len([n for n in legend_names(figures(at)[0]) if n.startswith("lr ")]) == 2
    assert f"hidden units **{hidden}**" in texts(at.caption)
    at.session_state["lesson_tabs_learning_rate"] = "The code"
    at.run()
    assert f"Dense({hidden}" in texts(at.code)  # the lesson's code uses the chosen width


def test_seed_zero_is_a_seed_not_a_missing_value():
    at = open_link("epochs", seed="0", epochs="4", rows=SMALLEST_ROWS)
    assert_no_message(at)
    assert at.sidebar.number_input(key="seed").value == 0
    assert "seed **0**" in texts(at.caption)
    other = open_link("epochs", seed="42", epochs="4", rows=SMALLEST_ROWS)
    assert figures(at)[0]["data"][0]["y"] != figures(other)[0]["data"][0]["y"]


# ---------------------------------------------------------------------------------------------------------------
# Nonsense in a link: ignored with a notice, the default used


@pytest.mark.parametrize("page, key, raw, default", [
    ("epochs", "epochs", "0", 100),
    ("epochs", "epochs", "99999", 100),
    ("epochs", "stop", "-3", None),
    ("learning_rate", "lrs", "-1", [1e-4, 1e-3, 1e-2, 0.1, 1.0]),
    ("learning_rate", "lrs", "abc", [1e-4, 1e-3, 1e-2, 0.1, 1.0]),
    ("learning_rate", "lrs", "0.01,100", [1e-4, 1e-3, 1e-2, 0.1, 1.0]),
    ("learning_rate", "epochs", "201", 20),
    ("learning_rate", "hidden", "100000", 64),
    ("learning_rate", "hidden", "0", 64),
    ("learning_rate", "seed", "-1", 42),
    ("learning_rate", "rows", "123", 4000),
    ("batch_size", "batches", "7", [8, 32, 128]),
    ("batch_size", "batches", "8,nan", [8, 32, 128]),
    ("batch_size", "epochs", "1e9", 20),
])
def test_out_of_range_link_values_fall_back_with_a_notice(page, key, raw, default):
    at = open_link(page, **{"rows": SMALLEST_ROWS, "epochs": "3", key: raw})
    notices = texts(at.warning)
    assert f"Ignored `{key}={raw}`" in notices and "using the default" in notices
    assert not at.error
    if default is not None:
        widget = at.sidebar if key in ("hidden", "seed", "rows") else at
        finder = {"hidden": widget.number_input, "seed": widget.number_input, "rows": widget.select_slider,
                  "lrs": widget.multiselect, "batches": widget.multiselect, "epochs": widget.slider}[key]
        assert finder(key=key).value == default
    assert figures(at)  # the page still draws its chart with the default
    # The notice is shown once: the next run (any interaction) does not repeat it.
    at.run()
    assert f"Ignored `{key}={raw}`" not in texts(at.warning)


# ---------------------------------------------------------------------------------------------------------------
# Unit level: the engine and the bounds


@pytest.fixture(scope="module")
def data():
    return load_builtin("practice", max_rows=500)


def test_learning_rate_10_returns_a_diverged_history(data):
    from dlviz.training import train_sweep

    base = RunSpec(data.fingerprint, epochs=5, learning_rate=0.01)
    reports = []
    good, wild = train_sweep(data, [base, base.replace(learning_rate=10.0)], reports.append)
    assert wild.diverged and wild.diverged_at == 1 and wild.complete
    assert wild.epochs_run == wild.diverged_at  # the curves stop at the epoch it diverged
    assert len(wild.update_loss) == wild.updates_per_epoch * wild.diverged_at
    assert wild.weights  # the model at divergence is kept, like any result
    assert not good.diverged and good.epochs_run == 5 and np.isfinite(good.loss).all()
    assert reports[-1].fraction == 1.0  # progress still reaches the end although one lane stopped early


def test_a_batch_larger_than_the_training_set_makes_one_update_per_epoch(data):
    from dlviz.training import train_sweep

    n_train = len(data.y_train)
    base = RunSpec(data.fingerprint, epochs=4)
    whole, larger = train_sweep(data, [base.replace(batch_size=n_train), base.replace(batch_size=10 * n_train)])
    assert larger.updates_per_epoch == 1 and larger.total_updates == 4
    # A batch larger than the data is the whole data: the very same run.
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "update_loss"):
        assert np.array_equal(getattr(whole, key), getattr(larger, key)), key
    spec = base.replace(batch_size=MAX_BATCH_SIZE)
    (history,) = train_sweep(data, [spec])
    assert history.updates_per_epoch == 1 and history.epochs_run == 4


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
    from dlviz.training import train_sweep

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


def test_work_check_boundary():
    """Exactly at a cap is allowed; one epoch more is refused with both caps and the request named."""
    n_train = 1_000
    at_update_cap = [RunSpec("d", epochs=300, batch_size=10)] * 5  # 5 x 300 x 100 = 150,000 updates
    assert ui.work_check(at_update_cap, n_train) is None
    message = ui.work_check(at_update_cap + [RunSpec("d", epochs=1, batch_size=10)], n_train)
    assert message is not None and CAP_MESSAGE in message and "150,100 weight updates" in message
    at_pass_cap = [RunSpec("d", epochs=400, batch_size=MAX_BATCH_SIZE)] * 10  # 4,000,000 rows seen, 4,000 updates
    assert ui.work_check(at_pass_cap, n_train) is None
    message = ui.work_check(at_pass_cap + [RunSpec("d", epochs=1, batch_size=MAX_BATCH_SIZE)], n_train)
    assert message is not None and "4,001,000 rows seen" in message  # few updates, but too many rows seen


def test_a_refused_training_request_in_the_ui_is_an_error_message_not_a_traceback():
    """`ui.run_sweep` shows a `TrainingError` with `st.error` (no page can send one today: the controls' bounds are
    tighter than the engine's, so this drives `run_sweep` directly)."""

    def script():
        from dlviz import ui
        from dlviz.data import load_builtin

        dataset = load_builtin("practice", max_rows=500)
        chosen = ui.Selection(dataset, 64, 42)
        result = ui.run_sweep(chosen, [chosen.base_spec(epochs=2, learning_rate=1000.0)])
        ui.st.write(f"result={result}")

    at = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "Learning rate must be between" in texts(at.error)
    assert "result=None" in texts(at.markdown)
