"""Re-execute notebooks in place so that their stored outputs are fresh.

    python tools/execute_notebooks.py book/01_inner_products.ipynb ...

Each notebook runs in a fresh kernel with its own folder as working directory,
exactly as nbval runs it in `make test`.
"""
import argparse
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path, help="notebooks to execute")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        nbformat.write(nb, path)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
