"""The in-notebook self-check: `check(name, fn)` on the reference, on wrong answers, on stubs."""

import contextlib
import io

import numpy as np
import pytest

import solutions
from autograder import check
from autograder import exercises as catalogue


def run(name, fn):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = check(name, fn)
    return result, buf.getvalue()


@pytest.mark.parametrize("name", [ex.name for ex in catalogue.EXERCISES])
def test_reference_passes_every_public_case(name):
    result, out = run(name, getattr(solutions, name))
    assert result.passed, out
    assert result.score == catalogue.get(name).public_points
    lines = out.strip().splitlines()
    assert len(lines) == sum(g.public for g in catalogue.get(name).groups) + 1
    assert all(line.startswith("✔") for line in lines[:-1])
    assert "hidden cases" in lines[-1]


def test_catalogue_and_registry_agree():
    names = [n for ch in solutions.CATALOGUE.values() for n in ch]
    assert sorted(names) == sorted(catalogue.BY_NAME)


def test_output_is_deterministic_and_result_prints_nothing_in_a_notebook():
    def gram(v):  # the columns' Gram matrix: a known misconception
        v = np.asarray(v, float)
        return v.T @ v

    r1, out1 = run("gram", gram)
    r2, out2 = run("gram", gram)
    assert out1 == out2
    assert "0x" not in out1 and " s)" not in out1
    assert "VᵀV" in out1 and "expected" in out1 and "rtol=1e-06, atol=1e-08" in out1
    assert not r1.passed and r1.score == 0
    assert repr(r1) == "CheckResult(name='gram', score=0, max_score=4)"
    assert r1._ipython_display_() is None


def test_stub_reports_not_implemented_with_its_hint_on_one_line():
    def inner(a, b):
        """Σ aᵢbᵢ."""
        raise NotImplementedError("multiply elementwise, then sum")

    result, out = run("inner", inner)
    lines = out.strip().splitlines()
    assert lines[0] == "✘ inner: not implemented yet: multiply elementwise, then sum"
    assert len(lines) == 2 and result.score == 0


def test_forbidden_call_fails_the_whole_exercise():
    def convolve2d(a, k, mode="valid"):
        import scipy.signal

        return scipy.signal.convolve2d(a, k, mode)

    result, out = run("convolve2d", convolve2d)
    assert result.score == 0
    assert "forbidden call: scipy.signal.convolve2d" in out
    import scipy.signal  # restored afterwards

    assert scipy.signal.convolve2d(np.ones((2, 2)), np.ones((1, 1))).shape == (2, 2)


def test_forbidden_name_imported_into_the_learners_globals_is_caught_too():
    ns = {}
    exec(
        "from scipy.signal import correlate2d as c2\n"
        "def correlate2d(a, k, mode='valid'):\n    return c2(a, k, mode)\n",
        ns,
    )
    result, out = run("correlate2d", ns["correlate2d"])
    assert result.score == 0 and "forbidden call" in out
    assert ns["c2"].__module__.startswith("scipy")


def test_unknown_name_and_non_callable():
    with pytest.raises(KeyError):
        check("no_such_exercise", print)
    result, out = run("inner", None)
    assert not result.passed and "expected a function" in out


def test_equivalent_types_pass_and_wrong_types_are_named():
    r, _ = run("direction", lambda a, b, tol=1e-9: np.str_(solutions.direction(a, b, tol)))
    assert r.passed  # a numpy str_ is a str
    r, _ = run("inner", lambda a, b: np.asarray(solutions.inner(a, b)))
    assert r.passed  # a 0-d array is a number
    r, out = run("conv_output_size", lambda *a, **k: float(solutions.conv_output_size(*a, **k)))
    assert not r.passed and "expected an int, got a float" in out
    import torch

    def gram_matrix(features, normalize=True):  # numpy in, torch out: wrong type
        return torch.as_tensor(solutions.gram_matrix(np.asarray(features), normalize))

    r, out = run("gram_matrix", gram_matrix)
    assert not r.passed and "the type of the input" in out


PLAIN_LLOYD = """
import numpy as np
def kmeans(obs, k, iters=20, seed=0):
    X = np.asarray(obs, float)
    rng = np.random.default_rng(seed)
    Y = X[rng.choice(len(X), k, replace=False)].copy()       # random init: local minima happen
    for _ in range(iters):
        c = np.sqrt(((X[:, None] - Y[None]) ** 2).sum(-1)).argmin(1)
        for j in range(k):
            Y[j] = X[c == j].mean(0) if np.any(c == j) else X[rng.integers(len(X))]
    return Y, float(np.sqrt(((X[:, None] - Y[None]) ** 2).sum(-1)).min(1).mean())
def quantize_image(image, k, seed=0):
    X = np.asarray(image).reshape(-1, 3).astype(float)
    Y, _ = kmeans(X, k, 20, seed)
    c = ((X[:, None] - Y[None]) ** 2).sum(-1).argmin(1)
    return np.clip(np.round(Y[c]), 0, 255).astype(np.uint8).reshape(np.shape(image))
"""


@pytest.mark.parametrize("name", ["kmeans", "quantize_image"])
def test_a_plain_lloyd_from_a_random_start_passes_public_and_hidden_cases(name):
    """A correct Lloyd's algorithm may stop in another local minimum than the reference's."""
    from autograder import cases, engine
    from autograder.sandbox import harness as _harness

    ns = {}
    exec(PLAIN_LLOYD, ns)
    ex = catalogue.get(name)
    for seed in range(5):
        for gi in range(len(ex.groups)):
            for case in ex.cases(gi, seed):
                plain = cases.plain_case(ex, case)
                v = engine.verdict(
                    ex, plain, cases.reference_result(ex, plain), _harness.run_case(ns[name], *plain.call)
                )
                assert v.ok, (seed, gi, v.feedback)
