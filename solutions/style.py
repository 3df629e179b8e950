"""Chapter 6: the losses of neural style transfer (Gatys et al. 2016).

Notation: at layer l, N_l = C filters of M_l = H·W positions; F (N, M) the generated image's
features, P the content image's, G = F Fᵀ (unnormalised) and A the style image's Gram matrix.
"""
import torch

from .gram import gram_matrix


def content_loss(features, target):
    """L_content = ½ Σ (F − P)² over every element."""
    if features.shape != target.shape:
        raise ValueError(f"content_loss: features {tuple(features.shape)} and target {tuple(target.shape)} differ in shape")
    return 0.5 * ((features - target) ** 2).sum()


def style_layer_loss(features, target_gram):
    """E_l = Σ (G − A)² / (4 N² M²), G = F Fᵀ unnormalised, for features (C, H, W) or (1, C, H, W)."""
    if features.ndim == 4 and features.shape[0] == 1:
        features = features[0]
    if features.ndim != 3:
        raise ValueError(f"style_layer_loss: features must be (C, H, W) or (1, C, H, W), got {tuple(features.shape)}")
    N, M = features.shape[0], features.shape[1] * features.shape[2]
    G = gram_matrix(features, normalize=False)           # (N, N)
    if target_gram.shape[-2:] != (N, N) or target_gram.numel() != N * N:
        raise ValueError(f"style_layer_loss: target_gram must be ({N}, {N}), got {tuple(target_gram.shape)}")
    return ((G - target_gram.reshape(N, N)) ** 2).sum() / (4 * N**2 * M**2)


def style_loss(features_list, target_grams, weights):
    """L_style = Σ_l w_l · E_l over the chosen layers."""
    if not len(features_list) == len(target_grams) == len(weights):
        raise ValueError(f"style_loss: features_list, target_grams and weights must have the same length, "
                         f"got {len(features_list)}, {len(target_grams)} and {len(weights)}")
    return sum(w * style_layer_loss(F, A) for F, A, w in zip(features_list, target_grams, weights))


def total_variation(image):
    """TV(x) = Σ (x[..., i+1, j] − x[..., i, j])² + Σ (x[..., i, j+1] − x[..., i, j])² for image (B, C, H, W)."""
    if image.ndim != 4:
        raise ValueError(f"total_variation: image must be (B, C, H, W), got shape {tuple(image.shape)}")
    return ((image[..., 1:, :] - image[..., :-1, :]) ** 2).sum() + ((image[..., :, 1:] - image[..., :, :-1]) ** 2).sum()
