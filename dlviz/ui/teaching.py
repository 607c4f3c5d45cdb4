"""The teaching layer on a page: what the runs show (with the comparison rule), the lesson's code for a chosen value,
what to look for, and a quiz whose explanations quote this run's numbers."""

from __future__ import annotations

from typing import Any, Sequence

import streamlit as st

from dlviz.analysis.sweeps import BEST, TIED_BEST, SweepFindings
from dlviz.charts import Marks
from dlviz.text import findings as text
from dlviz.text.format import value_label
from dlviz.text.seeds import on_every_seed
from dlviz.ui import layout


def what_this_run_shows(findings: SweepFindings) -> None:
    """'What this run shows': one sentence per finding, then the rule every comparison on the page follows."""
    st.subheader("What these runs show")
    if layout.answers_hidden():
        layout.reveal_answers()
        return
    sentences = text.sentences(findings) + [s for s in [text.validation_below_sentence(findings)] if s]
    if sentences:
        st.markdown("\n".join(f"- {sentence}" for sentence in sentences))
    else:
        st.caption("Nothing stands out in these runs.")
    if len(findings.values) > 1:
        st.caption(f"How values are compared: {text.COMPARISON_RULE}")


def code_selector(kind: Any, findings: SweepFindings) -> Any:
    """A select box of the swept values for the lesson's code: the best value when one is clearly best, else the
    lesson's own value (or the first). Its key names that default, so a change of best value starts it again."""
    values = list(findings.values)
    hidden = layout.answers_hidden()  # then the first choice must not point at the best value either
    default = kind.lesson_value if hidden else findings.code_value(kind.lesson_value)
    default = default if default in values else values[0]
    best = None if hidden else findings.best_value
    return st.selectbox("Show the lesson's code for", values, index=values.index(default),
                        key=f"code_value_{kind.name}_{default}",
                        format_func=lambda v: value_label(kind, v) + (" (clearly best)" if v == best else ""))


def lesson_tabs(kind: Any, findings: SweepFindings, code: str) -> None:
    """'What to look for', 'The code' and 'Check yourself' (the kind's texts), with this run's numbers."""
    # The code tab is drawn only when open (its highlighter is a large download for a first visit); the quiz is always
    # drawn, so that answers survive switching tabs.
    look, code_tab, quiz = st.tabs(["What to look for", "The code", "Check yourself"], key=f"lesson_tabs_{kind.name}",
                                   on_change="rerun")
    with look:
        st.markdown("\n".join(f"- {line}" for line in kind.look_for))
    with code_tab:
        st.caption("The lesson's Keras code with this page's settings: save the page's dataset (sidebar) as "
                   "`data.csv` beside it and run it. It sets no seed, so its curves vary like the page's seeds do.")
        if code_tab.open:
            st.code(code, language="python")
    with quiz:
        check_yourself(kind.name, kind.quiz, findings)


def check_yourself(name: str, questions: Sequence[Any], findings: Any) -> None:
    """Multiple-choice questions (`lessons.Question`), each checked when answered, `explain(findings)` quoting the
    runs; widget keys start with `quiz_{name}`."""
    for number, question in enumerate(questions, start=1):
        choice = st.radio(f"{number}. {question.prompt}", question.options, index=None,
                          key=f"quiz_{name}_{number}")
        if choice is None:
            continue
        # While a teacher hides the answers, the explanation (which quotes these runs' findings) waits too.
        explanation = ("These runs' numbers follow when the answers are revealed." if layout.answers_hidden()
                       else question.explain(findings))
        if question.options.index(choice) == question.answer:
            st.success(f"Right. {explanation}")
        else:
            st.error(f"Not quite: the answer is “{question.correct_option}”. {explanation}")


def epochs_chart_caption(figure: Any, updates_per_epoch: int, n_seeds: int) -> str:
    """What the epochs chart's (`charts.epochs_figure`) lines and marks mean: only those it draws, read from the
    figure itself (no star, hatching or EarlyStopping line while a teacher hides the answers, or when the runs have
    none to show). With one seed (`n_seeds` runs drawn) it speaks of the run, never of seeds."""
    parts = ["Dotted line: your stop epoch E."]
    if any(t.name == "lowest validation loss" and t.x is not None and len(t.x) for t in figure.data):
        parts.append(f"Star: the lowest validation loss ({text.statistic_label(n_seeds)}).")
    if any(t.fill == "toself" for t in figure.data):
        parts.append("Hatched, between the curves: overfitting (validation loss above its best while training loss "
                     f"keeps falling, {on_every_seed(n_seeds)}).")
    if any(shape.line.dash == "dashdot" for shape in figure.layout.shapes):
        parts.append("Dash-dot line: the earliest epoch where EarlyStopping would stop.")
    return " ".join(parts + [f"{updates_per_epoch:,} weight updates per epoch."])


def chart_marks(findings: SweepFindings) -> dict | None:
    """The findings' marks per chart label (`value_label`): a star at the lowest (smoothed, seed-mean) validation
    loss of the value that is clearly best (filled) or of each value that ties for best (hollow), and the overfitting
    region where every seed overfits. A value that diverged on any seed gets neither. None while a teacher hides the
    answers."""
    if layout.answers_hidden():
        return None
    marks = {}
    for v in findings.per_value:
        ranked = BEST in v.verdicts or TIED_BEST in v.verdicts or len(findings.per_value) == 1
        marks[value_label(findings.kind, v.value)] = Marks(
            best_epoch=v.best_epoch if ranked and not v.diverged_seeds else None,
            overfit=None if v.diverged_seeds else v.overfit_region, tied=TIED_BEST in v.verdicts,
            best_value=v.score.mean)
    return marks
