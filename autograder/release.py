"""`release SRC --out DIR`: the student edition of every notebook in SRC.

Per notebook: each solution block becomes stubs (signature and docstring kept, the body
`raise NotImplementedError("<the cell's # HINT: line>")`); every output and execution count
is cleared; cell metadata keeps only its tags (minus `hide-input` on solution cells); code
cells lose their attachments, markdown cells keep only attachments their text uses; notebook
metadata keeps only kernelspec and language_info. Then every line of every solution body is
searched for in every string of the written file (two consecutive body lines make a leak:
one line alone may be a demo), and a leak is an error. Finally DIR/public_answers.json and
.npz hold the public cases and their answers, for learners who do not have `solutions`.
"""
import json
import pathlib

from . import notebook

KEEP_NB_METADATA = ("kernelspec", "language_info")


class LeakError(RuntimeError):
    """A line of a solution survived in a released notebook."""


def release_notebook(nb, where="notebook"):
    """(student notebook, solution body lines) of one notebook (a dict, not modified)."""
    nb = json.loads(json.dumps(nb))
    secrets = []
    for i, cell in enumerate(nb.get("cells", [])):
        here = f"{where}, cell {i + 1}"
        src = notebook.cell_source(cell)
        spans = notebook.blocks(src, here)
        ctype = cell.get("cell_type")
        if spans and ctype != "code":
            raise notebook.MarkerError(f"{here}: solution markers in a {ctype} cell")
        if spans:
            msg = notebook.hint(src)

            def stub(block, _src):
                secrets.extend(notebook.solution_bodies(block))
                return notebook.stub_block(block, msg)
            text = notebook.rewrite_blocks(src, stub, here)
            text = "\n".join(ln for ln in text.split("\n")
                             if ln.strip() not in (notebook.BEGIN, notebook.END))
            notebook.set_source(cell, text)
        tags = [t for t in cell.get("metadata", {}).get("tags", [])
                if not (spans and t in ("hide-input", "hide-cell", "remove-input"))]
        cell["metadata"] = {"tags": tags} if tags else {}
        if ctype == "code":
            cell["outputs"], cell["execution_count"] = [], None
            cell.pop("attachments", None)
        elif "attachments" in cell:
            used = {k: v for k, v in cell["attachments"].items() if f"attachment:{k}" in src}
            if used:
                cell["attachments"] = used
            else:
                cell.pop("attachments")
    nb["metadata"] = {k: v for k, v in nb.get("metadata", {}).items() if k in KEEP_NB_METADATA}
    return nb, secrets


def _strings(obj, out):
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):
            out.append("".join(obj))              # a multi-line source or output text
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


def solutions_imports(nb):
    """Cells of a (student) notebook that import `solutions`, which learners do not have."""
    import ast
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        src = "\n".join(ln for ln in notebook.cell_source(cell).splitlines()
                        if not ln.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(m.split(".")[0] == "solutions" for m in mods):
                found.append(i + 1)
                break
    return found


def release(src, out, answers=True, warn=print):
    """Write the student notebooks of SRC (a folder or one notebook) into OUT; returns paths."""
    src, out = pathlib.Path(src), pathlib.Path(out)
    paths = [src] if src.is_file() else sorted(src.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no notebooks in {src}")
    if out.resolve() == (src if src.is_dir() else src.parent).resolve():
        raise ValueError("--out must differ from the source folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for p in paths:
        nb = notebook.read_notebook(p)
        student, secrets = release_notebook(nb, str(p))
        text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
        check_no_leak(student, secrets, str(p))
        cells = solutions_imports(student)
        if cells:
            warn(f"warning: {p.name} imports `solutions` (cell {', '.join(map(str, cells))}): "
                 "learners do not have it, so these cells fail in the student edition")
        target = out / p.name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    if answers:
        from . import answers as answers_mod
        written += list(answers_mod.write(out))
    return written
