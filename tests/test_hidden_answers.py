"""Presenter mode's "Hide the answers" (`?present=1&hide=1`) through AppTest, on every sweep page at its shipped
default sweep (no training): no mark, key, legend entry, hover, caption or sentence that states a finding until the
teacher presses "Reveal the answers"; the plain curves stay. Then the reveal brings the marks back."""

from __future__ import annotations

import pytest

from tests.support.pages import HIDDEN, page_text
from tests.support import figures, notices, open_page

# What states a finding on a chart: trace names (with points) and key words in a subtitle or cell label.
MARK_NAMES = (" blew up", " NaN", " best", " overfits", "overfitting", "lowest validation loss", "✕ diverged",
              "best learning rate per batch size", "tied with the best", "linear scaling")
KEY_WORDS = ("✕", "★", "☆", "hatched", "NaN", "best", "tied", "EarlyStopping", "dash-dot")


def marks_on(figure: dict) -> list[str]:
    """Every finding a figure states: named mark traces with points, hatched areas, cell labels with ✕, key words."""
    found = []
    for trace in figure["data"]:
        name = trace.get("name") or ""
        has_points = bool(trace.get("x")) and trace.get("x") != [None]
        if any(part in name for part in MARK_NAMES) and (has_points or trace.get("showlegend") is not False):
            found.append(name)
        if trace.get("fill") == "toself":
            found.append(f"hatched {name}")
    found += [a["text"] for a in figure["layout"].get("annotations", []) if "✕" in (a.get("text") or "")]
    key = figure["layout"].get("title", {}).get("subtitle", {}).get("text", "")
    found += [f"key: {word}" for word in KEY_WORDS if word in key]
    return found


# Words only a finding on that page uses (its "What to look for" tab names overfitting and EarlyStopping in general).
@pytest.mark.parametrize("page, finding_words", [
    ("app_pages/epochs.py",
     ("Star:", "Hatched", "Lowest validation loss", "Early stopping preview", "would stop after")),
    ("app_pages/learning_rate.py", ("the run diverged", "clearly best", "tie for the best", "better than every other")),
    ("app_pages/batch_size.py", ("final validation accuracy", "a bigger batch means fewer updates", "clearly best")),
    ("app_pages/interplay.py", ("best learning rate", "linear-scaling rule", "cells diverged")),
])
def test_hidden_answers_show_plain_curves_only_until_revealed(page, finding_words):
    at = open_page(page, **HIDDEN)
    charts = figures(at)
    assert charts and all(any(t.get("mode", "lines") == "lines" or t.get("type") == "heatmap"
                              for t in figure["data"]) for figure in charts)  # the plain curves stay
    for figure in charts:
        assert not marks_on(figure), (page, marks_on(figure))
    text = page_text(at)
    assert not [w for w in finding_words if w in text], (page, [w for w in finding_words if w in text])
    assert "The answers are hidden" in text

    at.button(key="reveal_hide").click().run()
    assert not at.exception
    revealed = [m for figure in figures(at) for m in marks_on(figure)]
    assert revealed, page  # each default sweep has something to mark: the reveal brings it back


def test_the_code_selector_does_not_start_on_the_best_value_while_hidden():
    # 0.03 is clearly best on the breast-cancer rows (beyond the spread of 2 seeds; on 500 practice rows none got
    # clearly below a constant guess's loss, so none is ranked); the lesson's 0.01 is not swept, so while the answers
    # are hidden the selector starts on the first value.
    at = open_page("app_pages/learning_rate.py", lrs=["0.00003", "0.001", "0.03"], lr_epochs="5", data="breast_cancer",
                   seeds="2", **HIDDEN)
    (box,) = [s for s in at.selectbox if s.label == "Show the lesson's code for"]
    assert box.value == 0.00003 and "clearly best" not in " ".join(box.options)
    at.button(key="reveal_hide").click().run()
    (box,) = [s for s in at.selectbox if s.label == "Show the lesson's code for"]
    assert box.value == 0.03  # revealed: the clear best, as before


def test_the_range_test_keeps_its_marks_and_suggestion_back_while_hidden():
    at = open_page("app_pages/learning_rate.py", **HIDDEN)
    at.toggle(key="lr_range_test").set_value(True).run()
    assert not at.exception
    chart = [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Learning-rate range test")][0]
    assert not any("suggested" in (t.get("name") or "") for t in chart["data"]) and not chart["layout"].get("shapes")
    assert not [b for b in at.button if b.label.startswith("Add learning rate")]
    assert "Suggested" not in page_text(at) and "**lr 2** (2/lr = 1)" not in page_text(at)  # nor the regimes

    at.button(key="reveal_hide").click().run()
    chart = [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Learning-rate range test")][0]
    names = [t.get("name") or "" for t in chart["data"]]
    assert any(n.startswith("suggested: lr ") for n in names), names
    assert "Suggested: between learning rate" in page_text(at) and "**lr 2** (2/lr = 1)" in page_text(at)


def test_the_grids_diverged_view_shows_no_divergence_while_hidden():
    at = open_page("app_pages/interplay.py", g_outcome="diverged or not", **HIDDEN)
    heatmap = figures(at)[0]
    assert not marks_on(heatmap)
    texts = {a["text"] for a in heatmap["layout"]["annotations"]}
    assert texts == {"✓"}  # every finished cell alike
    assert "Decide, then reveal" in heatmap["layout"]["title"]["text"]
    at.button(key="reveal_hide").click().run()
    assert any("✕" in a["text"] for a in figures(at)[0]["layout"]["annotations"])


def test_quiz_feedback_quotes_no_finding_while_hidden():
    """Issue 26, item 4: an answer to "Check yourself" said "lowest at epochs 5-15 (0.445) ... EarlyStopping would
    stop after 9-14" while the answers were hidden."""
    at = open_page("app_pages/epochs.py", **HIDDEN)
    quiz = at.radio(key="quiz_epochs_1")
    quiz.set_value(quiz.options[0]).run()
    (feedback,) = at.main.error
    assert "the answer is" in feedback.value and not any(ch.isdigit() for ch in feedback.value), feedback.value
    at.button(key="reveal_hide").click().run()
    assert any(ch.isdigit() for ch in at.main.error[0].value)  # revealed: the runs' own numbers


def test_predictions_are_checked_only_once_the_answers_are_revealed():
    at = open_page("app_pages/epochs.py", predict="true", **HIDDEN)
    answers = {"radio": lambda w: w.options[0], "slider": lambda w: w.value, "number_input": lambda w: w.min or 1}
    asked = [(w, answers[kind]) for kind in answers for w in getattr(at.main, kind)
             if (w.key or "").startswith("predict_")]
    assert asked
    for widget, answer in asked:  # an answer to every question
        widget.set_value(answer(widget))
    at.run()
    at.button(key=next(b.key for b in at.button if b.label == "Show the curves")).click().run()
    assert not at.exception
    verdicts = [e.value for kind in ("success", "error", "info") for e in getattr(at.main, kind)]
    assert not [v for v in verdicts if "Right." in v or "Not quite." in v or "cannot tell" in v], verdicts
    at.button(key="reveal_hide").click().run()
    assert [e.value for kind in ("success", "error", "info") for e in getattr(at.main, kind) if "1." in e.value]


def test_hide_in_a_link_without_presenter_mode_is_dropped_with_a_notice():
    at = open_page("app_pages/epochs.py", hide="true")
    assert "Ignored `hide=true`" in notices(at) and "presenter mode only" in notices(at)
    assert "hide" not in at.query_params  # the address bar no longer looks like a hidden view
    assert [m for figure in figures(at) for m in marks_on(figure)]  # and the answers are shown
