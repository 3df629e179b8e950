"""The learner's self-check: `check("gram", gram)` under each exercise of a notebook.

It runs the *public* cases of the exercise on the learner's function, in this process, and
prints one line per case group and a summary. `check("Q2.1", Q2_1)` checks the answer of a
question of understanding instead (autograder/questions.py): one line, with the explanation. Hidden cases run only at grading. The printed
text is deterministic (no timings, no addresses), because nbval compares notebook outputs.
"""

import sys
from dataclasses import dataclass, field

from . import answers, cases, engine, questions
from . import exercises as catalogue
from .sandbox import harness

PASS, FAIL = "✔", "✘"


@dataclass
class CheckResult:
    """What `check` returns: the public score of one exercise (it displays as nothing)."""

    name: str
    score: int
    max_score: int
    groups: list = field(default_factory=list, repr=False)
    line: str = field(default="", repr=False)  # the one-line summary of `check PATH`

    @property
    def passed(self):
        return self.max_score > 0 and self.score == self.max_score

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return f"CheckResult(name={self.name!r}, score={self.score}, max_score={self.max_score})"

    def _ipython_display_(self):
        """Display nothing in a notebook: `check` has printed its lines already."""


def _namespace(fn):
    ns = getattr(fn, "__globals__", None)
    if ns is None:
        mod = sys.modules.get(getattr(fn, "__module__", None) or "")
        ns = vars(mod) if mod is not None else None
    return ns


def public_cases(ex, source=None):
    """([(group_index, [(plain, expected), ...])] for the public groups, speed scale).
    source: None (auto: the live reference when `solutions` imports), "live" or a folder."""
    if source is None and cases.solutions_available():
        source = "live"
    if source == "live":
        return cases.build(ex, "public"), 1.0
    data = answers.load(source)
    if data is None or ex.name not in data:
        return None, 1.0
    groups = [(gi, pairs) for gi, pairs in enumerate(data[ex.name]) if pairs is not None]
    scale = 1.0
    if any(p.call.tree.get("repeat") for _, pairs in groups for p, _ in pairs):
        scale = answers.speed_scale(source)
    return groups, scale


def run_public(ex, fn, source=None):
    """An ExerciseResult for the public groups of `ex` on `fn` (in this process)."""
    built, scale = public_cases(ex, source)
    if built is None:
        return engine.finish(
            ex,
            [],
            "no reference answers: neither the `solutions` package "
            "nor public_answers.json/.npz (set $AUTOGRADER_ANSWERS)",
        )
    ns = _namespace(fn)
    groups = []
    for gi, pairs in built:
        verdicts = []
        for plain, expected in pairs:
            got = harness.run_case(fn, *plain.call, ex.forbidden, ns)
            verdicts.append(engine.verdict(ex, plain, expected, got, speed_scale=scale))
        groups.append(engine.group_result(ex, gi, verdicts, [p for p, _ in pairs]))
    return engine.finish(ex, groups)


def format_lines(result, hidden_points=None, public_only=True):
    """The printed lines of an ExerciseResult (one per group, then a summary)."""
    lines = []
    name = result.name
    if result.message and not result.groups:
        return [f"{FAIL} {name}: {result.message}"]
    fbs = {g.feedback for g in result.groups}
    if result.groups and all(g.stub for g in result.groups):
        lines.append(f"{FAIL} {name}: {result.groups[0].stub}")
    elif result.groups and not any(g.passed for g in result.groups) and len(fbs) == 1 and result.message:
        lines.append(f"{FAIL} {name}: {result.message}")
    elif (
        result.message
        and all(not g.passed for g in result.groups)
        and any(g.forbidden for g in result.groups)
    ):
        lines.append(f"{FAIL} {name}: {result.message} (the whole exercise scores 0)")
    else:
        for g in result.groups:
            mark = PASS if g.passed else FAIL
            line = f"{mark} {name} · {g.name}: {g.points}/{g.max_points}"
            if g.feedback:
                line += f" — {g.feedback}"
            if g.tol and (g.passed or g.states_expected):
                line += f" [{g.tol}]"
            lines.append(line)
    kind = "public points" if public_only else "points"
    summary = f"{name}: {result.score}/{result.max_score} {kind}"
    if public_only:
        summary += ", all public cases pass" if result.passed else ""
        summary += (
            f"; hidden cases ({hidden_points} more points) run at grading"
            if hidden_points
            else "; hidden cases run at grading"
        )
    lines.append(summary)
    return lines


def one_line(result, max_score):
    """One line for an exercise (the `check PATH` command): mark, points, first feedback."""
    mark = PASS if result.passed else FAIL
    line = f"{mark} {result.name}: {result.score}/{max_score}"
    bad = next((g for g in result.groups if not g.passed), None)
    if result.message and (bad is None or not bad.stub):
        return f"{line} — {result.message}"
    if bad is not None:
        line += f" — {bad.stub or (bad.name + ', ' + bad.feedback)}"
        if bad.tol and bad.states_expected:
            line += f" [{bad.tol}]"
    return line


def check(name, fn, *, answers_dir=None, quiet=False):
    """Run the public cases of exercise `name` on `fn`; print the feedback; return a CheckResult.

    >>> check("gram", gram)          # in the cell under the exercise
    ✔ gram · worked examples: 2/2 [rtol=1e-06, atol=1e-08]
    ...
    >>> check("Q2.2", Q2_2)          # a question of understanding: one line (autograder.questions)
    """
    if name in questions.BY_ID:
        return questions.check(name, fn, quiet=quiet)
    ex = catalogue.get(name)
    if fn is None or not callable(fn):
        result = engine.finish(ex, [], f"expected a function or class, got {type(fn).__name__}")
    else:
        try:
            result = run_public(ex, fn, answers_dir)
        except cases.GraderError as e:
            result = engine.finish(ex, [], f"the grader itself failed ({e}); please report it")
    hidden = sum(g.points for g in ex.groups if not g.public)
    if not quiet:
        print("\n".join(format_lines(result, hidden)))
    out = CheckResult(name, result.score, ex.public_points, result.groups)
    out.line = one_line(result, ex.public_points)
    return out
