"""What a full-batch run's sharpness did against its stability threshold (2/lr, or 38/lr for Adam): stayed below,
rose to the edge of stability and hovered there (Cohen et al. 2021), started above and was thrown out (the catapult,
Lewkowycz et al. 2020), or diverged; and the one-dimensional valley that explains the rule."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlviz.runs import StabilityRun

BELOW, EDGE, ABOVE, CATAPULT, DIVERGED = "below", "edge", "above", "catapult", "diverged"
EDGE_BAND = 0.10  # "at the edge": the last quarter's median sharpness within 10% of the threshold
FAR_BELOW = 0.5   # "far below": the sharpness never above half the threshold


@dataclass(frozen=True)
class Regime:
    """One run's verdict with the numbers its sentence quotes (sharpness in the run's own units: the preconditioned
    sharpness for Adam). `late_*` describe the measurements in the last quarter of the steps; `rise_*` and
    `fall_*` the catapult (the loss's highest point after the start, and the lowest sharpness after that point)."""

    kind: str
    learning_rate: float
    threshold: float
    steps: int
    start_sharpness: float
    peak_sharpness: float
    late_low: float
    late_high: float
    late_median: float
    start_loss: float
    end_loss: float
    loss_rises: int  # steps after which the loss was higher than before them
    rise_loss: float = float("nan")
    rise_step: int = 0
    fall_sharpness: float = float("nan")
    fall_step: int = 0
    diverged_step: int | None = None

    @property
    def far_below(self) -> bool:
        return self.kind == BELOW and self.peak_sharpness < FAR_BELOW * self.threshold

    @property
    def sharpened(self) -> bool:
        """Progressive sharpening: the sharpness at the end is more than 10% above its start."""
        return self.late_median > 1.1 * self.start_sharpness


def classify(run: StabilityRun) -> Regime:
    """The regime of one full-batch run against its stability threshold (Cohen et al. 2021; the catapult of
    Lewkowycz et al. 2020), decided in this order:
    - `DIVERGED`: the loss became NaN or infinite, or ended above where it started.
    - `CATAPULT`: the first measured sharpness is above the threshold, the loss then rose above its start, and after
      that rise the sharpness fell below the threshold (and training went on: not diverged).
    - `EDGE`: the median sharpness over the last quarter of the steps is within `EDGE_BAND` of the threshold.
    - `ABOVE`: that median is further above the threshold (without diverging).
    - `BELOW`: otherwise; `far_below` when it never rose above half the threshold.
    Args:
        run: a `StabilityRun` (losses and sharpness measurements).
    Returns:
        Its `Regime`, with the numbers its sentence quotes."""
    losses, steps_at, values = np.asarray(run.losses, float), run.sharpness_steps, np.asarray(run.sharpness, float)
    if not len(values):  # diverged before its first measurement (Adam measures from step `every` on)
        steps_at, values = np.zeros(1), np.full(1, np.nan)
    threshold, learning_rate = run.spec.threshold, run.spec.learning_rate
    steps = len(losses) - 1
    finite = np.isfinite(losses)
    late = values[steps_at >= 0.75 * steps] if np.any(steps_at >= 0.75 * steps) else values[-1:]
    kw = dict(learning_rate=learning_rate, threshold=threshold, steps=steps, start_sharpness=float(values[0]),
              peak_sharpness=float(values.max()), late_low=float(late.min()), late_high=float(late.max()),
              late_median=float(np.median(late)), start_loss=float(losses[0]), end_loss=float(losses[finite][-1]),
              loss_rises=int(np.sum(np.diff(losses[finite]) > 0)))
    if not finite.all():
        return Regime(DIVERGED, diverged_step=int(np.argmin(finite)), **kw)
    if losses[-1] > losses[0]:
        return Regime(DIVERGED, **kw)
    rise = int(np.argmax(losses))
    after = steps_at >= rise
    if values[0] > threshold and rise > 0 and np.any(values[after] < threshold):
        low = int(np.argmin(np.where(after, values, np.inf)))
        return Regime(CATAPULT, rise_loss=float(losses[rise]), rise_step=rise, fall_sharpness=float(values[low]),
                      fall_step=int(steps_at[low]), **kw)
    share = kw["late_median"] / threshold
    return Regime(EDGE if abs(share - 1) <= EDGE_BAND else ABOVE if share > 1 else BELOW, **kw)


def valley_iterates(curvature: float, learning_rate: float, start: float = 1.0, steps: int = 8) -> np.ndarray:
    """Gradient descent on the valley f(x) = curvature x^2 / 2: it converges when lr < 2 / curvature, overshooting
    the bottom each step when lr > 1 / curvature.
    Args:
        curvature: f's second derivative; learning_rate: the step size; start: x_0; steps: how many steps.
    Returns:
        x_t = (1 - lr curvature)^t start for t = 0..steps, shape (steps + 1,)."""
    return start * (1 - learning_rate * curvature) ** np.arange(steps + 1)
