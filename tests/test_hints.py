"""Hints (autograder/hints.py): one source, shown one level at a time, never the solution.

- every exercise of chapters 1-5, and every def/class of a solution block of those chapters, has
  hints (two or three levels) or is a given helper (hints.GIVEN): no stub without its own instruction;
- no hint contains a statement or a source line of the reference solution (normalised);
- the book's hints cells are exactly what `hints.markdown` generates, one before each exercise's
  solution cell;
- `hint(name)` prints the next level on each call;
- the student edition: hints cells become a pointer to `hint(...)`, stubs point to it too, and the
  given helpers are kept in full.
"""

import ast
import importlib
import inspect
import pathlib
import re

import pytest

from autograder import exercises as catalogue
from autograder import hints
from autograder.authoring import notebook, release

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = [p for p in sorted(BOOK.glob("0*.ipynb")) if notebook.chapter_of(p) in range(1, 7)]


def solution_names(path):
    """[(cell index, name)] of the def/class statements between solution markers."""
    out = []
    for i, cell in enumerate(notebook.read_notebook(path)["cells"]):
        src = notebook.cell_source(cell)
        lines = src.splitlines()
        for b, e in notebook.blocks(src):
            out += [(i, n) for n in notebook.defined_names("\n".join(lines[b + 1 : e]))]
    return out


def reference(name):
    """The reference object of an exercise or helper (searched in the chapter modules)."""
    ex = catalogue.BY_NAME.get(name)
    modules = [ex.module] if ex else list(catalogue.CHAPTERS.values())
    for m in modules:
        mod = importlib.import_module(f"solutions.{m}")
        if hasattr(mod, name):
            return getattr(mod, name)
    raise LookupError(name)


def _norm(text):
    return re.sub(r"\s+", "", text).lower()


def reference_statements(obj):
    """Normalised statements and source lines of a reference function or class (docstrings,
    signatures and comments excluded; 8 characters or more after normalisation)."""
    src = inspect.getsource(obj)
    tree = ast.parse(src)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if isinstance(node, ast.stmt):
            text = ast.unparse(node)
            if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
                text = text.splitlines()[0]  # the header line only
            out.add(_norm(text))
    docs = {
        _norm(ast.get_docstring(n) or "")
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.ClassDef))
    }
    for line in src.splitlines():
        s = line.strip()
        if not s or s.startswith(("#", "def ", "class ", "@", '"""', "'''")):
            continue
        if s.endswith((",", "(", "[", "{")) or s.startswith((")", "]", "}")):
            continue  # a fragment of a call the formatter split (checked whole as a statement above)
        out.add(_norm(s.split("  #")[0]))
    return {s for s in out if len(s) >= 8 and not any(s in d for d in docs if d)}


def leaked_statements(name, texts):
    stmts = reference_statements(reference(name))
    joined = _norm(" ".join(texts))
    return sorted(s for s in stmts if s in joined)


def test_every_exercise_has_two_or_three_levels():
    for ex in catalogue.EXERCISES:
        assert ex.name in hints.HINTS, ex.name
    for name, levels in hints.HINTS.items():
        assert 2 <= len(levels) <= 3, name
        assert all(isinstance(t, str) and len(t) > 40 for t in levels), name


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_no_stub_without_its_own_instruction(path):
    """Each def/class of a solution block is asked for (it has hints, and the notebook names it)
    or is a given helper that the student edition keeps."""
    for _, name in solution_names(path):
        assert name in hints.HINTS or name in hints.GIVEN, f"{path.name}: {name} has no hints"
        if name.startswith("_"):
            # the notebook's text names the helper (the exercise statement says what it is)
            statements = [
                notebook.cell_source(c)
                for c in notebook.read_notebook(path)["cells"]
                if c["cell_type"] == "markdown" and not hints.is_hints_cell(c)
            ]
            assert any(f"`{name}" in s for s in statements), f"{path.name}: {name} is never named"


@pytest.mark.parametrize("name", sorted(hints.HINTS))
def test_no_hint_contains_a_statement_of_the_reference(name):
    """Neither the exercise's own hints nor any other hint holds a statement of its reference."""
    assert leaked_statements(name, hints.HINTS[name]) == []
    every_hint = [t for levels in hints.HINTS.values() for t in levels]
    assert leaked_statements(name, every_hint) == []


def test_the_leak_detector_finds_a_reference_statement():
    """The check above can fail: a hint that quotes a line of the reference is caught."""
    src = inspect.getsource(reference("unroll_matrix"))
    line = next(ln.strip() for ln in src.splitlines() if ln.strip().startswith("return "))
    assert leaked_statements("unroll_matrix", ["first count the windows, then " + line])
    assert leaked_statements("gram", ["use V = V.astype(np.result_type(V.dtype, np.float64))"])


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_hints_cells_are_generated_from_the_one_source(path):
    assert hints.sync_notebook(path, check=True) == [], "run: python -m autograder.hints book"
    cells = notebook.read_notebook(path)["cells"]
    asked = [(i, n) for i, n in solution_names(path) if n in hints.HINTS]
    for i, name in asked:
        # the hints of a solution cell are in the markdown cell just before it
        assert hints.is_hints_cell(cells[i - 1]), (path.name, name)
        assert name in hints.cell_names(notebook.cell_source(cells[i - 1])), (path.name, name)
        assert notebook.HINT not in notebook.cell_source(cells[i])  # no one-line recipe left


def test_markdown_has_one_closed_dropdown_per_level():
    text = hints.markdown(["gram"])
    assert text.count("```{dropdown}") == len(hints.HINTS["gram"])
    assert ":open:" not in text and 'hint("gram")' in text
    assert hints.cell_names(text) == ["gram"]


def test_hint_gives_the_next_level_each_call(capsys):
    hints.hint("gram", reset=True)
    for _ in range(4):
        hints.hint("gram")
    out = capsys.readouterr().out.splitlines()
    assert [ln.split(":")[0] for ln in out] == [
        "Hint 1 of 3 for gram",
        "Hint 2 of 3 for gram",
        "Hint 3 of 3 for gram (the last one)",
        "Hint 3 of 3 for gram (the last one)",
    ]
    assert out[0].endswith(hints.HINTS["gram"][0])
    hints.hint("gram", level=2)
    assert capsys.readouterr().out.startswith("Hint 2 of 3")
    with pytest.raises(KeyError, match="no hints for 'nope'"):
        hints.hint("nope")
    from autograder import hint

    assert hint is hints.hint


@pytest.fixture(scope="module")
def released_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("release_hints")
    release.release(BOOK, out, answers=False, helpers=False)
    return out


def test_student_edition_points_to_hint_and_keeps_given_helpers(released_book):
    for path in CHAPTERS:
        student = notebook.read_notebook(released_book / path.name)
        text = "\n".join(notebook.cell_source(c) for c in student["cells"])
        assert "```{dropdown}" not in text
        for _, name in solution_names(path):
            if name in hints.GIVEN:
                body = inspect.getsource(reference(name)).strip()
                assert body in text, (path.name, name)  # kept in full
            else:
                assert f"raise NotImplementedError({hints.stub_message(name)!r})" in text, name
        for cell in student["cells"]:
            if hints.is_hints_cell(cell):
                names = hints.cell_names(notebook.cell_source(cell))
                assert notebook.cell_source(cell) == hints.student_text(names)
