"""Chapter 3 (solutions/convolution_as_matmul.py) against numpy, scipy and torch:
toeplitz_1d, conv_matrix_2d, im2col, conv2d_im2col, unroll_matrix."""

import itertools

import numpy as np
import pytest
import scipy.linalg
import scipy.signal
import scipy.sparse
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import solutions.convolution_as_matmul
from solutions import (
    conv2d_im2col,
    conv2d_im2col_fast,
    conv_matrix_2d,
    conv_matrix_2d_fast,
    convolve2d,
    im2col,
    toeplitz_1d,
    unroll_matrix,
)

RNG = np.random.default_rng(3)
small = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def dense(M):
    return M.toarray() if scipy.sparse.issparse(M) else np.asarray(M)


# --- toeplitz_1d --------------------------------------------------------------------------------


@pytest.mark.parametrize("m, n", [(1, 1), (1, 5), (3, 1), (3, 8), (8, 3), (5, 5)])
def test_toeplitz_1d_matches_scipy_toeplitz_and_np_convolve(m, n):
    h = RNG.normal(size=m)
    T = toeplitz_1d(h, n)
    assert T.shape == (n + m - 1, n)
    first_col = np.concatenate([h, np.zeros(n - 1)])
    first_row = np.concatenate([h[:1], np.zeros(n - 1)])
    np.testing.assert_array_equal(T, scipy.linalg.toeplitz(first_col, first_row))
    x = RNG.normal(size=n)
    np.testing.assert_allclose(T @ x, np.convolve(x, h), rtol=1e-12, atol=1e-12)


def test_toeplitz_1d_lists_ints_float32():
    T = toeplitz_1d([1, 2, 3], 2)
    np.testing.assert_array_equal(T, [[1, 0], [2, 1], [3, 2], [0, 3]])
    h = RNG.normal(size=4).astype(np.float32)
    x = RNG.normal(size=6).astype(np.float32)
    np.testing.assert_allclose(toeplitz_1d(h, 6) @ x, np.convolve(x, h), rtol=1e-4, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 8), elements=small),
    arrays(np.float64, st.integers(1, 12), elements=small),
)
def test_toeplitz_matvec_is_convolution(h, x):
    np.testing.assert_allclose(toeplitz_1d(h, len(x)) @ x, np.convolve(x, h), rtol=1e-9, atol=1e-9)


def test_toeplitz_1d_errors_name_h_and_n():
    with pytest.raises(ValueError, match="h"):
        toeplitz_1d([[1, 2], [3, 4]], 3)
    with pytest.raises(ValueError, match="h"):
        toeplitz_1d([], 3)
    with pytest.raises(ValueError, match="n must"):
        toeplitz_1d([1, 2], 0)
    with pytest.raises(ValueError, match="n must"):
        toeplitz_1d([1, 2], 2.5)


# --- conv_matrix_2d -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, kshape",
    [
        ((1, 1), (1, 1)),
        ((5, 5), (1, 1)),
        ((4, 6), (2, 3)),
        ((7, 3), (3, 3)),
        ((5, 5), (5, 5)),
        ((3, 4), (3, 4)),
        ((6, 6), (2, 2)),
    ],
)
@pytest.mark.parametrize("mode", ["full", "valid"])
def test_conv_matrix_2d_matches_scipy_convolve2d(shape, kshape, mode):
    x, k = RNG.normal(size=shape), RNG.normal(size=kshape)
    expected = scipy.signal.convolve2d(x, k, mode)
    M = conv_matrix_2d(k, shape, mode)
    assert M.shape == (expected.size, x.size)
    np.testing.assert_allclose((M @ x.ravel()).reshape(expected.shape), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, kshape", [((2, 2), (3, 3)), ((2, 5), (4, 1)), ((1, 1), (2, 3))])
def test_conv_matrix_2d_full_kernel_larger_than_input(shape, kshape):
    x, k = RNG.normal(size=shape), RNG.normal(size=kshape)
    expected = scipy.signal.convolve2d(x, k, "full")
    np.testing.assert_allclose(
        (conv_matrix_2d(k, shape) @ x.ravel()).reshape(expected.shape), expected, atol=1e-12
    )


def test_conv_matrix_2d_int_kernel_list_and_float32():
    k = [[1, 2], [3, 4]]
    x = RNG.integers(-5, 5, size=(4, 3))
    expected = scipy.signal.convolve2d(x, k, "valid")
    np.testing.assert_array_equal(
        (conv_matrix_2d(k, (4, 3), "valid") @ x.ravel()).reshape(expected.shape), expected
    )
    kf, xf = RNG.normal(size=(3, 2)).astype(np.float32), RNG.normal(size=(5, 5)).astype(np.float32)
    expected = scipy.signal.convolve2d(xf.astype(np.float64), kf.astype(np.float64), "full")
    np.testing.assert_allclose(
        (conv_matrix_2d(kf, (5, 5)) @ xf.ravel()).reshape(expected.shape), expected, rtol=1e-4, atol=1e-5
    )


def test_conv_matrix_2d_is_doubly_block_toeplitz():
    # full mode: blocks (out_w, W) indexed by (output row, input row) depend only on their difference,
    # and each block is the 1-D Toeplitz matrix of a kernel row.
    k = RNG.normal(size=(2, 3))
    H, W = 4, 5
    M = dense(conv_matrix_2d(k, (H, W)))
    out_h, out_w = H + 1, W + 2
    for p in range(out_h):
        for i in range(H):
            block = M[p * out_w : (p + 1) * out_w, i * W : (i + 1) * W]
            expected = toeplitz_1d(k[p - i], W) if 0 <= p - i < 2 else np.zeros((out_w, W))
            np.testing.assert_array_equal(block, expected)


@pytest.mark.parametrize(
    "shape, kshape, mode",
    [
        ((6, 5), (3, 2), "full"),
        ((6, 5), (3, 2), "valid"),
        ((2, 2), (3, 3), "full"),
        ((1, 4), (1, 1), "full"),
        ((1, 4), (1, 1), "valid"),
        ((4, 4), (4, 4), "valid"),
    ],
)
def test_conv_matrix_2d_csr_is_canonical_and_matches_the_coo_construction(shape, kshape, mode):
    # built directly in CSR: sorted column indices, no duplicates, no stored entry outside x, and the
    # same entries as the textbook construction M[(i + a − top)·out_w + (j + b − left), i·W + j] = k[a, b]
    k = RNG.normal(size=kshape)
    (H, W), (kh, kw) = shape, kshape
    top, left = (0, 0) if mode == "full" else (kh - 1, kw - 1)
    out_h, out_w = (H + kh - 1, W + kw - 1) if mode == "full" else (H - kh + 1, W - kw + 1)
    rows, cols, vals = [], [], []
    for i, j, a, b in itertools.product(range(H), range(W), range(kh), range(kw)):
        p, q = i + a - top, j + b - left
        if 0 <= p < out_h and 0 <= q < out_w:
            rows.append(p * out_w + q), cols.append(i * W + j), vals.append(k[a, b])
    expected = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(out_h * out_w, H * W)).tocsr()
    M = conv_matrix_2d(k, shape, mode)
    assert M.format == "csr" and M.nnz == len(vals)
    assert all(np.all(np.diff(M.indices[s:e]) > 0) for s, e in zip(M.indptr[:-1], M.indptr[1:]))
    np.testing.assert_array_equal(M.indptr, expected.indptr)
    np.testing.assert_array_equal(M.indices, expected.indices)
    np.testing.assert_array_equal(M.data, expected.data)


def test_conv_matrix_2d_errors():
    with pytest.raises(ValueError, match="kernel"):
        conv_matrix_2d([1, 2, 3], (4, 4))
    with pytest.raises(ValueError, match="kernel"):
        conv_matrix_2d(np.ones((5, 2)), (4, 4), "valid")
    with pytest.raises(ValueError, match="mode"):
        conv_matrix_2d(np.ones((2, 2)), (4, 4), "diagonal")


# seed 002 (French Q&A "Convolution 2D comme multiplication matrice-matrice"), the worked example:
SEED_002_A = np.array([[5, 1, 3], [1, 1, 2], [2, 1, 3]])
SEED_002_B = np.array([[4, 3], [1, 2]])
SEED_002_FULL = np.array(
    [[20, 19, 15, 9], [9, 18, 16, 12], [9, 13, 19, 13], [2, 5, 5, 6]]
)  # computed by hand and by scipy
SEED_002_VALID = np.array([[18, 16], [13, 19]])


def test_seed_002_worked_example_full_and_valid():
    np.testing.assert_array_equal(scipy.signal.convolve2d(SEED_002_A, SEED_002_B, "full"), SEED_002_FULL)
    np.testing.assert_array_equal(scipy.signal.convolve2d(SEED_002_A, SEED_002_B, "valid"), SEED_002_VALID)
    for mode, expected in (("full", SEED_002_FULL), ("valid", SEED_002_VALID)):
        M = conv_matrix_2d(SEED_002_B, SEED_002_A.shape, mode)
        np.testing.assert_array_equal((M @ SEED_002_A.ravel()).reshape(expected.shape), expected)
        np.testing.assert_array_equal(convolve2d(SEED_002_A, SEED_002_B, mode), expected)
    # as a product with the unrolled input: the flipped kernel against each window
    np.testing.assert_array_equal(
        unroll_matrix(SEED_002_A, 2) @ SEED_002_B[::-1, ::-1].ravel(), SEED_002_VALID.ravel()
    )


# --- the seed's unroll_matrix / unroll_kernel, quoted as artefacts (seed 002, answer by geoffn91) --

from numpy import zeros  # noqa: E402  (as in the seed)


def seed_unroll_matrix(X, m):
    flat_X = X.flatten()
    n = X.shape[0]
    unrolled_X = zeros(((n - m) ** 2, m**2))
    skipped = 0
    for i in range(n**2):
        if (i % n) < n - m and ((i / n) % n) < n - m:
            for j in range(m):
                for l in range(m):
                    unrolled_X[i - skipped, j * m + l] = flat_X[i + j * n + l]
        else:
            skipped += 1
    return unrolled_X


def seed_unroll_kernel(kernel, n, sparse=True):
    from scipy.sparse import lil_matrix

    m = kernel.shape[0]
    if sparse:
        unrolled_K = lil_matrix(((n - m) ** 2, n**2))
    else:
        unrolled_K = zeros(((n - m) ** 2, n**2))

    skipped = 0
    for i in range(n**2):
        if (i % n) < n - m and ((i / n) % n) < n - m:
            for j in range(m):
                for l in range(m):
                    unrolled_K[i - skipped, i + j * n + l] = kernel[j, l]
        else:
            skipped += 1
    return unrolled_K


@pytest.mark.parametrize("n, m", [(3, 2), (5, 3), (6, 1), (4, 4)])
def test_seed_unroll_matrix_has_too_few_rows_ours_matches_unfold(n, m):
    X = RNG.normal(size=(n, n))
    seed = seed_unroll_matrix(X, m)
    assert seed.shape == ((n - m) ** 2, m * m)  # the seed's bug: (n − m)² windows
    ours = unroll_matrix(X, m)
    assert ours.shape == ((n - m + 1) ** 2, m * m)  # all (n − m + 1)² windows
    expected = F.unfold(torch.from_numpy(X)[None, None], m)[0].T.numpy()
    np.testing.assert_array_equal(ours, expected)
    # the seed's rows are the windows whose top-left corner is not in the last row or column
    kept = [r * (n - m + 1) + c for r in range(n - m) for c in range(n - m)]
    np.testing.assert_array_equal(seed, ours[kept])


def test_seed_unroll_kernel_has_too_few_rows():
    k = RNG.normal(size=(2, 2))
    K = seed_unroll_kernel(k, 4)
    assert K.shape == ((4 - 2) ** 2, 16)  # should be (4 − 2 + 1)² rows
    ours = conv_matrix_2d(k[::-1, ::-1], (4, 4), "valid")  # the seed's kernel is already flipped
    assert ours.shape == (9, 16)
    np.testing.assert_array_equal(K.toarray(), dense(ours)[[0, 1, 3, 4]])


# --- im2col -------------------------------------------------------------------------------------

IM2COL_CASES = [  # (C, H, W), kernel_size, stride, padding
    ((1, 1, 1), 1, 1, 0),
    ((2, 5, 5), 1, 1, 0),
    ((3, 5, 7), 3, 1, 0),
    ((3, 5, 7), 3, 2, 1),
    ((2, 6, 4), (2, 3), (1, 2), (0, 1)),
    ((1, 4, 4), 4, 1, 0),
    ((4, 9, 8), (3, 1), (3, 2), (2, 2)),
    ((2, 3, 3), 5, 1, 1),
    ((1, 7, 5), (5, 2), 3, (2, 0)),
]


@pytest.mark.parametrize("shape, ks, stride, padding", IM2COL_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_im2col_matches_torch_unfold(shape, ks, stride, padding, dtype):
    x = RNG.normal(size=shape).astype(dtype)
    expected = F.unfold(torch.from_numpy(x)[None], ks, stride=stride, padding=padding)[0].numpy()
    out = im2col(x, ks, stride=stride, padding=padding)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, expected)


def test_im2col_int_and_lists():
    x = RNG.integers(-9, 9, size=(2, 4, 5))
    expected = F.unfold(torch.from_numpy(x.astype(np.float64))[None], (2, 3), padding=1)[0].numpy()
    np.testing.assert_array_equal(im2col(x, (2, 3), padding=1), expected)
    np.testing.assert_array_equal(im2col(x.tolist(), [2, 3], stride=[1, 1], padding=[1, 1]), expected)


def test_im2col_sizes_as_numpy_integers_and_0d_arrays():
    x = RNG.normal(size=(2, 5, 5))
    expected = im2col(x, 2, stride=1, padding=1)
    np.testing.assert_array_equal(
        im2col(x, np.array(2), stride=np.int64(1), padding=np.array([1, 1])), expected
    )
    np.testing.assert_array_equal(im2col(x, (np.array(2), np.int32(2)), padding=np.array(1)), expected)


def test_im2col_errors():
    with pytest.raises(ValueError, match="x must"):
        im2col(np.ones((4, 4)), 2)
    with pytest.raises(ValueError, match="kernel"):
        im2col(np.ones((1, 3, 3)), 4)
    with pytest.raises(TypeError, match="kernel_size"):
        im2col(np.ones((1, 3, 3)), (1, 2, 3))
    with pytest.raises(TypeError, match="stride"):
        im2col(np.ones((1, 3, 3)), 2, stride=1.5)
    with pytest.raises(TypeError, match="kernel_size"):
        im2col(np.ones((1, 3, 3)), np.array(2.0))
    with pytest.raises(TypeError, match="padding"):
        im2col(np.ones((1, 3, 3)), 2, padding=[])
    with pytest.raises(ValueError, match="stride"):
        im2col(np.ones((1, 3, 3)), 2, stride=0)


# --- conv2d_im2col ------------------------------------------------------------------------------

CONV_CASES = [  # x shape, weight shape, stride, padding
    ((1, 1, 1, 1), (1, 1, 1, 1), 1, 0),
    ((2, 3, 5, 5), (4, 3, 1, 1), 1, 0),
    ((2, 3, 6, 7), (5, 3, 3, 3), 1, 1),
    ((1, 2, 8, 6), (3, 2, 3, 2), 2, 0),
    ((3, 2, 9, 10), (2, 2, 4, 3), (2, 3), (1, 2)),
    ((1, 3, 4, 4), (2, 3, 4, 4), 1, 0),
    ((2, 1, 3, 3), (2, 1, 5, 5), 1, 1),
    ((1, 4, 11, 7), (6, 4, 3, 3), 3, 2),
]


@pytest.mark.parametrize("xs, ws, stride, padding", CONV_CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_conv2d_im2col_matches_torch_conv2d_float64(xs, ws, stride, padding, bias):
    x, w = RNG.normal(size=xs), RNG.normal(size=ws)
    b = RNG.normal(size=ws[0]) if bias else None
    expected = F.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        None if b is None else torch.from_numpy(b),
        stride=stride,
        padding=padding,
    ).numpy()
    out = conv2d_im2col(x, w, b, stride=stride, padding=padding)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("xs, ws, stride, padding", CONV_CASES[2:6])
def test_conv2d_im2col_float32(xs, ws, stride, padding):
    x, w = RNG.normal(size=xs).astype(np.float32), RNG.normal(size=ws).astype(np.float32)
    b = RNG.normal(size=ws[0]).astype(np.float32)
    expected = F.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), stride=stride, padding=padding
    )
    out = conv2d_im2col(x, w, b, stride=stride, padding=padding)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-4, atol=1e-5)


def test_conv2d_im2col_ints_and_lists():
    x = RNG.integers(-5, 5, size=(1, 2, 4, 4))
    w = RNG.integers(-3, 3, size=(3, 2, 2, 2))
    expected = F.conv2d(torch.from_numpy(x).double(), torch.from_numpy(w).double(), padding=1).numpy()
    np.testing.assert_array_equal(conv2d_im2col(x, w, padding=1), expected)
    np.testing.assert_array_equal(conv2d_im2col(x.tolist(), w.tolist(), [0, 0, 0], padding=[1, 1]), expected)


def test_conv2d_im2col_errors():
    with pytest.raises(ValueError, match="x must be"):
        conv2d_im2col(np.ones((3, 4, 4)), np.ones((1, 3, 2, 2)))
    with pytest.raises(ValueError, match="channels"):
        conv2d_im2col(np.ones((1, 3, 4, 4)), np.ones((1, 2, 2, 2)))
    with pytest.raises(ValueError, match="kernel"):
        conv2d_im2col(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))


def test_conv2d_im2col_uses_no_library_convolution(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("conv2d_im2col called a library convolution")

    for module, name in (
        (F, "conv2d"),
        (F, "unfold"),
        (torch, "conv2d"),
        (scipy.signal, "correlate2d"),
        (scipy.signal, "convolve2d"),
        (scipy.signal, "fftconvolve"),
        (scipy.signal, "correlate"),
        (scipy.signal, "convolve"),
    ):
        monkeypatch.setattr(module, name, forbidden)
    x, w = RNG.normal(size=(2, 3, 6, 6)), RNG.normal(size=(4, 3, 3, 3))
    assert conv2d_im2col(x, w, padding=1).shape == (2, 4, 6, 6)
    assert not any(
        getattr(v, "__name__", "").startswith(("torch", "scipy.signal", "scipy.ndimage"))
        for v in vars(solutions.convolution_as_matmul).values()
    )


# --- unroll_matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("n, m", [(1, 1), (3, 1), (3, 3), (4, 2), (7, 3)])
def test_unroll_matrix_matches_unfold(n, m):
    X = RNG.normal(size=(n, n))
    expected = F.unfold(torch.from_numpy(X)[None, None], m)[0].T.numpy()
    np.testing.assert_array_equal(unroll_matrix(X, m), expected)
    np.testing.assert_array_equal(unroll_matrix(X.tolist(), m), expected)


def test_unroll_matrix_errors():
    with pytest.raises(ValueError, match="square"):
        unroll_matrix(np.ones((3, 4)), 2)
    with pytest.raises(ValueError, match="m must"):
        unroll_matrix(np.ones((3, 3)), 4)
    with pytest.raises(ValueError, match="m must"):
        unroll_matrix(np.ones((3, 3)), 0)


# --- the fast paths: conv_matrix_2d_fast, conv2d_im2col_fast --------------------------------------


@pytest.mark.parametrize(
    "shape, kshape",
    [
        ((1, 1), (1, 1)),
        ((5, 5), (1, 1)),
        ((4, 6), (2, 3)),
        ((7, 3), (3, 3)),
        ((2, 2), (3, 3)),
        ((1, 4), (1, 1)),
        ((9, 8), (4, 5)),
        ((3, 11), (3, 1)),
    ],
)
@pytest.mark.parametrize("mode", ["full", "valid"])
def test_conv_matrix_2d_fast_is_the_reference_entry_for_entry(shape, kshape, mode):
    if mode == "valid" and (kshape[0] > shape[0] or kshape[1] > shape[1]):
        pytest.skip("the kernel does not fit")
    k = RNG.normal(size=kshape)
    k[0, -1] = 0.0  # a zero tap is stored by both, or by neither
    fast, ref = conv_matrix_2d_fast(k, shape, mode), conv_matrix_2d(k, shape, mode)
    assert scipy.sparse.issparse(fast) and fast.format == "csr" and fast.shape == ref.shape
    assert fast.dtype == ref.dtype and fast.nnz == ref.nnz
    ref.sort_indices()
    np.testing.assert_array_equal(fast.indptr, ref.indptr)
    np.testing.assert_array_equal(fast.indices, ref.indices)
    np.testing.assert_array_equal(fast.data, ref.data)
    x = RNG.normal(size=shape)  # and both are scipy's convolution
    np.testing.assert_allclose(
        (fast @ x.ravel()).reshape(scipy.signal.convolve2d(x, k, mode).shape),
        scipy.signal.convolve2d(x, k, mode),
        rtol=1e-12,
        atol=1e-12,
    )


def test_conv_matrix_2d_fast_int_kernels_and_errors():
    k = [[1, -2], [3, 4]]
    np.testing.assert_array_equal(dense(conv_matrix_2d_fast(k, (3, 4))), dense(conv_matrix_2d(k, (3, 4))))
    assert conv_matrix_2d_fast(k, (3, 4)).dtype == conv_matrix_2d(k, (3, 4)).dtype
    for args in (
        ([1, 2, 3], (4, 4)),
        (np.ones((5, 2)), (4, 4), "valid"),
        (np.ones((2, 2)), (4, 4), "diagonal"),
    ):
        with pytest.raises(ValueError) as ref_error:
            conv_matrix_2d(*args)
        with pytest.raises(ValueError) as fast_error:
            conv_matrix_2d_fast(*args)
        assert str(fast_error.value).replace("_fast", "") == str(ref_error.value)


FAST_CONV_CASES = (
    CONV_CASES
    + [  # 1×1 kernels with stride and padding, odd sizes, kernels as large as the padded input
        ((2, 5, 7, 9), (3, 5, 1, 1), 2, 1),
        ((1, 3, 13, 5), (2, 3, 1, 1), (3, 1), (0, 2)),
        ((2, 2, 5, 5), (3, 2, 7, 7), 1, 1),
        ((3, 4, 17, 15), (5, 4, 3, 3), 1, 1),
        ((1, 2, 30, 3), (2, 2, 3, 3), 1, 0),
        ((2, 3, 8, 8), (4, 3, 2, 2), 2, 0),
        ((1, 1, 6, 9), (1, 1, 3, 4), (1, 2), (2, 0)),
    ]
)


@pytest.mark.parametrize("xs, ws, stride, padding", FAST_CONV_CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_conv2d_im2col_fast_equals_the_reference_and_torch(xs, ws, stride, padding, bias):
    x, w = RNG.normal(size=xs), RNG.normal(size=ws)
    b = RNG.normal(size=ws[0]) if bias else None
    ref = conv2d_im2col(x, w, b, stride=stride, padding=padding)
    fast = conv2d_im2col_fast(x, w, b, stride=stride, padding=padding)
    expected = F.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        None if b is None else torch.from_numpy(b),
        stride=stride,
        padding=padding,
    ).numpy()
    assert fast.shape == ref.shape == expected.shape and fast.dtype == ref.dtype
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast, expected, rtol=1e-6, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 5),
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(0, 2**32 - 1),
)
def test_conv2d_im2col_fast_property_random_shapes(N, C, H, W, O, kh, kw, sh, sw, ph, pw, seed):
    if H + 2 * ph < kh or W + 2 * pw < kw:
        return  # the kernel does not fit: both raise (tested below)
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(N, C, H, W)), rng.normal(size=(O, C, kh, kw)), rng.normal(size=O)
    fast = conv2d_im2col_fast(x, w, b, stride=(sh, sw), padding=(ph, pw))
    np.testing.assert_allclose(
        fast, conv2d_im2col(x, w, b, stride=(sh, sw), padding=(ph, pw)), rtol=1e-12, atol=1e-12
    )
    expected = F.conv2d(*map(torch.from_numpy, (x, w, b)), stride=(sh, sw), padding=(ph, pw)).numpy()
    np.testing.assert_allclose(fast, expected, rtol=1e-6, atol=1e-8)


def test_conv2d_im2col_fast_float32_stays_float32_the_bench_layer():
    # the benchmark's layer at a smaller batch: float32 in, float32 out, torch's numbers
    x = RNG.normal(size=(2, 64, 56, 56)).astype(np.float32)
    w, b = RNG.normal(size=(64, 64, 3, 3)).astype(np.float32), RNG.normal(size=64).astype(np.float32)
    fast = conv2d_im2col_fast(x, w, b, padding=1)
    assert fast.dtype == np.float32
    expected = F.conv2d(*map(torch.from_numpy, (x, w, b)), padding=1).numpy()
    np.testing.assert_allclose(fast, expected, rtol=1e-4, atol=2e-4)
    np.testing.assert_allclose(fast, conv2d_im2col(x, w, b, padding=1), rtol=1e-4, atol=2e-4)
    # mixed dtypes promote as the reference does
    assert (
        conv2d_im2col_fast(x[:1, :2, :5, :5], w[:3, :2].astype(np.float64)).dtype
        == conv2d_im2col(x[:1, :2, :5, :5], w[:3, :2].astype(np.float64)).dtype
        == np.float64
    )


def test_conv2d_im2col_fast_ints_lists_and_errors():
    x = RNG.integers(-5, 5, size=(1, 2, 4, 4))
    w = RNG.integers(-3, 3, size=(3, 2, 2, 2))
    np.testing.assert_array_equal(conv2d_im2col_fast(x, w, padding=1), conv2d_im2col(x, w, padding=1))
    np.testing.assert_array_equal(
        conv2d_im2col_fast(x.tolist(), w.tolist(), [0, 0, 0], padding=[1, 1]), conv2d_im2col(x, w, padding=1)
    )
    with pytest.raises(ValueError, match="x must be"):
        conv2d_im2col_fast(np.ones((3, 4, 4)), np.ones((1, 3, 2, 2)))
    with pytest.raises(ValueError, match="channels"):
        conv2d_im2col_fast(np.ones((1, 3, 4, 4)), np.ones((1, 2, 2, 2)))
    with pytest.raises(ValueError, match="kernel"):
        conv2d_im2col_fast(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="stride"):
        conv2d_im2col_fast(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=0)
    with pytest.raises(TypeError, match="padding"):
        conv2d_im2col_fast(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), padding=1.5)


def test_conv2d_im2col_fast_uses_no_library_convolution(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("conv2d_im2col_fast called a library convolution")

    for module, name in (
        (F, "conv2d"),
        (F, "unfold"),
        (torch, "conv2d"),
        (scipy.signal, "correlate2d"),
        (scipy.signal, "convolve2d"),
        (scipy.signal, "fftconvolve"),
        (scipy.signal, "correlate"),
        (scipy.signal, "convolve"),
        (np.lib.stride_tricks, "sliding_window_view"),
    ):
        monkeypatch.setattr(module, name, forbidden)
    x, w = RNG.normal(size=(2, 3, 6, 6)), RNG.normal(size=(4, 3, 3, 3))
    assert conv2d_im2col_fast(x, w, padding=1).shape == (2, 4, 6, 6)
