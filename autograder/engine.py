"""Cases as plain data, expected answers, and the verdict on one case or group.

The flow of every check, in-process or sandboxed:

    plain = plain_case(ex, case)                      # registry Case -> (tree, arrays)
    expected = reference_result(ex, plain)            # the reference, in the grader's process
    got = harness.run_case(fn, *plain, forbidden)    # the learner, here or in a child
    ok, feedback = verdict(ex, plain, expected, got)  # plain data only
"""
import importlib
import warnings
from dataclasses import dataclass, field

import numpy as np

from .sandbox import harness
from .compare import (as_numpy, compare, compare_grads, describe, error_feedback,
                      matches_value)
from .exercises import T, tolerance


# ----------------------------------------------------------------------------- plain cases
def _to_tree(v, arrays):
    if isinstance(v, T):
        key = f"i{len(arrays)}"
        arrays[key] = np.array(v.array, copy=True)
        return {"$": "tensor", "key": key, "grad": bool(v.grad)}
    if isinstance(v, (list, tuple)) and any(isinstance(x, (T, np.ndarray)) or
                                            isinstance(x, (list, tuple, dict)) for x in v):
        kind = "tuple" if isinstance(v, tuple) else "list"
        return {"$": kind, "items": [_to_tree(x, arrays) for x in v]}
    if isinstance(v, dict):
        return {"$": "dict", "items": {k: _to_tree(x, arrays) for k, x in v.items()}}
    tree, _ = harness.encode(v, arrays, prefix="i")
    return tree


def _has_grad(v):
    if isinstance(v, T):
        return v.grad
    if isinstance(v, (list, tuple)):
        return any(_has_grad(x) for x in v)
    if isinstance(v, dict):
        return any(_has_grad(x) for x in v.values())
    return False


def plain_case(ex, case):
    """(tree, arrays): the case as the harness runs it, plus grading metadata."""
    arrays = {}
    tree = {"args": _to_tree(tuple(case.args), arrays),
            "kwargs": _to_tree(dict(case.kwargs), arrays),
            "call": case.call, "grad": bool(ex.torch and _has_grad((case.args, case.kwargs))),
            "repeat": int(case.repeat),
            # metadata, not used by the harness:
            "note": case.note, "tol": list(tolerance(ex, case)), "raises": case.raises,
            "labels": _grad_labels(case)}
    return tree, arrays


def _grad_labels(case):
    if case.call == "module":
        ctor, kw, state, fwd = case.args
        return ["the input z"] + list(state)
    labels = []

    def walk(v, label):
        if isinstance(v, T):
            if v.grad:
                labels.append(label)
        elif isinstance(v, (list, tuple)):
            for j, x in enumerate(v):
                walk(x, f"{label}[{j}]")
    for i, a in enumerate(case.args):
        walk(a, f"argument {i + 1}")
    for k, a in case.kwargs.items():
        walk(a, k)
    return labels


def python_inputs(tree, arrays):
    """(args, kwargs) of a plain case as registry functions see them (tensors as T)."""
    def dec(t):
        if isinstance(t, dict) and t.get("$") == "tensor":
            return T(np.array(arrays[t["key"]]), bool(t.get("grad")))
        if isinstance(t, dict) and t.get("$") in ("tuple", "list"):
            items = [dec(x) for x in t["items"]]
            return tuple(items) if t["$"] == "tuple" else items
        if isinstance(t, dict) and t.get("$") == "dict":
            return {k: dec(x) for k, x in t["items"].items()}
        return harness.decode(t, arrays, torch_ok=False)
    return dec(tree["args"]), dec(tree["kwargs"])


# ----------------------------------------------------------------------------- the reference
def solutions_available():
    try:
        importlib.import_module("solutions.inner_products")
        return True
    except ImportError:
        return False


def reference(name):
    """The reference implementation of `name`, from its chapter's module `solutions.<module>`
    (raises ImportError without `solutions`)."""
    from .exercises import get
    return getattr(importlib.import_module(f"solutions.{get(name).module}"), name)


class GraderError(RuntimeError):
    """The registry and the reference disagree: a bug in the course, not in the learner's code."""


def reference_result(ex, plain):
    tree, arrays = plain
    res = harness.run_case(reference(ex.name), tree, arrays)
    err = res[0].get("error")
    if err and not (tree.get("raises") and tree["raises"] in res[0]["mro"]):
        raise GraderError(f"{ex.name}: the reference raised {err}: {res[0]['message']} "
                          f"on a case{' (' + tree['note'] + ')' if tree.get('note') else ''} "
                          "where it should return")
    if not err and tree.get("raises"):
        raise GraderError(f"{ex.name}: the reference did not raise {tree['raises']} "
                          f"({tree.get('note')})")
    return res


# ----------------------------------------------------------------------------- verdicts
@dataclass
class CaseVerdict:
    ok: bool
    feedback: str = ""
    forbidden: bool = False
    numeric: bool = True


def _numeric(tree):
    if isinstance(tree, float):
        return True
    if isinstance(tree, dict):
        tag = tree.get("$")
        if tag == "scalar":
            return isinstance(tree["v"], float)
        if tag in ("array", "tensor", "sparse"):
            return True
        if tag in ("tuple", "list"):
            return any(_numeric(t) for t in tree["items"])
        if tag == "dict":
            return any(_numeric(t) for t in tree["items"].values())
    return False


def verdict(ex, plain, expected, got, speed_scale=1.0):
    """Judge one case. expected/got: (result_tree, arrays) from `harness.run_case`.

    speed_scale: how much slower this machine is than the one that timed the reference
    (1.0 when the reference was timed here)."""
    tree, arrays = plain
    exp, ea = expected
    res, ga = got
    tol = tuple(tree["tol"])
    note = f" ({tree['note']})" if tree.get("note") else ""
    if "error" in res and res.get("forbidden"):
        return CaseVerdict(False, error_feedback(res), forbidden=True)
    if "error" in exp:
        want = exp["error"]
        if "error" in res:
            if res["error"] == "NotImplementedError" and want != "NotImplementedError":
                return CaseVerdict(False, error_feedback(res), numeric=False)
            if want in res.get("mro", [res["error"]]):
                return CaseVerdict(True, numeric=False)
            return CaseVerdict(False, f"expected {want}{note}, but it {error_feedback(res)}",
                               numeric=False)
        return CaseVerdict(False, f"expected {want}{note}, but it returned "
                                  f"{describe(res.get('value'), ga)}", numeric=False)
    if "error" in res:
        return CaseVerdict(False, error_feedback(res))
    numeric = _numeric(exp["value"])
    if ex.judge is not None:
        args, kwargs = python_inputs(tree, arrays)
        try:
            ok, msg = ex.judge(args, kwargs, as_numpy(exp["value"], ea),
                               as_numpy(res["value"], ga), tol)
        except Exception as e:  # noqa: BLE001 - a malformed answer
            ok, msg = False, f"could not judge the result: {type(e).__name__}: {e}"
        return CaseVerdict(ok, "" if ok else msg, numeric=numeric)
    msg = compare(exp["value"], res["value"], ea, ga, tol, strict_type=ex.strict_type,
                  integer=ex.integer)
    if msg is None and tree.get("grad"):
        msg = compare_grads(exp.get("grads"), res.get("grads"), ea, ga, tol, tree["labels"])
    if msg is not None:
        label = misconception(ex, plain, exp, ea, res, ga, tol)
        if label:
            msg += f" — this looks like {label}"
        return CaseVerdict(False, msg, numeric=numeric)
    if tree.get("repeat"):
        msg = _speed(ex, exp.get("seconds"), res.get("seconds"), speed_scale)
        if msg:
            return CaseVerdict(False, msg, numeric=numeric)
    return CaseVerdict(True, numeric=numeric)


def misconception(ex, plain, exp, ea, res, ga, tol):
    """The label of the first known wrong answer that `res` matches, or None."""
    if not ex.misconceptions:
        return None
    tree, arrays = plain
    args, kwargs = python_inputs(tree, arrays)
    expected = as_numpy(exp["value"], ea)
    if tol == (0.0, 0.0):
        tol = (1e-6, 1e-5)           # an exact case: a wrong answer is recognised loosely
    for label, fn in ex.misconceptions:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wrong = fn(args, kwargs, expected)
        except Exception:  # noqa: BLE001 - does not apply to this case
            continue
        if wrong is not None and matches_value(wrong, res["value"], ga, tol):
            return label
    return None


def _speed(ex, ref_s, got_s, speed_scale=1.0):
    if got_s is None:
        return "the call was not timed"
    if ref_s is None:
        return None
    limit = max(ex.slowdown * ref_s * speed_scale, 0.02)
    if got_s > limit:
        return (f"far slower than the reference (more than {ex.slowdown:g}× its CPU time): "
                "is there a Python loop over the output pixels?")
    return None


def yardstick(repeat=5):
    """CPU seconds of a fixed vectorised numpy workload (not a solution of anything): the unit
    that carries a reference time measured at release to a learner's machine."""
    import time
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 256))
    w = rng.standard_normal((2, 9))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        xp = np.pad(x, 1)
        cols = np.stack([xp[a:a + 256, b:b + 256].ravel() for a in range(3) for b in range(3)])
        (w @ cols).sum()
        best = min(best, time.process_time() - t0)
    return best


@dataclass
class GroupResult:
    name: str
    points: int
    max_points: int
    public: bool
    passed: bool
    feedback: str = ""
    tol: str = ""
    forbidden: bool = False
    stub: str = ""               # the NotImplementedError feedback when every case raised it


@dataclass
class ExerciseResult:
    name: str
    groups: list = field(default_factory=list)
    message: str = ""            # an exercise-wide message (missing function, time limit...)

    @property
    def score(self):
        return sum(g.points for g in self.groups)

    @property
    def max_score(self):
        return sum(g.max_points for g in self.groups)

    @property
    def passed(self):
        return bool(self.groups) and all(g.passed for g in self.groups)


def fmt_tol(tols):
    parts = []
    for rtol, atol in sorted(set(tols)):
        parts.append("exact" if rtol == 0 and atol == 0 else f"rtol={rtol:g}, atol={atol:g}")
    return "; ".join(parts)


def group_result(ex, gi, verdicts, plains):
    g = ex.groups[gi]
    tols = [tuple(p[0]["tol"]) for p, v in zip(plains, verdicts) if v.numeric]
    bad = [(i, v) for i, v in enumerate(verdicts) if not v.ok]
    forbidden = any(v.forbidden for v in verdicts)
    if not bad:
        return GroupResult(g.name, g.points, g.points, g.public, True, "", fmt_tol(tols))
    i, v = bad[0]
    note = plains[i][0].get("note")
    where = f"case {i + 1}{' (' + note + ')' if note else ''}"
    fb = v.feedback if v.forbidden else f"{where}: {v.feedback}"
    stub = v.feedback if all(x.feedback.startswith("not implemented yet") for _, x in bad) \
        and len(bad) == len(verdicts) else ""
    return GroupResult(g.name, 0, g.points, g.public, False, fb, fmt_tol(tols), forbidden, stub)


def finish(ex, groups, message=""):
    """An ExerciseResult; a forbidden call anywhere fails the whole exercise."""
    r = ExerciseResult(ex.name, groups, message)
    forbidden = next((g for g in groups if g.forbidden), None)
    if forbidden is not None:
        for g in groups:
            g.points, g.passed = 0, False
            g.feedback = g.feedback if g.forbidden else "not scored: a forbidden call"
        r.message = forbidden.feedback
    return r
