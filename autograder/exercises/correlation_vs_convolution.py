"""Chapter 4, Cross-correlation vs convolution.

The chapter's exercises as data (the reference is `solutions/correlation_vs_convolution.py`):
case generators (rng -> cases), the known wrong answers (misconceptions) and custom judges,
then the chapter's `EXERCISES`, in catalogue order."""

import numpy as np

from ._base import (
    _SEED_B,
    _SEED_H,
    _SEED_X,
    _SOBEL,
    CONV_FORBIDDEN,
    TRANSPOSED,
    C,
    E,
    Exercise,
    _fixed,
    _g,
    _normal,
)


def _corr_examples(rng):
    return [
        C(_SEED_X, _SEED_H, note="seed 003, §1"),
        C(_SEED_X, _SEED_B, note="seed 003, §2"),
        C(_SEED_X, _SOBEL, note="seed 003, Sobel"),
        C(_SEED_X, _SEED_H, mode="full"),
        C(_SEED_X, _SEED_H, mode="same"),
    ]


def _corr_edges(rng):
    return [
        E(_SEED_H, _SEED_X, note="kernel larger than the input in 'valid' mode"),
        C(_SEED_H, _SEED_X, mode="full", note="kernel larger than the input, 'full'"),
        C(_SEED_H, _SEED_X, mode="same", note="kernel larger than the input, 'same'"),
        C(np.ones((1, 5)), np.ones((1, 2)) * 2.0, note="a single row"),
        C(_SEED_X.tolist(), _SEED_H.tolist(), note="Python lists"),
    ]


def _corr_random(rng):
    out = []
    for (h, w), (kh, kw) in (((5, 6), (2, 3)), ((7, 4), (3, 3)), ((6, 6), (4, 1))):
        a, k = _normal(rng, h, w), _normal(rng, kh, kw)
        out += [C(a, k, mode=mode) for mode in ("valid", "same", "full")]
    out.append(C(_normal(rng, 6, 5, dtype=np.float32), _normal(rng, 2, 2, dtype=np.float32)))
    return out


def _cos_random(rng):
    out = []
    for _ in range(8):
        k, d, p, s = (int(v) for v in rng.integers(1, 6, 4))
        n = int(rng.integers(d * (k - 1) + 1, 64))
        out.append(C(n, k, padding=p - 1, stride=s, dilation=d))
    return out


def _scipy_corr(args, kwargs, expected):
    from scipy.signal import correlate2d

    a, k = np.asarray(args[0], float), np.asarray(args[1], float)
    return correlate2d(a, k, kwargs.get("mode", args[2] if len(args) > 2 else "valid"))


def _scipy_conv(args, kwargs, expected):
    from scipy.signal import convolve2d

    a, k = np.asarray(args[0], float), np.asarray(args[1], float)
    return convolve2d(a, k, kwargs.get("mode", args[2] if len(args) > 2 else "valid"))


CORR_GROUPS = [
    _g("worked examples (seed 003)", 2, _corr_examples),
    _g("edge cases: kernel larger than the input, lists", 2, _corr_edges),
    _g("random inputs, all modes", 2, _corr_random),
    _g("hidden random inputs", 3, _corr_random, public=False),
]


EXERCISES = [
    Exercise(
        "correlate2d",
        4,
        CORR_GROUPS,
        forbidden=CONV_FORBIDDEN,
        misconceptions=[("convolution instead of correlation (kernel flipped)", _scipy_conv), TRANSPOSED],
    ),
    Exercise(
        "convolve2d",
        4,
        CORR_GROUPS,
        forbidden=CONV_FORBIDDEN,
        misconceptions=[("correlation instead of convolution (kernel not flipped)", _scipy_corr), TRANSPOSED],
    ),
    Exercise(
        "conv_output_size",
        4,
        [
            _g(
                "worked examples",
                2,
                _fixed(
                    C(5, 3),
                    C(32, 3, padding=1),
                    C(7, 3, stride=2),
                    C(10, 3, dilation=2),
                    C(224, 7, padding=3, stride=2),
                ),
            ),
            _g(
                "output < 1 raises ValueError",
                1,
                _fixed(
                    E(2, 5, note="kernel larger than input"),
                    E(5, 3, dilation=3, note="dilated kernel too large"),
                ),
            ),
            _g("random sizes", 2, _cos_random),
            _g("hidden random sizes", 2, _cos_random, public=False),
        ],
        integer=("result",),
    ),
]
