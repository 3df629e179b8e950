"""Chapter 6 (solutions/style_transfer.py) against hand-written torch formulas and autograd:
content_loss, style_layer_loss, style_loss, total_variation."""

import pytest
import torch

from solutions import content_loss, gram_matrix, style_layer_loss, style_loss, total_variation

GEN = torch.Generator().manual_seed(6)


def randn(*shape, grad=False):
    return torch.randn(*shape, generator=GEN, dtype=torch.float64).requires_grad_(grad)


def ref_style_layer(F, A):
    """E_l = Σ (G − A)² / (4 N² M²), G = F Fᵀ with F (N, M) — written out with einsum."""
    F = F.reshape(F.shape[-3], -1)
    N, M = F.shape
    G = torch.einsum("im,jm->ij", F, F)
    return ((G - A) ** 2).sum() / (4 * N**2 * M**2)


def ref_tv(x):
    return (torch.diff(x, dim=-2) ** 2).sum() + (torch.diff(x, dim=-1) ** 2).sum()


# --- content loss -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1,), (3, 4, 5), (1, 8, 6, 6)])
def test_content_loss_value_and_gradient(shape):
    F, P = randn(*shape, grad=True), randn(*shape)
    loss = content_loss(F, P)
    torch.testing.assert_close(loss, 0.5 * ((F - P) ** 2).sum())
    (grad,) = torch.autograd.grad(loss, F)
    torch.testing.assert_close(grad, (F - P).detach())  # ∂L/∂F = F − P
    assert torch.autograd.gradcheck(lambda f: content_loss(f, P), (F,))


def test_content_loss_float32():
    F, P = torch.randn(2, 5, 5, generator=GEN), torch.randn(2, 5, 5, generator=GEN)
    torch.testing.assert_close(
        content_loss(F, P).double(), 0.5 * ((F.double() - P.double()) ** 2).sum(), rtol=1e-4, atol=1e-5
    )


def test_content_loss_error_names_target():
    with pytest.raises(ValueError, match="target"):
        content_loss(torch.zeros(2, 3, 3), torch.zeros(2, 3, 4))


# --- style layer loss ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 4, 5), (1, 6, 3, 3), (8, 2, 7)])
def test_style_layer_loss_value_and_gradients(shape):
    F = randn(*shape, grad=True)
    C = shape[-3]
    A = randn(C, C)
    A = A @ A.T  # a Gram matrix is symmetric PSD
    loss = style_layer_loss(F, A)
    torch.testing.assert_close(loss, ref_style_layer(F, A))
    (grad,) = torch.autograd.grad(loss, F)
    torch.testing.assert_close(grad, torch.autograd.grad(ref_style_layer(F, A), F)[0])
    assert torch.autograd.gradcheck(lambda f: style_layer_loss(f, A), (F,))
    # Gatys et al. eq. 6: ∂E/∂F = (Fᵀ (G − A))ᵀ / (N² M²) for a symmetric A
    Fm = F.detach().reshape(C, -1)
    N, M = Fm.shape
    analytic = ((Fm @ Fm.T - A) @ Fm) / (N**2 * M**2)
    torch.testing.assert_close(grad.reshape(C, -1), analytic)


def test_style_layer_loss_gradient_wrt_target():
    F, A = randn(3, 4, 4), randn(3, 3, grad=True)
    assert torch.autograd.gradcheck(lambda a: style_layer_loss(F, a), (A,))


def test_style_layer_loss_convention_seed_001():
    # seed 001 (Korean blog): E_l = Σ (G − Ĝ)² / (4 N² M²) with the unnormalised G; the same value
    # as Σ (G/M − Â/M)² / (4 N²) with the normalised Gram matrices of gram_matrix(…, normalize=True).
    F, P = randn(4, 3, 5), randn(4, 3, 5)
    A = gram_matrix(P, normalize=False)
    normalised = ((gram_matrix(F) - gram_matrix(P)) ** 2).sum() / (4 * 4**2)
    torch.testing.assert_close(style_layer_loss(F, A), normalised)
    assert style_layer_loss(P, A).item() == pytest.approx(0.0, abs=1e-12)


def test_style_layer_loss_errors():
    with pytest.raises(ValueError, match="features"):
        style_layer_loss(torch.zeros(2, 3, 3, 3), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="features"):
        style_layer_loss(torch.zeros(3, 3), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="target_gram"):
        style_layer_loss(torch.zeros(3, 4, 4), torch.zeros(4, 4))


# --- style loss ---------------------------------------------------------------------------------


def test_style_loss_is_weighted_sum_with_gradients():
    shapes = [(1, 3, 8, 8), (1, 5, 4, 4), (6, 2, 2)]
    feats = [randn(*s, grad=True) for s in shapes]
    grams = [gram_matrix(randn(*s), normalize=False).reshape(s[-3], s[-3]) for s in shapes]
    weights = [0.2, 1.0, 3.5]
    loss = style_loss(feats, grams, weights)
    expected = sum(w * ref_style_layer(F, A) for F, A, w in zip(feats, grams, weights))
    torch.testing.assert_close(loss, expected)
    got = torch.autograd.grad(loss, feats)
    want = torch.autograd.grad(expected, feats)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)
    assert torch.autograd.gradcheck(lambda *fs: style_loss(list(fs), grams, weights), tuple(feats))


def test_style_loss_error_names_the_lists():
    with pytest.raises(ValueError, match="weights"):
        style_loss([torch.zeros(2, 2, 2)], [torch.zeros(2, 2)], [1.0, 2.0])


# --- total variation ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 3, 1, 5), (2, 3, 4, 5), (1, 1, 6, 1)])
def test_total_variation_value_and_gradient(shape):
    x = randn(*shape, grad=True)
    tv = total_variation(x)
    torch.testing.assert_close(tv, ref_tv(x))
    torch.testing.assert_close(torch.autograd.grad(tv, x)[0], torch.autograd.grad(ref_tv(x), x)[0])
    assert torch.autograd.gradcheck(total_variation, (x,))


def test_total_variation_examples():
    assert total_variation(torch.ones(1, 3, 5, 5)).item() == 0.0
    x = torch.tensor([[[[0.0, 1.0], [2.0, 4.0]]]])  # vertical: 2², 3²; horizontal: 1², 2²
    assert total_variation(x).item() == 4 + 9 + 1 + 4


def test_total_variation_error_names_image():
    with pytest.raises(ValueError, match="image"):
        total_variation(torch.zeros(3, 4, 4))
