"""Chapter 1 (solutions/inner_products.py) against numpy: inner, cosine_similarity, angle_between, direction."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from solutions import angle_between, cosine_similarity, direction, inner

RNG = np.random.default_rng(20261123)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


# --- inner ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_inner_matches_np_dot(n):
    a, b = RNG.normal(size=n), RNG.normal(size=n)
    out = inner(a, b)
    assert isinstance(out, float)
    assert out == pytest.approx(np.dot(a, b), rel=1e-12, abs=1e-12)


def test_inner_accepts_lists_ints_and_float32():
    assert inner([1, 2, 3], [4, 5, 6]) == 32.0
    a = RNG.normal(size=50).astype(np.float32)
    b = RNG.normal(size=50).astype(np.float32)
    assert inner(a, b) == pytest.approx(
        float(np.dot(a.astype(np.float64), b.astype(np.float64))), rel=1e-4, abs=1e-5
    )


def test_inner_seed_000_definition():
    # seed 000 §1.1: "对两个向量执行内积运算,就是对这两个向量对应位一一相乘之后求和"
    assert inner([1, 2, 3], [4, 5, 6]) == 1 * 4 + 2 * 5 + 3 * 6


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 20).flatmap(
        lambda n: st.tuples(arrays(np.float64, n, elements=finite), arrays(np.float64, n, elements=finite))
    )
)
def test_inner_symmetric_and_matches_dot(ab):
    a, b = ab
    assert inner(a, b) == inner(b, a)
    assert inner(a, b) == pytest.approx(float(np.dot(a, b)), rel=1e-9, abs=1e-6)


def test_inner_large_integers_do_not_overflow():
    assert inner([2**40, 1], [2**40, 1]) == pytest.approx(2.0**80 + 1)


def test_inner_errors_name_the_arguments():
    with pytest.raises(ValueError, match="same length"):
        inner([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="1-D"):
        inner(np.ones((2, 2)), np.ones((2, 2)))


# --- cosine similarity --------------------------------------------------------------------------


def test_cosine_similarity_matches_numpy():
    for n in (2, 3, 64):
        a, b = RNG.normal(size=n), RNG.normal(size=n)
        expected = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
        assert cosine_similarity(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_cosine_similarity_errors():
    with pytest.raises(ValueError, match="zero vector"):
        cosine_similarity([0, 0, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="zero vector"):
        cosine_similarity([1, 2, 3], [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="zero vector"):  # scaled by max |entry|: a zero vector stays zero
        angle_between([0.0, -0.0], [1e-300, 0.0])
    with pytest.raises(ValueError, match="same length"):
        cosine_similarity([1, 2, 3], [1, 2])


# --- angle --------------------------------------------------------------------------------------


def test_angle_between_matches_arccos_away_from_0_and_180():
    for _ in range(50):
        a, b = RNG.normal(size=5), RNG.normal(size=5)
        cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
        assert angle_between(a, b) == pytest.approx(np.degrees(np.arccos(cos)), abs=1e-9)
        assert angle_between(a, b, degrees=False) == pytest.approx(np.arccos(cos), abs=1e-11)


@pytest.mark.parametrize("n", [2, 3, 10, 300])
def test_angle_exactly_0_and_180_for_parallel_and_antiparallel(n):
    for _ in range(100):
        a = RNG.normal(size=n)
        s = 10.0 ** RNG.uniform(-100, 100)  # many random scalings
        assert angle_between(a, s * a) == 0.0
        assert angle_between(a, -s * a) == 180.0
        assert angle_between(a, s * a, degrees=False) == 0.0
        assert angle_between(a, -s * a, degrees=False) == math.pi


@pytest.mark.parametrize("s", [1e160, 1e200, 1e-170, 1e-200])
def test_angle_parallel_at_extreme_scales(s):
    a = np.array([1.0, 2.0, 3.0])
    assert angle_between(s * a, a) == 0.0
    assert angle_between(s * a, -a) == 180.0
    assert cosine_similarity(s * a, a) == pytest.approx(1.0)


def test_arccos_of_the_cosine_is_not_exact_but_angle_between_is():
    # the reason the catalogue asks for exact 0: arccos(1 − 2⁻⁵³) is already ~6e-7 degrees
    assert np.degrees(np.arccos(1 - 2.0**-53)) > 1e-7
    a = np.array([0.1, 0.2, 0.3])
    assert angle_between(a, 3 * a) == 0.0


@pytest.mark.parametrize(
    "a, b",
    [
        ([1, 0], [0, 1]),
        ([3, 4], [-4, 3]),
        ([1, 2, 3], [3, 0, -1]),
        ([1, 1, 0], [1, -1, 5]),
        ([2.5, 0, 0, 0], [0, 0, 0, -7]),
    ],
)
def test_angle_exactly_90_for_orthogonal(a, b):
    assert angle_between(a, b) == 90.0
    assert angle_between(a, b, degrees=False) == math.pi / 2


def test_angle_in_range_and_same_errors_as_cosine():
    for _ in range(50):
        a, b = RNG.normal(size=4), RNG.normal(size=4)
        assert 0.0 <= angle_between(a, b) <= 180.0
    with pytest.raises(ValueError, match="zero vector"):
        angle_between([0, 0], [1, 1])
    with pytest.raises(ValueError, match="same length"):
        angle_between([1, 2, 3], [1, 2])


# --- direction ----------------------------------------------------------------------------------


def test_direction_three_cases_seed_000():
    # seed 000 §1.3: a·b > 0 acute (0°–90°), = 0 orthogonal, < 0 obtuse (90°–180°)
    assert direction([1, 0], [1, 1]) == "acute"
    assert direction([1, 0], [0, 1]) == "orthogonal"
    assert direction([1, 0], [-1, 1]) == "obtuse"


def test_direction_agrees_with_angle_and_tolerance():
    for _ in range(100):
        a, b = RNG.normal(size=3), RNG.normal(size=3)
        angle = angle_between(a, b)
        assert direction(a, b) == ("acute" if angle < 90 else "obtuse")
    # rounding does not decide orthogonality: 0.1·0.2 − 0.2·0.1 style cancellation
    a, b = np.array([0.1, 0.7, 0.3]), np.array([0.3, 0.0, -0.1])
    assert abs(np.dot(a, b)) < 1e-15
    assert direction(a, b) == "orthogonal"
    assert direction([1.0, 1e-6], [0.0, 1.0], tol=1e-3) == "orthogonal"
    assert direction([1.0, 1e-6], [0.0, 1.0], tol=1e-9) == "acute"
    with pytest.raises(ValueError, match="same length"):
        direction([1, 2], [1, 2, 3])
