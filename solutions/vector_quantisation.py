"""Chapter 5: vector quantisation.

Notation: n observations x of R^d are the rows of X (n, d); a codebook Y (k, d) holds the
codes y₁…y_k; q(x) = argminᵢ ‖x − yᵢ‖ is the quantiser.
"""

import numpy as np
import torch.nn.functional as F
from torch import nn


def _as_points(obs, name):
    X = np.asarray(obs, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]  # n scalars are n points of R¹
    if X.ndim != 2:
        raise ValueError(f"{name}: obs must be (n, d), one observation per row; got shape {np.shape(obs)}")
    return X


def vq(obs, code_book):
    """Nearest code of each observation: codes[j] = argminᵢ ‖xⱼ − yᵢ‖ (ties → lowest i), dists[j] = ‖xⱼ − y_codes[j]‖.

    The nearest code minimises ‖y − c‖² − 2 (x − c)·(y − c) = ‖x − y‖² − ‖x − c‖² (the last term
    is the same for every code): one matrix product for all pairs, after moving the origin to the
    first code c = y₀. Far from the origin (x, y ≈ 10⁶) the expanded form about 0 would cancel its
    digits away; about c, integer data stay exact integers, so ties go to the lowest index as in
    scipy. The distances are then computed from x − y itself: the expanded form loses its digits
    near 0. Memory: one (n, k) table; vq_fast does the same in blocks.
    """
    X, Y = _as_points(obs, "vq"), _as_points(code_book, "vq: code_book")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"vq: obs has d = {X.shape[1]} but code_book has d = {Y.shape[1]}")
    if len(Y) == 0:
        raise ValueError("vq: code_book is empty")
    c = Y[0]  # a code as the origin: near the data
    Xc, Yc = X - c, Y - c
    D = Xc @ (-2.0 * Yc.T) + np.einsum("ij,ij->i", Yc, Yc)  # (n, k): ‖x − y‖² − ‖x − c‖²
    codes = D.argmin(axis=1)
    dists = np.sqrt(((X - Y[codes]) ** 2).sum(axis=1))
    return codes, dists


def vq_fast(obs, code_book):
    """vq in blocks of points: the same formula (origin moved to c = y₀, argmin of
    ‖y − c‖² − 2 (x − c)·(y − c), distances from x − y), the same errors, one (block, k) table at
    a time instead of (n, k): 512 points when d < 16 (memory-bound: the block stays in L2), 4096
    otherwise (enough rows to feed BLAS). The codes are vq's except where two codes are equally
    near to the last bit (a product in blocks may round differently from the whole).
    """
    X, Y = _as_points(obs, "vq_fast"), _as_points(code_book, "vq_fast: code_book")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"vq_fast: obs has d = {X.shape[1]} but code_book has d = {Y.shape[1]}")
    if len(Y) == 0:
        raise ValueError("vq_fast: code_book is empty")
    codes = np.empty(len(X), dtype=np.intp)
    c = Y[0]  # a code as the origin: near the data
    Yc = Y - c
    y2, minus_2_Yt = np.einsum("ij,ij->i", Yc, Yc), -2.0 * Yc.T
    step = 512 if X.shape[1] < 16 else 4096  # small d: memory-bound, keep a block in L2; large d: feed BLAS
    for s in range(0, len(X), step):
        D = (X[s : s + step] - c) @ minus_2_Yt  # (block, k)
        D += y2
        codes[s : s + step] = D.argmin(axis=1)
    dists = np.sqrt(((X - Y[codes]) ** 2).sum(axis=1))
    return codes, dists


def _kmeans_pp(X, w, k, rng):
    """k-means++ seeding: each new code drawn with probability ∝ w·(distance to the nearest code)².

    The draws are made among at most 32·k candidates sampled ∝ w (all points when n is small).
    """
    if len(X) > 32 * k:
        X, w = X[rng.choice(len(X), size=32 * k, p=w / w.sum())], np.ones(32 * k)
    Y = np.empty((k, X.shape[1]))
    Y[0] = X[rng.choice(len(X), p=w / w.sum())]
    d2 = ((X - Y[0]) ** 2).sum(axis=1)
    for i in range(1, k):
        p = w * d2
        Y[i] = X[rng.choice(len(X), p=p / p.sum())] if p.sum() > 0 else X[rng.integers(len(X))]
        d2 = np.minimum(d2, ((X - Y[i]) ** 2).sum(axis=1))
    return Y


def _lloyd(X, w, k, iters, rng):
    """Lloyd's algorithm on points X (n, d) with weights w (n,): assign each point to its nearest
    code, move each code to the weighted mean of its points; an empty code is re-seeded at the
    point farthest from its code. The squared-error distortion Σⱼ wⱼ ‖xⱼ − q(xⱼ)‖² never increases
    (each step minimises it over the codes or over the assignment); the mean distance may."""
    Y = _kmeans_pp(X, w, k, rng)
    for _ in range(iters):
        codes, dists = vq(X, Y)
        mass = np.bincount(codes, weights=w, minlength=k)  # (k,)
        sums = np.stack(
            [np.bincount(codes, weights=w * X[:, c], minlength=k) for c in range(X.shape[1])], axis=1
        )  # (k, d)
        empty = mass == 0
        Y[~empty] = sums[~empty] / mass[~empty, None]
        if empty.any():  # re-seed empty codes at the worst-served points
            Y[empty] = X[np.argsort(dists)[::-1][: empty.sum()]]
    return Y


def kmeans(obs, k, iters=20, seed=0):
    """k-means by Lloyd's algorithm (k-means++ start, `iters` steps).

    Returns (code_book (k, d), distortion), distortion = mean ‖xⱼ − q(xⱼ)‖ = vq(obs, code_book)[1].mean().
    """
    X = _as_points(obs, "kmeans")
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= len(X):
        raise ValueError(f"kmeans: k must be an int between 1 and the number of points {len(X)}, got {k!r}")
    Y = _lloyd(X, np.ones(len(X)), k, iters, np.random.default_rng(seed))
    return Y, float(vq(X, Y)[1].mean())


def quantize_image(image, k, seed=0):
    """Colour quantisation: each pixel of image (H, W, 3) uint8 replaced by the nearest of k colours
    found by k-means over the pixels. Runs k-means on the distinct colours, weighted by their counts
    (the same objective, often far fewer points)."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(
            f"quantize_image: image must be (H, W, 3) uint8, got shape {img.shape} and dtype {img.dtype}"
        )
    colours, inverse, counts = np.unique(img.reshape(-1, 3), axis=0, return_inverse=True, return_counts=True)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"quantize_image: k must be a positive int, got {k!r}")
    if k >= len(colours):
        return img.copy()  # already at most k colours
    Y = _lloyd(colours.astype(np.float64), counts.astype(np.float64), k, 20, np.random.default_rng(seed))
    palette = np.clip(np.rint(Y), 0, 255).astype(np.uint8)
    codes, _ = vq(colours, palette)
    return palette[codes][inverse.ravel()].reshape(img.shape)


def _nearest_two(X, Y):
    """(codes, lower) of the rows of X: the codes vq would choose and, for each row, a lower bound on
    its distance to every other code (inf when k = 1).

    D = [x − c, 1] @ [−2 (y − c); ‖y − c‖²] is ‖x − y‖² − ‖x − c‖² (vq's formula, origin c = y₀)
    in one product per block; its two smallest entries per row come from two argmins (faster than
    min or partition). A row whose two nearest codes are not apart by more than the rounding (tol,
    far above it) is settled by vq's own formula and order (ties to the lowest index)."""
    c = Y[0]
    Yc = Y - c
    y2 = np.einsum("ij,ij->i", Yc, Yc)
    A = np.vstack([-2.0 * Yc.T, y2])  # (d + 1, k)
    Xc = X - c
    Xa = np.hstack([Xc, np.ones((len(X), 1))])
    x2 = np.einsum("ij,ij->i", Xc, Xc)
    tol = 1e-9 * X.shape[1] * (np.sqrt(x2.max()) + np.sqrt(y2.max())) ** 2  # ≫ the rounding of D
    codes, second = np.empty(len(X), dtype=np.intp), np.full(len(X), np.inf)
    rows = np.arange(256)
    for s in range(0, len(X), 256):
        D = Xa[s : s + 256] @ A  # (block, k)
        r = rows[: len(D)]
        best = D.argmin(axis=1)
        codes[s : s + 256] = best
        if len(Y) > 1:
            nearest = D[r, best]
            D[r, best] = np.inf
            second[s : s + 256] = D[r, D.argmin(axis=1)]
            tie = np.flatnonzero(second[s : s + 256] - nearest <= 2 * tol)
            if len(tie):  # about as near: vq's own formula
                codes[s + tie] = (Xc[s + tie] @ (-2.0 * Yc.T) + y2).argmin(axis=1)
    return codes, np.sqrt(np.maximum(second + x2 - tol, 0.0))


def _lloyd_fast(X, w, k, iters, rng):
    """_lloyd's iterations (the same start, the same updates), with Hamerly's bounds so that a point
    skips the search for its nearest code at the steps where it provably keeps it (Hamerly 2010).

    Each point keeps its code a and l ≤ its distance to every other code. When the codes move,
    code j by δⱼ, l −= max_{j ≠ a} δⱼ (triangle inequality). A point with ‖x − y_a‖ < max(l, s_a),
    s_a = ½ minⱼ≠ₐ ‖y_a − y_j‖ (Elkan 2003), by a margin far above the rounding of vq's expanded
    form, provably keeps its code, the one vq would choose; only the others are searched
    (_nearest_two). The weighted coordinates w·x are computed once. The codes are _lloyd's except where
    two are equally near to the last bit. On the 512×512 astronaut (113 382 colours, k = 200) the
    20 steps search 46% of the points (63% with l alone), the later ones about 30%.
    """
    Y = _kmeans_pp(X, w, k, rng)
    codes, lower = np.zeros(len(X), dtype=np.intp), np.zeros(len(X))  # l = 0: search every point first
    x_max = np.abs(X).max()
    wX = [w * X[:, c] for c in range(X.shape[1])]  # as _lloyd weighs them
    for _ in range(iters):
        diff = X - Y[codes]
        u2 = np.einsum("ij,ij->i", diff, diff)  # ‖x − y_a‖², from x − y
        margin = 4e-9 * X.shape[1] * (x_max + np.abs(Y).max()) ** 2  # ≫ the rounding of any term of D
        YY = Y[:, None, :] - Y[None, :, :]
        s2 = np.einsum("ijk,ijk->ij", YY, YY)  # ‖y_a − y_j‖², (k, k)
        np.fill_diagonal(s2, np.inf)
        bound2 = np.maximum(lower * lower, s2.min(axis=1)[codes] / 4)  # max(l, s_a)²
        unsure = np.flatnonzero(u2 >= bound2 - margin)
        if len(unsure):
            codes[unsure], lower[unsure] = _nearest_two(X[unsure], Y)
        mass = np.bincount(codes, weights=w, minlength=k)  # (k,)
        sums = np.stack([np.bincount(codes, weights=wc, minlength=k) for wc in wX], axis=1)  # (k, d)
        empty = mass == 0
        Y_new = Y.copy()
        Y_new[~empty] = sums[~empty] / mass[~empty, None]
        if empty.any():  # re-seed empty codes at the worst-served points
            dists = np.sqrt(((X - Y[codes]) ** 2).sum(axis=1))  # as vq computes them
            Y_new[empty] = X[np.argsort(dists)[::-1][: empty.sum()]]
        delta = np.sqrt(((Y_new - Y) ** 2).sum(axis=1)) * (1 + 1e-12)  # how far each code moved
        j1 = delta.argmax()
        others = np.where(codes == j1, np.delete(delta, j1).max(initial=0.0), delta[j1])  # max over j ≠ a
        lower = np.maximum(lower - others, 0.0)
        Y = Y_new
    return Y


def quantize_image_fast(image, k, seed=0):
    """quantize_image for speed, the same palette and output (but where two codes are equally near
    to the last bit): colours packed into one int (r·2¹⁶ + g·2⁸ + b) so that np.unique sorts
    ints, not rows; the same k-means++ start and 20 Lloyd steps, with bounds that spare a point
    the nearest-code search at the steps where it provably keeps its code (_lloyd_fast); the last
    assignment by vq_fast."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(
            f"quantize_image_fast: image must be (H, W, 3) uint8, got shape {img.shape} and dtype {img.dtype}"
        )
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"quantize_image_fast: k must be a positive int, got {k!r}")
    rgb = img.reshape(-1, 3).astype(np.int32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.int32)
    packed, inverse, counts = np.unique(rgb, return_inverse=True, return_counts=True)
    colours = np.stack(
        [packed >> 16, (packed >> 8) & 255, packed & 255], axis=1
    )  # (n_colours, 3), sorted as rows
    if k >= len(colours):
        return img.copy()  # already at most k colours
    Y = _lloyd_fast(colours.astype(np.float64), counts.astype(np.float64), k, 20, np.random.default_rng(seed))
    palette = np.clip(np.rint(Y), 0, 255).astype(np.uint8)
    codes, _ = vq_fast(colours, palette)
    return palette[codes][inverse.ravel()].reshape(img.shape)


class VectorQuantizer(nn.Module):
    """The quantiser of VQ-VAE (van den Oord et al. 2017) with a learned codebook e (num_codes, dim).

    forward(z (B, dim, H, W)) → (z_q, loss, indices (B, H, W)):
    z_q = e[argminᵢ ‖z − eᵢ‖] at each position, passed straight through (∂z_q/∂z = I);
    loss = ‖sg[z] − z_q‖² + β ‖z − sg[z_q]‖² (codebook + commitment, mean-reduced).
    """

    def __init__(self, num_codes, dim, beta=0.25):
        super().__init__()
        self.num_codes, self.dim, self.beta = num_codes, dim, beta
        self.codebook = nn.Embedding(num_codes, dim)
        self.codebook.weight.data.uniform_(-1 / num_codes, 1 / num_codes)

    def forward(self, z):
        if z.ndim != 4 or z.shape[1] != self.dim:
            raise ValueError(f"VectorQuantizer: z must be (B, {self.dim}, H, W), got shape {tuple(z.shape)}")
        if z.dtype != self.codebook.weight.dtype:
            raise TypeError(
                f"VectorQuantizer: z must have the codebook's dtype {self.codebook.weight.dtype}, "
                f"got {z.dtype} (convert z, or the layer with .to(dtype))"
            )
        B, D, H, W = z.shape
        z_flat = z.permute(0, 2, 3, 1).reshape(-1, D)  # (B·H·W, D)
        e = self.codebook.weight  # (K, D)
        d2 = (z_flat**2).sum(1, keepdim=True) - 2 * z_flat @ e.T + (e**2).sum(1)  # (B·H·W, K)
        indices = d2.argmin(dim=1)
        z_q = e[indices].reshape(B, H, W, D).permute(0, 3, 1, 2)  # (B, D, H, W)
        loss = F.mse_loss(z_q, z.detach()) + self.beta * F.mse_loss(z, z_q.detach())
        z_q = z + (z_q - z).detach()  # straight-through
        return z_q, loss, indices.reshape(B, H, W)
