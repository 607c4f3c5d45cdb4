"""The shared page of a one-setting sweep (batch size, learning rate, or any new `dlviz.kinds.Kind`): its controls,
the live and final curves, predict-first, the download, what the runs show and the lesson tabs. A page file calls
`draw(kind)` after its title and introduction, then appends its own sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from dlviz import charts
from dlviz.analysis import grid
from dlviz.analysis.sweeps import SweepFindings
from dlviz.runs import RunHistory, histories_frame
from dlviz.text import lessons
from dlviz.text.format import value_label
from dlviz.text.predictions import Context
from dlviz.ui import controls, layout, predict, sweep, teaching
from dlviz.ui.sidebar import Selection, selection


@dataclass(frozen=True)
class SweepPage:
    """What `draw` leaves for the page's own sections: the sidebar's choice, the chart options and the runs."""

    chosen: Selection
    values: list             # the swept values, sorted (capped at the training rows where the kind says so)
    epochs: int
    options: dict            # the controls by role: "metric", "x_axis", "log_x", "log_y", "budget"
    histories: list[RunHistory]
    found: SweepFindings

    @property
    def x_max(self) -> int:
        return max(h.spec.epochs for h in self.histories)


def _controls(kind: Any, chosen: Selection) -> tuple[list, int, dict]:
    """The kind's controls: its values on a row of their own (so that every chosen value shows), then epochs and the
    chart's options; the settings the page keeps fixed in one line."""
    with layout.controls():
        values = controls.draw(kind.values)
        roles = [("x_axis", kind.x_axis), ("metric", kind.metric), ("log_y", kind.log_y)]
        shown = [(role, setting) for role, setting in roles if setting is not None]
        columns = st.columns([3] + [2] * len(shown))
        epochs = controls.draw(kind.epochs, columns[0])
        options = {role: controls.draw(setting, column) for (role, setting), column in zip(shown, columns[1:])}
        if kind.log_x is not None:  # under the x-axis: a log scale only on the weight-updates axis
            updates = options.get("x_axis") == "updates"
            options["log_x"] = controls.draw(kind.log_x, columns[1], disabled=not updates) and updates
        if kind.budget is not None:  # under the epochs: what "the same" means for every value
            options["budget"] = controls.draw(kind.budget, columns[0])
        lesson = kind.specs(chosen.base_spec(), [kind.lesson_value])[0]
        fixed = {"batch size": lesson.batch_size, "learning rate": lesson.learning_rate,
                 "hidden units": lesson.hidden_units}
        fixed.pop(kind.noun, None)
        layout.fixed_settings(**fixed, seeds=", ".join(map(str, chosen.seeds)))
    return values, epochs, options


def _figure(kind: Any, chosen: Selection, options: dict, x_max: int, histories: list, marks: Any = None) -> Any:
    return charts.curves_figure(
        charts.group_runs(histories, lambda h: value_label(kind, kind.value_of(h))), marks=marks,
        metric=options.get("metric", "loss"), x_axis=options.get("x_axis", "epoch"),
        log_x=options.get("log_x", False), log_y=options.get("log_y", False), x_max=x_max,
        each_seed=chosen.each_seed, answers=not layout.answers_hidden(), presenter=layout.presenter())


def draw(kind: Any) -> SweepPage | None:
    """Draw the sweep of `kind` on the page: controls, training (stored runs at once, the rest live), predict-first,
    the final chart with its replay, the download, "What these runs show" and the lesson tabs.

    Args:
        kind: a one-setting `dlviz.kinds.Kind` (its `values`, `epochs` and chart controls are drawn).

    Returns:
        The page's `SweepPage` once the curves are shown; None when there is nothing to show (no value picked,
        training refused). While the learner is still predicting, the page stops here (`st.stop`).
    """
    chosen = selection()
    n_train = len(chosen.dataset.y_train)
    controls.check_link(kind.page.settings)
    controls.show_notices()
    values, epochs, options = _controls(kind, chosen)
    if kind.capped_by_rows:  # a value above the training rows means all of them: the same run as the rows
        too_big = [v for v in values if v > n_train]
        values = sorted({min(v, n_train) for v in values})
        if too_big:
            st.info(f"{kind.noun.capitalize()} {', '.join(f'{v:,}' for v in too_big)} is larger than the "
                    f"{n_train:,} training rows: one batch holds all of them, so it trains as {kind.noun} "
                    f"{n_train:,} (the whole training set).")
    values = sorted(values)
    budget = {"budget": options.get("budget", grid.SAME_EPOCHS), "n_train": n_train}
    specs = sweep.within_budget(chosen, kind.specs(chosen.base_spec(), values, epochs, **budget))
    if not specs:
        st.info(f"Pick at least one {kind.noun} to train." if not values else "Nothing to train at these settings.")
        return None
    x_max = max(s.epochs for s in specs)
    chart = layout.LiveChart(kind.name)
    histories = sweep.train(chosen, chosen.with_seeds(specs),
                            lambda partial: chart.show(_figure(kind, chosen, options, x_max, partial)))
    if not histories:
        return None
    found = kind.analyze(histories, standardized=chosen.standardized)
    if not predict.gate(found, Context.of(kind, histories, n_train)):
        st.stop()  # the learner is predicting: nothing below shows yet
    layout.final_chart(chart, _figure(kind, chosen, options, x_max, histories, teaching.chart_marks(found)),
                       max(h.epochs_run for h in histories))
    layout.download_runs(lambda: histories_frame(histories, [value_label(kind, kind.value_of(h)) for h in histories]),
                         kind.name)

    def code(value: Any) -> str:
        spec = next(h.spec for h in histories if kind.value_of(h) == value)  # as it trained (trim, budget)
        return lessons.lesson_code(spec.epochs, spec.batch_size, spec.learning_rate, spec.hidden_units,
                                   chosen.dataset.n_features, standardize=chosen.standardized)

    teaching.sweep_teaching(kind, found, code)
    return SweepPage(chosen, list(found.values), epochs, options, histories, found)
