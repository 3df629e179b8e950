"""Chapter 1, Inner products.

The chapter's exercises as data (the reference is `solutions/inner_products.py`):
case generators (rng -> cases), the known wrong answers (misconceptions) and custom judges,
then the chapter's `EXERCISES`, in catalogue order."""

import numpy as np

from ._base import EXACT, C, Case, E, Exercise, _fixed, _g, _normal


def _inner_random(rng):
    out = []
    for n in (1, 3, 17, 100):
        out.append(C(_normal(rng, n), _normal(rng, n)))
    out.append(C(_normal(rng, 8, dtype=np.float32), _normal(rng, 8, dtype=np.float32)))
    out.append(
        C(
            list(rng.integers(-5, 6, 6).tolist()),
            list(rng.integers(-5, 6, 6).tolist()),
            note="Python lists of ints",
        )
    )
    return out


def _angle_exact(rng):
    """(Anti)parallel vectors whose naive cosine rounds to 1 − 1 ulp (arccos: ~1e-6°)."""
    if rng is None:
        return [
            C([1, 3], [3, 9], note="parallel vectors", tol=EXACT),
            C([2.0, 4.0], [-10.0, -20.0], note="antiparallel vectors", tol=EXACT),
            C([8.0, 8.0], [56.0, 56.0], note="parallel vectors", tol=EXACT),
            C([7.0, 8.0], [-21.0, -24.0], degrees=False, note="antiparallel, radians", tol=EXACT),
            C([3.0, 4.0], [3.0, 4.0], note="a vector with itself", tol=EXACT),
            # 0.1·(9, 6): every usual cosine (one or two square roots, np.linalg.norm, scaled
            # by max |entry| first) rounds below 1 here, so arccos gives ~1e-6°, not 0
            C([9.0, 6.0], [0.1 * 9.0, 0.1 * 6.0], note="parallel vectors", tol=EXACT),
            C([9.0, 6.0], [-0.1 * 9.0, -0.1 * 6.0], note="antiparallel vectors", tol=EXACT),
        ]
    out = []
    for _ in range(6):
        a = rng.integers(1, 10, int(rng.integers(2, 5))).astype(np.float64)
        s = float(rng.choice([3.0, 5.0, 7.0, -3.0, -5.0, -7.0, 0.1, 0.3]))
        out.append(C(a, s * a, note="parallel vectors" if s > 0 else "antiparallel vectors", tol=EXACT))
    return out


def _angle_random(rng):
    out = [C(_normal(rng, n), _normal(rng, n)) for n in (2, 3, 10)]
    out.append(C(_normal(rng, 4), _normal(rng, 4), degrees=False))
    return out


def _direction_random(rng):
    out = []
    for n in (2, 5, 30):
        a = _normal(rng, n)
        b = _normal(rng, n)
        out.append(C(a, b))
        out.append(C(a, -a + 1e-3 * b))
        c = b - (a @ b) / (a @ a) * a  # orthogonal to a up to rounding
        out.append(C(a, c, note="orthogonal up to rounding"))
    return out


_ERRORS_1 = [E([1, 2], [1, 2, 3], note="lengths differ")]
_ZERO = [
    E([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], note="a zero vector"),
    E([1.0, 2.0], [1.0, 2.0, 3.0], note="lengths differ"),
]


def _angle_arccos(args, kwargs, expected):
    a, b = (np.asarray(v, float) for v in args[:2])
    th = np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))
    return float(np.degrees(th)) if kwargs.get("degrees", True) else float(th)


def _angle_radians(args, kwargs, expected):
    if kwargs.get("degrees", True) is False:
        return float(np.degrees(expected))
    return float(np.radians(expected))


EXERCISES = [
    Exercise(
        "inner",
        1,
        [
            _g(
                "worked examples",
                2,
                _fixed(C([1, 2, 3], [4, 5, 6], note="seed 000, §1.2"), C([1, 0], [0, 1]), C([2.5], [-4.0])),
            ),
            _g("length mismatch raises ValueError", 1, _fixed(*_ERRORS_1)),
            _g("random vectors", 2, _inner_random),
            _g("hidden random vectors", 3, _inner_random, public=False),
        ],
    ),
    Exercise(
        "cosine_similarity",
        1,
        [
            _g("worked examples", 2, _fixed(C([1, 2, 3], [4, 5, 6]), C([1, 0], [0, 1]), C([1, 1], [-2, -2]))),
            _g("zero vector or length mismatch raises ValueError", 1, _fixed(*_ZERO)),
            _g("random vectors", 2, _inner_random),
            _g("hidden random vectors", 3, _inner_random, public=False),
        ],
    ),
    Exercise(
        "angle_between",
        1,
        [
            _g(
                "worked examples",
                2,
                _fixed(C([1, 0], [0, 1]), C([1, 0], [1, 1]), C([1, 0], [-1, 1], degrees=False)),
            ),
            _g("exactly 0 and 180 for (anti)parallel vectors", 2, lambda rng: _angle_exact(None)),
            _g("zero vector or length mismatch raises ValueError", 1, _fixed(*_ZERO)),
            _g("random vectors", 1, _angle_random),
            _g("hidden random vectors", 2, _angle_random, public=False),
            _g("hidden (anti)parallel vectors", 1, _angle_exact, public=False),
        ],
        misconceptions=[
            (
                "arccos of the cosine: rounding leaves a tiny angle between (anti)parallel vectors",
                _angle_arccos,
            ),
            ("radians and degrees swapped", _angle_radians),
        ],
    ),
    Exercise(
        "direction",
        1,
        [
            _g(
                "worked examples (seed 000, §1.3)",
                2,
                _fixed(
                    C([1, 0], [1, 1]),
                    C([1, 0], [0, 1]),
                    C([1, 0], [-1, 1]),
                    C([1.0, 0.0], [1e-12, 1.0], note="a·b = 1e-12: orthogonal within tol"),
                    Case(args=([1.0, 0.0], [1e-3, 1.0]), kwargs={"tol": 1e-2}, note="a custom tol"),
                ),
            ),
            _g("random vectors", 2, _direction_random),
            _g("hidden random vectors", 3, _direction_random, public=False),
        ],
    ),
]
