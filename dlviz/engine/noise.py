"""The simple gradient noise scale of the lesson's model at fixed weights, exactly, over every training row.

McCandlish, Kaplan, Amodei et al. 2018, "An Empirical Model of Large-Batch Training" (arXiv 1812.06162), eq. 2.8:
B_simple = tr(Σ) / |G|², Σ the covariance of the per-example gradients and G their mean: the batch size beyond
which a larger batch gives little better a step.
"""

from __future__ import annotations

import numpy as np


def noise_scale(weights, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """B_simple of K stacked copies of `Dense(h, relu) -> Dense(1, sigmoid)` with binary cross-entropy on `(x, y)`.

    For this model each example's gradient is rank one per layer. With `e_i = p_i - y_i` (the loss's derivative by
    the logit), `a_i = relu(z_i)`, `z_i = x_i W1 + b1` and `δ_i = e_i W2ᵀ ⊙ 1[z_i > 0]`, its squared norm is
    `|x_i|²|δ_i|² + |δ_i|² + |a_i|² e_i² + e_i²` and the mean gradient is `(Xᵀ Δ, mean δ, Aᵀ e, mean e) / n`, so
    `tr(Σ) = n / (n - 1) (mean |g_i|² - |G|²)` (the unbiased covariance, McCandlish et al. appendix A) needs no
    per-example tensor. Computed in float64 NumPy; training is not touched.

    Args:
        weights: `(kernel1 [K, f, h], bias1 [K, h], kernel2 [K, h, 1], bias2 [K, 1])`, stacked as the engine's.
        x: the rows, `[n, f]` (n >= 2).
        y: their 0/1 labels, `[n]`.

    Returns:
        `[K]` float64: each copy's B_simple, in rows (NaN where the weights or the gradient are not finite).
    """
    kernel1, bias1, kernel2, bias2 = (np.asarray(w, np.float64) for w in weights)
    x = np.asarray(x, np.float64)
    n = len(x)
    pre = np.einsum("nf,kfh->knh", x, kernel1) + bias1[:, None, :]  # [K, n, h]
    hidden = np.maximum(pre, 0.0)
    logits = np.einsum("knh,kh->kn", hidden, kernel2[:, :, 0]) + bias2
    with np.errstate(over="ignore"):
        error = 1.0 / (1.0 + np.exp(-logits)) - np.asarray(y, np.float64)  # [K, n]
    delta = error[:, :, None] * kernel2[:, None, :, 0] * (pre > 0)  # [K, n, h]
    delta_sq = np.einsum("knh,knh->kn", delta, delta)
    per_example = (np.einsum("nf,nf->n", x, x) + 1.0) * delta_sq + (np.einsum("knh,knh->kn", hidden, hidden)
                                                                     + 1.0) * error ** 2
    mean_grad_sq = sum(np.square(g).sum(axis=tuple(range(1, g.ndim))) for g in (
        np.einsum("nf,knh->kfh", x, delta) / n, delta.mean(axis=1),
        np.einsum("knh,kn->kh", hidden, error) / n, error.mean(axis=1)))
    trace = n / (n - 1) * (per_example.mean(axis=1) - mean_grad_sq)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = trace / mean_grad_sq
    return np.where(np.isfinite(scale), scale, np.nan)
