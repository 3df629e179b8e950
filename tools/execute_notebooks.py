"""Re-execute notebooks in place so that their stored outputs are fresh.

    python tools/execute_notebooks.py book/01_inner_products.ipynb ...

Each notebook runs in a fresh kernel with its own folder as working directory,
exactly as nbval runs it in `make test`. A progress bar (tqdm, on stderr) is stored as its
final state only: the intermediate redraws are noise in the book.
"""

import argparse
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient


def final_progress_bars(nb):
    """Keep, of each cell's progress-bar redraws (stderr lines with tqdm's "%|"), only the last."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        bars = [
            o
            for o in cell.outputs
            if o.get("output_type") == "stream" and o.get("name") == "stderr" and "%|" in o.get("text", "")
        ]
        if not bars:
            continue
        last = [ln for ln in bars[-1]["text"].replace("\r", "\n").splitlines() if "%|" in ln][-1]
        kept = []
        for o in cell.outputs:
            if any(o is b for b in bars):
                if o is bars[-1]:
                    o["text"] = last + "\n"
                    kept.append(o)
            elif not (
                o.get("output_type") == "stream"
                and o.get("name") == "stderr"
                and not o.get("text", "").strip()
            ):
                kept.append(o)
        cell.outputs = kept
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path, help="notebooks to execute")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            nb,
            timeout=args.timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        nbformat.write(final_progress_bars(nb), path)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
