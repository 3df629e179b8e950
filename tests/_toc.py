"""The documents of the book's _toc.yml (shared by the notebook and browser tests)."""

import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def read_toc():
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def toc_files(toc=None):
    """Every `file` entry of _toc.yml, root first, in reading order, as written there."""
    toc = read_toc() if toc is None else toc
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files
