"""Chapter 2 (solutions/gram_matrices.py) against numpy, torch and pyts: gram, gram_matrix, gramian_angular_field."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pyts.image import GramianAngularField

from solutions import gram, gram_matrix, gramian_angular_field

RNG = np.random.default_rng(2)
finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


# --- gram ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("k, n", [(1, 1), (1, 5), (4, 3), (3, 4), (16, 100)])
def test_gram_matches_pairwise_dot_products(k, n):
    V = RNG.normal(size=(k, n))
    G = gram(V)
    assert G.shape == (k, k)
    expected = np.array([[np.dot(V[i], V[j]) for j in range(k)] for i in range(k)])
    np.testing.assert_allclose(G, expected, rtol=1e-12, atol=1e-12)


def test_gram_lists_ints_float32():
    np.testing.assert_array_equal(gram([[1, 2], [3, 4]]), [[5, 11], [11, 25]])
    V = RNG.normal(size=(5, 7)).astype(np.float32)
    np.testing.assert_allclose(gram(V), V.astype(np.float64) @ V.T.astype(np.float64), rtol=1e-4, atol=1e-5)


def test_gram_seed_001_two_filter_example():
    # seed 001 (§의미): 2 filters, M = 3 pixels; G_ij = Σ_k F_ik F_jk. The seed's matrix writes
    # F00F00 + F01F01 + F11F11 for G_00 and F_0k² for G_11: both wrong; the truth is below.
    F = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    G = gram(F)
    np.testing.assert_array_equal(G, [[1 + 4 + 9, 4 + 10 + 18], [4 + 10 + 18, 16 + 25 + 36]])
    assert G[0, 0] != F[0, 0] ** 2 + F[0, 1] ** 2 + F[1, 1] ** 2  # the seed's G_00
    assert G[1, 1] != G[0, 0]  # the seed's G_11 = Σ F_0k²


@settings(max_examples=40, deadline=None)
@given(
    st.tuples(st.integers(1, 8), st.integers(1, 12)).flatmap(
        lambda kn: arrays(np.float64, kn, elements=finite)
    )
)
def test_gram_symmetric_and_positive_semidefinite(V):
    G = gram(V)
    np.testing.assert_array_equal(G, G.T)
    eig = np.linalg.eigvalsh(G)
    assert eig.min() >= -1e-9 * max(1.0, np.abs(eig).max())


def test_gram_error_names_vectors():
    with pytest.raises(ValueError, match="vectors"):
        gram([1, 2, 3])
    with pytest.raises(ValueError, match="vectors"):
        gram(np.ones((2, 2, 2)))


# --- gram_matrix ----------------------------------------------------------------------------------


def _gram_ref(F, normalize):
    """Hand-written: (C, H, W) → (C, C) with torch.einsum."""
    C, H, W = F.shape[-3:]
    G = torch.einsum("...chw,...dhw->...cd", F, F)
    return G / (H * W) if normalize else G


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 4, 5), (8, 7, 3), (2, 3, 4, 5), (1, 6, 2, 9)])
@pytest.mark.parametrize("normalize", [True, False])
def test_gram_matrix_numpy_and_torch(shape, normalize):
    x = RNG.normal(size=shape)
    expected = _gram_ref(torch.from_numpy(x), normalize).numpy()
    G_np = gram_matrix(x, normalize=normalize)
    assert isinstance(G_np, np.ndarray)
    C = shape[-3]
    assert G_np.shape == shape[:-3] + (C, C)
    np.testing.assert_allclose(G_np, expected, rtol=1e-12, atol=1e-12)
    G_t = gram_matrix(torch.from_numpy(x), normalize=normalize)
    assert isinstance(G_t, torch.Tensor)
    np.testing.assert_allclose(G_t.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_gram_matrix_lists_and_float32():
    np.testing.assert_allclose(gram_matrix([[[1, 2]], [[3, 4]]]), [[2.5, 5.5], [5.5, 12.5]])
    x = torch.randn(4, 6, 6, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(
        gram_matrix(x).numpy(), _gram_ref(x.double(), True).numpy(), rtol=1e-4, atol=1e-5
    )
    assert gram_matrix(x).dtype == torch.float32


def test_gram_matrix_torch_is_differentiable():
    x = torch.randn(3, 4, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: gram_matrix(t), (x,))
    xb = torch.randn(2, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: gram_matrix(t, normalize=False), (xb,))
    G = gram_matrix(x)
    G.sum().backward()
    expected = torch.autograd.grad(_gram_ref(x, True).sum(), x)[0]
    torch.testing.assert_close(x.grad, expected)


def test_gram_matrix_error_names_features():
    with pytest.raises(ValueError, match="features"):
        gram_matrix(np.ones((3, 4)))
    with pytest.raises(ValueError, match="features"):
        gram_matrix(torch.ones(1, 1, 1, 1, 1))


# --- Gramian angular field ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["summation", "difference"])
@pytest.mark.parametrize("n", [2, 3, 17, 64])
def test_gaf_matches_pyts(kind, n):
    x = RNG.normal(size=n)
    expected = GramianAngularField(method=kind).fit_transform(x[None])[0]
    np.testing.assert_allclose(gramian_angular_field(x, kind), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("kind", ["summation", "difference"])
def test_gaf_lists_ints_float32(kind):
    x = [3, 1, 4, 1, 5, 9, 2, 6]
    expected = GramianAngularField(method=kind).fit_transform(np.array(x, float)[None])[0]
    np.testing.assert_allclose(gramian_angular_field(x, kind), expected, atol=1e-6, rtol=0)
    xf = RNG.normal(size=20).astype(np.float32)
    expected = GramianAngularField(method=kind).fit_transform(xf.astype(np.float64)[None])[0]
    np.testing.assert_allclose(gramian_angular_field(xf, kind), expected, atol=1e-5, rtol=0)


def test_gaf_formulas_summation_symmetric_difference_antisymmetric():
    x = RNG.normal(size=30)
    gasf, gadf = gramian_angular_field(x, "summation"), gramian_angular_field(x, "difference")
    phi = np.arccos(np.clip((2 * x - x.max() - x.min()) / (x.max() - x.min()), -1, 1))
    np.testing.assert_allclose(gasf, np.cos(phi[:, None] + phi[None, :]), atol=1e-12)
    np.testing.assert_allclose(gadf, np.sin(phi[:, None] - phi[None, :]), atol=1e-12)
    np.testing.assert_allclose(gasf, gasf.T, atol=1e-15)
    np.testing.assert_allclose(gadf, -gadf.T, atol=1e-15)


def test_gaf_errors_name_x_and_kind():
    with pytest.raises(ValueError, match="constant"):
        gramian_angular_field([2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="kind"):
        gramian_angular_field([1.0, 2.0], kind="product")
    with pytest.raises(ValueError, match="x"):
        gramian_angular_field(np.ones((2, 3)))
