"""The simple gradient noise scale of the lesson's model at fixed weights, exactly, over every training row.

McCandlish, Kaplan, Amodei et al. 2018, "An Empirical Model of Large-Batch Training" (arXiv 1812.06162), eq. 2.8:
B_simple = tr(Σ) / |G|², Σ the covariance of the per-example gradients and G their mean: the batch size beyond
which a larger batch gives little better a step."""

from __future__ import annotations

import numpy as np
from threadpoolctl import ThreadpoolController

# Found once: `threadpool_limits` looks through every loaded library on each call (TensorFlow loads hundreds).
_BLAS = ThreadpoolController()


def noise_scale(weights, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """B_simple of K stacked copies of `Dense(h, relu) -> Dense(1, sigmoid)` with binary cross-entropy on `(x, y)`.
    For this model each example's gradient is rank one per layer. With `e_i = p_i - y_i` (the loss's derivative by
    the logit), `a_i = relu(z_i)`, `z_i = x_i W1 + b1` and `δ_i = e_i W2ᵀ ⊙ 1[z_i > 0]`, its squared norm is
    `|x_i|²|δ_i|² + |δ_i|² + |a_i|² e_i² + e_i²` and the mean gradient is `(Xᵀ Δ, mean δ, Aᵀ e, mean e) / n`, so
    `tr(Σ) = n / (n - 1) (mean |g_i|² - |G|²)` (the unbiased covariance, McCandlish et al. appendix A) needs no
    per-example tensor. NumPy only (float32 products, float64 sums, one BLAS thread), so that it can run beside the
    training without touching TensorFlow.
    Args:
        weights: `(kernel1 [K, f, h], bias1 [K, h], kernel2 [K, h, 1], bias2 [K, 1])`, stacked as the engine's.
        x: the rows, `[n, f]` (n >= 2).
        y: their 0/1 labels, `[n]`.
    Returns:
        `[K]` float64: each copy's B_simple, in rows (NaN where the weights or the gradient are not finite)."""
    kernel1, bias1, kernel2, bias2 = (np.asarray(w, np.float32) for w in weights)
    lanes, features, width = kernel1.shape
    n = len(x)
    # A column of ones makes each bias the last row of its kernel: |x_i|² + 1 and the bias gradients come along.
    rows = np.hstack([np.asarray(x, np.float32), np.ones((n, 1), np.float32)])  # [n, f + 1]
    inner = np.concatenate([kernel1, bias1[:, None, :]], axis=1).transpose(1, 0, 2).reshape(features + 1, -1)
    outer = kernel2[:, :, 0]  # [K, h]

    def per_lane(v: np.ndarray) -> np.ndarray:  # [K, h] -> block-diagonal [K * h, K]: each lane's sum over h
        return (v[:, :, None] * np.eye(lanes, dtype=np.float32)[:, None, :]).reshape(lanes * width, lanes)

    # Rows first, lanes side by side ([n, K * h]): each product is one BLAS call, the elementwise work three passes.
    # A blown-up lane's huge or NaN weights overflow here: its result is NaN, without a warning per product.
    with _BLAS.limit(limits=1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        hidden = np.maximum(rows @ inner, 0.0)
        mask = np.sign(hidden)
        error = 1.0 / (1.0 + np.exp(-(hidden @ per_lane(outer) + bias2[:, 0]))) - np.asarray(y, np.float32)[:, None]
        error_sq = np.square(error, dtype=np.float64)  # [n, K]
        per_example = (np.square(rows).sum(axis=1, dtype=np.float64)[:, None] * (mask @ per_lane(np.square(outer)))
                       + np.square(hidden) @ per_lane(np.ones_like(outer)) + 1.0) * error_sq
        mean_sq = np.square(error.mean(axis=0, dtype=np.float64))  # the output bias's
        for k in range(lanes):
            lane = slice(k * width, (k + 1) * width)
            inner_grad = (rows * error[:, k:k + 1]).T @ mask[:, lane] * outer[k] / n  # kernel1 and bias1
            mean_sq[k] += (np.square(inner_grad, dtype=np.float64).sum()
                           + np.square(error[:, k] @ hidden[:, lane] / n, dtype=np.float64).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = n / (n - 1) * (per_example.mean(axis=0) - mean_sq) / mean_sq
    return np.where(np.isfinite(scale), scale, np.nan)
