"""Sentences for the batch page's fair-comparison panels, each true of its own chart's numbers, and the one-line
source each panel cites."""

from __future__ import annotations

from typing import Sequence

from dlviz.analysis import batch_fair as bf
from dlviz.runs import LESSON_BATCH_SIZE
from dlviz.text import lessons, predictions
from dlviz.text.format import format_count, format_loss, format_lr
from dlviz.text.seeds import over_seeds

ADAM = "The lesson's Adam ran here; the sources measured SGD, momentum and Adam."
SOURCES = {
    "noise": "McCandlish et al. 2018, *An Empirical Model of Large-Batch Training* (arXiv 1812.06162), eq. 2.8: "
             "B_simple = tr(Σ)/|G|², the per-example gradients' total variance over their mean's squared length, "
             "computed exactly over every training row.",
    "isolation": "Google's *Deep Learning Tuning Playbook*: compare batch sizes only after re-tuning the learning "
                 "rate for each; a fixed rate measures the rate as much as the batch.",
    "steps": "Shallue et al. 2019, *Measuring the Effects of Data Parallelism on Neural Network Training* (JMLR "
             "20(112)): steps to a target fall in proportion to the batch (perfect scaling), then ever less.",
}


def about(x: float) -> str:
    """A noise scale rounded to two significant digits: 92 -> "90", 1,509 -> "1,500"."""
    return format_count(float(f"{x:.2g}")) if x >= 10 else f"{x:.1g}"


def batches(values: Sequence[int]) -> str:
    return ", ".join(format_count(v) for v in values)


def noise_sentence(found: Sequence[bf.NoiseCurve], lesson_batch: int, n_seeds: int) -> str:
    """The start and end of one batch size's noise scale (the lesson's batch when swept), whether it grew beyond
    the seeds' ranges, and which swept batch sizes are above it at the end."""
    curve = next((c for c in found if c.batch_size == lesson_batch), found[0])
    start, end, last = curve.mean[0], curve.mean[-1], len(curve.mean) - 1
    above = [c.batch_size for c in found if c.batch_size > end]
    growth = {GROWN: "it grew as the loss fell", SHRUNK: "it shrank",
              None: "the seeds' ranges at the start and the end overlap"}[noise_growth(found, lesson_batch)[0]]
    return (f"At the start, batches beyond about {about(start)} rows add little per step; by epoch {last}, about "
            f"{about(end)} (batch {format_count(curve.batch_size)}'s runs, {over_seeds(n_seeds)}; range "
            f"{about(curve.low[-1])}–{about(curve.high[-1])}): {growth}. "
            + (f"Batch {batches(above)} is above it by then: more rows than one step can use." if above else
               "Every batch size here is below it by then: each row still improves a step."))


def _ranked(ranking, what: str) -> str:
    if ranking.best is not None:
        return f"{what}, batch {format_count(ranking.best)} has the lowest validation loss beyond the seed spread"
    if len(ranking.tied) == len(ranking.stats):
        return f"{what}, every batch size ties within the seed spread"
    behind = [s.value for s in ranking.stats if s.value not in ranking.tied]
    return (f"{what}, batch {batches(sorted(ranking.tied))} tie for the lowest validation loss and batch "
            f"{batches(behind)} {'is' if len(behind) == 1 else 'are'} behind beyond the seed spread")


def isolation_sentence(found: bf.Isolation) -> str:
    """Whether the gap between batch sizes closes once each has its own learning rate, and which rate each
    preferred (ties named)."""
    parts = [_ranked(found.at_fixed, f"At the lesson's lr {format_lr(found.fixed_rate)}"),
             _ranked(found.at_own, "at each one's own best rate")]
    verdict = ("so the gap closes once each batch size has its own rate" if found.gap_closes else
               "so the gap was never beyond the seed spread" if len(found.at_fixed.tied) == len(found.at_fixed.stats)
               else "so the gap does not close here")
    prefs = []
    for b in found.batches:
        if b.best_rate is None:
            continue
        others = [r for r in b.rates.tied if r != b.best_rate]
        prefs.append(f"batch {format_count(b.batch_size)} lr {format_lr(b.best_rate)}"
                     + (f" (ties: {', '.join(format_lr(r) for r in others)})" if others else ""))
    higher = found.larger_prefer_higher
    check = "" if higher is None else (
        " By the lowest mean, the preferred rate " + ("rises" if higher else "does not rise") + " with the batch size "
        "(the lesson: “larger batches allow a higher learning rate”)" + (
            "; but each best rate ties with others within the seed spread, so these runs do not settle it."
            if any(len(b.rates.tied) > 1 for b in found.batches) else "."))
    return f"{parts[0]}; {parts[1]}: {verdict}. Preferred rates: {'; '.join(prefs)}.{check}"


def steps_sentence(found: bf.StepsToTarget) -> str:
    """The target, who reached it, and the scaling regimes the data shows (or that the runs cannot tell)."""
    target = (f"Target: validation loss {format_loss(found.target)} (within {bf.TARGET_MARGIN:.0%} of the lowest any "
              "run reached).")
    missed = [s.value for s in found.updates if not s.finite]
    missed_text = f" Batch {batches(missed)} did not reach it on every seed within its budget." if missed else ""
    reached = [s.value for s in found.updates if s.finite]
    if len(reached) < 2:
        return f"{target}{missed_text} The runs cannot tell how the updates scale with the batch size."
    regimes = []
    for small, large, regime in zip(reached, reached[1:], found.regimes):
        regimes.append(f"{format_count(small)}→{format_count(large)}: " + {
            bf.PERFECT: "perfect scaling", bf.DIMINISHING: "diminishing returns", bf.NONE: "no fewer updates"}[regime])
    order = [{bf.PERFECT: 0, bf.DIMINISHING: 1, bf.NONE: 2}[r] for r in found.regimes]
    upto = found.perfect_up_to
    if order != sorted(order):  # e.g. perfect again after diminishing returns
        summary = ("The regimes do not follow the order perfect scaling, then diminishing returns, so these runs "
                   "cannot tell where perfect scaling ends")
    else:
        summary = (f"Perfect scaling up to about {format_count(upto)} rows" + (
            ", diminishing returns beyond" if any(r != bf.PERFECT for r in found.regimes) else "")
            if upto else f"Diminishing returns from batch {format_count(reached[0])} on")
    return (f"{target} {summary} ({'; '.join(regimes)}; updates read at epoch ends, so batch "
            f"{format_count(reached[0])} is known to within {format_count(found.resolution)} updates); B_simple was "
            f"about {about(found.noise_scale)} when its runs reached the target.{missed_text}")


# Predict first and the quiz: the noise scale's growth, read from the page's own runs.
GROWN, SHRUNK, SAME = "grown", "shrunk", "same"


def noise_growth(found: Sequence[bf.NoiseCurve], lesson_batch: int) -> tuple[str | None, str]:
    """GROWN or SHRUNK when the last epoch's seed range lies wholly above or below the start's (None when they
    overlap), and the numbers as a phrase."""
    curve = next((c for c in found if c.batch_size == lesson_batch), found[0])
    last = len(curve.mean) - 1
    numbers = (f"batch {format_count(curve.batch_size)}'s runs measured about {about(curve.mean[0])} rows at the "
               f"start and about {about(curve.mean[-1])} after epoch {last}")
    grew, shrank = curve.low[-1] > curve.high[0], curve.high[-1] < curve.low[0]
    return (GROWN if grew else SHRUNK if shrank else None), numbers


def check_noise_growth(answer: str, findings, context) -> predictions.Verdict:
    """The predict-first check: did the noise scale of the lesson's batch grow from the start to the last epoch?"""
    found = bf.noise_curves(context.histories)
    said = f"You said {answer}"
    if not found:
        return predictions.Verdict(predictions.CANNOT_TELL, f"{said}; these runs did not measure the noise scale.")
    truth, numbers = noise_growth(found, LESSON_BATCH_SIZE)
    if truth is None:
        return predictions.Verdict(predictions.CANNOT_TELL, f"{said}; {numbers}, and the seeds' ranges overlap: "
                                                            "these runs cannot tell.")
    return predictions.Verdict(predictions.RIGHT if answer == truth else predictions.WRONG, f"{said}; {numbers}.")


def questions(context) -> list:
    """The predict-first question on the noise-scale panel (none for runs that did not measure it)."""
    if not any(h.noise_scale for h in context.histories):
        return []
    return [predictions.Question(
        "noise_growth", "The gradient noise scale is the batch size beyond which a bigger batch adds little per "
                        "step. From the start to the last epoch, will it have…", predictions.RADIO,
        check_noise_growth, options=(GROWN, SHRUNK, SAME), labels=("grown", "shrunk", "stayed about the same"))]


def _explain_noise(findings) -> str:
    base = ("McCandlish et al. 2018: as the loss falls, the mean gradient shrinks faster than the rows' disagreement "
            "about it, so the noise scale grows and larger batches become useful later in training.")
    found = getattr(findings, "noise_scale", ())
    if not found:
        return base
    truth, numbers = noise_growth(found, LESSON_BATCH_SIZE)
    verdict = {GROWN: "it grew", SHRUNK: "it shrank", None: "the seeds' ranges overlap, so it is not clear here"}
    return f"{base} In this sweep {numbers}: {verdict[truth]}."


QUIZ = lessons.Question(
    "The gradient noise scale says beyond which batch size a bigger batch adds little per step. How does it "
    "change as the model trains?",
    ["It grows as the loss falls: larger batches pay off later in training",
     "It shrinks as the loss falls: small batches pay off later",
     "It stays fixed: it is a property of the data alone"], 0, _explain_noise)
