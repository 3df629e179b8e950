"""Load the graded definitions of a learner's `.py` or `.ipynb` file, and nothing else.

The rule (also in autograder/README.md): from every code cell of a notebook (or the whole
`.py` file), only these *top-level* statements run, in file order:

  - `import ...` and `from ... import ...`, except imports of `autograder` and `solutions`;
  - `def` and `class` statements (with their decorators);
  - assignments of a plain constant to plain names: `N = 5`, `MODES = ("valid", "full")`,
    `EPS: float = 1e-9` (the value must be a literal: numbers, strings, bytes, booleans,
    None, and tuples/lists/dicts/sets of them, with unary minus).

Everything else (calls, loops, plots, prints, `if __name__ == "__main__":`, assignments
from expressions) is skipped. In a submission of several files (one learner's chapters), an
exercise a file does not define is taken from the file that does (its own chapter's first):
a chapter may use an earlier chapter's exercise, which the book imports from `solutions`. IPython magics and shell escapes (`%...`, `!...`) are dropped.
A cell that does not parse is reported and skipped; the other cells still load. Each kept
statement runs on its own: one that raises (a missing package) is reported, not fatal.

Standalone on purpose: the sandboxed child loads it by path, without the autograder package.
"""

import ast
import json

SKIP_MODULES = ("autograder", "solutions")


def code_cells(text, filename):
    """[(label, source)] of a notebook's code cells or a .py file (text: str)."""
    if filename.endswith(".ipynb"):
        nb = json.loads(text)
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("not a notebook: no list of cells")
        out = []
        for i, cell in enumerate(nb["cells"]):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            src = cell.get("source", "")
            if isinstance(src, list):
                src = "".join(s for s in src if isinstance(s, str))
            if not isinstance(src, str):
                continue
            out.append((f"cell {i + 1}", src))
        return out
    return [("file", text)]


def _strip_magics(src):
    lines = []
    for line in src.splitlines():
        s = line.lstrip()
        lines.append("" if s.startswith(("%", "!")) else line)
    return "\n".join(lines)


def _plain_constant(node):
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _plain_constant(node.operand)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_plain_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            k is not None and _plain_constant(k) and _plain_constant(v)
            for k, v in zip(node.keys, node.values)
        )
    return False


def _names_only(targets):
    return all(isinstance(t, ast.Name) for t in targets)


def keep(stmt):
    """Whether a top-level statement is part of what grading runs (see the module doc)."""
    if isinstance(stmt, ast.Import):
        return not any(a.name.split(".")[0] in SKIP_MODULES for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        return stmt.level == 0 and (stmt.module or "").split(".")[0] not in SKIP_MODULES
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(stmt, ast.Assign):
        return _names_only(stmt.targets) and _plain_constant(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and stmt.value is not None and _plain_constant(stmt.value)
    return False


def definitions(text, filename):
    """([(label, code object)], [problems]) of the statements the rule keeps."""
    problems, out = [], []
    try:
        cells = code_cells(text, filename)
    except (ValueError, TypeError) as e:
        return [], [f"{filename}: cannot read it as a notebook ({type(e).__name__}: {e})"[:300]]
    for label, src in cells:
        try:
            tree = ast.parse(_strip_magics(src), filename=filename)
        except SyntaxError as e:
            problems.append(
                f"{filename}, {label}: SyntaxError at line {e.lineno}: {e.msg}; the cell was skipped"
            )
            continue
        except (ValueError, RecursionError, MemoryError) as e:
            problems.append(f"{filename}, {label}: cannot parse ({type(e).__name__})")
            continue
        for stmt in tree.body:
            if keep(stmt):
                mod = ast.Module(body=[stmt], type_ignores=[])
                try:
                    out.append(
                        (f"{label}, line {stmt.lineno}", compile(mod, f"<{filename}, {label}>", "exec"))
                    )
                except (SyntaxError, ValueError) as e:
                    problems.append(f"{filename}, {label}: {type(e).__name__}: {e}")
    return out, problems


def load(text, filename, namespace):
    """Run the kept statements of one file into `namespace`; returns the problems met."""
    codes, problems = definitions(text, filename)
    for label, code in codes:
        try:
            exec(code, namespace)
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as e:
            problems.append(f"{filename}, {label}: {type(e).__name__}: {str(e)[:200]}")
    return problems


def share_exercises(namespaces, chapters):
    """Give each file's namespace the exercises it lacks, from the other files.

    namespaces: [(label, chapter, dict)]; chapters: {exercise name: chapter number}.
    """
    for name, chapter in chapters.items():
        owners = sorted(
            (ns for ns in namespaces if name in ns[2]), key=lambda item: (item[1] != chapter, item[0])
        )
        if not owners:
            continue
        value = owners[0][2][name]
        for _, _, ns in namespaces:
            ns.setdefault(name, value)


def decode_source(data, filename):
    """bytes -> str, or raise ValueError with a message a learner understands."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(
            f"{filename} is not UTF-8 text (byte {e.start}): save it again from Jupyter or your editor"
        ) from None
