"""Run one case of an exercise on a function and turn the outcome into plain data.

This module is the only autograder code that runs beside a learner's function: in-process
for a self-check (`autograder.check`), and inside the sandboxed child of `grade`, where it is
loaded by file path by `forkserver.py`. It therefore imports nothing from `autograder`
or `solutions`, only the standard library, numpy and (lazily) torch and scipy.

Plain data means: a JSON-able *tree* plus a dict of numpy arrays (`arrays`). Values are
encoded as

    None, bool, int, float, str            themselves
    {"$": "scalar", "dtype", "v"}          a numpy scalar
    {"$": "tuple"|"list", "items"}         sequences
    {"$": "dict", "items"}                 a dict with str keys
    {"$": "array", "key"}                  an ndarray (non-object dtype), arrays[key]
    {"$": "tensor", "key", "grad"}         a torch tensor (stored as its numpy value)
    {"$": "sparse", "key"}                 a scipy.sparse matrix, stored dense
    {"$": "object", "type"}                anything else (never decoded)

so that what comes back from a learner's code can be saved with `allow_pickle=False`
and read by the grader without running any of it.

A case of call kind "network" (exercise 24) names a feature network by a string: `network()`
builds it from `NETWORK_FACTORY`, set by the fork server to `solutions/vgg.py`'s
`FeatureExtractor` (loaded by path before any learner code), or imported from `solutions.vgg`
in-process.
"""

import math
import time

import numpy as np

__all__ = ["encode", "decode", "run_case", "ForbiddenCall", "forbidden_patched"]


class ForbiddenCall(RuntimeError):
    """Raised when a learner's function calls something the exercise forbids."""


# ----------------------------------------------------------------------------- encoding
class _Encoder:
    def __init__(self, arrays, prefix):
        self.arrays = arrays
        self.prefix = prefix

    def _store(self, arr):
        key = f"{self.prefix}{len(self.arrays)}"
        while key in self.arrays:
            key += "_"
        self.arrays[key] = arr
        return key

    def __call__(self, value, depth=0):
        if depth > 20:
            return {"$": "object", "type": "too deeply nested"}
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return int(value) if abs(value) < 2**62 else float(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, np.generic):
            if value.dtype.kind in "biufc" or value.dtype.kind == "U":
                v = value.item()
                if isinstance(v, complex):
                    v = [v.real, v.imag]
                return {"$": "scalar", "dtype": str(value.dtype), "v": v}
            return {"$": "object", "type": f"numpy.{type(value).__name__}"}
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufcU":
                return {"$": "object", "type": f"numpy.ndarray of dtype {value.dtype}"}
            return {"$": "array", "key": self._store(np.array(value, copy=True))}
        typename = f"{type(value).__module__}.{type(value).__qualname__}"
        if typename.startswith("torch.") and hasattr(value, "detach") and hasattr(value, "dtype"):
            try:
                arr = value.detach().cpu().resolve_conj().numpy().copy()
            except Exception:
                arr = value.detach().cpu().double().numpy().copy()
            return {"$": "tensor", "key": self._store(arr), "grad": bool(value.requires_grad)}
        if typename.startswith("scipy.sparse") and hasattr(value, "toarray"):
            return {"$": "sparse", "key": self._store(np.asarray(value.toarray()))}
        if isinstance(value, (tuple, list)):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {"$": kind, "items": [self(v, depth + 1) for v in value]}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"$": "dict", "items": {k: self(v, depth + 1) for k, v in value.items()}}
        return {"$": "object", "type": typename}


def encode(value, arrays=None, prefix="v"):
    """Encode `value` into (tree, arrays); arrays gets one entry per ndarray/tensor."""
    arrays = {} if arrays is None else arrays
    return _Encoder(arrays, prefix)(value), arrays


def decode(tree, arrays, torch_ok=True):
    """Rebuild a value from (tree, arrays). Tensors become torch tensors when torch_ok
    (leaves with "grad": true require grad), else numpy arrays."""
    if not isinstance(tree, dict):
        return tree
    tag = tree.get("$")
    if tag == "scalar":
        v = tree["v"]
        if isinstance(v, list):
            v = complex(*v)
        return np.dtype(tree["dtype"]).type(v)
    if tag in ("tuple", "list"):
        items = [decode(t, arrays, torch_ok) for t in tree["items"]]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict":
        return {k: decode(t, arrays, torch_ok) for k, t in tree["items"].items()}
    if tag in ("array", "sparse"):
        return np.array(arrays[tree["key"]], copy=True)
    if tag == "tensor":
        arr = np.array(arrays[tree["key"]], copy=True)
        if not torch_ok:
            return arr
        import torch

        t = torch.from_numpy(arr)
        if tree.get("grad"):
            t.requires_grad_(True)
        return t
    if tag == "object":
        return tree
    raise ValueError(f"unknown tag {tag!r}")


def _leaves(value, out):
    """Collect torch tensors that require grad, in depth-first order."""
    if isinstance(value, (list, tuple)):
        for v in value:
            _leaves(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _leaves(v, out)
    elif getattr(value, "requires_grad", False) and type(value).__module__.startswith("torch"):
        out.append(value)
    return out


# ----------------------------------------------------------------------------- forbidden calls
def _resolve(dotted):
    """('torch.nn.functional', 'conv2d') for an importable dotted name, else None."""
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            mod = importlib.import_module(".".join(parts[:i]))
        except Exception:
            continue
        obj = mod
        for p in parts[i:-1]:
            obj = getattr(obj, p, None)
            if obj is None:
                return None
        return obj, parts[-1]
    return None


class forbidden_patched:
    """Context manager: replace forbidden callables while a learner's function runs.

    `names` are dotted names; "pkg.mod.*" forbids every public callable of a module.
    The replacements are also swapped into `namespace` (the learner's globals), where a
    name bound by `from scipy.signal import convolve2d` would otherwise escape the patch.
    """

    def __init__(self, names, namespace=None):
        self.names = list(names)
        self.namespace = namespace
        self.undo = []

    def _raiser(self, name):
        def forbidden(*args, **kwargs):
            raise ForbiddenCall(f"{name} is not allowed in this exercise")

        forbidden.__name__ = name.rsplit(".", 1)[-1]
        return forbidden

    def __enter__(self):
        originals = {}
        for name in self.names:
            if name.endswith(".*"):
                import importlib

                try:
                    mod = importlib.import_module(name[:-2])
                except Exception:
                    continue
                targets = [
                    (mod, a, f"{name[:-2]}.{a}")
                    for a in dir(mod)
                    if not a.startswith("_")
                    and callable(getattr(mod, a, None))
                    and not isinstance(getattr(mod, a), type(mod))
                ]
            else:
                r = _resolve(name)
                if r is None or not hasattr(r[0], r[1]):
                    continue
                targets = [(r[0], r[1], name)]
            for owner, attr, full in targets:
                orig = getattr(owner, attr)
                originals.setdefault(id(orig), (orig, full))
                try:
                    setattr(owner, attr, self._raiser(full))
                    self.undo.append((owner, attr, orig))
                except (AttributeError, TypeError):
                    pass
        if self.namespace is not None:
            for key, val in list(self.namespace.items()):
                hit = originals.get(id(val))
                if hit is not None and hit[0] is val:
                    self.namespace[key] = self._raiser(hit[1])
                    self.undo.append((self.namespace, key, val))
        return self

    def __exit__(self, *exc):
        for owner, attr, orig in reversed(self.undo):
            if isinstance(owner, dict):
                owner[attr] = orig
            else:
                setattr(owner, attr, orig)
        self.undo.clear()
        return False


# ----------------------------------------------------------------------------- running a case
def _weights(shape, k):
    """Deterministic, non-constant cotangent for a tensor of `shape` (k: output index)."""
    n = int(np.prod(shape)) if len(shape) else 1
    w = np.cos(np.arange(n, dtype=np.float64) * 0.7 + k) + 0.5
    return w.reshape(shape)


def _error(exc, forbidden=False):
    try:
        msg = str(exc)
    except Exception:
        msg = "<unprintable message>"
    mro = [c.__name__ for c in type(exc).__mro__]
    return {"error": type(exc).__name__, "mro": mro, "message": msg[:300], "forbidden": bool(forbidden)}


NETWORK_FACTORY = None  # FeatureExtractor(layers, weights=name, verbose=False)
_NETWORKS = {}


def network(name, layers):
    """A frozen feature network (built once per name and layers, then shared)."""
    key = (name, tuple(layers))
    if key not in _NETWORKS:
        factory = NETWORK_FACTORY
        if factory is None:
            from solutions.vgg import FeatureExtractor as factory
        _NETWORKS[key] = factory(list(layers), weights=name, verbose=False)
    return _NETWORKS[key]


def _call(fn, case, inputs):
    """Call the function (or build and run the module) described by case."""
    args, kwargs = inputs
    kind = case.get("call", "function")
    if kind == "function":
        return fn(*args, **kwargs), _leaves([args, kwargs], [])
    if kind == "network":  # gatys_loop: args = (network name, tensors...), the network built here
        layers = list(kwargs.get("content_layers", [])) + list(kwargs.get("style_layers", []))
        return fn(network(args[0], layers), *args[1:], **kwargs), []
    if kind == "module":  # VectorQuantizer: args = (ctor args, ctor kwargs, state, forward args)
        import torch

        ctor_args, ctor_kwargs, state, fwd_args = args
        torch.manual_seed(0)
        module = fn(*ctor_args, **ctor_kwargs)
        leaves = _leaves(fwd_args, [])
        with torch.no_grad():
            for dotted, value in state.items():
                obj = module
                for p in dotted.split("."):
                    obj = getattr(obj, p)
                obj.copy_(torch.as_tensor(value, dtype=obj.dtype))
        params = [module.get_parameter(name) for name in state]
        return module(*fwd_args), leaves + params
    raise ValueError(f"unknown call kind {kind!r}")


def run_case(fn, case, arrays, forbidden=(), namespace=None):
    """Run `fn` on one case; return (result_tree, result_arrays), both plain data.

    case: {"args": tree, "kwargs": tree, "call": "function"|"module",
           "grad": bool (backpropagate a fixed cotangent through every output tensor),
           "repeat": int (time the call, keep the fastest)}
    Result tree: {"value": encoded return value} or {"error", "mro", "message", "forbidden"},
    plus "grads" (list of encoded gradients, None where missing) and "seconds" when timed.
    """
    out_arrays = {}
    repeat = int(case.get("repeat", 0))
    best = math.inf
    try:
        for _ in range(max(repeat, 1)):
            inputs = (decode(case["args"], arrays), decode(case["kwargs"], arrays))
            with forbidden_patched(forbidden, namespace):
                t0 = time.process_time()  # CPU time: less noisy than the wall clock
                value, leaves = _call(fn, case, inputs)
                best = min(best, time.process_time() - t0)
    except ForbiddenCall as exc:
        return _error(exc, forbidden=True), out_arrays
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:
        return _error(exc), out_arrays
    result = {}
    if repeat:
        result["seconds"] = best
    if case.get("grad"):
        result["grads"] = _grads(value, leaves, out_arrays)
    try:
        result["value"], _ = encode(value, out_arrays, prefix="r")
    except BaseException as exc:
        return _error(exc), out_arrays
    return result, out_arrays


def _grads(value, leaves, out_arrays):
    import torch

    outs = [
        o for o in _flat(value) if isinstance(o, torch.Tensor) and o.requires_grad and o.is_floating_point()
    ]
    if not outs or not leaves:
        return [None] * len(leaves)
    try:
        total = sum(
            (o * torch.as_tensor(_weights(tuple(o.shape), k), dtype=o.dtype)).sum()
            for k, o in enumerate(outs)
        )
        grads = torch.autograd.grad(total, leaves, allow_unused=True)
    except BaseException as exc:
        return [{"$": "object", "type": f"gradient failed: {type(exc).__name__}"}] * len(leaves)
    return [None if g is None else encode(g, out_arrays, prefix="g")[0] for g in grads]


def _flat(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _flat(v)
    else:
        yield value
