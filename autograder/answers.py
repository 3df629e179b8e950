"""The public cases and their expected answers, as data for learners without `solutions`.

`release` writes `public_answers.json` (the structure: exercises, groups, cases, expected
results as trees) and `public_answers.npz` (every array, saved with allow_pickle=False)
beside the student notebooks. `check` uses the live reference when `solutions` imports,
else these files, found through $AUTOGRADER_ANSWERS, the current folder and its parents,
or the autograder package folder.
"""

import json
import os
import pathlib

import numpy as np

from . import cases, engine
from . import exercises as catalogue

JSON_NAME, NPZ_NAME = "public_answers.json", "public_answers.npz"
FORMAT = 2  # 2: each case is {"call", "meta", "expected"} (cases.Call, cases.CaseMeta)


def build(names=None):
    """{"exercises": {name: [[(plain_case, expected), ...] per public group]}} from the reference."""
    out = {}
    for ex in catalogue.EXERCISES:
        if names is not None and ex.name not in names:
            continue
        groups = [None] * len(ex.groups)
        for gi, pairs in cases.build(ex, "public"):
            groups[gi] = pairs
        out[ex.name] = groups
    return out


def write(directory, names=None):
    """Write public_answers.{json,npz} into `directory`; returns the two paths."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = build(names)
    arrays, doc = {}, {"format": FORMAT, "exercises": {}, "yardstick": engine.yardstick()}
    for name, groups in data.items():
        jgroups = []
        for gi, pairs in enumerate(groups):
            if pairs is None:
                jgroups.append(None)
                continue
            jcases = []
            for ci, (plain, (res, ra)) in enumerate(pairs):
                tree, ia = plain.call
                prefix = f"{name}.{gi}.{ci}"
                for k, v in ia.items():
                    arrays[f"{prefix}.in.{k}"] = v
                for k, v in ra.items():
                    arrays[f"{prefix}.out.{k}"] = v
                res = {k: v for k, v in res.items() if k != "seconds"} | (
                    {"seconds": res["seconds"]} if "seconds" in res else {}
                )
                jcases.append({"call": tree, "meta": plain.meta.as_dict(), "expected": res})
            jgroups.append(jcases)
        doc["exercises"][name] = jgroups
    jpath, npath = directory / JSON_NAME, directory / NPZ_NAME
    jpath.write_text(json.dumps(doc, indent=None, sort_keys=True), encoding="utf-8")
    with open(npath, "wb") as f:
        np.savez_compressed(f, allow_pickle=False, **arrays)
    return jpath, npath


def find():
    """The folder holding public_answers.json/.npz, or None."""
    env = os.environ.get("AUTOGRADER_ANSWERS")
    candidates = []
    if env:
        p = pathlib.Path(env)
        candidates.append(p.parent if p.suffix in (".json", ".npz") else p)
    cwd = pathlib.Path.cwd()
    candidates += [cwd, *list(cwd.parents)[:3], pathlib.Path(__file__).parent]
    for c in candidates:
        if (c / JSON_NAME).is_file() and (c / NPZ_NAME).is_file():
            return c
    return None


_CACHE = {}
_YARDSTICKS = {}  # folder -> the yardstick seconds measured when its answers were written


def load(directory=None):
    """{name: [[(plain_case, expected), ...] or None per group]} from the released files."""
    directory = pathlib.Path(directory) if directory else find()
    if directory is None:
        return None
    key = str(directory.resolve())
    if key in _CACHE:
        return _CACHE[key]
    doc = json.loads((directory / JSON_NAME).read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{directory / JSON_NAME}: unknown format {doc.get('format')!r}")
    with np.load(directory / NPZ_NAME, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    out = {}
    for name, groups in doc["exercises"].items():
        ogroups = []
        for gi, jcases in enumerate(groups):
            if jcases is None:
                ogroups.append(None)
                continue
            ocases = []
            for ci, c in enumerate(jcases):
                prefix = f"{name}.{gi}.{ci}"
                ia = {k[len(prefix) + 4 :]: v for k, v in arrays.items() if k.startswith(prefix + ".in.")}
                ra = {k[len(prefix) + 5 :]: v for k, v in arrays.items() if k.startswith(prefix + ".out.")}
                plain = cases.PlainCase(cases.Call(c["call"], ia), cases.CaseMeta.from_dict(c["meta"]))
                ocases.append((plain, (c["expected"], ra)))
            ogroups.append(ocases)
        out[name] = ogroups
    _YARDSTICKS[key] = doc.get("yardstick")
    _CACHE[key] = out
    return out


def speed_scale(directory=None):
    """This machine's speed relative to the one that wrote the answers (≥ 1: slower here)."""
    directory = pathlib.Path(directory) if directory else find()
    if directory is None:
        return 1.0
    load(directory)
    then = _YARDSTICKS.get(str(directory.resolve()))
    if not then:
        return 3.0
    return max(1.0, engine.yardstick() / then)
