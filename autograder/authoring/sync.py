"""`sync BOOKDIR`: regenerate each notebook's solution blocks from the `solutions` modules.

For every code cell with `# BEGIN SOLUTION` … `# END SOLUTION`, the def/class statements
named between the markers are replaced, in the same order, by `inspect.getsource` of the
same names in the chapter's module (`solutions.<module>`, from the registry, else from the
notebook's chapter number). `check=True` writes nothing and returns the drift.
"""

import importlib
import inspect
import pathlib
from dataclasses import dataclass

from .. import exercises as catalogue
from . import notebook


@dataclass
class Drift:
    path: str
    cell: int
    names: list

    def __str__(self):
        return f"{self.path}: cell {self.cell + 1} ({', '.join(self.names)}) differs from solutions"


def module_for(name, nb_path):
    ex = catalogue.BY_NAME.get(name)
    if ex is not None:
        return importlib.import_module(f"solutions.{ex.module}")
    chapter = notebook.chapter_of(nb_path)
    if chapter not in catalogue.CHAPTERS:
        raise LookupError(
            f"{nb_path}: cannot tell the module of {name!r} (not an exercise, "
            "and the notebook name has no chapter number)"
        )
    return importlib.import_module(f"solutions.{catalogue.CHAPTERS[chapter]}")


def block_source(names, nb_path):
    parts = []
    for name in names:
        mod = module_for(name, nb_path)
        if not hasattr(mod, name):
            raise LookupError(f"{nb_path}: {name!r} is between the markers but not in {mod.__name__}")
        parts.append(inspect.getsource(getattr(mod, name)).rstrip("\n"))
    return "\n\n\n".join(parts) + "\n"


def sync_notebook(path, check=False):
    """The drifts of one notebook; rewrites it (unless check) when there are any."""
    path = pathlib.Path(path)
    nb = notebook.read_notebook(path)
    drifts = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        src = notebook.cell_source(cell)
        if not notebook.blocks(src, f"{path}, cell {i + 1}"):
            continue
        seen = []

        def regenerate(block, _src, seen=seen):
            names = notebook.defined_names(block)
            seen.extend(names)
            return block_source(names, path) if names else block

        new = notebook.rewrite_blocks(src, regenerate, f"{path}, cell {i + 1}")
        if new != src:
            drifts.append(Drift(str(path), i, seen))
            notebook.set_source(cell, new)
    if drifts and not check:
        notebook.write_notebook(nb, path)
    return drifts


def sync(bookdir, check=False):
    paths = sorted(pathlib.Path(bookdir).glob("*.ipynb"))
    drifts = []
    for p in paths:
        drifts += sync_notebook(p, check)
    return drifts
