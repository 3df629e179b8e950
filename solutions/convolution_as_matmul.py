"""Chapter 3: convolution as matrix multiplication.

Notation: a 1-D kernel h of length m and a signal x of length n; a 2-D input x (H, W) and
kernel k (kh, kw); im2col's x is (C, H, W); conv2d's input is (N, C, H, W), weight (O, C, kh, kw).
"""

import functools
import operator

import numpy as np
import scipy.sparse
from numpy.lib.stride_tricks import as_strided, sliding_window_view


def _pair(v, name):
    """An int (a 0-d integer array too) or a pair of ints → a pair of ints."""
    pair = (v, v) if np.ndim(v) == 0 else tuple(v)
    try:
        i, j = (operator.index(p) for p in pair)  # ints, numpy integers, 0-d integer arrays
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair of ints, got {v!r}") from None
    return i, j


def toeplitz_1d(h, n):
    """Toeplitz matrix T (n + m − 1, n) of the kernel h: Tᵢⱼ = h[i − j] (0 outside 0 ≤ i − j < m),
    so that T @ x = h * x (full convolution, np.convolve(x, h)) for every x of length n."""
    h = np.asarray(h)
    if h.ndim != 1 or len(h) == 0:
        raise ValueError(f"toeplitz_1d: h must be a non-empty 1-D kernel, got shape {h.shape}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"toeplitz_1d: n must be a positive int, got {n!r}")
    m = len(h)
    i, j = np.arange(n + m - 1)[:, None], np.arange(n)[None, :]
    lag = i - j  # (n + m − 1, n)
    return np.where((lag >= 0) & (lag < m), h[np.clip(lag, 0, m - 1)], 0)


def conv_matrix_2d(kernel, input_shape, mode="full"):
    """Doubly block Toeplitz matrix M (out_h·out_w, H·W), sparse (CSR), such that
    (M @ x.ravel()).reshape(out_h, out_w) == scipy.signal.convolve2d(x, kernel, mode):

        M[p·out_w + q, i·W + j] = k[p − i + top, q − j + left]   (0 where the tap is outside k),

    top = left = 0 in "full" mode (out_h, out_w) = (H + kh − 1, W + kw − 1); in "valid" mode
    top, left = kh − 1, kw − 1 and out_h = H − kh + 1 by out_w = W − kw + 1 (the kernel inside x).
    Filled tap by tap: tap (a, b) links every input pixel (i, j) to output (i + a − top, j + b − left).
    """
    k = np.asarray(kernel)
    if k.ndim != 2:
        raise ValueError(f"conv_matrix_2d: kernel must be 2-D, got shape {k.shape}")
    H, W = _pair(input_shape, "conv_matrix_2d: input_shape")
    kh, kw = k.shape
    if mode == "full":
        (out_h, out_w), (top, left) = (H + kh - 1, W + kw - 1), (0, 0)
    elif mode == "valid":
        if kh > H or kw > W:
            raise ValueError(
                f"conv_matrix_2d: in 'valid' mode the kernel {k.shape} must fit in the input {(H, W)}"
            )
        (out_h, out_w), (top, left) = (H - kh + 1, W - kw + 1), (kh - 1, kw - 1)
    else:
        raise ValueError(f"conv_matrix_2d: mode must be 'full' or 'valid', got {mode!r}")
    i, j = np.arange(H)[:, None], np.arange(W)[None, :]  # every input pixel
    rows, cols, taps = [], [], []
    for a in range(kh):
        for b in range(kw):
            p, q = i + a - top, j + b - left  # the output pixel it reaches through k[a, b]
            inside = (p >= 0) & (p < out_h) & (q >= 0) & (q < out_w)
            rows.append((p * out_w + q)[inside])
            cols.append((i * W + j)[inside])
            taps.append(np.full(inside.sum(), k[a, b]))
    return scipy.sparse.csr_matrix(
        (np.concatenate(taps), (np.concatenate(rows), np.concatenate(cols))), shape=(out_h * out_w, H * W)
    )


def conv_matrix_2d_fast(kernel, input_shape, mode="full"):
    """conv_matrix_2d with its CSR arrays built directly (the same matrix, entry for entry, and
    the same errors): no COO triplets to sort, int32 indices where they fit.

    Row p·out_w + q holds the taps (a, b) in reverse order, so that its columns
    i·W + j = (p + top)·W + (q + left) − (a·W + b) increase; in "full" mode the taps whose input
    pixel lies outside x are dropped. Measured about 35× faster than conv_matrix_2d on a 256×256
    input with a 5×5 kernel (bench/RESULTS.md has the 64×64 case).
    """
    k = np.asarray(kernel)
    if k.ndim != 2:
        raise ValueError(f"conv_matrix_2d: kernel must be 2-D, got shape {k.shape}")
    H, W = _pair(input_shape, "conv_matrix_2d: input_shape")
    kh, kw = k.shape
    if mode == "full":
        (out_h, out_w), (top, left) = (H + kh - 1, W + kw - 1), (0, 0)
    elif mode == "valid":
        if kh > H or kw > W:
            raise ValueError(
                f"conv_matrix_2d: in 'valid' mode the kernel {k.shape} must fit in the input {(H, W)}"
            )
        (out_h, out_w), (top, left) = (H - kh + 1, W - kw + 1), (kh - 1, kw - 1)
    else:
        raise ValueError(f"conv_matrix_2d: mode must be 'full' or 'valid', got {mode!r}")
    itype = np.int32 if (out_h + H) * (out_w + W) * kh * kw < 2**31 else np.int64  # bounds all indices
    a, b = np.arange(kh - 1, -1, -1, dtype=itype), np.arange(kw - 1, -1, -1, dtype=itype)  # taps reversed
    p, q = np.arange(out_h, dtype=itype)[:, None], np.arange(out_w, dtype=itype)[:, None]
    i_in, j_in = (p - a + top >= 0) & (p - a + top < H), (q - b + left >= 0) & (q - b + left < W)
    first = ((p + top) * W + q.T + left).reshape(-1, 1)  # (out_h·out_w, 1)
    indices = first - (a[:, None] * W + b).ravel()  # (out_h·out_w, kh·kw)
    data = np.broadcast_to(k[a[:, None], b].ravel(), indices.shape)
    if not (i_in.all() and j_in.all()):  # "full": drop taps outside x
        keep = (i_in[:, None, :, None] & j_in[None, :, None, :]).reshape(indices.shape)
        indices, data = indices[keep], data[keep]
    nnz_per_row = np.outer(i_in.sum(axis=1), j_in.sum(axis=1)).ravel()
    indptr = np.concatenate([[0], np.cumsum(nnz_per_row)]).astype(itype)
    return scipy.sparse.csr_matrix((data.ravel(), indices.ravel(), indptr), shape=(out_h * out_w, H * W))


def im2col(x, kernel_size, stride=1, padding=0):
    """Unroll the kernel-sized windows of x (C, H, W) into columns: (C·kh·kw, L), L = out_h·out_w.

    Row c·kh·kw + a·kw + b, column r·out_w + s holds x_padded[c, r·sh + a, s·sw + b],
    the same layout as torch.nn.functional.unfold(x[None], kernel_size, stride=stride, padding=padding)[0].
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"im2col: x must be (C, H, W), got shape {x.shape}")
    (kh, kw), (sh, sw), (ph, pw) = (
        _pair(kernel_size, "im2col: kernel_size"),
        _pair(stride, "im2col: stride"),
        _pair(padding, "im2col: padding"),
    )
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError("im2col: kernel_size and stride must be ≥ 1 and padding ≥ 0")
    C, H, W = x.shape
    out_h, out_w = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(
            f"im2col: kernel {(kh, kw)} is larger than the padded input {(H + 2 * ph, W + 2 * pw)}"
        )
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((C, kh, kw, out_h, out_w), dtype=x.dtype)
    for a in range(kh):  # a loop over the kernel taps, not the pixels
        for b in range(kw):
            cols[:, a, b] = xp[:, a : a + sh * out_h : sh, b : b + sw * out_w : sw]
    return cols.reshape(C * kh * kw, out_h * out_w)


def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    """2-D cross-correlation as one matrix product (as torch.nn.functional.conv2d):

    y[n, o] = W_o · im2col(x[n]) + bias[o], with W reshaped to (O, C·kh·kw);
    x (N, C, H, W), weight (O, C, kh, kw) → y (N, O, out_h, out_w).
    """
    x, weight = np.asarray(x), np.asarray(weight)
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(
            f"conv2d_im2col: x must be (N, C, H, W) and weight (O, C, kh, kw); "
            f"got shapes {x.shape} and {weight.shape}"
        )
    N, C, H, W = x.shape
    O, C_w, kh, kw = weight.shape
    if C_w != C:
        raise ValueError(f"conv2d_im2col: weight has {C_w} input channels but x has {C}")
    # the N·C channels of the batch in one im2col: rows (n, c, a, b) → (N, C·kh·kw, L)
    cols = im2col(x.reshape(N * C, H, W), (kh, kw), stride, padding).reshape(N, C * kh * kw, -1)
    y = weight.reshape(O, C * kh * kw) @ cols  # (N, O, L)
    if bias is not None:
        y = y + np.asarray(bias).reshape(1, O, 1)
    (sh, sw), (ph, pw) = _pair(stride, "conv2d_im2col: stride"), _pair(padding, "conv2d_im2col: padding")
    return y.reshape(N, O, (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1)


@functools.cache
def _blas_libraries():
    """numpy's BLAS libraries, found once (threadpoolctl, imported when first needed)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas").lib_controllers


def _blas_threads():
    """The number of threads numpy's BLAS uses now (threadpool_limits changes it)."""
    return max([lib.num_threads for lib in _blas_libraries()] or [1])


def conv2d_im2col_fast(x, weight, bias=None, stride=1, padding=0):
    """conv2d_im2col for speed: the same im2col and product, y[n] = W (O, C·kh·kw) @ cols[n], in
    blocks that stay in the cache. No call to a library convolution or unfold.

    One image at a time is padded into a preallocated buffer (its border stays zero); a block of
    output rows at a time, its columns (C·kh·kw, rows·out_w) are copied from a strided view of
    that buffer (as_strided: the windows, no Python loop over taps) into a preallocated array,
    and one GEMM writes W @ cols straight into its place in the output (N, O, L): no transpose,
    no copy of the output; the bias is added in place at the end. A block is about 256 KiB of
    float32 columns (it stays in L2) when BLAS has one thread, a whole image when it has more (a
    GEMM that small does not pay for a second thread). The dtype is that of conv2d_im2col
    (numpy's promotion of x, weight and bias): float32 stays float32.
    """
    x, weight = np.asarray(x), np.asarray(weight)
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(
            f"conv2d_im2col_fast: x must be (N, C, H, W) and weight (O, C, kh, kw); "
            f"got shapes {x.shape} and {weight.shape}"
        )
    N, C, H, W = x.shape
    O, C_w, kh, kw = weight.shape
    if C_w != C:
        raise ValueError(f"conv2d_im2col_fast: weight has {C_w} input channels but x has {C}")
    (sh, sw), (ph, pw) = (
        _pair(stride, "conv2d_im2col_fast: stride"),
        _pair(padding, "conv2d_im2col_fast: padding"),
    )
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError("conv2d_im2col_fast: kernel_size and stride must be ≥ 1 and padding ≥ 0")
    Hp, Wp = H + 2 * ph, W + 2 * pw
    out_h, out_w = (Hp - kh) // sh + 1, (Wp - kw) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"conv2d_im2col_fast: kernel {(kh, kw)} is larger than the padded input {(Hp, Wp)}")
    dtype = np.result_type(x, weight) if bias is None else np.result_type(x, weight, np.asarray(bias))
    Wmat = np.ascontiguousarray(weight.reshape(O, C * kh * kw), dtype=dtype)
    y = np.empty((N, O, out_h * out_w), dtype=dtype)
    xp = np.zeros((C, Hp, Wp), dtype=dtype)  # one padded image; the border stays 0
    rows = (
        out_h if _blas_threads() > 1 else max(1, min(out_h, 65536 // max(1, C * kh * kw * out_w)))
    )  # output rows a block
    buffer = np.empty(C * kh * kw * rows * out_w, dtype=dtype)
    sc, sr, sx = xp.strides
    for n in range(N):
        xp[:, ph : ph + H, pw : pw + W] = x[n]
        for r0 in range(0, out_h, rows):
            r = min(rows, out_h - r0)
            windows = as_strided(
                xp[:, r0 * sh :], shape=(C, kh, kw, r, out_w), strides=(sc, sr, sx, sr * sh, sx * sw)
            )  # [c, a, b, r, s] = xp[c, r·sh + a, s·sw + b]
            cols = buffer[: C * kh * kw * r * out_w]  # contiguous, for the last block too
            np.copyto(cols.reshape(C, kh, kw, r, out_w), windows)
            np.matmul(Wmat, cols.reshape(C * kh * kw, r * out_w), out=y[n, :, r0 * out_w : (r0 + r) * out_w])
    if bias is not None:
        y += np.asarray(bias, dtype=dtype).reshape(1, O, 1)
    return y.reshape(N, O, out_h, out_w)


def unroll_matrix(X, m):
    """The (n − m + 1)² windows m×m of a square X (n, n), one per row, flattened row-major:
    a ((n − m + 1)², m²) matrix; row r = r-th window in row-major order."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != X.shape[1]:
        raise ValueError(f"unroll_matrix: X must be a square 2-D array, got shape {X.shape}")
    if not 1 <= m <= X.shape[0]:
        raise ValueError(f"unroll_matrix: m must be between 1 and n = {X.shape[0]}, got {m}")
    return sliding_window_view(X, (m, m)).reshape(-1, m * m)
