"""Chapter 6: the losses of neural style transfer (Gatys et al. 2016).

Notation: at layer l, N_l = C filters of M_l = H·W positions; F (N, M) the generated image's
features, P the content image's, G = F Fᵀ (unnormalised) and A the style image's Gram matrix.
"""

import torch

from .gram_matrices import gram_matrix


def content_loss(features, target):
    """L_content = ½ Σ (F − P)² over every element."""
    if features.shape != target.shape:
        raise ValueError(
            f"content_loss: features {tuple(features.shape)} and target {tuple(target.shape)} differ in shape"
        )
    return 0.5 * ((features - target) ** 2).sum()


def style_layer_loss(features, target_gram):
    """E_l = Σ (G − A)² / (4 N² M²), G = F Fᵀ unnormalised, for features (C, H, W) or (1, C, H, W)."""
    if features.ndim == 4 and features.shape[0] == 1:
        features = features[0]
    if features.ndim != 3:
        raise ValueError(
            f"style_layer_loss: features must be (C, H, W) or (1, C, H, W), got {tuple(features.shape)}"
        )
    N, M = features.shape[0], features.shape[1] * features.shape[2]
    G = gram_matrix(features, normalize=False)  # (N, N)
    if target_gram.shape[-2:] != (N, N) or target_gram.numel() != N * N:
        raise ValueError(f"style_layer_loss: target_gram must be ({N}, {N}), got {tuple(target_gram.shape)}")
    return ((G - target_gram.reshape(N, N)) ** 2).sum() / (4 * N**2 * M**2)


def style_loss(features_list, target_grams, weights):
    """L_style = Σ_l w_l · E_l over the chosen layers."""
    if not len(features_list) == len(target_grams) == len(weights):
        raise ValueError(
            f"style_loss: features_list, target_grams and weights must have the same length, "
            f"got {len(features_list)}, {len(target_grams)} and {len(weights)}"
        )
    return sum(w * style_layer_loss(F, A) for F, A, w in zip(features_list, target_grams, weights))


def total_variation(image):
    """TV(x) = Σ (x[..., i+1, j] − x[..., i, j])² + Σ (x[..., i, j+1] − x[..., i, j])² for image (B, C, H, W)."""
    if image.ndim != 4:
        raise ValueError(f"total_variation: image must be (B, C, H, W), got shape {tuple(image.shape)}")
    return ((image[..., 1:, :] - image[..., :-1, :]) ** 2).sum() + (
        (image[..., :, 1:] - image[..., :, :-1]) ** 2
    ).sum()


def gatys_loop(
    net,
    content,
    style,
    content_layers=("conv4_2",),
    style_layers=("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"),
    alpha=1.0,
    beta=1e3,
    tv_weight=0.0,
    steps=100,
    x0=None,
    callback=None,
):
    """x* = argmin_x α L_content(x, p) + β L_style(x, a) + λ_TV TV(x), over the pixels of x only.

    net: a fixed feature network, net(image) -> {layer name: (1, C, H, W) features}.
    content p, style a: (1, 3, H, W) tensors in [0, 1]; x0: the starting image (default: p).
    The targets P (content) and A = Gram matrices (style, w_l = 1/L) are computed once. L-BFGS
    (strong Wolfe) runs until `steps` loss evaluations are spent (its last line search may add a
    few); each evaluation first clamps x to [0, 1]. callback(total) after each evaluation.
    Returns (x, history): x (1, 3, H, W) in [0, 1], detached; history {"total", "content",
    "style", "tv"}: the unweighted terms and the weighted total at each evaluation, then once
    more for the returned x.
    """
    with torch.no_grad():  # the targets, computed once
        P = [net(content)[n] for n in content_layers]
        style_features = net(style)
        A = [gram_matrix(style_features[n][0], normalize=False) for n in style_layers]
    weights = [1.0 / max(1, len(style_layers))] * len(style_layers)
    x = (content if x0 is None else x0).detach().clone(memory_format=torch.contiguous_format)
    x.requires_grad_(True)  # the only parameter
    history = {"total": [], "content": [], "style": [], "tv": []}

    def objective():
        F = net(x)
        l_content = sum(content_loss(F[n], t) for n, t in zip(content_layers, P)) if P else x.new_zeros(())
        l_style = style_loss([F[n] for n in style_layers], A, weights) if A else x.new_zeros(())
        l_tv = total_variation(x)
        total = alpha * l_content + beta * l_style + tv_weight * l_tv
        for key, value in zip(history, (total, l_content, l_style, l_tv)):
            history[key].append(float(value.detach()))
        return total

    optimizer = torch.optim.LBFGS(
        [x],
        max_iter=steps,
        max_eval=steps,
        history_size=50,
        line_search_fn="strong_wolfe",
        tolerance_grad=0.0,
        tolerance_change=0.0,
    )

    def closure():
        optimizer.zero_grad()
        with torch.no_grad():
            x.clamp_(0, 1)  # evaluate inside the image range
        total = objective()
        total.backward()
        if callback is not None:
            callback(history["total"][-1])
        return total

    while len(history["total"]) < steps:
        done = len(history["total"])
        optimizer.param_groups[0]["max_eval"] = steps - done
        optimizer.step(closure)
        if len(history["total"]) == done:  # converged: nothing left to do
            break
    with torch.no_grad():
        x.clamp_(0, 1)
        objective()  # the loss of the returned image
    return x.detach(), history
