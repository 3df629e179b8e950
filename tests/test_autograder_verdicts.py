"""Verdicts as data (autograder/verdicts.py): every outcome has a public and a hidden wording,
the hidden one carries nothing the learner chose or the case holds, and results.json records
the outcomes as data."""

import dataclasses

import numpy as np
import pytest

from autograder import cases, engine
from autograder import exercises as catalogue
from autograder import verdicts as V
from autograder.sandbox import harness

LEARNER = "Leak_4242 [4, 2, 4, 2] the inputs"  # a string a learner (or a case) controls

EXAMPLES = [
    V.WrongValue("result", 1.5, LEARNER, "[0, 1]", 3, 9, 0.5, 0.25, 1e-6, 1e-8),
    V.WrongShape("result", (4242,), (2, 4)),
    V.WrongDtype("result", "numbers", LEARNER),
    V.WrongType("result[0]", "an int", LEARNER),
    V.Uncomparable("result", LEARNER),
    V.CutFromGraph("result"),
    V.NoGradient("argument 1"),
    V.NotAGradient("argument 1", LEARNER),
    V.WrongGradient("argument 1", V.WrongValue("gradient w.r.t. argument 1", 1.0, 4242.0)),
    V.Raised("Leak_4242", "ValueError (a subclass)", LEARNER),
    V.Raised("Leak_4242", "ValueError (a subclass)", LEARNER, "TypeError", LEARNER),
    V.NotImplementedYet(LEARNER),
    V.NotRaised("ValueError", LEARNER, LEARNER),
    V.Forbidden(LEARNER),
    V.TooSlow(10.0, 4242.0, 1.0),
    V.NotTimed(10.0),
    V.JudgeFailed(LEARNER, True),
    V.Malformed("Leak_4242"),
]


def test_every_outcome_type_is_worded_both_ways():
    kinds = {type(o) for o in EXAMPLES}
    every = {
        c
        for c in vars(V).values()
        if isinstance(c, type) and issubclass(c, V.Outcome) and c not in (V.Outcome, V.Passed, V.Mismatch)
    }
    assert every <= kinds, every - kinds
    for o in EXAMPLES:
        assert V.render(o) and V.render(o, hidden=True)
        assert o.as_dict()["kind"] == o.kind


@pytest.mark.parametrize("o", EXAMPLES, ids=lambda o: o.kind)
def test_the_hidden_form_holds_nothing_the_learner_or_the_case_chose(o):
    text = V.render(o, hidden=True, misconception="a transposed result (rows and columns swapped)")
    assert "4242" not in text and "Leak" not in text and "inputs" not in text, text
    assert not any(getattr(o, f.name) == LEARNER for f in dataclasses.fields(o)) or LEARNER not in text


def test_public_wording_is_unchanged():
    """The sentences the notebooks' stored outputs and the tests show, word for word."""
    assert V.render(EXAMPLES[0]) == f"result[0, 1]: expected 1.5, got {LEARNER!r} (3 of 9 elements differ)"
    assert V.render(V.WrongShape("result", (3, 3), (2, 2))) == "result: shape: expected (3, 3), got (2, 2)"
    assert V.render(V.Raised("ValueError", "ValueError", "bad\nmore")) == "raised ValueError: bad"
    assert (
        V.render(V.NotRaised("ValueError", "a float", "lengths differ"))
        == "expected ValueError (lengths differ), but it returned a float"
    )
    assert (
        V.render(V.WrongValue("result", 1.0, 2.0), misconception="X")
        == "result: expected 1, got 2 — this looks like X"
    )
    assert (
        V.render(V.WrongValue("result", 1.0, 2.0), hidden=True, misconception="X")
        == "wrong values — this looks like X"
    )
    assert V.render(V.NoGradient("a"), hidden=True, misconception="X") == "wrong gradients"


def test_a_wrong_value_carries_the_measured_error():
    ex = catalogue.get("gram")
    plain = cases.plain_case(ex, ex.cases(0)[0])
    expected = cases.reference_result(ex, plain)
    got = harness.run_case(lambda v: np.array([[4.0, 11.0], [11.0, 26.0]]), *plain.call)
    v = engine.verdict(ex, plain, expected, got)
    o = v.outcome
    assert isinstance(o, V.WrongValue) and o.where == "[0, 0]" and o.differing == 2
    assert o.max_abs_err == pytest.approx(1.0) and o.max_rel_err == pytest.approx(0.2)
    assert (o.rtol, o.atol) == (1e-6, 1e-8)
    assert v.feedback == "result[0, 0]: expected 5, got 4 (2 of 4 elements differ)"
