"""Chapter 4 (solutions/correlation_vs_convolution.py) against scipy.signal and torch:
correlate2d, convolve2d, conv_output_size."""

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from solutions import conv_output_size, convolve2d, correlate2d

RNG = np.random.default_rng(4)
MODES = ["valid", "same", "full"]
small = st.floats(-10, 10, allow_nan=False, allow_infinity=False)

FITTING = [
    ((1, 1), (1, 1)),
    ((5, 5), (1, 1)),
    ((5, 5), (3, 3)),
    ((6, 9), (2, 4)),
    ((7, 4), (4, 1)),
    ((4, 6), (4, 6)),
    ((5, 5), (5, 5)),
    ((8, 8), (2, 2)),
    ((9, 3), (3, 2)),
]
LARGER = [((2, 2), (3, 3)), ((3, 5), (4, 2)), ((1, 1), (2, 3)), ((3, 4), (5, 6)), ((4, 2), (2, 4))]


@pytest.mark.parametrize("shape, kshape", FITTING)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "fn, ref", [(correlate2d, scipy.signal.correlate2d), (convolve2d, scipy.signal.convolve2d)]
)
def test_matches_scipy_all_modes(fn, ref, shape, kshape, mode):
    a, k = RNG.normal(size=shape), RNG.normal(size=kshape)
    expected = ref(a, k, mode)
    out = fn(a, k, mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, kshape", LARGER)
@pytest.mark.parametrize("mode", ["same", "full"])
@pytest.mark.parametrize(
    "fn, ref", [(correlate2d, scipy.signal.correlate2d), (convolve2d, scipy.signal.convolve2d)]
)
def test_kernel_larger_than_input_same_and_full(fn, ref, shape, kshape, mode):
    a, k = RNG.normal(size=shape), RNG.normal(size=kshape)
    expected = ref(a, k, mode)
    out = fn(a, k, mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "fn, ref", [(correlate2d, scipy.signal.correlate2d), (convolve2d, scipy.signal.convolve2d)]
)
def test_ints_lists_float32(fn, ref, mode):
    a, k = RNG.integers(-9, 9, size=(5, 6)), RNG.integers(-3, 3, size=(2, 3))
    expected = ref(a, k, mode)
    np.testing.assert_array_equal(fn(a, k, mode), expected)
    np.testing.assert_array_equal(fn(a.tolist(), k.tolist(), mode), expected)
    af, kf = RNG.normal(size=(6, 5)).astype(np.float32), RNG.normal(size=(3, 3)).astype(np.float32)
    out = fn(af, kf, mode)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out, ref(af.astype(np.float64), kf.astype(np.float64), mode), rtol=1e-4, atol=1e-5
    )


@pytest.mark.parametrize(
    "xs, ks", [((1, 1, 5, 5), (1, 1, 3, 3)), ((1, 1, 6, 4), (1, 1, 2, 3)), ((1, 1, 3, 3), (1, 1, 3, 3))]
)
def test_correlate2d_valid_is_torch_conv2d(xs, ks):
    a, k = RNG.normal(size=xs), RNG.normal(size=ks)
    expected = F.conv2d(torch.from_numpy(a), torch.from_numpy(k))[0, 0].numpy()
    np.testing.assert_allclose(correlate2d(a[0, 0], k[0, 0]), expected, rtol=1e-12, atol=1e-12)
    flipped = F.conv2d(torch.from_numpy(a), torch.from_numpy(k).flip(dims=[2, 3]))[0, 0].numpy()
    np.testing.assert_allclose(convolve2d(a[0, 0], k[0, 0]), flipped, rtol=1e-12, atol=1e-12)


# --- properties ---------------------------------------------------------------------------------

two_d = st.tuples(st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda s: arrays(np.float64, s, elements=small)
)


@settings(max_examples=30, deadline=None)
@given(two_d, two_d, st.integers(0, 2**32 - 1), st.floats(-3, 3), st.floats(-3, 3))
def test_convolution_linear_and_commutative_in_full_mode(a, k, seed, alpha, beta):
    np.testing.assert_allclose(convolve2d(a, k, "full"), convolve2d(k, a, "full"), rtol=1e-9, atol=1e-9)
    b = np.random.default_rng(seed).normal(size=a.shape)
    np.testing.assert_allclose(
        convolve2d(alpha * a + beta * b, k, "full"),
        alpha * convolve2d(a, k, "full") + beta * convolve2d(b, k, "full"),
        rtol=1e-9,
        atol=1e-8,
    )


@settings(max_examples=30, deadline=None)
@given(two_d, two_d, st.sampled_from(MODES))
def test_convolve_is_correlate_with_flipped_kernel(a, k, mode):
    if mode == "valid" and (k.shape[0] > a.shape[0] or k.shape[1] > a.shape[1]):
        a, k = k, a  # valid mode needs the kernel to fit
        if k.shape[0] > a.shape[0] or k.shape[1] > a.shape[1]:
            return
    conv = convolve2d(a, k, mode)
    expected = scipy.signal.convolve2d(a, k, mode)
    np.testing.assert_allclose(conv, expected, rtol=1e-9, atol=1e-9)
    if mode != "same" or all(s % 2 for s in k.shape):  # "same" centres differ for even kernels
        np.testing.assert_allclose(conv, correlate2d(a, k[::-1, ::-1], mode), rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20), st.integers(1, 7), st.integers(0, 3), st.integers(1, 4), st.integers(1, 3))
def test_conv_output_size_equals_torch_conv2d_output(n, k, p, s, d):
    try:
        out = torch.nn.functional.conv2d(
            torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d
        ).shape[-1]
    except RuntimeError:  # torch: "Kernel size can't be greater than input"
        with pytest.raises(ValueError):
            conv_output_size(n, k, p, s, d)
        return
    assert conv_output_size(n, k, padding=p, stride=s, dilation=d) == out


def test_conv_output_size_formula_examples():
    assert conv_output_size(56, 3, padding=1) == 56
    assert conv_output_size(224, 7, padding=3, stride=2) == 112
    assert conv_output_size(5, 3, dilation=2) == 1
    assert conv_output_size(np.int64(10), 3) == 8
    assert isinstance(conv_output_size(np.int64(10), 3), int)


def test_conv_output_size_errors():
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(3, 5)
    with pytest.raises(ValueError, match="dilation"):
        conv_output_size(5, 3, dilation=3)
    with pytest.raises(ValueError, match="stride"):
        conv_output_size(5, 3, stride=0)
    with pytest.raises(ValueError, match="padding"):
        conv_output_size(5, 3, padding=-1)
    with pytest.raises(ValueError, match="n must"):
        conv_output_size(5.0, 3)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [correlate2d, convolve2d])
def test_errors_name_the_argument(fn):
    with pytest.raises(ValueError, match="valid"):
        fn(np.ones((3, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="valid"):
        fn(np.ones((3, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="2-D"):
        fn(np.ones(5), np.ones((2, 2)))
    with pytest.raises(ValueError, match="2-D"):
        fn(np.ones((5, 5)), np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match="mode"):
        fn(np.ones((5, 5)), np.ones((2, 2)), mode="circular")
    with pytest.raises(ValueError, match="empty"):
        fn(np.ones((5, 5)), np.ones((0, 2)), mode="full")


# --- seed 003 (Chinese blog, "互相关运算和卷积运算"): its printed numbers are wrong ------------------

A = np.arange(1.0, 10.0).reshape(3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_seed_003_first_example_cross_correlation():
    # seed: F.conv2d(x, h) with h = [[1, 2], [3, 4]] "输出结果为 [[20, 26], [38, 44]]" — wrong
    h = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = [[37, 47], [67, 77]]  # 1·1 + 2·2 + 4·3 + 5·4 = 37
    np.testing.assert_array_equal(correlate2d(A, h), expected)
    np.testing.assert_array_equal(
        F.conv2d(torch.from_numpy(A)[None, None], torch.from_numpy(h)[None, None])[0, 0], expected
    )


def test_seed_003_second_example_with_B_2356():
    # seed: A ⋆ [[2, 3], [5, 6]]: "C00 = 1×2 + 2×3 + 4×5 + 5×6 = 20", printed [[20, 26], [38, 44]] — wrong
    B = np.array([[2.0, 3.0], [5.0, 6.0]])
    assert 1 * 2 + 2 * 3 + 4 * 5 + 5 * 6 == 58
    np.testing.assert_array_equal(correlate2d(A, B), [[58, 74], [106, 122]])
    np.testing.assert_array_equal(correlate2d(A, B), scipy.signal.correlate2d(A, B, "valid"))


def test_seed_003_convolution_example():
    # seed: F.conv2d(x, h.flip(dims=[2, 3])) "输出结果为 [[13, 20], [29, 36]]" — wrong; and its hand
    # computations "互相关 [[25, 31], [73, 79]]" / "卷积 [[20, 26], [38, 44]]" are wrong too
    h = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = [[23, 33], [53, 63]]  # 1·4 + 2·3 + 4·2 + 5·1 = 23
    np.testing.assert_array_equal(convolve2d(A, h), expected)
    np.testing.assert_array_equal(scipy.signal.convolve2d(A, h, "valid"), expected)
    np.testing.assert_array_equal(
        F.conv2d(torch.from_numpy(A)[None, None], torch.from_numpy(h)[None, None].flip(dims=[2, 3]))[0, 0],
        expected,
    )


def test_seed_003_sobel_example():
    # seed: a 3×3 input with the 3×3 kernel [[1, 0, −1], [2, 0, −2], [1, 0, −1]] "输出结果为
    # [[0, −3], [−12, −15]]" — wrong shape and values: valid output is 1×1, [[−8]]
    k = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(correlate2d(A, k), [[-8]])
    np.testing.assert_array_equal(
        F.conv2d(torch.from_numpy(A)[None, None], torch.from_numpy(k)[None, None])[0, 0], [[-8]]
    )
