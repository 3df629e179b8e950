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
