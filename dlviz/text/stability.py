"""Sentences for the "why big steps oscillate" section: one per full-batch run, every number from its `Regime`."""

from __future__ import annotations

from typing import Sequence

from dlviz.analysis.stability import ABOVE, BELOW, CATAPULT, EDGE, Regime
from dlviz.text.format import format_count, format_loss, format_lr, format_percent
from dlviz.text.lessons import Question as QuizQuestion
from dlviz.text.predictions import MULTISELECT, RIGHT, WRONG, Context, Question, Verdict


def _sharp(value: float) -> str:
    """A sharpness: 3 significant digits, thousands separated ("1.58", "3,581")."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def regime_sentence(regime: Regime, adam: bool = False) -> str:
    """One run in a sentence: "lr 1 (2/lr = 2): the sharpness rose 1.58 -> 2.23 and hovered at 2/lr (sharpness
    2-2.23 over the last 100 steps, median 102% of 2/lr): the edge of stability; the loss went 0.721 -> 0.377, rising
    after 118 of its 400 steps." `adam`: the preconditioned sharpness against 38/lr."""
    r, line = regime, "38/lr" if adam else "2/lr"
    what = "preconditioned sharpness" if adam else "sharpness"
    head = f"**lr {format_lr(r.learning_rate)}** ({line} = {_sharp(r.threshold)}): "
    late = (f"{what} {_sharp(r.late_low)}-{_sharp(r.late_high)} over the last "
            f"{format_count(r.steps - 3 * r.steps // 4)} steps, median "
            f"{format_percent(r.late_median / r.threshold, 0)} of {line}")
    loss = (f"the loss went {format_loss(r.start_loss)} -> {format_loss(r.end_loss)}, "
            + (f"rising after {format_count(r.loss_rises)} of its {format_count(r.steps)} steps" if r.loss_rises
               else "falling at every step"))
    if r.kind == CATAPULT:
        return (head + f"the {what} started above {line} ({_sharp(r.start_sharpness)}), the loss jumped to "
                f"{format_loss(r.rise_loss)} at step {r.rise_step}, the {what} fell to {_sharp(r.fall_sharpness)} by "
                f"step {r.fall_step} and training went on: a **catapult**; {loss} ({late}).")
    if r.kind == EDGE:
        return (head + f"the {what} rose {_sharp(r.start_sharpness)} -> {_sharp(r.peak_sharpness)} and hovered at "
                f"{line} ({late}): the **edge of stability**; {loss}.")
    if r.kind == ABOVE:
        return head + f"the {what} ended above {line} without diverging ({late}); {loss}."
    if r.kind == BELOW and r.peak_sharpness >= r.threshold:
        return head + (f"the {what} went {_sharp(r.start_sharpness)} -> {_sharp(r.peak_sharpness)}, above {line}, "
                       f"then fell back below it ({late}); {loss}.")
    if r.kind == BELOW:
        rose = (f"rose {_sharp(r.start_sharpness)} -> {_sharp(r.late_median)} (progressive sharpening) but"
                if r.sharpened else f"went {_sharp(r.start_sharpness)} -> {_sharp(r.late_median)} and")
        kind = "far below" if r.far_below else "below"
        return head + f"the {what} {rose} stayed {kind} {line} ({late}); {loss}."
    if r.diverged_step is not None:
        return head + (f"the {what} started at {_sharp(r.start_sharpness)}; the loss became NaN at step "
                       f"{r.diverged_step}: it **diverged**.")
    return head + (f"the {what} started at {_sharp(r.start_sharpness)}; {loss}, above its start: it **diverged** "
                   "(beyond the catapult's range).")


def valley_sentence(curvature: float | None) -> str:
    """The 1-D rule, with the page's measured curvature λ (the sharpness at the model's start, measured by the
    gradient-descent runs), or without a number (None: the Adam view, whose runs measure the preconditioned
    sharpness instead)."""
    if curvature is None:
        measured, one, two, tail = ":", "", "", " The gradient-descent view measures λ for this model."
    else:
        measured = f". With λ = {_sharp(curvature)}, the sharpness measured at the model's start,"
        one, two, tail = f" = {_sharp(1 / curvature)}", f" = {_sharp(2 / curvature)}", ""
    return (f"On a valley f(x) = λx²/2 a step of lr moves x to (1 − lr·λ)·x{measured} lr below 1/λ{one} creeps down "
            f"one side, lr between 1/λ and 2/λ{two} overshoots the bottom each step but closes in, and lr above 2/λ "
            f"overshoots further each step: it diverges.{tail}")


def check_start_above(answer: Sequence[float], regimes: Sequence[Regime], context: Context) -> Verdict:
    """Which runs start above their threshold: the sharpness at the first measurement against 2/lr, per run."""
    above = {r.learning_rate for r in regimes if r.start_sharpness > r.threshold}
    said = ("You said " + (", ".join(f"lr {format_lr(v)}" for v in sorted(answer)) if answer else "none of them"))
    start = regimes[0].start_sharpness
    facts = (f"the sharpness at the start is {_sharp(start)} for every run (the same initial weights), so a run "
             f"starts above 2/lr when 2/lr < {_sharp(start)}, i.e. lr > {_sharp(2 / start)}: "
             + (", ".join(f"lr {format_lr(v)}" for v in sorted(above)) if above else "none of these"))
    return Verdict(RIGHT if set(answer) == above else WRONG, f"{said}; {facts}.")


def predict_questions(context: Context) -> list[Question]:
    """Predict first for the section: which learning rates start above 2/lr (`context.values`: the section's rates)."""
    return [Question("start_above", "Which of these learning rates will start above their 2/lr line (their first "
                     "step already too big for the valley they start in)?", MULTISELECT, check_start_above,
                     options=tuple(context.values), labels=tuple(f"lr {format_lr(v)}" for v in context.values))]


def quiz_question(regimes: Sequence[Regime]) -> QuizQuestion:
    """A quiz question that quotes the runs' sharpness at their start: up to which step is gradient descent stable?"""
    start = regimes[0].start_sharpness
    edge = [r for r in regimes if r.kind == EDGE]

    def explain(_findings) -> str:
        seen = (f" In the runs above, lr {format_lr(edge[0].learning_rate)} climbed to its 2/lr and hovered there "
                f"(sharpness {_sharp(edge[0].late_low)}-{_sharp(edge[0].late_high)})." if edge else "")
        return (f"On a valley of curvature λ a step of lr multiplies the distance to the bottom by (1 − lr·λ): it "
                f"shrinks only while lr < 2/λ = {_sharp(2 / start)} here.{seen}")

    return QuizQuestion(f"The lesson's model starts with sharpness λ = {_sharp(start)} (the steepest curvature of its "
                        "loss). Up to which learning rate does full-batch gradient descent shrink the loss along "
                        "that direction?", [f"λ = {_sharp(start)}", f"2/λ = {_sharp(2 / start)}",
                                            f"1/λ = {_sharp(1 / start)}", "Any learning rate"], 1, explain)
