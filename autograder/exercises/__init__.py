"""The exercises as data: one `Exercise` per name of the catalogue (EXERCISES.md, v1.2).

One module per chapter, named as its notebook and its reference module
(`book/02_gram_matrices.ipynb` -> `solutions/gram_matrices.py` -> `exercises/gram_matrices.py`),
holds that chapter's case generators, known wrong answers (misconceptions), judges and
`EXERCISES`. The data model (`Exercise`, `Group`, `Case`, `T`), the tolerances and the chapter map
`CHAPTERS` (written once) are in `_base.py`.

An exercise is a list of case *groups*, each worth some points (partial credit is by group:
a group scores its points when every case in it passes). A group is public (fixed seed,
run by the learner's self-check) or hidden (drawn at grading from the instructor's secret).
The expected answer of a case is whatever the reference (`solutions`) returns or raises on it,
computed by the grader. Nothing here imports `solutions`: learners receive this package without it.
"""

import importlib

from ._base import CHAPTERS, EXACT, F32, F64, PUBLIC_SEED, C, Case, E, Exercise, Group, T, tolerance

CHAPTER_MODULES = {n: importlib.import_module(f"{__name__}.{m}") for n, m in CHAPTERS.items()}
"""Chapter number -> its module of exercises (autograder.exercises.<CHAPTERS[n]>)."""

EXERCISES = [ex for n, mod in sorted(CHAPTER_MODULES.items()) for ex in mod.EXERCISES]
"""Every exercise, in catalogue order (chapter by chapter, as EXERCISES.md numbers them)."""

for _ex in EXERCISES:  # a chapter module lists only its own chapter's exercises
    assert CHAPTERS[_ex.chapter] == CHAPTER_MODULES[_ex.chapter].__name__.rsplit(".", 1)[1], _ex.name
    assert _ex in CHAPTER_MODULES[_ex.chapter].EXERCISES, _ex.name

BY_NAME = {ex.name: ex for ex in EXERCISES}


def get(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(BY_NAME)}") from None


__all__ = [
    "CHAPTERS",
    "CHAPTER_MODULES",
    "EXERCISES",
    "BY_NAME",
    "get",
    "Exercise",
    "Group",
    "Case",
    "T",
    "C",
    "E",
    "tolerance",
    "F64",
    "F32",
    "EXACT",
    "PUBLIC_SEED",
]
