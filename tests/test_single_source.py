"""One source for every solution: each notebook solution block equals the module's source.

`python -m autograder sync book` regenerates the blocks; this test fails on any drift. The
sync machinery itself is tested on a fixture notebook, so this never passes vacuously.
"""

import pathlib
import shutil
import subprocess
import sys

import pytest

from autograder.authoring import notebook, sync

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
FIXBOOK = ROOT / "tests" / "fixtures" / "submissions" / "book"


def notebooks_with_blocks():
    return [p for p in sorted(BOOK.glob("*.ipynb")) if "# BEGIN SOLUTION" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize(
    "path", notebooks_with_blocks() or [None], ids=lambda p: p.name if p else "no-blocks-yet"
)
def test_book_solution_blocks_equal_the_solutions_modules(path):
    if path is None:
        pytest.skip(
            "no chapter notebook has solution blocks yet (the sync machinery is tested on a fixture below)"
        )
    drifts = sync.sync_notebook(path, check=True)
    assert not drifts, "\n".join(map(str, drifts)) + "\nrun: python -m autograder sync book"


def test_sync_rewrites_a_drifted_block_and_check_reports_it(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(FIXBOOK, book)
    path = book / "01_fixture_inner.ipynb"
    nb = notebook.read_notebook(path)
    cell = nb["cells"][3]
    src = notebook.cell_source(cell)
    notebook.set_source(
        cell,
        src.replace(
            "return float(np.sum(a * b, dtype=np.float64))", "return float(a @ b)  # edited in the notebook"
        ),
    )
    notebook.write_notebook(nb, path)
    # --check: exit 1 and the drift listed, nothing written
    before = path.read_bytes()
    r = subprocess.run(
        [sys.executable, "-m", "autograder", "sync", str(book), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 1 and "01_fixture_inner.ipynb: cell 4 (inner)" in r.stdout
    assert path.read_bytes() == before
    # sync: the block becomes the module's source again, markers and the rest kept
    r = subprocess.run(
        [sys.executable, "-m", "autograder", "sync", str(book)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert sync.sync(book, check=True) == []
    new = notebook.cell_source(notebook.read_notebook(path)["cells"][3])
    import importlib
    import inspect

    ref = inspect.getsource(importlib.import_module("solutions.inner_products").inner)
    assert ref in new and "edited in the notebook" not in new
    assert new.startswith("# Exercise 1: inner\n# HINT: multiply elementwise, then sum\n# BEGIN SOLUTION\n")
    assert new.rstrip().endswith("# END SOLUTION")


def test_sync_keeps_the_order_of_several_names(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": [
                    "# BEGIN SOLUTION\n",
                    "def cosine_similarity(a, b):\n",
                    "    pass\n",
                    "\n\n",
                    "def inner(a, b):\n",
                    "    pass\n",
                    "# END SOLUTION\n",
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    notebook.write_notebook(nb, book / "01_x.ipynb")
    assert len(sync.sync(book)) == 1
    src = notebook.cell_source(notebook.read_notebook(book / "01_x.ipynb")["cells"][0])
    assert src.index("def cosine_similarity(") < src.index("def inner(")
    assert "pass" not in src
