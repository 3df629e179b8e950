"""The notebook rule (what grading executes) and the plain-data boundary of the harness."""

import json

import numpy as np
import pytest

from autograder.sandbox import harness as _harness
from autograder.sandbox import loader as _loader

SOURCE = """
import numpy as np
from autograder import check
from solutions.gram_matrices import gram
import solutions
N = 3
MODES = ("valid", "full")
EPS: float = -1e-9
TABLE = np.ones(3)
x, y = 1, 2
print("a demo")
%matplotlib inline
!pip install nothing

def f(a):
    return a * N

class K:
    pass

if __name__ == "__main__":
    f(1)
for i in range(3):
    pass
"""


def test_only_imports_defs_classes_and_plain_constants_run():
    ns = {}
    problems = _loader.load(SOURCE, "learner.py", ns)
    assert problems == []
    assert {"np", "N", "MODES", "EPS", "f", "K"} <= set(ns)
    for skipped in ("check", "gram", "solutions", "TABLE", "x", "y", "i"):
        assert skipped not in ns
    assert ns["f"](2) == 6 and ns["EPS"] == -1e-9


def notebook(*sources):
    return json.dumps(
        {
            "cells": [{"cell_type": "code", "source": s, "metadata": {}, "outputs": []} for s in sources]
            + [{"cell_type": "markdown", "source": "def no(): pass"}]
        }
    )


def test_a_bad_cell_is_skipped_and_reported_the_others_load():
    text = notebook(
        "def ok():\n    return 1\n",
        "def broken(:\n    pass\n",
        ["import not_a_module_at_all\n", "def ok2():\n", "    return 2\n"],
    )
    ns = {}
    problems = _loader.load(text, "ch.ipynb", ns)
    assert ns["ok"]() == 1 and ns["ok2"]() == 2 and "no" not in ns
    assert any("cell 2: SyntaxError at line 1" in p for p in problems)
    assert any("ModuleNotFoundError" in p for p in problems)


def test_corrupt_and_non_utf8_files_give_messages():
    codes, problems = _loader.definitions('{"cells": [', "x.ipynb")
    assert codes == [] and "cannot read it as a notebook" in problems[0]
    codes, problems = _loader.definitions('{"no_cells": 1}', "x.ipynb")
    assert "no list of cells" in problems[0]
    with pytest.raises(ValueError, match="not UTF-8"):
        _loader.decode_source(b"\xff\xfe\x00", "x.ipynb")


def test_encode_decode_round_trip_and_refusals():
    import torch

    value = (
        np.arange(6.0).reshape(2, 3),
        [1, 2.5, "s", None, True],
        {"k": np.int64(3)},
        torch.ones(2, requires_grad=True),
        np.array([object()], dtype=object),
        print,
    )
    tree, arrays = _harness.encode(value)
    json.dumps(tree)  # plain JSON
    for arr in arrays.values():
        assert arr.dtype != object
    back = _harness.decode(tree, arrays, torch_ok=False)
    assert np.array_equal(back[0], value[0]) and back[1] == [1, 2.5, "s", None, True]
    assert back[2]["k"] == 3 and np.array_equal(back[3], [1.0, 1.0])
    assert back[4]["$"] == "object" and back[5]["$"] == "object"


def test_forbidden_patch_is_restored_even_after_an_error():
    import scipy.signal
    import torch.nn.functional as F

    orig = (scipy.signal.convolve2d, F.conv2d)
    ns = {"conv": F.conv2d}
    with (
        pytest.raises(_harness.ForbiddenCall),
        _harness.forbidden_patched(["scipy.signal.*", "torch.nn.functional.conv2d"], ns),
    ):
        ns["conv"](None, None)
    assert (scipy.signal.convolve2d, F.conv2d) == orig and ns["conv"] is F.conv2d


def test_run_case_reports_errors_as_data():
    def boom(a):
        raise SystemExit(3)

    tree, arrays = _harness.encode((1,))
    res, _ = _harness.run_case(boom, {"args": tree, "kwargs": {"$": "dict", "items": {}}}, arrays)
    assert res["error"] == "SystemExit" and "BaseException" in res["mro"]
