"""Chapter 4: cross-correlation vs convolution.

Notation: an image a (H, W) and a kernel k (kh, kw); ⋆ is cross-correlation, * convolution.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MODES = ("valid", "same", "full")


def _check_2d(a, k, mode, name):
    """a and k as arrays, after checking that both are 2-D and non-empty, that mode is one of MODES
    and, in "valid" mode, that k fits inside a; the errors start with name (the caller)."""
    a, k = np.asarray(a), np.asarray(k)
    if a.ndim != 2 or k.ndim != 2:
        raise ValueError(f"{name}: a and k must be 2-D, got shapes {a.shape} and {k.shape}")
    if mode not in MODES:
        raise ValueError(f"{name}: mode must be one of {MODES}, got {mode!r}")
    if mode == "valid" and (k.shape[0] > a.shape[0] or k.shape[1] > a.shape[1]):
        raise ValueError(f"{name}: in 'valid' mode the kernel {k.shape} must fit inside a {a.shape}")
    if a.size == 0 or k.size == 0:
        raise ValueError(f"{name}: a and k must not be empty")
    return a, k


def correlate2d(a, k, mode="valid"):
    """Cross-correlation (a ⋆ k)[i, j] = Σ_u Σ_v a[i + u, j + v] · k[u, v]  (the kernel is not flipped).

    "valid": the (H − kh + 1, W − kw + 1) positions where k lies inside a; "full": every
    overlap, (H + kh − 1, W + kw − 1), a zero-padded by kh − 1, kw − 1; "same": the (H, W)
    centre of "full", starting at (kh // 2, kw // 2) as scipy.signal.correlate2d.
    """
    a, k = _check_2d(a, k, mode, "correlate2d")
    (H, W), (kh, kw) = a.shape, k.shape
    if mode != "valid":
        a = np.pad(a, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    out = np.einsum("ijuv,uv->ij", sliding_window_view(a, (kh, kw)), k)  # (out_h, out_w)
    if mode == "same":
        out = out[kh // 2 : kh // 2 + H, kw // 2 : kw // 2 + W]
    return out


def convolve2d(a, k, mode="valid"):
    """Convolution (a * k)[i, j] = Σ_u Σ_v a[i − u, j − v] · k[u, v]: correlation with k flipped.

    "same" is the (H, W) centre of "full" starting at ((kh − 1) // 2, (kw − 1) // 2),
    as scipy.signal.convolve2d (one less than correlation's for an even kernel).
    """
    a, k = _check_2d(a, k, mode, "convolve2d")
    (H, W), (kh, kw) = a.shape, k.shape
    out = correlate2d(a, k[::-1, ::-1], "full" if mode == "same" else mode)
    if mode == "same":
        out = out[(kh - 1) // 2 : (kh - 1) // 2 + H, (kw - 1) // 2 : (kw - 1) // 2 + W]
    return out


def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    """Output length ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 of a convolution (Dumoulin & Visin 2016)."""
    for name, v, low in (
        ("n", n, 1),
        ("k", k, 1),
        ("padding", padding, 0),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
    ):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
            raise ValueError(f"conv_output_size: {name} must be an int ≥ {low}, got {v!r}")
    size = (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    if size < 1:
        raise ValueError(
            f"conv_output_size: a kernel of {k} (dilation {dilation}) does not fit in "
            f"{n} + 2·{padding} padded inputs: the output would be {size}"
        )
    return int(size)
