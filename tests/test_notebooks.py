"""The chapter notebooks as files: valid, executed, honest about what nbval skips.

nbval (``make nbval``) re-executes every notebook and compares the text outputs, but it
passes a cell whose stored outputs are empty and whose ``execution_count`` is null, even
when that cell prints. These tests close that hole and the others nbval leaves open:

- every ``book/*.ipynb`` is valid JSON and valid nbformat 4;
- every non-empty code cell has a stored execution, in increasing order;
- the only escape hatch from nbval is the tag ``nbval-skip``, and a skipped cell starts
  with a comment that says why (no ``NBVAL_*`` comments, no other nbval tags);
- no stored output is an error, shows a traceback or ``NotImplementedError``, or leaks an
  absolute path of the machine that executed it;
- a solution cell (``# BEGIN SOLUTION``) is tagged ``hide-input``, so the HTML book shows
  it collapsed (tests/test_browser.py checks that it really is);
- ``_toc.yml`` lists every notebook of ``book/`` and every entry in it exists.
"""

import json
import os
import pathlib
import re
import sys

import nbformat
import pytest
from _toc import read_toc, toc_files

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]

SKIP_TAG = "nbval-skip"
# Tags and source comments by which nbval skips a cell or ignores its output. Only
# SKIP_TAG is allowed (CONTRIBUTING.md: "nothing else is skipped").
FORBIDDEN_TAGS = {
    "nbval-ignore-output",
    "nbval-raises-exception",
    "raises-exception",
    "nbval-check-output",
    "nbval-skip-output",
}
NBVAL_COMMENT = re.compile(r"#\s*NBVAL_[A-Z_]+")
# A comment that explains: '#' and at least three words.
WHY_COMMENT = re.compile(r"^#\s*\S+(\s+\S+){2,}")

TRACEBACK_MARKERS = ("Traceback (most recent call last)", "NotImplementedError")


def _machine_paths():
    """Absolute paths that would only be true on the machine that ran the notebook."""
    paths = {str(ROOT), os.path.realpath(ROOT), sys.prefix, sys.base_prefix, os.path.expanduser("~")}
    paths = {p for p in paths if p and p not in ("/", "~")}
    # Common roots of machine-specific paths, whatever machine executed the notebook.
    return sorted(paths) + [
        "/home/",
        "/root/",
        "/tmp/",
        "/work/",
        "/Users/",
        "/usr/lib/",
        "/usr/local/lib/",
        "site-packages",
        "C:\\Users\\",
    ]


MACHINE_PATHS = _machine_paths()


def _load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _code_cells(nb):
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "code":
            yield index, cell


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _output_texts(output):
    """Every piece of text in one stored output (images are skipped)."""
    otype = output.get("output_type")
    if otype == "stream":
        yield _source({"source": output.get("text", "")})
    elif otype in ("execute_result", "display_data"):
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/") or mime in ("application/json", "image/svg+xml"):
                yield (
                    value
                    if isinstance(value, str)
                    else ("".join(value) if isinstance(value, list) else json.dumps(value))
                )
    elif otype == "error":
        yield output.get("ename", "") + ": " + output.get("evalue", "")
        yield "\n".join(output.get("traceback", []))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook in book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_valid_nbformat(path):
    nb_json = _load(path)  # raises on invalid JSON
    assert nb_json.get("nbformat") == 4, f"{path.name}: nbformat {nb_json.get('nbformat')}, want 4"
    nb = nbformat.reads(json.dumps(nb_json), as_version=4)
    nbformat.validate(nb)
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{path.name}: kernelspec {kernel!r}, want 'python3'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_code_cell_was_executed_in_order(path):
    nb = _load(path)
    unexecuted, counts = [], []
    for index, cell in _code_cells(nb):
        if not _source(cell).strip():
            continue
        count = cell.get("execution_count")
        if count is None:
            unexecuted.append(index)
        else:
            counts.append((index, count))
    assert not unexecuted, (
        f"{path.name}: code cells {unexecuted} have no stored execution "
        "(run `make execute` after editing a notebook)"
    )
    out_of_order = [(i, c) for (i, c), (_, prev) in zip(counts[1:], counts) if c <= prev]
    assert not out_of_order, (
        f"{path.name}: execution counts go backwards at cells {out_of_order}: the stored "
        "outputs are not from one run top to bottom (run `make execute`)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_only_explained_nbval_skips(path):
    nb = _load(path)
    problems = []
    for index, cell in enumerate(nb["cells"]):
        tags = set(cell.get("metadata", {}).get("tags", []))
        source = _source(cell)
        bad = tags & FORBIDDEN_TAGS
        if bad:
            problems.append(f"cell {index}: tag(s) {sorted(bad)}; only '{SKIP_TAG}' is allowed")
        if cell.get("cell_type") == "code" and NBVAL_COMMENT.search(source):
            problems.append(
                f"cell {index}: nbval marker comment "
                f"{NBVAL_COMMENT.search(source).group(0)!r}; use the tag '{SKIP_TAG}'"
            )
        if SKIP_TAG in tags:
            if cell.get("cell_type") != "code":
                problems.append(f"cell {index}: '{SKIP_TAG}' on a {cell.get('cell_type')} cell")
            elif not WHY_COMMENT.match(source.lstrip()):
                problems.append(
                    f"cell {index}: tagged '{SKIP_TAG}' but does not start with a "
                    "comment saying why (e.g. '# timing: differs per machine')"
                )
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_error_traceback_or_machine_path_in_outputs(path):
    nb = _load(path)
    problems = []
    for index, cell in _code_cells(nb):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: stored error {output.get('ename')}")
            for text in _output_texts(output):
                for marker in TRACEBACK_MARKERS:
                    if marker in text:
                        problems.append(f"cell {index}: output contains {marker!r}")
                for p in MACHINE_PATHS:
                    if p in text:
                        problems.append(f"cell {index}: output contains the machine path {p!r}")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(sorted(set(problems)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solution_cells_are_hidden_in_the_book(path):
    nb = _load(path)
    bare = [
        index
        for index, cell in _code_cells(nb)
        if "# BEGIN SOLUTION" in _source(cell)
        and not {"hide-input", "remove-input", "remove-cell"} & set(cell.get("metadata", {}).get("tags", []))
    ]
    assert not bare, (
        f"{path.name}: solution cells {bare} are not tagged 'hide-input': "
        "the HTML book would show the solution"
    )


HEAT_MAP = re.compile(r"\.imshow\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\bcmap=")  # imshow(..., cmap=...)
# chapters whose figures follow the rule below (chapter 6 is being rewritten; add it when it complies)
FIGURE_RULE_CHAPTERS = NOTEBOOKS


@pytest.mark.parametrize("path", FIGURE_RULE_CHAPTERS, ids=[p.name for p in FIGURE_RULE_CHAPTERS])
def test_every_heat_map_has_a_colour_bar(path):
    """A cell that draws an array with a colour map (imshow with cmap=) also draws a colour bar:
    a heat map without one cannot be read. (Images drawn in their own colours need none.)"""
    nb = _load(path)
    bare = [
        i + 1
        for i, cell in _code_cells(nb)
        if HEAT_MAP.search(_source(cell)) and ".colorbar(" not in _source(cell)
    ]
    assert not bare, f"{path.name}: cells {bare} draw a heat map without a colour bar"


def test_toc_is_jb_book():
    toc = read_toc()
    assert toc.get("format") == "jb-book"
    assert toc.get("root") == "book/intro"


def test_toc_lists_every_notebook_and_every_entry_exists():
    files = toc_files()
    assert len(files) == len(set(files)), f"_toc.yml lists a file twice: {files}"
    missing = [f for f in files if not any((ROOT / (f + ext)).is_file() for ext in ("", ".ipynb", ".md"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"
    listed = {str(pathlib.PurePosixPath(f).with_suffix("")) for f in files}
    unlisted = [
        p.name for p in NOTEBOOKS if str(p.relative_to(ROOT).with_suffix("").as_posix()) not in listed
    ]
    assert not unlisted, f"notebooks in book/ missing from _toc.yml: {unlisted}"
