"""The teaching layer on a page: what the runs show, what to look for, the lesson's code, a quiz."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import streamlit as st

from dlviz.runs import RunHistory


def chart_marks(findings, histories: Sequence[RunHistory]) -> dict[str, list]:
    """Legend verdicts, best-epoch stars and shaded overfitting regions for `charts.curves_figure`."""
    from dlviz import diagnose

    values = findings.values
    verdicts, best, regions = [], [], []
    for value, history in zip(values, histories):
        verdicts.append(findings.verdict(value).split(" — ", 1)[-1])
        best_found = findings.get(diagnose.BEST_VAL_LOSS, value) or findings.get(diagnose.OVERFITTING, value)
        best.append(best_found.data["best_epoch"] if best_found and not history.diverged else None)
        overfit = findings.get(diagnose.OVERFITTING, value)
        regions.append((overfit.data["best_epoch"], overfit.data["end_epoch"]) if overfit else None)
    return {"verdicts": verdicts, "best_epochs": best, "overfit_regions": regions}


def what_this_run_shows(findings) -> None:
    st.subheader("What this run shows")
    sentences = findings.sentences()
    if not sentences:
        st.caption("Nothing stands out in these runs.")
    st.markdown("\n".join(f"- {sentence}" for sentence in sentences))


def sweep_teaching(page: str, findings, values: Sequence[Any], labels: Sequence[str],
                   code_for: Callable[[Any], str]) -> None:
    """'What this run shows', then the lesson tabs with the code for one value (the best run's by default)."""
    what_this_run_shows(findings)
    label_of = dict(zip(values, labels))
    best = findings.best_value
    # The selector's key names the best value: when another value becomes best, the selector starts again on it.
    value = st.selectbox("Show the lesson's code for", values, index=values.index(best) if best in values else 0,
                         key=f"code_value_{page}_{best}",
                         format_func=lambda v: label_of[v] + (" (best run)" if v == best else ""))
    lesson_tabs(page, findings, code_for(value))


def lesson_tabs(page: str, findings, code: str) -> None:
    """'What to look for', 'The code' and 'Check yourself', from `dlviz.lessons`, with this run's numbers."""
    from dlviz import lessons

    # Only the code tab is drawn lazily (when it is open): its highlighted code costs the browser another 1.5 MB of
    # JavaScript on a first visit. The quiz is always drawn, so that answers survive switching tabs.
    look, code_tab, quiz = st.tabs(["What to look for", "The code", "Check yourself"], key=f"lesson_tabs_{page}",
                                   on_change="rerun")
    with look:
        st.markdown("\n".join(f"- {line}" for line in lessons.WHAT_TO_LOOK_FOR[page]))
    with code_tab:
        st.caption("The lesson's Keras code with this page's settings: paste it into a notebook next to a CSV.")
        if code_tab.open:
            st.code(code, language="python")
    with quiz:
        for number, question in enumerate(lessons.QUIZ[page], start=1):
            choice = st.radio(f"**{number}. {question.prompt}**", question.options, index=None,
                              key=f"quiz_{page}_{number}")
            if choice is None:
                continue
            explanation = question.explain(findings)
            if question.options.index(choice) == question.answer:
                st.success(f"Right. {explanation}")
            else:
                st.error(f"Not quite — the answer is “{question.correct_option}”. {explanation}")


