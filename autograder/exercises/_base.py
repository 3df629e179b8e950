"""What every chapter's exercises are made of: `Exercise`, `Group`, `Case`, `T`, the tolerances
and the chapter map (`CHAPTERS`). One module per chapter (`exercises/<chapter module>.py`) holds
that chapter's exercises as data; `exercises/__init__.py` lists them in catalogue order.

An exercise is a list of case *groups*, each worth some points (partial credit is by group:
a group scores its points when every case in it passes). A group is public (fixed seed,
run by the learner's self-check) or hidden (drawn at grading from the instructor's `--seed`).
A case is a call: positional and keyword arguments, numpy arrays, Python lists, numbers,
strings or `T(array, grad=True)` for a torch tensor. The expected answer of a case is
whatever the reference (`solutions`) returns or raises on it, computed by the grader.

Nothing here imports `solutions`: learners receive this package without it.
"""

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

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

F64 = (1e-6, 1e-8)  # (rtol, atol) for float64 inputs
F32 = (1e-4, 1e-5)  # for float32 inputs
EXACT = (0.0, 0.0)
PUBLIC_SEED = 20261123

CONV_FORBIDDEN = (
    "torch.nn.functional.conv1d",
    "torch.nn.functional.conv2d",
    "torch.nn.functional.conv3d",
    "torch.nn.functional.conv_transpose1d",
    "torch.nn.functional.conv_transpose2d",
    "torch.nn.functional.unfold",
    "torch.nn.functional.fold",
    "torch.conv1d",
    "torch.conv2d",
    "torch.conv3d",
    "torch.convolution",
    "torch.conv_transpose1d",
    "torch.conv_transpose2d",
    "torch._C._nn.im2col",
    "torch.nn.Conv2d",
    "torch.nn.Unfold",
    "torch.nn.Fold",
    "scipy.signal.*",
    "scipy.ndimage.*",
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
    note: str = ""  # shown in feedback: "antiparallel vectors"
    tol: tuple | None = None  # (rtol, atol) overriding the exercise's
    call: str = "function"  # or "module" (a class: construct, load state, forward)
    repeat: int = 0  # > 0: time the call (vectorisation check)
    raises: str | None = None  # the reference raises this (an expected error)


@dataclass
class Group:
    name: str
    points: int
    make: Callable  # rng -> list[Case]
    public: bool = True
    timing: bool = False  # a vectorisation group: values and speed


@dataclass
class Exercise:
    name: str
    chapter: int  # the module is CHAPTERS[chapter]: solutions.<module>
    groups: list
    kind: str = "function"  # "function" or "class"
    torch: bool = False  # graded on gradients too
    forbidden: tuple = ()
    tol: tuple | None = None  # overrides the dtype rule (rtol, atol)
    judge: Callable | None = None  # custom pass/fail (inputs, expected, got, tol)
    misconceptions: list = field(default_factory=list)  # [(label, fn(inputs, expected))]
    strict_type: bool = False  # numpy in → numpy out, torch in → torch out
    integer: tuple = ()  # parts of the result that must be integers: "result", "result[0]"
    slowdown: float = 10.0  # vectorisation: fail when slower than this × reference

    @property
    def module(self):
        """The chapter's module name: `solutions.<module>`, `autograder.exercises.<module>`."""
        return CHAPTERS[self.chapter]

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


def _transposed(args, kwargs, expected):
    if not isinstance(expected, np.ndarray) or expected.ndim < 2:
        return None
    swapped = np.swapaxes(expected, -1, -2)
    if swapped.shape == expected.shape and np.allclose(swapped, expected):
        return None  # symmetric: a transposed answer is a right answer
    return swapped


TRANSPOSED = ("a transposed result (rows and columns swapped)", _transposed)


def _g(name, points, make, public=True, timing=False):
    return Group(name, points, make, public, timing)


def _fixed(*cases):
    return lambda rng: list(cases)


# correlate2d and convolve2d are graded on the same inputs (the answers differ by the flip)


# shared worked examples (seed 003): chapters 3 and 4
_SEED_X = np.arange(1, 10, dtype=np.float64).reshape(3, 3)
_SEED_H = np.array([[1.0, 2.0], [3.0, 4.0]])
_SEED_B = np.array([[2.0, 3.0], [5.0, 6.0]])
_SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
