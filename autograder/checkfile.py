"""`check PATH`: the self-check of a learner's whole notebook or .py file, in this process.

The file is loaded under the grading rule (`_loader.py`: imports, defs, classes, plain
constants), then every exercise it defines is checked with its public cases.
"""
import pathlib

from . import _loader, registry
from .selfcheck import check


def load_file(path):
    """(namespace, problems) of a learner's file."""
    path = pathlib.Path(path)
    ns = {"__name__": "__submission__"}
    try:
        text = _loader.decode_source(path.read_bytes(), path.name)
    except (OSError, ValueError) as e:
        return ns, [str(e)]
    return ns, _loader.load(text, path.name, ns)


def check_file(path, exercise=None, answers_dir=None):
    """Print one block per exercise; return 0 when every public case passes, else 1."""
    ns, problems = load_file(path)
    for p in problems:
        print(f"! {p}")
    if exercise:
        names = [registry.get(exercise).name]
    else:
        names = [ex.name for ex in registry.EXERCISES if ex.name in ns]
    if not names:
        print(f"{path}: defines none of the exercises ({', '.join(registry.BY_NAME)})")
        return 1
    ok = True
    for name in names:
        if name not in ns:
            print(f"✘ {name}: not defined in {path}")
            ok = False
            continue
        ok = bool(check(name, ns[name], answers_dir=answers_dir)) and ok
    return 0 if ok else 1
