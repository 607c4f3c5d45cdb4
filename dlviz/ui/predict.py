"""Predict first (issue 19): `gate(findings, context)` draws a sweep's questions before its curves, then the verdict
on each answer. The mode is a toggle kept in the URL (`settings.PREDICT`, off by default); answers live in the session
per sweep (keyed by its specs), so a new sweep asks again."""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from dlviz import settings
from dlviz.text.predictions import CANNOT_TELL, MULTISELECT, NUMBER, RADIO, RIGHT, SLIDER, WRONG, Context, Question
from dlviz.ui import controls, layout

_STATE = "dlviz_predict_"  # + sweep key: {"answers": {question key: answer}, "skipped": bool} once revealed
# A verdict's headline, and the box it is shown in.
_SHOWN = {RIGHT: ("Right.", st.success, ":material/check_circle:"),
          CANNOT_TELL: ("This run cannot tell.", st.info, ":material/balance:"),
          WRONG: ("Not quite.", st.error, ":material/cancel:")}


def toggle(where: Any = None) -> bool:
    """Draw the "Predict first" toggle (bound to `?predict=`) in `where` (default: the page); returns it."""
    return bool(controls.draw(settings.PREDICT, where))


def active() -> bool:
    """Is predict-first mode on? Before the toggle is drawn in this session, the link's `?predict=` decides."""
    return bool(controls.value(settings.PREDICT))


def hold_live_curves() -> bool:
    """Whether a sweep training now must not draw its growing curves (they would give the answers away)."""
    return active()


def _widget_key(context: Context, question: Question) -> str:
    return f"predict_{context.kind.name}_{context.key}_{question.key}"


def _ask(question: Question, context: Context) -> None:
    # (No Markdown ** in the prompt: it would be read out in the widget's accessible name.)
    label, common = question.prompt, dict(key=_widget_key(context, question), help=question.help or None)
    labels = dict(zip(question.options, question.labels))
    if question.widget == SLIDER:
        st.slider(label, question.low, question.high, value=question.default, **common)
    elif question.widget == RADIO:
        st.radio(label, question.options, index=None, horizontal=True, format_func=lambda o: labels[o], **common)
    elif question.widget == MULTISELECT:
        st.multiselect(label, question.options, format_func=lambda o: labels[o], placeholder="None of them", **common)
    elif question.widget == NUMBER:
        st.number_input(label, min_value=question.low, max_value=question.high, value=None, step=1,
                        placeholder="A whole number", **common)
    else:
        raise ValueError(f"unknown widget {question.widget!r} for question {question.key}")


def _reveal(context: Context, asked: tuple[Question, ...], skipped: bool) -> None:
    # A callback: the widgets' values are still in the session state here; they are gone once no longer drawn.
    answers = {} if skipped else {q.key: st.session_state.get(_widget_key(context, q)) for q in asked}
    st.session_state[_STATE + context.key] = {"answers": answers, "skipped": skipped}


def gate(findings: Any, context: Context, questions: Callable[[Context], list] | None = None) -> bool:
    """Draw the questions of this sweep until the learner reveals; returns whether the curves may be shown.

    Off (the default), or nothing to ask about this sweep: True at once. On: the questions, "Show the curves" and
    "just show me", and False, until one of the buttons is clicked; then True, with the verdict on each answer
    (`findings` is what the questions' checks read: the page's `SweepFindings`, the `Grid` on the interplay page).
    `questions` builds the questions from `context` (default: its kind's `questions`)."""
    if not active():
        return True
    asked = tuple((questions or context.kind.questions)(context))
    if not asked:
        return True
    revealed = st.session_state.get(_STATE + context.key)
    if revealed is None:
        st.subheader("Predict first")
        st.caption("The runs are ready. Commit to a prediction, then see the curves: each answer is checked "
                   "against these runs' own numbers.")
        for question in asked:
            _ask(question, context)
        left, right = st.columns([1, 3], vertical_alignment="center")
        left.button("Show the curves", type="primary", key=f"predict_show_{context.kind.name}_{context.key}",
                    on_click=_reveal, args=(context, asked, False))
        right.button("just show me", type="tertiary", key=f"predict_skip_{context.kind.name}_{context.key}",
                     on_click=_reveal, args=(context, asked, True))
        return False
    if not revealed["skipped"]:
        st.subheader("Your predictions")
        if layout.answers_hidden():  # each verdict quotes the runs' findings: they wait for the teacher too
            st.caption("Each answer is checked against these runs when the answers are revealed.")
            return True
        for number, question in enumerate(asked, start=1):
            answer = revealed["answers"].get(question.key)
            if answer is None:
                st.caption(f"{number}. {question.prompt} — not answered.")
                continue
            verdict = question.check(answer, findings, context)
            headline, show, icon = _SHOWN[verdict.kind]
            show(f"**{number}. {question.prompt}** {headline} {verdict.sentence}", icon=icon)
    return True
