"""Chapter 2, Gram matrices.

The chapter's exercises as data (the reference is `solutions/gram_matrices.py`):
case generators (rng -> cases), the known wrong answers (misconceptions) and custom judges,
then the chapter's `EXERCISES`, in catalogue order."""

import numpy as np

from ._base import TRANSPOSED, C, E, Exercise, T, _fixed, _g, _normal


def _gram_random(rng):
    return [C(_normal(rng, k, n)) for k, n in ((1, 4), (3, 5), (6, 2), (10, 30))] + [
        C(_normal(rng, 4, 7, dtype=np.float32))
    ]


def _gram_matrix_examples(rng):
    F = np.arange(12, dtype=np.float64).reshape(2, 2, 3)
    return [
        C(F),
        C(F, normalize=False),
        C(F[None]),
        C(np.arange(24, dtype=np.float64).reshape(2, 3, 2, 2), note="a batch (B, C, H, W)"),
    ]


def _gram_matrix_random(rng):
    return [
        C(_normal(rng, 3, 4, 5)),
        C(_normal(rng, 2, 4, 3, 3)),
        C(_normal(rng, 5, 2, 7), normalize=False),
        C(_normal(rng, 3, 6, 6, dtype=np.float32)),
        C(T(_normal(rng, 3, 4, 4), grad=True), note="torch, differentiable"),
        C(T(_normal(rng, 2, 3, 5, 2), grad=True), note="torch batch, differentiable"),
    ]


def _gaf_random(rng):
    out = []
    for n in (5, 12, 40):
        x = rng.uniform(-3, 3, n)
        out.append(C(x))
        out.append(C(x, kind="difference"))
    return out


def _unnormalised(args, kwargs, expected):
    if not kwargs.get("normalize", True) or not isinstance(expected, np.ndarray):
        return None
    x = args[0].array if isinstance(args[0], T) else np.asarray(args[0])
    return expected * (x.shape[-1] * x.shape[-2])


def _by_chw(args, kwargs, expected):
    if not isinstance(expected, np.ndarray):
        return None
    x = args[0].array if isinstance(args[0], T) else np.asarray(args[0])
    n = x.shape[-1] * x.shape[-2] if kwargs.get("normalize", True) else 1
    return expected * n / (x.shape[-1] * x.shape[-2] * x.shape[-3])


def _gram_cols(args, kwargs, expected):
    V = np.asarray(args[0], float)
    return V.T @ V


EXERCISES = [
    Exercise(
        "gram",
        2,
        [
            _g(
                "worked examples",
                2,
                _fixed(C([[1, 2], [3, 4]]), C(np.eye(3)), C([[1.0, 2.0, 3.0]], note="k = 1")),
            ),
            _g("random (k, n)", 2, _gram_random),
            _g("hidden random (k, n)", 3, _gram_random, public=False),
        ],
        misconceptions=[
            ("the Gram matrix of the columns (VᵀV) instead of the rows (VVᵀ)", _gram_cols),
            TRANSPOSED,
        ],
    ),
    Exercise(
        "gram_matrix",
        2,
        [
            _g("worked examples", 2, _gram_matrix_examples),
            _g("random feature maps, numpy and torch", 3, _gram_matrix_random),
            _g("hidden random feature maps", 3, _gram_matrix_random, public=False),
        ],
        torch=True,
        strict_type=True,
        misconceptions=[
            ("the Gram matrix without the 1/(H·W) normalisation", _unnormalised),
            ("the Gram matrix divided by C·H·W instead of H·W", _by_chw),
        ],
    ),
    Exercise(
        "gramian_angular_field",
        2,
        [
            _g(
                "worked examples",
                2,
                _fixed(
                    C([1.0, 2.0, 3.0, 4.0]),
                    C([1.0, 2.0, 3.0, 4.0], kind="difference"),
                    C([0.0, 1.0], note="two points"),
                ),
            ),
            _g(
                "constant series or unknown kind raises ValueError",
                1,
                _fixed(
                    E([2.0, 2.0, 2.0], note="a constant series"),
                    E([1.0, 2.0, 3.0], kind="product", note="an unknown kind"),
                ),
            ),
            _g("random series", 2, _gaf_random),
            _g("hidden random series", 3, _gaf_random, public=False),
        ],
        tol=(1e-6, 1e-6),
        misconceptions=[TRANSPOSED],
    ),
]
