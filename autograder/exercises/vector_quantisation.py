"""Chapter 5, Vector quantisation.

The chapter's exercises as data (the reference is `solutions/vector_quantisation.py`):
case generators (rng -> cases), the known wrong answers (misconceptions) and custom judges,
then the chapter's `EXERCISES`, in catalogue order."""

import math

import numpy as np

from ._base import C, Case, Exercise, T, _blobs, _fixed, _g, _normal

_SEED_FEATURES = np.array(
    [
        [121.6, 147.2, 108.8],
        [96.9, 160.6, 140.8],
        [51.2, 38.4, 108.8],
        [204.9, 179.2, 172.8],
        [40.5, 56.3, 98.6],
        [168.2, 182.1, 192.3],
    ]
)
_SEED_CODES = np.array([[109.2, 153.9, 124.8], [45.9, 47.4, 103.7], [186.6, 180.7, 182.6]])


def _vq_random(rng):
    out = []
    for n, d, k in ((10, 2, 3), (50, 5, 7), (30, 8, 4)):
        obs = _normal(rng, n, d)
        book = _normal(rng, k, d)
        out.append(C(obs, book))
    obs = _normal(rng, 6, 6)
    out.append(C(obs, obs[[2, 0, 4]].copy(), note="every observation on or near a code"))
    return out


def _kmeans_random(rng):
    return [
        C(_blobs(rng, 60, 2, 3), 3),
        C(_blobs(rng, 90, 4, 5), 5, seed=3),
        C(_blobs(rng, 40, 3, 2), 2, iters=10),
    ]


def _image(rng, h, w, colours):
    palette = rng.integers(0, 256, size=(colours, 3))
    idx = rng.integers(0, colours, size=(h // 4, w // 4)).repeat(4, 0).repeat(4, 1)
    noise = rng.integers(-6, 7, size=(h, w, 3))
    return np.clip(palette[idx] + noise, 0, 255).astype(np.uint8)


def _quant_random(rng):
    return [C(_image(rng, 16, 16, 3), 3), C(_image(rng, 24, 20, 5), 4, seed=1)]


def _vqmod(rng, num_codes, dim, B, H, W, beta=None):
    book = _normal(rng, num_codes, dim, dtype=np.float32)  # nn.Embedding is float32
    z = _normal(rng, B, dim, H, W, dtype=np.float32)
    kwargs = {} if beta is None else {"beta": beta}
    return Case(args=((num_codes, dim), kwargs, {"codebook.weight": book}, (T(z, grad=True),)), call="module")


def _vqmod_examples(rng):
    return [_vqmod(rng, 4, 2, 1, 2, 2), _vqmod(rng, 3, 3, 2, 1, 3, beta=0.5)]


def _vqmod_random(rng):
    return [_vqmod(rng, 8, 4, 2, 3, 3), _vqmod(rng, 5, 6, 1, 4, 2, beta=1.0)]


def _vq_squared(args, kwargs, expected):
    codes, dists = expected
    return (codes, dists**2)


def _lloyd_fixed_point(X, codes, atol):
    """None when every code is the mean of the points nearest to it (a converged Lloyd's
    algorithm: a local minimum), else why not."""
    d = np.sqrt(((X[:, None, :] - codes[None]) ** 2).sum(-1))
    nearest = d.argmin(axis=1)
    for j in range(len(codes)):
        members = X[nearest == j]
        if len(members) == 0:
            return f"code {j} has no points (an empty cluster should be re-seeded)"
        gap = np.abs(members.mean(axis=0) - codes[j]).max()
        if gap > atol:
            return f"code {j} is {gap:.3g} away from the mean of its points"
    return None


def _judge_kmeans(args, kwargs, expected, got, tol):
    """kmeans: exactly k finite codes and a distortion consistent with them; quality: within
    1.25× the reference's distortion, or a converged Lloyd's algorithm (every code the mean
    of its points: a local minimum, which a correct Lloyd from another start may reach)."""
    obs, k = np.asarray(args[0], float), args[1]
    if not (isinstance(got, tuple | list) and len(got) == 2):
        return False, "expected a pair (code_book, distortion)"
    book, dist = got
    book = np.asarray(book, dtype=float) if isinstance(book, np.ndarray) else None
    if book is None or book.shape != (k, obs.shape[1]):
        return False, f"code_book: expected shape {(k, obs.shape[1])}, got " + (
            f"{book.shape}" if book is not None else "no array"
        )
    if not np.all(np.isfinite(book)):
        return False, "code_book has NaN or infinite entries (an empty cluster?)"
    try:
        dist = float(dist)
    except (TypeError, ValueError):
        return False, "distortion is not a number"
    nearest = np.sqrt(((obs[:, None, :] - book[None]) ** 2).sum(-1)).min(1)
    true = nearest.mean()
    if not math.isclose(dist, true, rel_tol=1e-6, abs_tol=1e-6):
        sq = (nearest**2).mean()
        hint = " (that is the mean *squared* distance)" if math.isclose(dist, sq, rel_tol=1e-6) else ""
        return False, (
            f"distortion {dist:.6g} disagrees with the mean Euclidean distance "
            f"to your code_book, {true:.6g}{hint}"
        )
    ref = float(expected[1])
    if dist <= 1.25 * ref + 1e-9:
        return True, ""
    why = _lloyd_fixed_point(obs, book, 1e-6 * (1 + np.abs(obs).max()))
    if why is None:
        return True, ""
    return False, (
        f"distortion {dist:.6g} is more than 1.25 × the reference's {ref:.6g}, and "
        f"the code book is not a converged Lloyd's algorithm: {why}"
    )


def _judge_quantize(args, kwargs, expected, got, tol):
    """quantize_image: uint8, same shape, at most k colours; quality: MSE within 1.25× the
    reference's + 1, or the colours a converged Lloyd's algorithm on the pixels (each pixel
    given its nearest colour, each colour the mean of its pixels, up to uint8 rounding)."""
    image, k = np.asarray(args[0]), args[1]
    if not isinstance(got, np.ndarray):
        return False, "expected an ndarray"
    if got.shape != image.shape:
        return False, f"shape: expected {image.shape}, got {got.shape}"
    if got.dtype != np.uint8:
        return False, f"dtype: expected uint8, got {got.dtype}"
    palette, index = np.unique(got.reshape(-1, 3), axis=0, return_inverse=True)
    if len(palette) > k:
        return False, f"{len(palette)} distinct colours, at most k = {k} allowed"
    mse = float(((got.astype(float) - image) ** 2).mean())
    ref = float(((expected.astype(float) - image) ** 2).mean())
    if mse <= 1.25 * ref + 1.0:
        return True, ""
    X, P = image.reshape(-1, 3).astype(float), palette.astype(float)
    d = np.sqrt(((X[:, None, :] - P[None]) ** 2).sum(-1))
    mine = d[np.arange(len(X)), index.ravel()]
    if np.any(mine > d.min(axis=1) + 1.0):  # 1.0: uint8 rounding of the codes
        return False, (
            f"MSE {mse:.2f} is more than 1.25 × the reference's {ref:.2f} + 1, and "
            "some pixels are not given their nearest colour"
        )
    for j in range(len(P)):
        gap = np.abs(X[index.ravel() == j].mean(axis=0) - P[j]).max()
        if gap > 0.5 + 1e-6:
            return False, (
                f"MSE {mse:.2f} is more than 1.25 × the reference's {ref:.2f} + 1, "
                f"and colour {j} is {gap:.3g} away from the mean of its pixels"
            )
    return True, ""


EXERCISES = [
    Exercise(
        "vq",
        5,
        [
            _g("worked example (seed 004)", 2, _fixed(C(_SEED_FEATURES, _SEED_CODES))),
            _g(
                "ties go to the lowest index",
                1,
                _fixed(
                    C([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]),
                    C([[2.0, 2.0]], [[1.0, 1.0], [1.0, 1.0]]),
                ),
            ),
            _g("random points", 2, _vq_random),
            _g("hidden random points", 3, _vq_random, public=False),
        ],
        tol=(1e-6, 1e-6),
        integer=("result[0]",),
        misconceptions=[("squared distances instead of plain Euclidean distances", _vq_squared)],
    ),
    Exercise(
        "kmeans",
        5,
        [
            _g("worked example (seed 004)", 2, _fixed(C(_SEED_FEATURES, 3, seed=4321))),
            _g("clustered random points", 2, _kmeans_random),
            _g("hidden clustered points", 3, _kmeans_random, public=False),
        ],
        judge=_judge_kmeans,
    ),
    Exercise(
        "quantize_image",
        5,
        [_g("small images", 2, _quant_random), _g("hidden small images", 3, _quant_random, public=False)],
        judge=_judge_quantize,
    ),
    Exercise(
        "VectorQuantizer",
        5,
        [
            _g("small codebooks: values and gradients", 3, _vqmod_examples),
            _g("random codebooks", 2, _vqmod_random),
            _g("hidden random codebooks", 3, _vqmod_random, public=False),
        ],
        kind="class",
        torch=True,
        integer=("result[2]",),
    ),
]
