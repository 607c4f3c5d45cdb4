"""Smoothing of loss curves, in one place and on pandas: a centred moving average (`pandas.Series.rolling` with
`center=True`) and the bias-corrected exponential moving average (`pandas.Series.ewm` with `adjust=True`). The
findings, the charts, the range test and the tests all smooth through here."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def centred_mean(values: Sequence[float], window: int, *, ends: bool = True, skip_missing: bool = False
                 ) -> np.ndarray:
    """Centred moving average of a 1-D curve, `pandas.Series.rolling(window, center=True).mean()`.
    Args:
        values: the curve, shape (n,); NaN and inf are missing values.
        window: points per window (an even window leans one point to the right, as pandas centres it).
        ends: keep the length with shorter windows at both ends; False: NaN where the window is not full.
        skip_missing: leave missing values out of every window they fall in (NaN where a window holds none);
            False: a window holding a missing value gives NaN.
    Returns:
        The smoothed curve, float64, shape (n,)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    series = pd.Series(np.where(np.isfinite(values), values, np.nan))
    if window <= 1 or series.empty:
        return series.to_numpy()
    rolling = series.rolling(window, center=True, min_periods=1 if ends else window)
    mean = rolling.mean().to_numpy(copy=True)
    if not skip_missing and series.hasnans:
        missing = series.isna().astype(float).rolling(window, center=True, min_periods=1).max().to_numpy()
        mean[missing > 0] = np.nan
    return mean


def debiased_ema(values: Sequence[float], beta: float) -> np.ndarray:
    """Exponential moving average with bias correction, `pandas.Series.ewm(alpha=1 - beta, adjust=True).mean()`:
    point t is sum(beta^(t-i) x_i) / sum(beta^(t-i)), the same as fastai's `AvgSmoothLoss` (an average started at 0
    and divided by 1 - beta^(t+1)), so the first values are not pulled towards 0.
    Args:
        values: the curve, shape (n,).
        beta: the weight of the past, 0 <= beta < 1 (fastai's 0.98 remembers about 50 points).
    Returns:
        The smoothed curve, float64, shape (n,)."""
    return pd.Series(np.asarray(values, dtype=np.float64)).ewm(alpha=1 - beta, adjust=True).mean().to_numpy()
