"""Compare what a learner's function returned with the reference's answer, both plain data.

`compare(exp, got)` returns None when they agree, else an outcome (verdicts.py): the shape, the
first differing element and the measured error, the dtype, the type, a missing gradient. The
trees are those of `sandbox.harness.run_case`; nothing here calls learner code, and nothing
here words feedback (verdicts.render does).
"""

import numpy as np

from .sandbox.harness import decode, encode
from .verdicts import (
    CutFromGraph,
    NoGradient,
    NotAGradient,
    Uncomparable,
    WrongDtype,
    WrongGradient,
    WrongShape,
    WrongType,
    WrongValue,
)

_ARRAYS = ("array", "tensor", "sparse")
_ARRAY_NAMES = {"array": "an ndarray", "tensor": "a torch.Tensor", "sparse": "a sparse matrix"}


def describe(tree, arrays):
    """'an ndarray (3, 3) of float64', 'a float', ... for feedback."""
    if tree is None:
        return "None"
    if isinstance(tree, bool):
        return "a bool"
    if isinstance(tree, int):
        return "an int"
    if isinstance(tree, float):
        return "a float"
    if isinstance(tree, str):
        return f"the string {tree[:40]!r}"
    tag = tree.get("$")
    if tag == "scalar":
        return f"a numpy {tree['dtype']} scalar"
    if tag in _ARRAYS:
        a = arrays[tree["key"]]
        return f"{_ARRAY_NAMES[tag]} {tuple(a.shape)} of {a.dtype}"
    if tag in ("tuple", "list"):
        return f"a {tag} of {len(tree['items'])}"
    if tag == "dict":
        return "a dict"
    return f"an object of type {tree.get('type')}"


def _number(tree, arrays):
    """The value of a scalar-like tree (number, numpy scalar, 0-d or 1-element array), or None."""
    if isinstance(tree, bool):
        return None
    if isinstance(tree, (int, float)):
        return tree
    if isinstance(tree, dict):
        if tree.get("$") == "scalar" and not isinstance(tree["v"], (str, list)):
            return tree["v"]
        if tree.get("$") in _ARRAYS:
            a = arrays[tree["key"]]
            if a.ndim == 0 and a.dtype.kind in "biuf":
                return a.item()
    return None


def _is_int(tree, arrays):
    if isinstance(tree, bool):
        return False
    if isinstance(tree, int):
        return True
    if isinstance(tree, dict) and tree.get("$") == "scalar":
        return np.dtype(tree["dtype"]).kind in "iu"
    if isinstance(tree, dict) and tree.get("$") in _ARRAYS:
        return arrays[tree["key"]].dtype.kind in "iu"
    return False


def compare_arrays(e, g, tol, name="result", integer=False):
    rtol, atol = tol
    e, g = np.asarray(e), np.asarray(g)
    if e.shape != g.shape:
        return WrongShape(name, tuple(e.shape), tuple(g.shape))
    if g.dtype.kind not in "biuf":
        return WrongDtype(name, "numbers", str(g.dtype))
    if integer and g.dtype.kind not in "iu":
        return WrongDtype(name, "an integer array", str(g.dtype))
    if e.size == 0:
        return None
    ef, gf = e.astype(np.float64), g.astype(np.float64)
    close = np.isclose(gf, ef, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f"[{', '.join(map(str, idx))}]" if idx else ""
    with np.errstate(all="ignore"):
        err = np.abs(gf - ef)[~close]
        rel = err / np.abs(ef[~close])
    return WrongValue(
        name,
        e[idx],
        g[idx],
        where,
        int((~close).sum()),
        int(e.size),
        _largest(err),
        _largest(rel),
        float(rtol),
        float(atol),
    )


def _largest(a):
    a = a[~np.isnan(a)]
    return float(a.max()) if a.size else float("nan")


def compare(exp, got, ea, ga, tol, name="result", strict_type=False, integer=()):
    """None when `got` matches `exp` within tol=(rtol, atol), else the outcome (verdicts.py).

    integer: names (e.g. "result", "result[0]") whose values must be integers.
    """
    is_int = name in integer
    if isinstance(got, dict) and got.get("$") == "scalar" and isinstance(got.get("v"), str):
        got = got["v"]  # a numpy str_ is a str
    if isinstance(exp, str) or exp is None:
        if got == exp:
            return None
        return (
            WrongType(name, repr(exp), describe(got, ga))
            if not isinstance(got, str)
            else WrongValue(name, exp, got)
        )
    if isinstance(exp, bool):
        if isinstance(got, bool) or (
            isinstance(got, dict) and got.get("$") == "scalar" and got.get("dtype") == "bool"
        ):
            v = got if isinstance(got, bool) else got["v"]
            return None if v == exp else WrongValue(name, exp, v)
        return WrongType(name, "a bool", describe(got, ga))
    tag = exp.get("$") if isinstance(exp, dict) else None
    e_num = _number(exp, ea)
    if isinstance(exp, (int, float)) or tag == "scalar":
        g_num = _number(got, ga)
        if g_num is None:
            return WrongType(name, "a number", describe(got, ga))
        if is_int and not _is_int(got, ga):
            return WrongType(name, "an int", describe(got, ga))
        return compare_arrays(np.float64(e_num), np.float64(g_num), tol, name)
    if tag in ("tuple", "list"):
        gtag = got.get("$") if isinstance(got, dict) else None
        if gtag not in ("tuple", "list"):
            return WrongType(name, f"a {tag} of {len(exp['items'])}", describe(got, ga))
        if len(got["items"]) != len(exp["items"]):
            return WrongType(name, f"a {tag} of {len(exp['items'])}", f"a {gtag} of {len(got['items'])}")
        for i, (e, g) in enumerate(zip(exp["items"], got["items"])):
            diff = compare(e, g, ea, ga, tol, f"{name}[{i}]", strict_type, integer)
            if diff:
                return diff
        return None
    if tag in _ARRAYS:
        e = ea[exp["key"]]
        gtag = got.get("$") if isinstance(got, dict) else None
        if gtag not in _ARRAYS:
            g_num = _number(got, ga)
            if e.ndim == 0 and g_num is not None:
                return compare_arrays(e, np.float64(g_num), tol, name)
            return WrongType(name, describe(exp, ea), describe(got, ga))
        if strict_type and (tag == "tensor") != (gtag == "tensor"):
            return WrongType(
                name, f"{describe(exp, ea).split(' (')[0]} (the type of the input)", describe(got, ga)
            )
        if tag == "tensor" and exp.get("grad") and gtag == "tensor" and not got.get("grad"):
            return CutFromGraph(name)
        return compare_arrays(e, ga[got["key"]], tol, name, integer=is_int)
    if tag == "dict":
        gtag = got.get("$") if isinstance(got, dict) else None
        if gtag != "dict" or set(got["items"]) != set(exp["items"]):
            return WrongType(name, f"a dict with keys {sorted(exp['items'])}", describe(got, ga))
        for k in exp["items"]:
            diff = compare(
                exp["items"][k], got["items"][k], ea, ga, tol, f"{name}[{k!r}]", strict_type, integer
            )
            if diff:
                return diff
        return None
    return Uncomparable(name, describe(exp, ea))


def compare_grads(exp, got, ea, ga, tol, labels):
    """Gradients: lists of trees (None where no gradient reached an input)."""
    if exp is None:
        return None
    got = got or [None] * len(exp)
    for i, (e, g) in enumerate(zip(exp, got)):
        label = labels[i] if i < len(labels) else f"input {i}"
        if e is None:
            continue
        if g is None:
            return NoGradient(label)
        if isinstance(g, dict) and g.get("$") == "object":
            return NotAGradient(label, str(g.get("type")))
        diff = compare(e, g, ea, ga, tol, f"gradient w.r.t. {label}")
        if diff:
            return WrongGradient(label, diff)
    return None


def matches_value(value, got, ga, tol):
    """Whether the plain `got` equals the numpy `value` (a known wrong answer) within tol."""
    wa = {}
    try:
        wt, _ = encode(value, wa, prefix="w")
    except Exception:
        return False
    try:
        return compare(wt, got, wa, ga, tol) is None
    except Exception:
        return False


def as_numpy(tree, arrays):
    return decode(tree, arrays, torch_ok=False)
