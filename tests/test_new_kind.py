"""A new one-setting page is one `Kind` entry, its texts and its controls, nothing else: a hidden-units sweep is
defined here from the table's parts and drawn by the shared sweep page, with real training (a tiny one), its curves,
findings, the lesson's code and the quiz."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.support import TIMEOUT


def hidden_units_page() -> None:
    """The script AppTest runs: a Kind for hidden units, then `sweep_page.draw(kind)`."""
    from dlviz import kinds, settings
    from dlviz.analysis import sweeps
    from dlviz.runs import LESSON_HIDDEN_UNITS
    from dlviz.settings import Page, Setting
    from dlviz.text import lessons, predictions
    from dlviz.text.format import format_count, value_label
    from dlviz.ui import sweep_page

    units = Setting("t_units", "Hidden units", (4, 32), "multiselect", choices=settings.HIDDEN_UNIT_CHOICES)
    epochs = Setting("t_epochs", "Epochs", 3, "slider", low=1, high=20, step=1)

    def questions(context):
        return [predictions.Question(
            "lowest", "Which width will reach the lowest validation loss?", predictions.RADIO,
            predictions.check_lowest, options=context.values,
            labels=tuple(value_label(context.kind, v) for v in context.values))]

    width = kinds.Kind(
        Page("hidden_units.py", "Hidden units", ":material/hub:", "hidden_units", (units, epochs)), ("hidden_units",),
        prefix="units ", noun="hidden units", plural="widths", formatter=format_count,
        analyzer=sweeps.analyze_values, questions=questions, values=units, epochs=epochs,
        metric=settings.LR_METRIC, lesson_value=LESSON_HIDDEN_UNITS,
        look_for=("The width is how many units the hidden layer has.",),
        quiz=(lessons.Question("What does a wider hidden layer add?", ["Weights", "Rows"], 0,
                               lambda found: "More units: more weights to fit."),))
    sweep_page.draw(width)


def test_a_kind_defined_in_a_test_gets_the_whole_shared_page():
    at = AppTest.from_function(hidden_units_page, default_timeout=TIMEOUT)
    at.query_params.update({"rows": "500", "seeds": "1", "predict": "false"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # Curves: one legend entry per width, from real runs of those widths.
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {t.get("name") for t in figure["data"]}
    assert {"units 4", "units 32"} <= names, names
    # Findings: the ranking sentence speaks of widths, the comparison rule is there.
    assert "What these runs show" in [h.value for h in at.subheader]
    said = " ".join(m.value for m in at.markdown)
    assert "hidden units 4" in said or "hidden units 32" in said or "widths" in said, said  # the kind's nouns
    assert any(c.value.startswith("How values are compared") for c in at.caption)
    # The code: the lesson's code at the chosen width (the tab draws when opened).
    assert [s.label for s in at.selectbox] == ["Show the lesson's code for"]
    at.session_state["lesson_tabs_hidden_units"] = "The code"
    at.run()
    (code,) = at.code
    chosen = at.selectbox[0].value
    assert f"layers.Dense({chosen}, activation=\"relu\")" in code.value, code.value
    # The quiz: the kind's own question, answered, explained.
    (quiz,) = [r for r in at.radio if "wider hidden layer" in r.label]
    quiz.set_value("Weights").run()
    assert any("More units" in s.value for s in at.success)
