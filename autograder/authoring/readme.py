"""The exercise catalogue of autograder/README.md, generated from `autograder.exercises`.

`python -m autograder catalogue` rewrites the table between the two markers below in
autograder/README.md; `--check` writes nothing and exits 1 when the README is stale
(`tests/test_autograder_catalogue.py` runs it). Edit the exercises, never the table.
"""

import pathlib

from .. import exercises as catalogue

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BEGIN = (
    "<!-- catalogue: generated from autograder/exercises by `python -m autograder catalogue`; do not edit -->"
)
END = "<!-- end of the catalogue -->"


def _tolerance(ex):
    if ex.judge is not None:
        return f"judged on properties (`{ex.judge.__name__.lstrip('_')}`)"
    if ex.tol is not None:
        rtol, atol = ex.tol
        return f"rtol={rtol:g}, atol={atol:g}"
    return "by dtype"


def table():
    """The catalogue as a markdown table: one row per exercise, in catalogue order."""
    rows = [
        "| # | exercise | chapter: `exercises/<module>.py` | groups (public + hidden points) "
        "| tolerance | graded also on | misconceptions recognised |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, ex in enumerate(catalogue.EXERCISES, 1):
        pub = ex.public_points
        also = [
            w
            for w, on in (
                ("gradients", ex.torch),
                ("speed", any(g.timing for g in ex.groups)),
                ("no forbidden call", bool(ex.forbidden)),
                ("the input's type", ex.strict_type),
                ("integer results", bool(ex.integer)),
            )
            if on
        ]
        miscs = "; ".join(dict.fromkeys(label for label, _ in ex.misconceptions)) or "–"
        kind = " (class)" if ex.kind == "class" else ""
        rows.append(
            f"| {i} | `{ex.name}`{kind} | {ex.chapter}: `{ex.module}` "
            f"| {len(ex.groups)} ({pub} + {ex.max_points - pub}) | {_tolerance(ex)} "
            f"| {', '.join(also) or '–'} | {miscs} |"
        )
    total = sum(ex.max_points for ex in catalogue.EXERCISES)
    public = sum(ex.public_points for ex in catalogue.EXERCISES)
    rows.append("")
    rows.append(
        f"{len(catalogue.EXERCISES)} exercises, {total} points ({public} public, "
        f"{total - public} hidden), plus the questions of understanding (`questions.py`). "
        'Tolerance "by dtype": rtol=1e-6, atol=1e-8 for float64 inputs, rtol=1e-4, '
        "atol=1e-5 for float32 (a case may set its own: exact for strings, ints and "
        "(anti)parallel angles)."
    )
    return "\n".join(rows)


def render(text):
    """`text` (the README) with the table between the markers regenerated."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"{README}: the catalogue markers are missing ({BEGIN!r} ... {END!r})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def sync(path=README, check=False):
    """Rewrite the catalogue of `path`; returns True when it was stale (check: write nothing)."""
    path = pathlib.Path(path)
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if new != old and not check:
        path.write_text(new, encoding="utf-8")
    return new != old
