"""What happened on one case, as data, and the one place where it is worded.

A case's outcome is a value (`Passed`, `WrongValue`, `Raised`, `TooSlow`, ...) built by
`compare.py` and `engine.verdict` from plain data; `render(outcome)` turns it into the line a
learner reads, `render(outcome, hidden=True)` into what a hidden case may say (the kind of
failure, the built-in exception type, the misconception: never a value, a shape, a message or
the inputs). Nothing turns a sentence back into data: the report and results.json read the
outcomes' `kind`s.
"""

from dataclasses import dataclass, fields

import numpy as np


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


@dataclass(frozen=True)
class Outcome:
    """The outcome of one case. `kind` names it in results.json and the report."""

    kind = "outcome"
    value_error = False  # a wrong answer (misconceptions are looked for; hidden: "wrong values")

    @property
    def ok(self):
        return False

    def as_dict(self):
        """Plain data for results.json (public cases only: it may hold values)."""
        d = {"kind": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            d[f.name] = (
                v.as_dict()
                if isinstance(v, Outcome)
                else (v if isinstance(v, (str, int, float, bool, type(None))) else fmt(v))
            )
        return d


@dataclass(frozen=True)
class Passed(Outcome):
    kind = "passed"

    @property
    def ok(self):
        return True


# ---- the values returned (compare.py); `name` is the part of the result: "result", "result[0]"
@dataclass(frozen=True)
class WrongValue(Outcome):
    """Values that differ beyond the tolerance: the first differing element, how many differ,
    and the measured error (max |got − expected| and that over |expected|, over the elements)."""

    name: str
    expected: object
    got: object
    where: str = ""  # "[1, 2]": the first differing element
    differing: int = 1
    size: int = 1
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    rtol: float | None = None
    atol: float | None = None
    kind = "wrong value"
    value_error = True


@dataclass(frozen=True)
class Mismatch(Outcome):
    """What was expected against what came, for one part of the result."""

    name: str
    expected: object
    got: object
    value_error = True
    aspect = ""  # what differs, as the sentence names it: "shape: "


class WrongShape(Mismatch):
    """expected, got: the two shapes (tuples)."""

    kind, aspect = "wrong shape", "shape: "


class WrongDtype(Mismatch):
    """expected: "numbers" or "an integer array"; got: the dtype returned."""

    kind, aspect = "wrong dtype", "dtype: "


class WrongType(Mismatch):
    """Another type or structure than the reference's: descriptions, e.g. "a tuple of 2"."""

    kind = "wrong type"


@dataclass(frozen=True)
class Uncomparable(Outcome):
    name: str
    expected: str
    kind = "uncomparable"
    value_error = True


@dataclass(frozen=True)
class CutFromGraph(Outcome):
    """A tensor result that does not require grad where the reference's does."""

    name: str
    kind = "cut from the graph"
    value_error = True


# ---- gradients
@dataclass(frozen=True)
class NoGradient(Outcome):
    label: str  # "argument 1", "the input z"
    kind = "no gradient"


@dataclass(frozen=True)
class NotAGradient(Outcome):
    label: str
    type: str
    kind = "not a gradient"


@dataclass(frozen=True)
class WrongGradient(Outcome):
    label: str
    difference: Outcome  # the comparison of the gradient, named "gradient w.r.t. ..."
    kind = "wrong gradient"


# ---- errors
@dataclass(frozen=True)
class Raised(Outcome):
    """The learner's code raised `exc_type` (its class name: the learner's to choose);
    `builtin`: the first built-in class of its MRO ("ValueError (a subclass)").
    expected: the exception the reference raises on this case, if any (another was raised)."""

    exc_type: str
    builtin: str
    message: str = ""
    expected: str | None = None
    note: str = ""
    kind = "raised"


@dataclass(frozen=True)
class NotImplementedYet(Outcome):
    message: str = ""
    builtin: str = "NotImplementedError"
    kind = "not implemented"


@dataclass(frozen=True)
class NotRaised(Outcome):
    expected: str  # the exception the reference raises
    got: str  # a description of what was returned instead
    note: str = ""
    kind = "not raised"


@dataclass(frozen=True)
class Forbidden(Outcome):
    call: str  # the harness's message: which call, e.g. "scipy.signal.convolve2d"
    kind = "forbidden call"


# ---- speed, judges, malformed results
@dataclass(frozen=True)
class TooSlow(Outcome):
    slowdown: float  # the limit, × the reference's CPU time
    seconds: float | None = None
    limit: float | None = None
    kind = "too slow"


@dataclass(frozen=True)
class NotTimed(Outcome):
    slowdown: float
    kind = "not timed"


@dataclass(frozen=True)
class JudgeFailed(Outcome):
    """A property judge (kmeans, quantize_image, gatys_loop) said no; `reason` is the judge's."""

    reason: str
    states_expected: bool = False
    kind = "judged wrong"


@dataclass(frozen=True)
class Malformed(Outcome):
    what: str  # the exception type met while reading the result
    kind = "malformed result"


NOT_TIMED = "the call was not timed"
CUT = (
    "the result does not require grad: it is cut from the graph "
    "(.detach(), .numpy(), .item() or a new tensor?)"
)
NONE_REACHED = (
    "none reached it (is the result cut from the graph by .detach(), .numpy(), .item() or torch.tensor(...)?)"
)


def _raised(exc_type, message):
    first = message.splitlines()[0] if message else ""
    return f"raised {exc_type}{': ' + first[:160] if first else ''}"


def render(o, hidden=False, misconception=None):
    """The one line of feedback for outcome `o`; hidden: the form a hidden case may show,
    built from the outcome's kind, its built-in exception type and the misconception only."""
    text = (_hidden if hidden else _public)(o)
    if misconception and (o.value_error or not hidden):  # hidden: only on wrong values
        text += f" — this looks like {misconception}"
    return text


def _public(o):
    if isinstance(o, Passed):
        return ""
    if isinstance(o, WrongValue):
        count = f" ({o.differing} of {o.size} elements differ)" if o.size > 1 else ""
        return f"{o.name}{o.where}: expected {fmt(o.expected)}, got {fmt(o.got)}{count}"
    if isinstance(o, Mismatch):
        return f"{o.name}: {o.aspect}expected {o.expected}, got {o.got}"
    if isinstance(o, Uncomparable):
        return f"{o.name}: cannot compare with {o.expected}"
    if isinstance(o, CutFromGraph):
        return f"{o.name}: {CUT}"
    if isinstance(o, NoGradient):
        return f"gradient w.r.t. {o.label}: {NONE_REACHED}"
    if isinstance(o, NotAGradient):
        return f"gradient w.r.t. {o.label}: {o.type}"
    if isinstance(o, WrongGradient):
        return _public(o.difference)
    if isinstance(o, Forbidden):
        return f"forbidden call: {o.call}"
    if isinstance(o, NotImplementedYet):
        return f"not implemented yet{': ' + o.message if o.message else ''}"
    if isinstance(o, Raised):
        said = _raised(o.exc_type, o.message)
        return f"expected {o.expected}{_note(o.note)}, but it {said}" if o.expected else said
    if isinstance(o, NotRaised):
        return f"expected {o.expected}{_note(o.note)}, but it returned {o.got}"
    if isinstance(o, TooSlow):
        return (
            f"far slower than the reference (more than {o.slowdown:g}× its CPU time): "
            "is there a Python loop over the output pixels?"
        )
    if isinstance(o, NotTimed):
        return NOT_TIMED
    if isinstance(o, JudgeFailed):
        return o.reason
    if isinstance(o, Malformed):
        return f"malformed result ({o.what})"
    raise TypeError(f"no wording for {type(o).__name__}")


def _hidden(o):
    if isinstance(o, Passed):
        return ""
    if o.value_error:
        return "wrong values"
    if isinstance(o, (NoGradient, NotAGradient, WrongGradient)):
        return "wrong gradients"
    if isinstance(o, Forbidden):
        return "a forbidden call"
    if isinstance(o, NotImplementedYet):
        return "not implemented yet" if o.builtin == "NotImplementedError" else f"raised {o.builtin}"
    if isinstance(o, Raised):
        return f"expected {o.expected}, but it raised {o.builtin}" if o.expected else f"raised {o.builtin}"
    if isinstance(o, NotRaised):
        return f"expected {o.expected}, but it returned a value"
    if isinstance(o, (TooSlow, NotTimed)):
        return f"far slower than the reference (more than {o.slowdown:g}× its CPU time)"
    if isinstance(o, JudgeFailed):
        return "wrong values (the result does not have the required properties)"
    if isinstance(o, Malformed):
        return "a malformed result"
    raise TypeError(f"no wording for {type(o).__name__}")


def _note(note):
    return f" ({note})" if note else ""


def states_expected(o, hidden=False):
    """Whether the worded outcome sets what was expected against what came (the tolerance
    used is then shown beside it)."""
    if isinstance(o, WrongGradient):
        return states_expected(o.difference, hidden)
    if hidden:
        return isinstance(o, NotRaised) or isinstance(o, Raised) and bool(o.expected)
    if isinstance(o, JudgeFailed):
        return o.states_expected
    return isinstance(o, (WrongValue, Mismatch, NotRaised)) or isinstance(o, Raised) and bool(o.expected)
