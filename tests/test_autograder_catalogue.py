"""The exercise catalogue of autograder/README.md is generated from autograder/exercises
(`python -m autograder catalogue`); this fails when it is stale."""

import subprocess
import sys

from autograder import exercises as catalogue
from autograder.authoring import readme


def test_the_readme_catalogue_is_current():
    assert not readme.sync(check=True), "stale: run `python -m autograder catalogue`"


def test_the_catalogue_names_every_exercise_and_its_chapter_module():
    table = readme.table()
    for i, ex in enumerate(catalogue.EXERCISES, 1):
        assert f"| {i} | `{ex.name}`" in table and f"| {ex.chapter}: `{ex.module}` |" in table
        assert (readme.README.parent / "exercises" / f"{ex.module}.py").is_file()


def test_a_stale_catalogue_is_found_and_rewritten(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(f"intro\n{readme.BEGIN}\n| old |\n{readme.END}\nafter\n", encoding="utf-8")
    assert readme.sync(path, check=True) and "| old |" in path.read_text(encoding="utf-8")
    assert readme.sync(path) and not readme.sync(path, check=True)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("after\n") and "`gatys_loop`" in text


def test_the_cli_check_exit_status():
    r = subprocess.run(
        [sys.executable, "-m", "autograder", "catalogue", "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr
