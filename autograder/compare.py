"""Compare what a learner's function returned with the reference's answer, both plain data.

`compare(exp, got)` returns None when they agree, else one line of feedback: the shape, the
first differing element, the dtype, a missing gradient. The trees are those of
`sandbox.harness.run_case`; nothing here calls learner code.
"""
import numpy as np

from .sandbox.harness import decode, encode

_ARRAYS = ("array", "tensor", "sparse")


def fmt(x):
    """A number as feedback prints it: short, and the same on every machine."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    if isinstance(x, (complex, np.complexfloating)):
        return f"{complex(x):.6g}"
    return repr(x)


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
        what = {"array": "an ndarray", "tensor": "a torch.Tensor", "sparse": "a sparse matrix"}[tag]
        return f"{what} {tuple(a.shape)} of {a.dtype}"
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
        return f"{name}: shape: expected {tuple(e.shape)}, got {tuple(g.shape)}"
    if g.dtype.kind not in "biuf":
        return f"{name}: dtype: expected numbers, got {g.dtype}"
    if integer and g.dtype.kind not in "iu":
        return f"{name}: dtype: expected an integer array, got {g.dtype}"
    if e.size == 0:
        return None
    ef, gf = e.astype(np.float64), g.astype(np.float64)
    close = np.isclose(gf, ef, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f"[{', '.join(map(str, idx))}]" if idx else ""
    n_bad = int((~close).sum())
    count = f" ({n_bad} of {e.size} elements differ)" if e.size > 1 else ""
    return f"{name}{where}: expected {fmt(e[idx])}, got {fmt(g[idx])}{count}"


def compare(exp, got, ea, ga, tol, name="result", strict_type=False, integer=()):
    """None when `got` matches `exp` within tol=(rtol, atol), else one line of feedback.

    integer: names (e.g. "result", "result[0]") whose values must be integers.
    """
    is_int = name in integer
    if isinstance(got, dict) and got.get("$") == "scalar" and isinstance(got.get("v"), str):
        got = got["v"]                                   # a numpy str_ is a str
    if isinstance(exp, str) or exp is None:
        if got == exp:
            return None
        return f"{name}: expected {exp!r}, got {describe(got, ga)}" if not isinstance(got, str) \
            else f"{name}: expected {exp!r}, got {got!r}"
    if isinstance(exp, bool):
        if isinstance(got, bool) or (isinstance(got, dict) and got.get("$") == "scalar"
                                     and got.get("dtype") == "bool"):
            v = got if isinstance(got, bool) else got["v"]
            return None if v == exp else f"{name}: expected {exp}, got {v}"
        return f"{name}: expected a bool, got {describe(got, ga)}"
    tag = exp.get("$") if isinstance(exp, dict) else None
    e_num = _number(exp, ea)
    if isinstance(exp, (int, float)) or tag == "scalar":
        g_num = _number(got, ga)
        if g_num is None:
            return f"{name}: expected a number, got {describe(got, ga)}"
        if is_int and not _is_int(got, ga):
            return f"{name}: expected an int, got {describe(got, ga)}"
        return compare_arrays(np.float64(e_num), np.float64(g_num), tol, name)
    if tag in ("tuple", "list"):
        gtag = got.get("$") if isinstance(got, dict) else None
        if gtag not in ("tuple", "list"):
            return f"{name}: expected a {tag} of {len(exp['items'])}, got {describe(got, ga)}"
        if len(got["items"]) != len(exp["items"]):
            return f"{name}: expected a {tag} of {len(exp['items'])}, got a {gtag} of {len(got['items'])}"
        for i, (e, g) in enumerate(zip(exp["items"], got["items"])):
            msg = compare(e, g, ea, ga, tol, f"{name}[{i}]", strict_type, integer)
            if msg:
                return msg
        return None
    if tag in _ARRAYS:
        e = ea[exp["key"]]
        gtag = got.get("$") if isinstance(got, dict) else None
        if gtag not in _ARRAYS:
            g_num = _number(got, ga)
            if e.ndim == 0 and g_num is not None:
                return compare_arrays(e, np.float64(g_num), tol, name)
            return f"{name}: expected {describe(exp, ea)}, got {describe(got, ga)}"
        if strict_type and (tag == "tensor") != (gtag == "tensor"):
            return (f"{name}: expected {describe(exp, ea).split(' (')[0]} (the type of the input), "
                    f"got {describe(got, ga)}")
        if tag == "tensor" and exp.get("grad") and gtag == "tensor" and not got.get("grad"):
            return (f"{name}: the result does not require grad: it is cut from the graph "
                    "(.detach(), .numpy(), .item() or a new tensor?)")
        return compare_arrays(e, ga[got["key"]], tol, name, integer=is_int)
    if tag == "dict":
        gtag = got.get("$") if isinstance(got, dict) else None
        if gtag != "dict" or set(got["items"]) != set(exp["items"]):
            return f"{name}: expected a dict with keys {sorted(exp['items'])}, got {describe(got, ga)}"
        for k in exp["items"]:
            msg = compare(exp["items"][k], got["items"][k], ea, ga, tol, f"{name}[{k!r}]",
                          strict_type, integer)
            if msg:
                return msg
        return None
    return f"{name}: cannot compare with {describe(exp, ea)}"


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
            return (f"gradient w.r.t. {label}: none reached it (is the result cut from the graph "
                    "by .detach(), .numpy(), .item() or torch.tensor(...)?)")
        if isinstance(g, dict) and g.get("$") == "object":
            return f"gradient w.r.t. {label}: {g.get('type')}"
        msg = compare(e, g, ea, ga, tol, f"gradient w.r.t. {label}")
        if msg:
            return msg
    return None


def error_feedback(got):
    """One line for a call that raised."""
    err, msg = got["error"], got.get("message", "")
    if got.get("forbidden"):
        return f"forbidden call: {msg}"
    if err == "NotImplementedError":
        return f"not implemented yet{': ' + msg if msg else ''}"
    first = msg.splitlines()[0] if msg else ""
    return f"raised {err}{': ' + first[:160] if first else ''}"


def matches_value(value, got, ga, tol):
    """Whether the plain `got` equals the numpy `value` (a known wrong answer) within tol."""
    wa = {}
    try:
        wt, _ = encode(value, wa, prefix="w")
    except Exception:  # noqa: BLE001
        return False
    try:
        return compare(wt, got, wa, ga, tol) is None
    except Exception:  # noqa: BLE001
        return False


def as_numpy(tree, arrays):
    return decode(tree, arrays, torch_ok=False)
