"""The one path from an exercise's cases to what runs them and what judges them.

    for gi, pairs in cases.build(ex, "public"):       # grading, the self-check, the answers file
        for plain, expected in pairs:                 # plain: a PlainCase; expected: the reference's
            got = harness.run_case(fn, *plain.call)   # the learner, here or in a sandboxed child
            v = engine.verdict(ex, plain, expected, got)

A registry `Case` becomes a `PlainCase`: the harness's input (`Call`: the arguments as a tree of
plain data with the arrays beside it, the call kind, whether gradients are taken, the timing
repeat; nothing else reaches the sandbox) and the grading metadata (`CaseMeta`: the note shown in
feedback, the tolerance, the expected exception, the labels of the gradients), which stays in
the grader. `build` computes each case's expected answer with the reference, in this process.
"""

import importlib
from dataclasses import dataclass

import numpy as np

from .exercises import T, tolerance
from .sandbox import harness


@dataclass
class Call:
    """What the harness runs (`harness.run_case(fn, *call)`): tree = {"args", "kwargs", "call",
    "grad", "repeat"}, with the arrays it names by key."""

    tree: dict
    arrays: dict

    def __iter__(self):
        return iter((self.tree, self.arrays))


@dataclass(frozen=True)
class CaseMeta:
    """What grading knows of a case and the harness never sees."""

    note: str = ""
    tol: tuple = (0.0, 0.0)  # (rtol, atol)
    raises: str | None = None  # the exception the reference raises on it
    labels: tuple = ()  # what each gradient is taken with respect to

    def as_dict(self):
        return {"note": self.note, "tol": list(self.tol), "raises": self.raises, "labels": list(self.labels)}

    @classmethod
    def from_dict(cls, d):
        return cls(d.get("note", ""), tuple(d["tol"]), d.get("raises"), tuple(d.get("labels", ())))


@dataclass
class PlainCase:
    """A case as plain data: `call` for the harness, `meta` for the judge. It unpacks as the
    harness's (tree, arrays)."""

    call: Call
    meta: CaseMeta

    def __iter__(self):
        return iter(self.call)


# ----------------------------------------------------------------------------- plain cases
def _to_tree(v, arrays):
    if isinstance(v, T):
        key = f"i{len(arrays)}"
        arrays[key] = np.array(v.array, copy=True)
        return {"$": "tensor", "key": key, "grad": bool(v.grad)}
    if isinstance(v, (list, tuple)) and any(isinstance(x, (T, np.ndarray, list, tuple, dict)) for x in v):
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


def plain_case(ex, case):
    """The PlainCase of a registry Case of exercise `ex`."""
    arrays = {}
    tree = {
        "args": _to_tree(tuple(case.args), arrays),
        "kwargs": _to_tree(dict(case.kwargs), arrays),
        "call": case.call,
        "grad": bool(ex.torch and _has_grad((case.args, case.kwargs))),
        "repeat": int(case.repeat),
    }
    meta = CaseMeta(case.note, tuple(tolerance(ex, case)), case.raises, tuple(_grad_labels(case)))
    return PlainCase(Call(tree, arrays), meta)


def python_inputs(plain):
    """(args, kwargs) of a plain case as registry functions see them (tensors as T)."""
    tree, arrays = plain.call

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
    """(result tree, arrays) of the reference on `plain`, checked against what the case says
    (an expected exception raised, and only then)."""
    res = harness.run_case(reference(ex.name), *plain.call)
    err, meta = res[0].get("error"), plain.meta
    if err and not (meta.raises and meta.raises in res[0]["mro"]):
        raise GraderError(
            f"{ex.name}: the reference raised {err}: {res[0]['message']} "
            f"on a case{' (' + meta.note + ')' if meta.note else ''} "
            "where it should return"
        )
    if not err and meta.raises:
        raise GraderError(f"{ex.name}: the reference did not raise {meta.raises} ({meta.note})")
    return res


# ----------------------------------------------------------------------------- the one path
def build(ex, which="public", seed=None):
    """[(group index, [(PlainCase, expected), ...])] of the groups of `ex` that `which` names
    ("public", "hidden" or "all"; hidden groups are drawn from `seed`), each case's expected
    answer computed with the reference here. Used by grading (grade.prepare), the self-check
    (selfcheck.public_cases) and the public answers file (answers.build)."""
    out = []
    for gi, g in enumerate(ex.groups):
        if which != "all" and g.public != (which == "public"):
            continue
        plains = [plain_case(ex, c) for c in ex.cases(gi, seed)]
        out.append((gi, [(p, reference_result(ex, p)) for p in plains]))
    return out
