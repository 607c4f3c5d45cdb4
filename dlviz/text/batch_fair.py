"""Sentences for the batch page's fair-comparison panels, each true of its own chart's numbers, the line each panel
cites its source with, and the predict-first and quiz questions on the noise scale."""

from __future__ import annotations

from typing import Sequence

from dlviz.analysis import batch_fair as bf
from dlviz.analysis.compare import ONE_SEED_SPREAD
from dlviz.runs import LESSON_BATCH_SIZE
from dlviz.text import lessons, predictions
from dlviz.text.format import format_count, format_loss, format_lr, join_counts
from dlviz.text.seeds import on_every_seed, over_seeds

ADAM = "The lesson's Adam ran here; the sources measured SGD, momentum and Adam."
SOURCES = {
    "noise": "McCandlish et al. 2018, *An Empirical Model of Large-Batch Training* (arXiv 1812.06162), eq. 2.8: "
             "B_simple = tr(Σ)/|G|², the per-example gradients' total variance over their mean's squared length, "
             "exact over every training row.",
    "isolation": "Google's *Deep Learning Tuning Playbook*: compare batch sizes only after re-tuning the learning "
                 "rate for each; a fixed rate measures the rate as much as the batch.",
    "steps": "Shallue et al. 2019, *Measuring the Effects of Data Parallelism on Neural Network Training* (JMLR "
             "20(112)): steps to a target fall in proportion to the batch (perfect scaling), then ever less.",
}
GROWN, SHRUNK, SAME = "grown", "shrunk", "same"


def about(x: float) -> str:
    """A noise scale to two significant digits: 92 -> "92", 1,509 -> "1,500"."""
    return format_count(float(f"{x:.2g}")) if x >= 10 else f"{x:.1g}"


def _spread(n: int) -> str:  # the margin a gap must clear
    return "the seed spread" if n > 1 else f"the margin a single run needs ({format_loss(ONE_SEED_SPREAD)})"


def _growth(found: Sequence[bf.NoiseCurve]) -> tuple[str | None, str]:
    """The lesson's batch's (else the first's) growth as GROWN / SHRUNK / None (ranges overlap), and its numbers."""
    curve = next((c for c in found if c.batch_size == LESSON_BATCH_SIZE), found[0])
    return {1: GROWN, -1: SHRUNK, 0: None}[curve.growth], (
        f"batch {format_count(curve.batch_size)}'s runs measured about {about(curve.mean[0])} rows at the start and "
        f"about {about(curve.mean[-1])} after epoch {len(curve.mean) - 1}")


def noise_sentence(found: Sequence[bf.NoiseCurve], n_seeds: int) -> str:
    """The lesson's batch's noise scale at the start and the end, whether it grew, and which batch sizes are above
    their own runs' noise scale at the end."""
    curve = next((c for c in found if c.batch_size == LESSON_BATCH_SIZE), found[0])
    above = [c.batch_size for c in found if c.batch_size > c.mean[-1]]  # each against its own runs' noise scale
    growth = {GROWN: "it grew as the loss fell", SHRUNK: "it shrank", None: "the seeds' ranges at the start and the "
              "end overlap"}[_growth(found)[0]]
    return (f"At the start, batches beyond about {about(curve.mean[0])} rows add little per step; by epoch "
            f"{len(curve.mean) - 1}, about {about(curve.mean[-1])} (batch {format_count(curve.batch_size)}'s runs, "
            f"{over_seeds(n_seeds)}{f'; range {about(curve.low[-1])}–{about(curve.high[-1])}' * (n_seeds > 1)}): "
            f"{growth}. " + (
                f"Batch {join_counts(above)} is above its own runs' noise scale by then: more rows than one step can "
                "use." if above else "Every batch size here is below its own runs' noise scale by then: each row "
                "still improves a step."))


def _ranked(ranking, what: str) -> str:
    spread = _spread(ranking.n_seeds)
    if ranking.best is not None:
        return f"{what}, batch {format_count(ranking.best)} has the lowest validation loss beyond {spread}"
    behind = [s.value for s in ranking.stats if s.value not in ranking.tied]
    return f"{what}, " + (f"batch {join_counts(sorted(ranking.tied))} tie and batch {join_counts(behind)} "
                          f"{'trails' if len(behind) == 1 else 'trail'} beyond {spread}" if behind
                          else f"every batch size ties within {spread}")


def isolation_sentence(found: bf.Isolation, learned: bool = True) -> str:
    """Whether the gap between batch sizes closes once each has its own learning rate, and which rate each
    preferred, with its ties; the lesson's "larger batches allow a higher learning rate" checked, not asserted.
    With `learned` False (no run got below a constant guess's loss) it compares nothing."""
    if not learned:
        return ("Every run's validation loss stayed above a constant guess's: they learned nothing the validation rows "
                "confirm, so neither the gap between batch sizes nor their preferred rates can be read here.")
    spread = _spread(found.at_fixed.n_seeds)
    split = len(found.at_fixed.tied) < len(found.at_fixed.stats)
    closes = split and len(found.at_own.tied) == len(found.at_own.stats)
    verdict = ("the gap closes once each has its own rate" if closes else "the gap does not close here" if split
               else f"the gap was never beyond {spread}")
    prefs = [f"batch {format_count(b.batch_size)} lr {format_lr(b.best_rate)}" + (
        f" (ties: {', '.join(format_lr(r) for r in b.rates.tied if r != b.best_rate)})" if len(b.rates.tied) > 1
        else "") for b in found.batches if b.best_rate is not None]
    rates = [b.best_rate for b in found.batches if b.best_rate is not None]
    rises = all(a <= b for a, b in zip(rates, rates[1:])) and rates[-1] > rates[0]
    return (f"{_ranked(found.at_fixed, f'At the lesson’s lr {format_lr(found.fixed_rate)}')}; "
            f"{_ranked(found.at_own, 'at each one’s own best rate')}: {verdict}. Preferred rates: {'; '.join(prefs)}. "
            f"By the lowest mean the preferred rate {'rises' if rises else 'does not rise'} with the batch size (the "
            "lesson: “larger batches allow a higher learning rate”)" + (
                f"; but best rates tie with others within {spread}, so these runs do not settle it."
                if any(len(b.rates.tied) > 1 for b in found.batches) else "."))


def steps_sentence(found: bf.StepsToTarget) -> str:
    """The target, who missed it, and the regimes the data shows; or that the runs cannot tell, or learned nothing."""
    if found.target != found.target:
        return ("Every run's validation loss stayed above a constant guess's: they learned nothing the validation rows "
                "confirm, so there is no target to time and no regime to name.")
    said = (f"Target: validation loss {format_loss(found.target)} (within {bf.TARGET_MARGIN:.0%} of the highest seed's "
            "lowest validation loss, smoothed over 3 epochs, at the batch sizes' own best rates: a loss every run "
            "reached).")
    missed = [s.value for s in found.updates if not s.finite]
    if missed:
        said += f" Batch {join_counts(missed)} did not reach it {on_every_seed(found.updates[0].n_seeds)} in its budget."
    reached = [s.value for s in found.updates if s.finite]
    if len(reached) < 2:
        return f"{said} The runs cannot tell how the updates scale with the batch size."
    pairs = "; ".join(f"{format_count(a)}→{format_count(b)}: " + {bf.PERFECT: "perfect scaling", bf.DIMINISHING:
                      "diminishing returns", bf.NONE: "no fewer updates"}[r]
                      for a, b, r in zip(reached, reached[1:], found.regimes))
    order = [(bf.PERFECT, bf.DIMINISHING, bf.NONE).index(r) for r in found.regimes]
    perfect = order.count(0)
    summary = ("The regimes come out of order, so these runs cannot tell where perfect scaling ends"
               if order != sorted(order) else f"Diminishing returns from batch {format_count(reached[0])} on"
               if not perfect else f"Perfect scaling up to about {format_count(reached[perfect])} rows"
               + (", diminishing returns beyond" if perfect < len(order) else ""))
    return (f"{said} {summary} ({pairs}; read at epoch ends, so batch {format_count(reached[0])} is known to within "
            f"{format_count(found.resolution)} updates); B_simple was about {about(found.noise_scale)} when its runs "
            "reached the target.")


def _check_noise_growth(answer: str, findings, context) -> predictions.Verdict:
    """Predict first: did the lesson's batch's noise scale grow from the start to the last epoch?"""
    truth, numbers = _growth(findings.noise_scale)
    kind = predictions.CANNOT_TELL if truth is None else predictions.RIGHT if answer == truth else predictions.WRONG
    return predictions.Verdict(kind, f"You said {answer}; {numbers}" + (
        ", and the seeds' ranges overlap: these runs cannot tell." if truth is None else "."))


def questions(context: predictions.Context) -> list[predictions.Question]:
    """The batch page's predict-first questions: `predictions.batch_questions`, then one on the noise-scale panel
    (for runs that measured it)."""
    if not any(h.noise_scale for h in context.histories):
        return predictions.batch_questions(context)
    return predictions.batch_questions(context) + [predictions.Question(
        "noise_growth", "The gradient noise scale is the batch size beyond which a bigger batch adds little per step. "
                        "From the start to the last epoch, will it have…", predictions.RADIO, _check_noise_growth,
        options=(GROWN, SHRUNK, SAME), labels=("grown", "shrunk", "stayed about the same"))]


def _explain_noise(findings) -> str:
    truth, numbers = _growth(findings.noise_scale) if getattr(findings, "noise_scale", ()) else ("", "")
    return ("McCandlish et al. 2018: as the loss falls, the mean gradient shrinks faster than the rows' disagreement "
            "about it, so the noise scale grows and larger batches become useful later in training." + (
                f" In this sweep {numbers}: " + {GROWN: "it grew.", SHRUNK: "it shrank.", None: "the seeds' ranges "
                                                 "overlap, so it is not clear here."}[truth] if numbers else ""))


QUIZ = lessons.Question(
    "The gradient noise scale says beyond which batch size a bigger batch adds little per step. How does it change "
    "as the model trains?", ["It grows as the loss falls: larger batches pay off later in training",
                             "It shrinks as the loss falls: small batches pay off later",
                             "It stays fixed: it is a property of the data alone"], 0, _explain_noise)
