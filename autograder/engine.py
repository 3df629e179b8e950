"""The verdict on one case, and the results of a group and an exercise.

The flow of every check, in-process or sandboxed:

    for gi, pairs in cases.build(ex, "public"):       # the one case-building path (cases.py)
        for plain, expected in pairs:                 # a PlainCase; the reference's answer
            got = harness.run_case(fn, *plain.call, forbidden)   # here or in a sandboxed child
            v = verdict(ex, plain, expected, got)     # a CaseVerdict: an outcome, as data
        group = group_result(ex, gi, [v, ...], plains, hidden)   # worded by verdicts.render
"""

import builtins
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import verdicts as V
from .cases import python_inputs
from .compare import as_numpy, compare, compare_grads, describe, matches_value


# ----------------------------------------------------------------------------- verdicts
@dataclass
class CaseVerdict:
    """The verdict on one case: its outcome (verdicts.py) and the misconception recognised."""

    outcome: V.Outcome
    misconception: str | None = None
    numeric: bool = True  # the answer is numbers (the tolerance applies to it)

    @property
    def ok(self):
        return self.outcome.ok

    @property
    def forbidden(self):
        return isinstance(self.outcome, V.Forbidden)

    @property
    def feedback(self):
        return V.render(self.outcome, misconception=self.misconception)

    def text(self, hidden=False):
        return V.render(self.outcome, hidden, self.misconception)


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


def builtin_exception(res):
    """The exception a learner's code raised, as a name the learner cannot choose: the first
    built-in exception class of its MRO ("ValueError", "KeyError (a subclass)")."""
    names = res.get("mro") if isinstance(res.get("mro"), list) else [res.get("error")]
    for i, n in enumerate(names):
        cls = getattr(builtins, n, None) if isinstance(n, str) else None
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return n if i == 0 else f"{n} (a subclass)"
    return "an exception"


def raised(res, expected=None, note=""):
    """The outcome of a call that raised (res: the harness's result with "error")."""
    msg = str(res.get("message", ""))
    if res.get("forbidden"):
        return V.Forbidden(msg)
    if res["error"] == "NotImplementedError":
        return V.NotImplementedYet(msg, builtin_exception(res))
    return V.Raised(str(res["error"]), builtin_exception(res), msg, expected, note)


def verdict(ex, plain, expected, got, speed_scale=1.0):
    """Judge one case. expected/got: (result_tree, arrays) from `harness.run_case`.

    speed_scale: how much slower this machine is than the one that timed the reference
    (1.0 when the reference was timed here)."""
    tree, meta = plain.call.tree, plain.meta
    exp, ea = expected
    res, ga = got
    tol = tuple(meta.tol)
    note = meta.note
    if "error" in res and res.get("forbidden"):
        return CaseVerdict(raised(res))
    if "error" in exp:
        want = exp["error"]
        if "error" in res:
            if res["error"] == "NotImplementedError" and want != "NotImplementedError":
                return CaseVerdict(raised(res), numeric=False)
            if want in res.get("mro", [res["error"]]):
                return CaseVerdict(V.Passed(), numeric=False)
            return CaseVerdict(raised(res, want, note), numeric=False)
        return CaseVerdict(V.NotRaised(want, describe(res.get("value"), ga), note), numeric=False)
    if "error" in res:
        return CaseVerdict(raised(res))
    numeric = _numeric(exp["value"])
    if ex.judge is not None:
        args, kwargs = python_inputs(plain)
        try:
            ok, msg = ex.judge(args, kwargs, as_numpy(exp["value"], ea), as_numpy(res["value"], ga), tol)
        except Exception as e:
            ok, msg = False, f"could not judge the result: {type(e).__name__}: {e}"
        # the judge's own sentence: whether it sets an expectation against the result
        return CaseVerdict(V.Passed() if ok else V.JudgeFailed(msg, "expected" in msg), numeric=numeric)
    diff = compare(exp["value"], res["value"], ea, ga, tol, strict_type=ex.strict_type, integer=ex.integer)
    if diff is None and tree.get("grad"):
        diff = compare_grads(exp.get("grads"), res.get("grads"), ea, ga, tol, list(meta.labels))
    if diff is not None:
        return CaseVerdict(diff, misconception(ex, plain, exp, ea, res, ga, tol), numeric)
    if tree.get("repeat"):
        slow = _speed(ex, exp.get("seconds"), res.get("seconds"), speed_scale)
        if slow:
            return CaseVerdict(slow, numeric=numeric)
    return CaseVerdict(V.Passed(), numeric=numeric)


def misconception(ex, plain, exp, ea, res, ga, tol):
    """The label of the first known wrong answer that `res` matches, or None."""
    if not ex.misconceptions:
        return None
    args, kwargs = python_inputs(plain)
    expected = as_numpy(exp["value"], ea)
    if tol == (0.0, 0.0):
        tol = (1e-6, 1e-5)  # an exact case: a wrong answer is recognised loosely
    for label, fn in ex.misconceptions:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wrong = fn(args, kwargs, expected)
        except Exception:
            continue
        if wrong is not None and matches_value(wrong, res["value"], ga, tol):
            return label
    return None


def _speed(ex, ref_s, got_s, speed_scale=1.0):
    if got_s is None:
        return V.NotTimed(ex.slowdown)
    if ref_s is None:
        return None
    limit = max(ex.slowdown * ref_s * speed_scale, 0.02)
    if got_s > limit:
        return V.TooSlow(ex.slowdown, float(got_s), float(limit))
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
        cols = np.stack([xp[a : a + 256, b : b + 256].ravel() for a in range(3) for b in range(3)])
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
    stub: str = ""  # the NotImplementedError feedback when every case raised it
    outcome: str = "not judged"  # the kind of the first failing case's outcome (verdicts.py);
    #                              "not judged": the exercise failed before (see its message)
    misconception: str | None = None  # the misconception recognised on it
    states_expected: bool = False  # its feedback sets expected against got (tolerance shown)

    def as_dict(self):
        """The group's verdict as data (results.json extra_data.verdicts, read by the report)."""
        return {
            "group": self.name,
            "public": self.public,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "outcome": self.outcome,
            "misconception": self.misconception,
        }


@dataclass
class ExerciseResult:
    name: str
    groups: list = field(default_factory=list)
    message: str = ""  # an exercise-wide message (missing function, time limit...)

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


def group_result(ex, gi, verdicts, plains, hidden=False):
    """The GroupResult of one group from its cases' verdicts; hidden: worded as a hidden case
    may be (verdicts.render(..., hidden=True): no value, message or input)."""
    g = ex.groups[gi]
    tols = [tuple(p.meta.tol) for p, v in zip(plains, verdicts) if v.numeric]
    bad = [(i, v) for i, v in enumerate(verdicts) if not v.ok]
    forbidden = any(v.forbidden for v in verdicts)
    if not bad:
        return GroupResult(g.name, g.points, g.points, g.public, True, "", fmt_tol(tols), outcome="passed")
    i, v = bad[0]
    text = v.text(hidden)
    if hidden:
        fb = f"a hidden case failed: {text}"
    else:
        note = plains[i].meta.note
        where = f"case {i + 1}{' (' + note + ')' if note else ''}"
        fb = text if v.forbidden else f"{where}: {text}"
    stub = (
        text
        if len(bad) == len(verdicts) and all(isinstance(x.outcome, V.NotImplementedYet) for _, x in bad)
        else ""
    )
    return GroupResult(
        g.name,
        0,
        g.points,
        g.public,
        False,
        fb,
        fmt_tol(tols),
        forbidden,
        stub,
        v.outcome.kind,
        v.misconception,
        V.states_expected(v.outcome, hidden),
    )


def finish(ex, groups, message=""):
    """An ExerciseResult; a forbidden call anywhere fails the whole exercise."""
    r = ExerciseResult(ex.name, groups, message)
    forbidden = next((g for g in groups if g.forbidden), None)
    if forbidden is not None:
        for g in groups:
            g.points, g.passed = 0, False
            if not g.forbidden:
                g.feedback, g.outcome, g.misconception = "not scored: a forbidden call", "not scored", None
        r.message = forbidden.feedback
    return r
