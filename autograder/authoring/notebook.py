"""Solution markers in notebook cells: find the blocks, stub them (release), regenerate them
from the `solutions` modules (sync).

A solution block is the lines strictly between a line `# BEGIN SOLUTION` and the next line
`# END SOLUTION` (line-exact after stripping; nbgrader's and otter's convention). A marker
without its partner is an error, never silently ignored.
"""

import ast
import json
import pathlib
import re

BEGIN, END, HINT = "# BEGIN SOLUTION", "# END SOLUTION", "# HINT:"
DEFAULT_HINT = "write this function: see the exercise statement above"


class MarkerError(ValueError):
    """An unpaired or nested solution marker."""


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def blocks(source, where="cell"):
    """[(begin_line_index, end_line_index)] of the solution blocks of a cell's source."""
    out, start = [], None
    for i, line in enumerate(source.splitlines()):
        s = line.strip()
        if s == BEGIN:
            if start is not None:
                raise MarkerError(
                    f"{where}, line {i + 1}: '{BEGIN}' inside an open block (opened at line {start + 1})"
                )
            start = i
        elif s == END:
            if start is None:
                raise MarkerError(f"{where}, line {i + 1}: '{END}' without '{BEGIN}'")
            out.append((start, i))
            start = None
    if start is not None:
        raise MarkerError(f"{where}, line {start + 1}: '{BEGIN}' without '{END}'")
    return out


def hint(source):
    for line in source.splitlines():
        s = line.strip()
        if s.startswith(HINT):
            return s[len(HINT) :].strip() or DEFAULT_HINT
    return DEFAULT_HINT


def defined_names(code):
    """Names of the top-level def/class statements of a solution block, in order."""
    return [
        n.name
        for n in ast.parse(code).body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]


# ----------------------------------------------------------------------------- stubs
def _stub_node(node, lines, msg, out):
    """Append the stub of a def/class node (signature + docstring + raise) to out."""
    start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
    body0 = node.body[0]
    indent = " " * body0.col_offset
    has_doc = (
        isinstance(body0, ast.Expr)
        and isinstance(getattr(body0, "value", None), ast.Constant)
        and isinstance(body0.value.value, str)
    )
    if body0.lineno == node.lineno:  # `def f(x): return x` on one line
        import copy

        head = copy.copy(node)
        head.body = [ast.Pass()]
        pad = " " * node.col_offset
        text = ast.unparse(head).splitlines()[:-1]
        out.extend(pad + t for t in text)
        indent = pad + "    "
        if has_doc:
            out.append(f"{indent}{body0.value.value!r}")
            has_doc = False
    else:
        out.extend(lines[start : body0.lineno - 1])
    if has_doc:
        out.extend(lines[body0.lineno - 1 : body0.end_lineno])
    if isinstance(node, ast.ClassDef):
        methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for m in methods:
            out.append("")
            _stub_node(m, lines, msg, out)
        if not methods and not has_doc:
            out.append(f"{indent}pass")
    else:
        out.append(f"{indent}raise NotImplementedError({msg!r})")


def stub_block(code, msg):
    """The student version of a solution block: each def/class keeps its signature and
    docstring; a function's body becomes `raise NotImplementedError(msg)`."""
    tree = ast.parse(code)
    lines = code.splitlines()
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if out:
                out += ["", ""]
            _stub_node(node, lines, msg, out)
    return "\n".join(out)


def solution_bodies(code):
    """The lines of a block that are neither signatures nor docstrings (for leak checks)."""
    stub = {line.strip() for line in stub_block(code, "").splitlines()}
    return [
        line.strip()
        for line in code.splitlines()
        if line.strip() and line.strip() not in stub and not line.strip().startswith("#")
    ]


# ----------------------------------------------------------------------------- cells
def rewrite_blocks(source, fn, where="cell"):
    """Replace the text of each block by fn(block_text, source); markers stay."""
    lines = source.splitlines()
    spans = blocks(source, where)
    if not spans:
        return source
    out, prev = [], 0
    for b, e in spans:
        out += lines[prev : b + 1]
        new = fn("\n".join(lines[b + 1 : e]) + "\n", source)
        out += new.rstrip("\n").splitlines()
        prev = e
    out += lines[prev:]
    text = "\n".join(out)
    return text + ("\n" if source.endswith("\n") else "")


def read_notebook(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def write_notebook(nb, path):
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    pathlib.Path(path).write_text(text, encoding="utf-8")


def set_source(cell, text):
    """Store a source as nbformat does: a list of lines keeping their newlines."""
    cell["source"] = text.splitlines(keepends=True)


def chapter_of(path):
    m = re.match(r"(\d+)_", pathlib.Path(path).name)
    return int(m.group(1)) if m else None
