"""The exercise catalogue (graded API, version 1.2) as the `solutions` package exports it."""

import importlib

import pytest

import solutions
from autograder.registry import CHAPTERS

# the 23 functions and one class of the catalogue, in its order (EXERCISES.md 1.2; exercise 24,
# the loop whose name the catalogue leaves to the project, is gatys_loop)
EXPECTED = {
    1: ["inner", "cosine_similarity", "angle_between", "direction"],
    2: ["gram", "gram_matrix", "gramian_angular_field"],
    3: ["toeplitz_1d", "conv_matrix_2d", "im2col", "conv2d_im2col", "unroll_matrix"],
    4: ["correlate2d", "convolve2d", "conv_output_size"],
    5: ["vq", "kmeans", "quantize_image", "VectorQuantizer"],
    6: ["content_loss", "style_layer_loss", "style_loss", "total_variation", "gatys_loop"],
}
NAMES = [name for names in EXPECTED.values() for name in names]


def test_catalogue_is_the_expected_one():
    assert solutions.CATALOGUE == EXPECTED
    assert len(NAMES) == 24 and len(set(NAMES)) == 24
    assert sorted(solutions.__all__) == sorted(NAMES)


@pytest.mark.parametrize("chapter, name", [(c, n) for c, names in EXPECTED.items() for n in names])
def test_name_importable_documented_and_from_its_chapter_module(chapter, name):
    obj = getattr(solutions, name)
    assert callable(obj)
    assert obj.__doc__ and len(obj.__doc__.strip()) > 20
    module = importlib.import_module(f"solutions.{CHAPTERS[chapter]}")
    assert getattr(module, name) is obj
    exec(f"from solutions import {name}", {})


def test_vector_quantizer_is_the_only_class():
    assert [n for n in NAMES if isinstance(getattr(solutions, n), type)] == ["VectorQuantizer"]


def test_chapter_map_names_the_notebooks_and_no_module_is_shadowed():
    """autograder.registry.CHAPTERS is the one map: book/0N_<name>.ipynb, solutions/<name>.py; and no
    module of the package has the name of a function it exports (solutions.gram is the function)."""
    import pathlib

    root = pathlib.Path(solutions.__file__).resolve().parents[1]
    notebooks = sorted(p.stem for p in (root / "book").glob("0*.ipynb"))
    assert notebooks == [f"{n:02d}_{name}" for n, name in sorted(CHAPTERS.items())]
    assert sorted(CHAPTERS) == sorted(EXPECTED)
    modules = {p.stem for p in (root / "solutions").glob("*.py")}
    assert set(CHAPTERS.values()) <= modules
    assert not modules & set(NAMES), "a module named like a function it exports is shadowed"


# the fast paths: `X_fast` beside its reference `X`, importable from `solutions`, not graded
FAST = ["conv_matrix_2d_fast", "conv2d_im2col_fast", "vq_fast", "quantize_image_fast"]


def test_fast_paths_are_exported_beside_their_references_and_not_graded():
    exported = sorted(n for n in vars(solutions) if n.endswith("_fast") and not n.startswith("_"))
    assert exported == sorted(FAST) == sorted(solutions.FAST)
    assert not set(FAST) & set(solutions.__all__)
    for name in FAST:
        fast, ref = getattr(solutions, name), getattr(solutions, name[: -len("_fast")])
        assert name[: -len("_fast")] in NAMES
        assert fast.__module__ == ref.__module__, f"{name} is not in the module of its reference"
        assert getattr(importlib.import_module(fast.__module__), name) is fast
        assert fast.__doc__ and ref.__name__ in fast.__doc__  # says which reference it speeds up
        exec(f"from solutions import {name}", {})


@pytest.mark.parametrize("name", FAST)
def test_each_fast_path_gives_its_reference_result(name):
    # one small call each (the chapters' test files compare them on many cases)
    import numpy as np

    rng = np.random.default_rng(0)
    fast, ref = getattr(solutions, name), getattr(solutions, name[: -len("_fast")])
    args = {
        "conv_matrix_2d_fast": (rng.normal(size=(3, 2)), (5, 4), "full"),
        "conv2d_im2col_fast": (
            rng.normal(size=(2, 3, 7, 6)),
            rng.normal(size=(4, 3, 3, 2)),
            rng.normal(size=4),
            2,
            1,
        ),
        "vq_fast": (rng.normal(size=(700, 3)), rng.normal(size=(9, 3))),
        "quantize_image_fast": (rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8), 12, 1),
    }[name]
    got, expected = fast(*args), ref(*args)
    if name == "conv_matrix_2d_fast":
        got, expected = got.toarray(), expected.toarray()
    for g, e in zip(
        got if isinstance(got, tuple) else [got], expected if isinstance(expected, tuple) else [expected]
    ):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
