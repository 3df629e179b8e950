"""`check PATH`: the self-check of a learner's whole notebook or .py file, in this process.

The file is loaded under the grading rule (`loader.py`: imports, defs, classes, plain
constants), then every exercise it defines is checked with its public cases (only its own
chapter's exercises when the file name starts with a chapter number, e.g. `03_...`).
"""

import pathlib

from . import exercises as catalogue
from .authoring import notebook
from .sandbox import loader
from .selfcheck import check


def load_file(path):
    """(namespace, problems) of a learner's file."""
    path = pathlib.Path(path)
    ns = {"__name__": "__submission__"}
    try:
        text = loader.decode_source(path.read_bytes(), path.name)
    except (OSError, ValueError) as e:
        return ns, [str(e)]
    return ns, loader.load(text, path.name, ns)


def check_file(path, exercise=None, answers_dir=None):
    """Print one line per exercise and a total; return 0 when every public case passes, else 1."""
    ns, problems = load_file(path)
    for p in problems:
        print(f"! {p}")
    chapter = notebook.chapter_of(path)
    if exercise:
        names = [catalogue.get(exercise).name]
    else:  # a chapter file (01_...): that chapter's exercises; else whatever the file defines
        names = [
            ex.name
            for ex in catalogue.EXERCISES
            if ex.name in ns and (chapter is None or ex.chapter == chapter)
        ]
    if not names:
        print(f"{path}: defines none of the exercises ({', '.join(catalogue.BY_NAME)})")
        return 1
    passed = 0
    for name in names:
        if name not in ns:
            print(f"✘ {name}: not defined in {path}")
            continue
        result = check(name, ns[name], answers_dir=answers_dir, quiet=True)
        print(result.line)
        passed += bool(result)
    print(f"{passed}/{len(names)} exercise(s) pass every public case; hidden cases run only at grading.")
    return 0 if passed == len(names) else 1
