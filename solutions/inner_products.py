"""Chapter 1: inner products.

Notation: a, b are vectors of R^n; a·b = Σᵢ aᵢbᵢ; ‖a‖ = √(a·a).
"""

import numpy as np


def inner(a, b):
    """Inner (dot) product a·b = Σᵢ aᵢ bᵢ of two 1-D arrays of the same length."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)  # before a·b: int64 overflows
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"inner: a and b must be 1-D, got shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"inner: a and b must have the same length, got {len(a)} and {len(b)}")
    return float(np.sum(a * b))


def cosine_similarity(a, b):
    """cos θ = a·b / (‖a‖ ‖b‖); undefined (ValueError) when a or b is the zero vector.

    cos θ does not change when a or b is scaled, so each is first divided by its largest
    |entry|: ‖a‖² then neither overflows (|aᵢ| ≳ 1e154) nor underflows (|aᵢ| ≲ 1e−162).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale_a, scale_b = np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0)
    if scale_a == 0 or scale_b == 0:
        raise ValueError("cosine_similarity: the angle with a zero vector is undefined")
    a, b = a / scale_a, b / scale_b
    return inner(a, b) / np.sqrt(inner(a, a) * inner(b, b))


def angle_between(a, b, degrees=True):
    """Angle θ ∈ [0, π] between a and b: cos θ = a·b / (‖a‖ ‖b‖).

    Not arccos(cos θ): a cosine rounded to 1 − 2⁻⁵² gives 2.1e-8 rad (1.2e-6°) for
    parallel vectors. With the unit vectors û, v̂, θ = 2·atan2(‖û − v̂‖, ‖û + v̂‖) is
    accurate to a few ulps everywhere; an angle within 16 ulps of 0 or π is rounding
    of parallel (antiparallel) vectors and is returned as exactly 0 (π).
    """
    cosine_similarity(a, b)  # the same checks: 1-D, equal lengths, no zero vector
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    a, b = a / np.max(np.abs(a)), b / np.max(np.abs(b))  # θ does not change; ‖a‖² stays finite
    u, v = a / np.sqrt(inner(a, a)), b / np.sqrt(inner(b, b))
    theta = 2.0 * np.arctan2(np.linalg.norm(u - v), np.linalg.norm(u + v))
    snap = 16 * np.finfo(np.float64).eps
    if theta <= snap:
        theta = 0.0
    elif np.pi - theta <= snap:
        theta = np.pi
    return float(np.degrees(theta)) if degrees else float(theta)


def direction(a, b, tol=1e-9):
    """The three cases of a·b: "acute" (> 0), "orthogonal" (= 0) or "obtuse" (< 0).

    "= 0" means |a·b| ≤ tol·‖a‖‖b‖, so that rounding does not decide the case.
    """
    dot, scale = inner(a, b), np.sqrt(inner(a, a) * inner(b, b))
    if abs(dot) <= tol * scale:
        return "orthogonal"
    return "acute" if dot > 0 else "obtuse"
