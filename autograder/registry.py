"""The exercises as data: one `Exercise` per name of the catalogue (EXERCISES.md, v1.1).

An exercise is a list of case *groups*, each worth some points (partial credit is by group:
a group scores its points when every case in it passes). A group is public (fixed seed,
run by the learner's self-check) or hidden (drawn at grading from the instructor's `--seed`).
A case is a call: positional and keyword arguments, numpy arrays, Python lists, numbers,
strings or `T(array, grad=True)` for a torch tensor. The expected answer of a case is
whatever the reference (`solutions`) returns or raises on it, computed by the grader.

Nothing here imports `solutions`: learners receive this package without it.
"""
import math
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

CHAPTERS = {
    1: "inner_products",
    2: "gram_matrices",
    3: "convolution_as_matmul",
    4: "correlation_vs_convolution",
    5: "vector_quantisation",
    6: "style_transfer",
}
"""Chapter number -> the one name of its notebook (book/0N_<name>.ipynb), its reference module
(solutions/<name>.py) and its exercises (autograder/exercises/<name>.py). Written only here."""

F64 = (1e-6, 1e-8)   # (rtol, atol) for float64 inputs
F32 = (1e-4, 1e-5)   # for float32 inputs
EXACT = (0.0, 0.0)
PUBLIC_SEED = 20261123

CONV_FORBIDDEN = (
    "torch.nn.functional.conv1d", "torch.nn.functional.conv2d", "torch.nn.functional.conv3d",
    "torch.nn.functional.conv_transpose1d", "torch.nn.functional.conv_transpose2d",
    "torch.nn.functional.unfold", "torch.nn.functional.fold",
    "torch.conv1d", "torch.conv2d", "torch.conv3d", "torch.convolution",
    "torch.conv_transpose1d", "torch.conv_transpose2d", "torch._C._nn.im2col",
    "torch.nn.Conv2d", "torch.nn.Unfold", "torch.nn.Fold",
    "scipy.signal.*", "scipy.ndimage.*",
)


# ----------------------------------------------------------------------------- data model
@dataclass(frozen=True)
class T:
    """A torch tensor argument (built in the process that runs the case)."""
    array: np.ndarray
    grad: bool = False


@dataclass
class Case:
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    note: str = ""                 # shown in feedback: "antiparallel vectors"
    tol: tuple | None = None       # (rtol, atol) overriding the exercise's
    call: str = "function"         # or "module" (a class: construct, load state, forward)
    repeat: int = 0                # > 0: time the call (vectorisation check)
    raises: str | None = None      # the reference raises this (an expected error)


@dataclass
class Group:
    name: str
    points: int
    make: Callable               # rng -> list[Case]
    public: bool = True
    timing: bool = False         # a vectorisation group: values and speed


@dataclass
class Exercise:
    name: str
    chapter: int
    module: str                  # solutions.<module>
    groups: list
    kind: str = "function"       # "function" or "class"
    torch: bool = False          # graded on gradients too
    forbidden: tuple = ()
    tol: tuple | None = None     # overrides the dtype rule (rtol, atol)
    judge: Callable | None = None          # custom pass/fail (inputs, expected, got, tol)
    misconceptions: list = field(default_factory=list)   # [(label, fn(inputs, expected))]
    strict_type: bool = False    # numpy in → numpy out, torch in → torch out
    integer: tuple = ()          # parts of the result that must be integers: "result", "result[0]"
    slowdown: float = 10.0       # vectorisation: fail when slower than this × reference

    @property
    def max_points(self):
        return sum(g.points for g in self.groups)

    @property
    def public_points(self):
        return sum(g.points for g in self.groups if g.public)

    def cases(self, group_index, seed=None):
        """The cases of one group: public groups use a fixed seed, hidden ones `seed`."""
        g = self.groups[group_index]
        base = PUBLIC_SEED if g.public else (0 if seed is None else int(seed))
        rng = np.random.default_rng([base, zlib.crc32(self.name.encode()), group_index])
        return list(g.make(rng))


def C(*args, note="", tol=None, raises=None, **kwargs):
    return Case(args=args, kwargs=kwargs, note=note, tol=tol, raises=raises)


def E(*args, note="", **kwargs):
    """A case on which the function must raise ValueError."""
    return Case(args=args, kwargs=kwargs, note=note, raises="ValueError")


def tolerance(ex, case):
    """(rtol, atol) of a case: its own, the exercise's, or by the inputs' dtype."""
    if case.tol is not None:
        return case.tol
    if ex.tol is not None:
        return ex.tol
    return F32 if _has_float32((case.args, case.kwargs)) else F64


def _has_float32(v):
    if isinstance(v, T):
        v = v.array
    if isinstance(v, np.ndarray):
        return v.dtype == np.float32
    if isinstance(v, (list, tuple)):
        return any(_has_float32(x) for x in v)
    if isinstance(v, dict):
        return any(_has_float32(x) for x in v.values())
    return False


# ----------------------------------------------------------------------------- generators
def _normal(rng, *shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def _blobs(rng, n, d, k, spread=0.3):
    centres = rng.uniform(-10, 10, size=(k, d))
    labels = np.arange(n) % k
    return centres[labels] + spread * rng.standard_normal((n, d))


# chapter 1 -------------------------------------------------------------------
def _inner_random(rng):
    out = []
    for n in (1, 3, 17, 100):
        out.append(C(_normal(rng, n), _normal(rng, n)))
    out.append(C(_normal(rng, 8, dtype=np.float32), _normal(rng, 8, dtype=np.float32)))
    out.append(C(list(rng.integers(-5, 6, 6).tolist()), list(rng.integers(-5, 6, 6).tolist()),
                 note="Python lists of ints"))
    return out


def _angle_exact(rng):
    """(Anti)parallel vectors whose naive cosine rounds to 1 − 1 ulp (arccos: ~1e-6°)."""
    if rng is None:
        return [C([1, 3], [3, 9], note="parallel vectors", tol=EXACT),
                C([2.0, 4.0], [-10.0, -20.0], note="antiparallel vectors", tol=EXACT),
                C([8.0, 8.0], [56.0, 56.0], note="parallel vectors", tol=EXACT),
                C([7.0, 8.0], [-21.0, -24.0], degrees=False, note="antiparallel, radians",
                  tol=EXACT),
                C([3.0, 4.0], [3.0, 4.0], note="a vector with itself", tol=EXACT),
                # 0.1·(9, 6): every usual cosine (one or two square roots, np.linalg.norm, scaled
                # by max |entry| first) rounds below 1 here, so arccos gives ~1e-6°, not 0
                C([9.0, 6.0], [0.1 * 9.0, 0.1 * 6.0], note="parallel vectors", tol=EXACT),
                C([9.0, 6.0], [-0.1 * 9.0, -0.1 * 6.0], note="antiparallel vectors", tol=EXACT)]
    out = []
    for _ in range(6):
        a = rng.integers(1, 10, int(rng.integers(2, 5))).astype(np.float64)
        s = float(rng.choice([3.0, 5.0, 7.0, -3.0, -5.0, -7.0, 0.1, 0.3]))
        out.append(C(a, s * a, note="parallel vectors" if s > 0 else "antiparallel vectors",
                     tol=EXACT))
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
        c = b - (a @ b) / (a @ a) * a           # orthogonal to a up to rounding
        out.append(C(a, c, note="orthogonal up to rounding"))
    return out


_ERRORS_1 = [E([1, 2], [1, 2, 3], note="lengths differ")]
_ZERO = [E([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], note="a zero vector"),
         E([1.0, 2.0], [1.0, 2.0, 3.0], note="lengths differ")]


# chapter 2 -------------------------------------------------------------------
def _gram_random(rng):
    return [C(_normal(rng, k, n)) for k, n in ((1, 4), (3, 5), (6, 2), (10, 30))] + \
           [C(_normal(rng, 4, 7, dtype=np.float32))]


def _gram_matrix_examples(rng):
    F = np.arange(12, dtype=np.float64).reshape(2, 2, 3)
    return [C(F), C(F, normalize=False), C(F[None]),
            C(np.arange(24, dtype=np.float64).reshape(2, 3, 2, 2), note="a batch (B, C, H, W)")]


def _gram_matrix_random(rng):
    return [C(_normal(rng, 3, 4, 5)), C(_normal(rng, 2, 4, 3, 3)),
            C(_normal(rng, 5, 2, 7), normalize=False),
            C(_normal(rng, 3, 6, 6, dtype=np.float32)),
            C(T(_normal(rng, 3, 4, 4), grad=True), note="torch, differentiable"),
            C(T(_normal(rng, 2, 3, 5, 2), grad=True), note="torch batch, differentiable")]


def _gaf_random(rng):
    out = []
    for n in (5, 12, 40):
        x = rng.uniform(-3, 3, n)
        out.append(C(x))
        out.append(C(x, kind="difference"))
    return out


# chapter 3 -------------------------------------------------------------------
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
    return [C(_normal(rng, 2, 5, 6), 3), C(_normal(rng, 3, 7, 7), (2, 3), stride=2),
            C(_normal(rng, 1, 6, 5), 3, stride=(1, 2), padding=1),
            C(_normal(rng, 2, 8, 8), (3, 2), stride=(2, 3), padding=(1, 2))]


def _conv2d_random(rng):
    return [C(_normal(rng, 2, 3, 7, 6), _normal(rng, 4, 3, 3, 3)),
            C(_normal(rng, 1, 2, 8, 8), _normal(rng, 3, 2, 2, 3), _normal(rng, 3), stride=2),
            C(_normal(rng, 2, 1, 6, 6), _normal(rng, 2, 1, 3, 3), None, stride=(1, 2),
              padding=1),
            C(_normal(rng, 1, 2, 5, 5, dtype=np.float32), _normal(rng, 2, 2, 3, 3, dtype=np.float32),
              padding=(2, 1))]


def _conv2d_speed(rng):
    # many pixels, few channels: a Python loop over the 65,536 output pixels is ~30× slower
    # than the reference; a loop over the 9 kernel taps or the 256 rows is not caught
    x = _normal(rng, 1, 1, 256, 256)
    w = _normal(rng, 2, 1, 3, 3)
    return [Case(args=(x, w, _normal(rng, 2)), kwargs={"padding": 1}, repeat=3,
                 note="a (1, 1, 256, 256) input")]


def _unroll_random(rng):
    return [C(_normal(rng, n, n), m) for n, m in ((4, 2), (5, 3), (6, 1), (5, 5), (8, 3))]


# chapter 4 -------------------------------------------------------------------
_SEED_X = np.arange(1, 10, dtype=np.float64).reshape(3, 3)
_SEED_H = np.array([[1.0, 2.0], [3.0, 4.0]])
_SEED_B = np.array([[2.0, 3.0], [5.0, 6.0]])
_SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def _corr_examples(rng):
    return [C(_SEED_X, _SEED_H, note="seed 003, §1"), C(_SEED_X, _SEED_B, note="seed 003, §2"),
            C(_SEED_X, _SOBEL, note="seed 003, Sobel"), C(_SEED_X, _SEED_H, mode="full"),
            C(_SEED_X, _SEED_H, mode="same")]


def _corr_edges(rng):
    return [E(_SEED_H, _SEED_X, note="kernel larger than the input in 'valid' mode"),
            C(_SEED_H, _SEED_X, mode="full", note="kernel larger than the input, 'full'"),
            C(_SEED_H, _SEED_X, mode="same", note="kernel larger than the input, 'same'"),
            C(np.ones((1, 5)), np.ones((1, 2)) * 2.0, note="a single row"),
            C(_SEED_X.tolist(), _SEED_H.tolist(), note="Python lists")]


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


# chapter 5 -------------------------------------------------------------------
_SEED_FEATURES = np.array([[121.6, 147.2, 108.8], [96.9, 160.6, 140.8], [51.2, 38.4, 108.8],
                           [204.9, 179.2, 172.8], [40.5, 56.3, 98.6], [168.2, 182.1, 192.3]])
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
    return [C(_blobs(rng, 60, 2, 3), 3), C(_blobs(rng, 90, 4, 5), 5, seed=3),
            C(_blobs(rng, 40, 3, 2), 2, iters=10)]


def _image(rng, h, w, colours):
    palette = rng.integers(0, 256, size=(colours, 3))
    idx = rng.integers(0, colours, size=(h // 4, w // 4)).repeat(4, 0).repeat(4, 1)
    noise = rng.integers(-6, 7, size=(h, w, 3))
    return np.clip(palette[idx] + noise, 0, 255).astype(np.uint8)


def _quant_random(rng):
    return [C(_image(rng, 16, 16, 3), 3), C(_image(rng, 24, 20, 5), 4, seed=1)]


def _vqmod(rng, num_codes, dim, B, H, W, beta=None):
    book = _normal(rng, num_codes, dim, dtype=np.float32)    # nn.Embedding is float32
    z = _normal(rng, B, dim, H, W, dtype=np.float32)
    kwargs = {} if beta is None else {"beta": beta}
    return Case(args=((num_codes, dim), kwargs, {"codebook.weight": book}, (T(z, grad=True),)),
                call="module")


def _vqmod_examples(rng):
    return [_vqmod(rng, 4, 2, 1, 2, 2), _vqmod(rng, 3, 3, 2, 1, 3, beta=0.5)]


def _vqmod_random(rng):
    return [_vqmod(rng, 8, 4, 2, 3, 3), _vqmod(rng, 5, 6, 1, 4, 2, beta=1.0)]


# chapter 6 -------------------------------------------------------------------
def _content_random(rng):
    return [C(T(_normal(rng, 3, 4, 4), grad=True), T(_normal(rng, 3, 4, 4))),
            C(T(_normal(rng, 1, 2, 5, 3), grad=True), T(_normal(rng, 1, 2, 5, 3)))]


def _style_layer_random(rng):
    out = []
    for shape in ((3, 4, 5), (1, 2, 3, 3), (4, 2, 2)):
        Fx = _normal(rng, *shape)
        c = shape[-3]
        A = _normal(rng, c, 6)
        out.append(C(T(Fx, grad=True), T(A @ A.T)))
    return out


def _style_random(rng):
    out = []
    for layers in (1, 3):
        feats, grams, weights = [], [], []
        for _ in range(layers):
            c, h, w = (int(v) for v in rng.integers(1, 5, 3))
            feats.append(T(_normal(rng, 1, c, h, w), grad=True))
            A = _normal(rng, c, 4)
            grams.append(T(A @ A.T))
            weights.append(float(rng.uniform(0.1, 2.0)))
        out.append(C(feats, grams, weights))
    return out


def _tv_random(rng):
    return [C(T(_normal(rng, 1, 3, 4, 5), grad=True)), C(T(_normal(rng, 2, 1, 3, 3), grad=True)),
            C(T(_normal(rng, 1, 2, 1, 4), grad=True), note="a single row")]


def _smooth_image(rng, size):
    """A float32 image (1, 3, size, size) in [0, 1]: a few random colour blobs on a gradient."""
    y, x = np.mgrid[0:size, 0:size] / size
    img = np.stack([x, y, 1 - x], axis=0) * rng.uniform(0.2, 0.8, (3, 1, 1))
    for _ in range(4):
        cy, cx, r = rng.uniform(0, 1, 3) * (1, 1, 0.3) + (0, 0, 0.1)
        blob = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / r ** 2)
        img = img + blob * rng.uniform(-0.5, 0.5, (3, 1, 1))
    return np.clip(img, 0, 1)[None].astype(np.float32)


def _stripes(rng, size):
    """A float32 texture (1, 3, size, size) in [0, 1]: coloured stripes at a random angle."""
    y, x = np.mgrid[0:size, 0:size] / size
    angle, freq = rng.uniform(0, np.pi), rng.uniform(3, 6)
    t = 0.5 + 0.5 * np.sin(2 * np.pi * freq * (x * np.cos(angle) + y * np.sin(angle)))
    low, high = rng.uniform(0, 1, (2, 3, 1, 1))
    return (low + (high - low) * t)[None].astype(np.float32)


GATYS_LAYERS = dict(content_layers=["conv4_2"], style_layers=["conv1_1", "conv2_1", "conv3_1"])
GATYS_STEPS = 10


def _gatys_cases(rng):
    """The loop on 32 x 32 images through the pretrained VGG-19 (its layers up to conv4_2)."""
    return [Case(args=("vgg19", T(_smooth_image(rng, 32)), T(_stripes(rng, 32))),
                 kwargs=dict(GATYS_LAYERS, alpha=1.0, beta=float(beta), steps=GATYS_STEPS),
                 call="network", note=f"32 x 32 images, beta = {beta:g}")
            for beta in (1e2, 1e3)]


# ----------------------------------------------------------------------------- misconceptions
# Each is (label, fn(args, kwargs, expected) -> a known wrong answer, or None when it does not
# apply). They run in the grader's (or the learner's self-check) process, on plain numpy.
def _transposed(args, kwargs, expected):
    if not isinstance(expected, np.ndarray) or expected.ndim < 2:
        return None
    swapped = np.swapaxes(expected, -1, -2)
    if swapped.shape == expected.shape and np.allclose(swapped, expected):
        return None              # symmetric: a transposed answer is a right answer
    return swapped


TRANSPOSED = ("a transposed result (rows and columns swapped)", _transposed)


def _scipy_corr(args, kwargs, expected):
    from scipy.signal import correlate2d
    a, k = np.asarray(args[0], float), np.asarray(args[1], float)
    return correlate2d(a, k, kwargs.get("mode", args[2] if len(args) > 2 else "valid"))


def _scipy_conv(args, kwargs, expected):
    from scipy.signal import convolve2d
    a, k = np.asarray(args[0], float), np.asarray(args[1], float)
    return convolve2d(a, k, kwargs.get("mode", args[2] if len(args) > 2 else "valid"))


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
    return torch.nn.functional.conv2d(x, torch.flip(w, (-2, -1)), b,
                                      kwargs.get("stride", 1), kwargs.get("padding", 0)).numpy()


def _unroll_seed(args, kwargs, expected):
    """The seed's unroll_matrix (002, third answer), run as written."""
    X, m = np.asarray(args[0], float), args[1]
    flat_X, n = X.flatten(), X.shape[0]
    out = np.zeros(((n - m) ** 2, m ** 2))
    skipped = 0
    for i in range(n ** 2):
        if (i % n) < n - m and ((i / n) % n) < n - m:
            for j in range(m):
                for l in range(m):                                     # noqa: E741
                    out[i - skipped, j * m + l] = flat_X[i + j * n + l]
        else:
            skipped += 1
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


def _vq_squared(args, kwargs, expected):
    codes, dists = expected
    return (codes, dists ** 2)


def _gram_cols(args, kwargs, expected):
    V = np.asarray(args[0], float)
    return V.T @ V


def _content_mean(args, kwargs, expected):
    Fx, P = (a.array for a in args)
    return np.mean((Fx - P) ** 2)


def _content_no_half(args, kwargs, expected):
    return 2 * expected


def _style_layer_no_factor(args, kwargs, expected):
    Fx = args[0].array
    C_, M = Fx.shape[-3], Fx.shape[-1] * Fx.shape[-2]
    return expected * 4 * C_ ** 2 * M ** 2


def _tv_abs(args, kwargs, expected):
    x = args[0].array
    return np.abs(np.diff(x, axis=-2)).sum() + np.abs(np.diff(x, axis=-1)).sum()


def _tv_mean(args, kwargs, expected):
    x = args[0].array
    return (np.diff(x, axis=-2) ** 2).mean() + (np.diff(x, axis=-1) ** 2).mean()


def _angle_arccos(args, kwargs, expected):
    a, b = (np.asarray(v, float) for v in args[:2])
    th = np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))
    return float(np.degrees(th)) if kwargs.get("degrees", True) else float(th)


def _angle_radians(args, kwargs, expected):
    if kwargs.get("degrees", True) is False:
        return float(np.degrees(expected))
    return float(np.radians(expected))


# ----------------------------------------------------------------------------- judges
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
        return False, f"code_book: expected shape {(k, obs.shape[1])}, got " + \
            (f"{book.shape}" if book is not None else "no array")
    if not np.all(np.isfinite(book)):
        return False, "code_book has NaN or infinite entries (an empty cluster?)"
    try:
        dist = float(dist)
    except (TypeError, ValueError):
        return False, "distortion is not a number"
    nearest = np.sqrt(((obs[:, None, :] - book[None]) ** 2).sum(-1)).min(1)
    true = nearest.mean()
    if not math.isclose(dist, true, rel_tol=1e-6, abs_tol=1e-6):
        sq = (nearest ** 2).mean()
        hint = " (that is the mean *squared* distance)" if math.isclose(dist, sq, rel_tol=1e-6) else ""
        return False, (f"distortion {dist:.6g} disagrees with the mean Euclidean distance "
                       f"to your code_book, {true:.6g}{hint}")
    ref = float(expected[1])
    if dist <= 1.25 * ref + 1e-9:
        return True, ""
    why = _lloyd_fixed_point(obs, book, 1e-6 * (1 + np.abs(obs).max()))
    if why is None:
        return True, ""
    return False, (f"distortion {dist:.6g} is more than 1.25 × the reference's {ref:.6g}, and "
                   f"the code book is not a converged Lloyd's algorithm: {why}")


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
    if np.any(mine > d.min(axis=1) + 1.0):                # 1.0: uint8 rounding of the codes
        return False, (f"MSE {mse:.2f} is more than 1.25 × the reference's {ref:.2f} + 1, and "
                       "some pixels are not given their nearest colour")
    for j in range(len(P)):
        gap = np.abs(X[index.ravel() == j].mean(axis=0) - P[j]).max()
        if gap > 0.5 + 1e-6:
            return False, (f"MSE {mse:.2f} is more than 1.25 × the reference's {ref:.2f} + 1, "
                           f"and colour {j} is {gap:.3g} away from the mean of its pixels")
    return True, ""


def gatys_objective(net, x, content, style, content_layers=("conv4_2",),
                    style_layers=("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"),
                    alpha=1.0, beta=1e3, tv_weight=0.0, **_):
    """alpha * 1/2 sum (F - P)^2 + beta * sum_l 1/L sum (G - A)^2 / (4 N^2 M^2) + tv * TV, of
    numpy images (1, 3, H, W) through `net`: the grader's own formula (no `solutions` code)."""
    import torch
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
    with torch.no_grad():
        f, fp, fa = net(t(x)), net(t(content)), net(t(style))
        total = sum(0.5 * float(((f[n] - fp[n]).double() ** 2).sum()) for n in content_layers) * alpha
        for n in style_layers:
            F, A = f[n][0].flatten(1).double(), fa[n][0].flatten(1).double()
            N, M = F.shape
            total += beta / len(style_layers) * float(((F @ F.T - A @ A.T) ** 2).sum()) / (4 * N**2 * M**2)
        xd = t(x).double()
        tv = float((xd.diff(dim=2) ** 2).sum() + (xd.diff(dim=3) ** 2).sum())
    return total + tv_weight * tv


def _judge_gatys(args, kwargs, expected, got, tol):
    """gatys_loop: (x, history) with x in [0, 1]; the grader recomputes the objective of x with
    an unchanged network: it must equal the loop's own last value (within 0.1 %) and be at most
    1.25 x the reference loop's after the same number of evaluations."""
    from . import _harness
    name, content, style = args[0], args[1].array, args[2].array
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return False, "expected a pair (x, history)"
    x, history = got
    if not isinstance(x, np.ndarray) or x.shape != content.shape:
        return False, (f"x: expected an image of shape {content.shape}, got "
                       + (f"{x.shape}" if isinstance(x, np.ndarray) else type(x).__name__))
    if not np.all(np.isfinite(x)):
        return False, "x has NaN or infinite values"
    if x.min() < -1e-6 or x.max() > 1 + 1e-6:
        return False, (f"x has values in [{x.min():.3g}, {x.max():.3g}]: clamp the image to [0, 1] "
                       "(in the closure, and before returning it)")
    if not isinstance(history, dict) or not isinstance(history.get("total"), (list, tuple, np.ndarray)):
        return False, 'history must be a dict whose "total" is the list of the losses'
    steps = kwargs.get("steps", 100)
    totals = np.asarray(history["total"], dtype=float).ravel()
    if not steps + 1 <= len(totals) <= steps + 40:
        return False, (f'history["total"] has {len(totals)} values; expected one per loss evaluation '
                       f"({steps}, or a few more from the last line search) plus one for the result")
    layers = list(kwargs.get("content_layers", ["conv4_2"])) + list(kwargs.get("style_layers", []))
    net = _harness.network(name, layers)
    true = gatys_objective(net, x, content, style, **kwargs)
    reference = float(np.asarray(expected[1]["total"], dtype=float).ravel()[-1])
    if np.abs(x - content).max() < 1e-6:
        return False, ("x is the content image unchanged: is x (a copy of the starting image that "
                       "requires grad) the parameter given to the optimiser?")
    if not np.isclose(totals[-1], true, rtol=1e-3):
        return False, (f"the last loss in history, {totals[-1]:.6g}, is not the loss of the returned "
                       f"image under the unchanged network, {true:.6g}: was the network changed, or "
                       "is the last value not that of the returned x?")
    if true > 1.25 * reference:
        return False, (f"after {steps} evaluations the loss is {true:.4g}, {true / reference:.2f} x the "
                       f"reference loop's {reference:.4g} (at most 1.25 x)")
    return True, ""


# ----------------------------------------------------------------------------- the catalogue
def _g(name, points, make, public=True, timing=False):
    return Group(name, points, make, public, timing)


def _fixed(*cases):
    return lambda rng: list(cases)


# correlate2d and convolve2d are graded on the same inputs (the answers differ by the flip)
CORR_GROUPS = [
    _g("worked examples (seed 003)", 2, _corr_examples),
    _g("edge cases: kernel larger than the input, lists", 2, _corr_edges),
    _g("random inputs, all modes", 2, _corr_random),
    _g("hidden random inputs", 3, _corr_random, public=False)]

EXERCISES = [
    # ---- chapter 1
    Exercise("inner", 1, "inner_products", [
        _g("worked examples", 2, _fixed(C([1, 2, 3], [4, 5, 6], note="seed 000, §1.2"),
                                        C([1, 0], [0, 1]), C([2.5], [-4.0]))),
        _g("length mismatch raises ValueError", 1, _fixed(*_ERRORS_1)),
        _g("random vectors", 2, _inner_random),
        _g("hidden random vectors", 3, _inner_random, public=False)]),
    Exercise("cosine_similarity", 1, "inner_products", [
        _g("worked examples", 2, _fixed(C([1, 2, 3], [4, 5, 6]), C([1, 0], [0, 1]),
                                        C([1, 1], [-2, -2]))),
        _g("zero vector or length mismatch raises ValueError", 1, _fixed(*_ZERO)),
        _g("random vectors", 2, _inner_random),
        _g("hidden random vectors", 3, _inner_random, public=False)]),
    Exercise("angle_between", 1, "inner_products", [
        _g("worked examples", 2, _fixed(C([1, 0], [0, 1]), C([1, 0], [1, 1]),
                                        C([1, 0], [-1, 1], degrees=False))),
        _g("exactly 0 and 180 for (anti)parallel vectors", 2, lambda rng: _angle_exact(None)),
        _g("zero vector or length mismatch raises ValueError", 1, _fixed(*_ZERO)),
        _g("random vectors", 1, _angle_random),
        _g("hidden random vectors", 2, _angle_random, public=False),
        _g("hidden (anti)parallel vectors", 1, _angle_exact, public=False)],
        misconceptions=[("arccos of the cosine: rounding leaves a tiny angle between "
                         "(anti)parallel vectors", _angle_arccos),
                        ("radians and degrees swapped", _angle_radians)]),
    Exercise("direction", 1, "inner_products", [
        _g("worked examples (seed 000, §1.3)", 2, _fixed(
            C([1, 0], [1, 1]), C([1, 0], [0, 1]), C([1, 0], [-1, 1]),
            C([1.0, 0.0], [1e-12, 1.0], note="a·b = 1e-12: orthogonal within tol"),
            Case(args=([1.0, 0.0], [1e-3, 1.0]), kwargs={"tol": 1e-2}, note="a custom tol"))),
        _g("random vectors", 2, _direction_random),
        _g("hidden random vectors", 3, _direction_random, public=False)]),
    # ---- chapter 2
    Exercise("gram", 2, "gram_matrices", [
        _g("worked examples", 2, _fixed(C([[1, 2], [3, 4]]), C(np.eye(3)),
                                        C([[1.0, 2.0, 3.0]], note="k = 1"))),
        _g("random (k, n)", 2, _gram_random),
        _g("hidden random (k, n)", 3, _gram_random, public=False)],
        misconceptions=[("the Gram matrix of the columns (VᵀV) instead of the rows (VVᵀ)",
                         _gram_cols), TRANSPOSED]),
    Exercise("gram_matrix", 2, "gram_matrices", [
        _g("worked examples", 2, _gram_matrix_examples),
        _g("random feature maps, numpy and torch", 3, _gram_matrix_random),
        _g("hidden random feature maps", 3, _gram_matrix_random, public=False)],
        torch=True, strict_type=True,
        misconceptions=[("the Gram matrix without the 1/(H·W) normalisation", _unnormalised),
                        ("the Gram matrix divided by C·H·W instead of H·W", _by_chw)]),
    Exercise("gramian_angular_field", 2, "gram_matrices", [
        _g("worked examples", 2, _fixed(C([1.0, 2.0, 3.0, 4.0]),
                                        C([1.0, 2.0, 3.0, 4.0], kind="difference"),
                                        C([0.0, 1.0], note="two points"))),
        _g("constant series or unknown kind raises ValueError", 1, _fixed(
            E([2.0, 2.0, 2.0], note="a constant series"),
            E([1.0, 2.0, 3.0], kind="product", note="an unknown kind"))),
        _g("random series", 2, _gaf_random),
        _g("hidden random series", 3, _gaf_random, public=False)],
        tol=(1e-6, 1e-6), misconceptions=[TRANSPOSED]),
    # ---- chapter 3
    Exercise("toeplitz_1d", 3, "convolution_as_matmul", [
        _g("worked examples", 2, _fixed(C([1.0, 2.0, 3.0], 4), C([1.0], 3), C([1.0, -1.0], 2))),
        _g("random kernels", 2, _toeplitz_random),
        _g("hidden random kernels", 3, _toeplitz_random, public=False)],
        misconceptions=[("correlation instead of convolution (kernel not flipped)", _toeplitz_corr),
                        TRANSPOSED]),
    Exercise("conv_matrix_2d", 3, "convolution_as_matmul", [
        _g("worked examples (seed 002)", 2, _fixed(
            C(np.array([[4.0, 3.0], [1.0, 2.0]]), (3, 3), mode="full"),
            C(np.array([[4.0, 3.0], [1.0, 2.0]]), (3, 3), mode="valid"),
            C(np.array([[1.0, 2.0], [3.0, 4.0]]), (2, 3)))),
        _g("random kernels and shapes", 2, _convmat_random),
        _g("hidden random kernels and shapes", 3, _convmat_random, public=False)],
        misconceptions=[("correlation instead of convolution (kernel not flipped)", _convmat_corr),
                        TRANSPOSED]),
    Exercise("im2col", 3, "convolution_as_matmul", [
        _g("worked examples", 2, _fixed(C(np.arange(9.0).reshape(1, 3, 3), 2),
                                        C(np.arange(18.0).reshape(2, 3, 3), 2, padding=1))),
        _g("random inputs, strides and padding", 3, _im2col_random),
        _g("hidden random inputs", 3, _im2col_random, public=False)],
        misconceptions=[TRANSPOSED]),
    Exercise("conv2d_im2col", 3, "convolution_as_matmul", [
        _g("worked examples (seed 003)", 2, _fixed(
            C(_SEED_X[None, None], _SEED_H[None, None]),
            C(_SEED_X[None, None], _SOBEL[None, None], np.array([1.0])))),
        _g("random inputs, bias, stride, padding", 3, _conv2d_random),
        _g("vectorised (no Python loop over output pixels)", 2, _conv2d_speed, timing=True),
        _g("hidden random inputs", 3, _conv2d_random, public=False)],
        forbidden=CONV_FORBIDDEN,
        misconceptions=[("convolution instead of cross-correlation (kernel flipped)",
                         _conv2d_flipped)]),
    Exercise("unroll_matrix", 3, "convolution_as_matmul", [
        _g("worked examples (seed 002)", 2, _fixed(C(_SEED_X, 2),
                                                   C(np.arange(16.0).reshape(4, 4), 2))),
        _g("edge cases: m = 1 and m = n", 1, _fixed(C(_SEED_X, 1), C(_SEED_X, 3))),
        _g("random inputs", 2, _unroll_random),
        _g("hidden random inputs", 3, _unroll_random, public=False)],
        misconceptions=[("(n − m)² rows instead of (n − m + 1)²: the seed's off-by-one",
                         _unroll_seed), TRANSPOSED]),
    # ---- chapter 4
    Exercise("correlate2d", 4, "correlation_vs_convolution", CORR_GROUPS,
        forbidden=CONV_FORBIDDEN,
        misconceptions=[("convolution instead of correlation (kernel flipped)", _scipy_conv),
                        TRANSPOSED]),
    Exercise("convolve2d", 4, "correlation_vs_convolution", CORR_GROUPS,
        forbidden=CONV_FORBIDDEN,
        misconceptions=[("correlation instead of convolution (kernel not flipped)", _scipy_corr),
                        TRANSPOSED]),
    Exercise("conv_output_size", 4, "correlation_vs_convolution", [
        _g("worked examples", 2, _fixed(C(5, 3), C(32, 3, padding=1), C(7, 3, stride=2),
                                        C(10, 3, dilation=2), C(224, 7, padding=3, stride=2))),
        _g("output < 1 raises ValueError", 1, _fixed(E(2, 5, note="kernel larger than input"),
                                                     E(5, 3, dilation=3, note="dilated kernel too large"))),
        _g("random sizes", 2, _cos_random),
        _g("hidden random sizes", 2, _cos_random, public=False)],
        integer=("result",)),
    # ---- chapter 5
    Exercise("vq", 5, "vector_quantisation", [
        _g("worked example (seed 004)", 2, _fixed(C(_SEED_FEATURES, _SEED_CODES))),
        _g("ties go to the lowest index", 1, _fixed(
            C([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]),
            C([[2.0, 2.0]], [[1.0, 1.0], [1.0, 1.0]]))),
        _g("random points", 2, _vq_random),
        _g("hidden random points", 3, _vq_random, public=False)],
        tol=(1e-6, 1e-6), integer=("result[0]",),
        misconceptions=[("squared distances instead of plain Euclidean distances", _vq_squared)]),
    Exercise("kmeans", 5, "vector_quantisation", [
        _g("worked example (seed 004)", 2, _fixed(C(_SEED_FEATURES, 3, seed=4321))),
        _g("clustered random points", 2, _kmeans_random),
        _g("hidden clustered points", 3, _kmeans_random, public=False)],
        judge=_judge_kmeans),
    Exercise("quantize_image", 5, "vector_quantisation", [
        _g("small images", 2, _quant_random),
        _g("hidden small images", 3, _quant_random, public=False)],
        judge=_judge_quantize),
    Exercise("VectorQuantizer", 5, "vector_quantisation", [
        _g("small codebooks: values and gradients", 3, _vqmod_examples),
        _g("random codebooks", 2, _vqmod_random),
        _g("hidden random codebooks", 3, _vqmod_random, public=False)],
        kind="class", torch=True, integer=("result[2]",)),
    # ---- chapter 6
    Exercise("content_loss", 6, "style_transfer", [
        _g("values and gradients", 2, _content_random),
        _g("hidden values and gradients", 3, _content_random, public=False)],
        torch=True, misconceptions=[("a mean instead of ½ Σ", _content_mean),
                                    ("Σ (F − P)² without the ½", _content_no_half)]),
    Exercise("style_layer_loss", 6, "style_transfer", [
        _g("values and gradients", 2, _style_layer_random),
        _g("hidden values and gradients", 3, _style_layer_random, public=False)],
        torch=True, misconceptions=[("Σ (G − A)² without the 1/(4N²M²)", _style_layer_no_factor)]),
    Exercise("style_loss", 6, "style_transfer", [
        _g("values and gradients", 2, _style_random),
        _g("hidden values and gradients", 3, _style_random, public=False)],
        torch=True),
    Exercise("total_variation", 6, "style_transfer", [
        _g("values and gradients", 2, _tv_random),
        _g("hidden values and gradients", 3, _tv_random, public=False)],
        torch=True, misconceptions=[("absolute differences (L1) instead of squares", _tv_abs),
                                    ("means instead of sums", _tv_mean)]),
    Exercise("gatys_loop", 6, "style_transfer", [
        _g("VGG-19 on small images", 3, _gatys_cases),
        _g("hidden VGG-19 on small images", 3, _gatys_cases, public=False)],
        judge=_judge_gatys, tol=(0.25, 0.0)),
]

BY_NAME = {ex.name: ex for ex in EXERCISES}


def get(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(BY_NAME)}") from None
