"""Chapter 3, Convolution as matrix multiplication.

The chapter's exercises as data (the reference is `solutions/convolution_as_matmul.py`):
case generators (rng -> cases), the known wrong answers (misconceptions) and custom judges,
then the chapter's `EXERCISES`, in catalogue order."""

import numpy as np

from ._base import (
    _SEED_H,
    _SEED_X,
    _SOBEL,
    CONV_FORBIDDEN,
    TRANSPOSED,
    C,
    Case,
    Exercise,
    _fixed,
    _g,
    _normal,
)


def _toeplitz_random(rng):
    return [C(_normal(rng, m), n) for m, n in ((1, 4), (3, 5), (5, 3), (4, 10))]


def _convmat_random(rng):
    out = []
    for (kh, kw), (H, W) in (((2, 3), (4, 5)), ((3, 3), (5, 4)), ((1, 2), (3, 3))):
        k = _normal(rng, kh, kw)
        out.append(C(k, (H, W), mode="full"))
        out.append(C(k, (H, W), mode="valid"))
    return out


def _im2col_random(rng):
    return [
        C(_normal(rng, 2, 5, 6), 3),
        C(_normal(rng, 3, 7, 7), (2, 3), stride=2),
        C(_normal(rng, 1, 6, 5), 3, stride=(1, 2), padding=1),
        C(_normal(rng, 2, 8, 8), (3, 2), stride=(2, 3), padding=(1, 2)),
    ]


def _conv2d_random(rng):
    return [
        C(_normal(rng, 2, 3, 7, 6), _normal(rng, 4, 3, 3, 3)),
        C(_normal(rng, 1, 2, 8, 8), _normal(rng, 3, 2, 2, 3), _normal(rng, 3), stride=2),
        C(_normal(rng, 2, 1, 6, 6), _normal(rng, 2, 1, 3, 3), None, stride=(1, 2), padding=1),
        C(
            _normal(rng, 1, 2, 5, 5, dtype=np.float32),
            _normal(rng, 2, 2, 3, 3, dtype=np.float32),
            padding=(2, 1),
        ),
    ]


def _conv2d_speed(rng):
    # many pixels, few channels: a Python loop over the 65,536 output pixels is ~30× slower
    # than the reference; a loop over the 9 kernel taps or the 256 rows is not caught
    x = _normal(rng, 1, 1, 256, 256)
    w = _normal(rng, 2, 1, 3, 3)
    return [
        Case(args=(x, w, _normal(rng, 2)), kwargs={"padding": 1}, repeat=3, note="a (1, 1, 256, 256) input")
    ]


def _unroll_random(rng):
    return [C(_normal(rng, n, n), m) for n, m in ((4, 2), (5, 3), (6, 1), (5, 5), (8, 3))]


def _convmat_corr(args, kwargs, expected):
    from scipy.signal import correlate2d

    k = np.asarray(args[0], float)
    H, W = args[1]
    mode = kwargs.get("mode", args[2] if len(args) > 2 else "full")
    cols = []
    for p in range(H * W):
        e = np.zeros(H * W)
        e[p] = 1.0
        cols.append(correlate2d(e.reshape(H, W), k, mode).ravel())
    return np.stack(cols, axis=1)


def _toeplitz_corr(args, kwargs, expected):
    h, n = np.asarray(args[0], float)[::-1], args[1]
    return np.stack([np.convolve(np.eye(n)[j], h) for j in range(n)], axis=1)


def _conv2d_flipped(args, kwargs, expected):
    import torch

    x, w = (torch.as_tensor(np.asarray(v, dtype=np.float64)) for v in args[:2])
    b = args[2] if len(args) > 2 else kwargs.get("bias")
    b = None if b is None else torch.as_tensor(np.asarray(b, dtype=np.float64))
    return torch.nn.functional.conv2d(
        x, torch.flip(w, (-2, -1)), b, kwargs.get("stride", 1), kwargs.get("padding", 0)
    ).numpy()


def _unroll_seed(args, kwargs, expected):
    """The seed's unroll_matrix (002, third answer), run as written."""
    X, m = np.asarray(args[0], float), args[1]
    flat_X, n = X.flatten(), X.shape[0]
    out = np.zeros(((n - m) ** 2, m**2))
    skipped = 0
    for i in range(n**2):
        if (i % n) < n - m and ((i / n) % n) < n - m:
            for j in range(m):
                for l in range(m):
                    out[i - skipped, j * m + l] = flat_X[i + j * n + l]
        else:
            skipped += 1
    return out


EXERCISES = [
    Exercise(
        "toeplitz_1d",
        3,
        [
            _g("worked examples", 2, _fixed(C([1.0, 2.0, 3.0], 4), C([1.0], 3), C([1.0, -1.0], 2))),
            _g("random kernels", 2, _toeplitz_random),
            _g("hidden random kernels", 3, _toeplitz_random, public=False),
        ],
        misconceptions=[
            ("correlation instead of convolution (kernel not flipped)", _toeplitz_corr),
            TRANSPOSED,
        ],
    ),
    Exercise(
        "conv_matrix_2d",
        3,
        [
            _g(
                "worked examples (seed 002)",
                2,
                _fixed(
                    C(np.array([[4.0, 3.0], [1.0, 2.0]]), (3, 3), mode="full"),
                    C(np.array([[4.0, 3.0], [1.0, 2.0]]), (3, 3), mode="valid"),
                    C(np.array([[1.0, 2.0], [3.0, 4.0]]), (2, 3)),
                ),
            ),
            _g("random kernels and shapes", 2, _convmat_random),
            _g("hidden random kernels and shapes", 3, _convmat_random, public=False),
        ],
        misconceptions=[
            ("correlation instead of convolution (kernel not flipped)", _convmat_corr),
            TRANSPOSED,
        ],
    ),
    Exercise(
        "im2col",
        3,
        [
            _g(
                "worked examples",
                2,
                _fixed(
                    C(np.arange(9.0).reshape(1, 3, 3), 2), C(np.arange(18.0).reshape(2, 3, 3), 2, padding=1)
                ),
            ),
            _g("random inputs, strides and padding", 3, _im2col_random),
            _g("hidden random inputs", 3, _im2col_random, public=False),
        ],
        misconceptions=[TRANSPOSED],
    ),
    Exercise(
        "conv2d_im2col",
        3,
        [
            _g(
                "worked examples (seed 003)",
                2,
                _fixed(
                    C(_SEED_X[None, None], _SEED_H[None, None]),
                    C(_SEED_X[None, None], _SOBEL[None, None], np.array([1.0])),
                ),
            ),
            _g("random inputs, bias, stride, padding", 3, _conv2d_random),
            _g("vectorised (no Python loop over output pixels)", 2, _conv2d_speed, timing=True),
            _g("hidden random inputs", 3, _conv2d_random, public=False),
        ],
        forbidden=CONV_FORBIDDEN,
        misconceptions=[("convolution instead of cross-correlation (kernel flipped)", _conv2d_flipped)],
    ),
    Exercise(
        "unroll_matrix",
        3,
        [
            _g("worked examples (seed 002)", 2, _fixed(C(_SEED_X, 2), C(np.arange(16.0).reshape(4, 4), 2))),
            _g("edge cases: m = 1 and m = n", 1, _fixed(C(_SEED_X, 1), C(_SEED_X, 3))),
            _g("random inputs", 2, _unroll_random),
            _g("hidden random inputs", 3, _unroll_random, public=False),
        ],
        misconceptions=[
            ("(n − m)² rows instead of (n − m + 1)²: the seed's off-by-one", _unroll_seed),
            TRANSPOSED,
        ],
    ),
]
