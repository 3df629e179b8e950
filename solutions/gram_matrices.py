"""Chapter 2: Gram matrices.

Notation: k vectors v₁…v_k of R^n are the rows of V (k, n); a feature map has C channels
of H×W positions, flattened to F (C, M) with M = H·W.
"""

import numpy as np
import torch


def gram(vectors):
    """Gram matrix of the k rows of V (k, n): Gᵢⱼ = vᵢ·vⱼ, i.e. G = V Vᵀ (k, k)."""
    V = np.asarray(vectors)
    if V.ndim != 2:
        raise ValueError(f"gram: vectors must be a 2-D (k, n) array, one vector per row; got shape {V.shape}")
    V = V.astype(np.result_type(V.dtype, np.float64))
    return V @ V.T


def gram_matrix(features, normalize=True):
    """Gram matrix of a feature map: F = features reshaped to (C, H·W), G = F Fᵀ / (H·W).

    features: (C, H, W) → G (C, C), or a batch (B, C, H, W) → G (B, C, C).
    numpy in, numpy out; torch in, torch out (differentiable). normalize=False skips 1/(H·W).
    """
    if not isinstance(features, (np.ndarray, torch.Tensor)):
        features = np.asarray(features)
    if features.ndim not in (3, 4):
        raise ValueError(
            f"gram_matrix: features must be (C, H, W) or (B, C, H, W); got shape {tuple(features.shape)}"
        )
    *batch, C, H, W = features.shape
    F = features.reshape(*batch, C, H * W)  # (B?, C, M)
    Ft = F.transpose(-1, -2) if isinstance(F, torch.Tensor) else np.swapaxes(F, -1, -2)
    G = F @ Ft  # (B?, C, C)
    return G / (H * W) if normalize else G


def gramian_angular_field(x, kind="summation"):
    """Gramian angular field of a series x (n,) → (n, n) (Wang & Oates 2015).

    x̃ = (2x − max − min) / (max − min), clipped to [−1, 1]; φ = arccos x̃.
    "summation" (GASF): cos(φᵢ + φⱼ) = x̃ᵢx̃ⱼ − √(1−x̃ᵢ²)√(1−x̃ⱼ²);
    "difference" (GADF): sin(φᵢ − φⱼ) = √(1−x̃ᵢ²) x̃ⱼ − x̃ᵢ √(1−x̃ⱼ²).
    """
    if kind not in ("summation", "difference"):
        raise ValueError(f"gramian_angular_field: kind must be 'summation' or 'difference', got {kind!r}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"gramian_angular_field: x must be a 1-D series, got shape {x.shape}")
    lo, hi = x.min(), x.max()
    if hi == lo:
        raise ValueError("gramian_angular_field: x is constant, so it cannot be rescaled to [-1, 1]")
    x_tilde = np.clip((2 * x - hi - lo) / (hi - lo), -1, 1)
    sin_phi = np.sqrt(1 - x_tilde**2)
    if kind == "summation":
        return np.outer(x_tilde, x_tilde) - np.outer(sin_phi, sin_phi)
    return np.outer(sin_phi, x_tilde) - np.outer(x_tilde, sin_phi)
