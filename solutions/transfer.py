"""Neural style transfer: the pipeline of Gatys, Ecker & Bethge (2016), with L-BFGS.

    x* = argmin_x  alpha * L_content(x, p) + beta * L_style(x, a) + tv_weight * TV(x)

    L_content = 1/2 sum (F^l - P^l)^2                      at the content layer(s)
    E_l       = sum (G^l - A^l)^2 / (4 N_l^2 M_l^2)         G = F F^T, unnormalised
    L_style   = sum_l w_l E_l                               w_l = 1 / (number of style layers)

F^l, G^l belong to the image x being optimised, P^l to the content image p, A^l (a Gram
matrix) to the style image a. N_l is the number of channels of layer l, M_l = H_l * W_l.
The losses and the Gram matrix are arguments (`losses=`): chapter 6 passes its own (in the
student edition, the learner's, exercises 6 and 20-23). By default they are the reference ones
of `solutions.style` and `solutions.gram`, imported when `style_transfer` runs, never when this
module is imported: learners get this module without the reference solutions.

The layers (conv4_2 for content, conv1_1 ... conv5_1 for style, w_l = 1/5) are the paper's.
The weights alpha = 1, beta = 1e7 are chosen for the random multi-scale network on images of
64-128 pixels. The balance depends on the network and on the image size: the content loss
is a sum over the M positions and grows like M, E_l does not (G grows like M and is divided
by M^2), so a twice larger image (4x M) needs about 4x beta. The paper's alpha/beta of
1e-3 ... 1e-4 hold for its Caffe VGG-19 with 0-255 inputs and do not carry over: tune beta
(chapter 6 of the book shows the trade-off).
"""
from typing import NamedTuple

import numpy as np
import torch

from solutions.vgg import FeatureExtractor

CONTENT_LAYERS = ("conv4_2",)
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
CLAMP_EVERY = 20  # L-BFGS iterations between two clamps of the image to [0, 1]
LOSS_NAMES = ("gram_matrix", "content_loss", "style_loss", "total_variation")


class TransferResult(NamedTuple):
    image: np.ndarray  # (H, W, 3) float32 in [0, 1]
    history: dict      # {"total", "content", "style", "tv"}: one value per evaluation
    network: str       # the feature network's kind, e.g. "random-multiscale"


def _as_tensor(image, name):
    """(H, W, 3) uint8 or float array in [0, 1], or a tensor (3, H, W) / (1, 3, H, W) in
    [0, 1] -> float32 tensor (1, 3, H, W)."""
    if isinstance(image, torch.Tensor):
        x = image.detach().float()
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[:2] != (1, 3):
            raise ValueError(f"{name}: a tensor must be (3, H, W) or (1, 3, H, W), "
                             f"got {tuple(image.shape)}")
    else:
        a = np.asarray(image)
        if a.ndim != 3 or a.shape[2] != 3:
            raise ValueError(f"{name}: an array must be an RGB image (H, W, 3), got {a.shape}")
        if a.dtype == np.uint8:
            a = a / 255.0
        elif not np.issubdtype(a.dtype, np.floating):
            raise TypeError(f"{name}: expected uint8 or float values, got {a.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).permute(2, 0, 1)[None].contiguous()
    if x.min() < 0 or x.max() > 1:
        raise ValueError(f"{name}: float values must lie in [0, 1], "
                         f"got [{float(x.min()):.3g}, {float(x.max()):.3g}]")
    return x


def _loss_functions(losses):
    """The four functions of the objective: `losses` checked, or the reference ones."""
    if losses is None:
        try:
            from solutions.gram import gram_matrix
            from solutions.style import content_loss, style_loss, total_variation
        except ImportError as err:
            raise ImportError(
                "style_transfer: the reference losses are not installed (the student edition has "
                "no solutions.gram / solutions.style). Pass your own functions: style_transfer(..., "
                "losses=dict(gram_matrix=gram_matrix, content_loss=content_loss, "
                "style_loss=style_loss, total_variation=total_variation)), with gram_matrix from "
                "exercise 6 (chapter 2) and the others from exercises 20-23 (chapter 6)") from err
        return dict(gram_matrix=gram_matrix, content_loss=content_loss, style_loss=style_loss,
                    total_variation=total_variation)
    if not hasattr(losses, "keys"):
        raise TypeError(f"losses must be a mapping with the keys {', '.join(LOSS_NAMES)}, "
                        f"got {type(losses).__name__}")
    missing = [k for k in LOSS_NAMES if k not in losses]
    unknown = sorted(str(k) for k in losses.keys() if k not in LOSS_NAMES)
    if missing or unknown:
        raise ValueError(f"losses must have exactly the keys {', '.join(LOSS_NAMES)}: "
                         + "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                                   unknown and f"unknown {', '.join(unknown)}"])))
    not_callable = [k for k in LOSS_NAMES if not callable(losses[k])]
    if not_callable:
        raise TypeError(f"losses[{not_callable[0]!r}] must be a function, "
                        f"got {type(losses[not_callable[0]]).__name__}")
    return {k: losses[k] for k in LOSS_NAMES}


def _resize(x, size):
    """Resize (1, 3, H, W): size is an int (the shorter side) or a pair (h, w)."""
    h, w = x.shape[-2:]
    if isinstance(size, int):
        scale = size / min(h, w)
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
    size = tuple(int(s) for s in size)
    if size == (h, w):
        return x
    return torch.nn.functional.interpolate(x, size=size, mode="bilinear", antialias=True,
                                           align_corners=False).clamp(0, 1)


def style_transfer(content, style, *, content_layers=CONTENT_LAYERS, style_layers=STYLE_LAYERS,
                   style_weights=None, alpha=1.0, beta=1e7, tv_weight=0.0, steps=200,
                   init="content", size=None, device=None, progress=True, seed=0,
                   extractor=None, weights="auto", losses=None):
    """Render `content` in the style of `style` (Gatys et al. 2016).

    content, style: RGB images, (H, W, 3) uint8 or float in [0, 1], or tensors (3, H, W).
        The result has the content's size (after `size`); the style image is resized to it,
        because an unnormalised Gram matrix grows with the number of positions M.
    content_layers, style_layers: VGG-19 layer names; style_weights: w_l (default 1/L each).
    alpha, beta, tv_weight: weights of the content, style and total-variation losses.
    steps: the number of loss evaluations (L-BFGS with a strong-Wolfe line search: about one
        per iteration; the last iteration's line search may add a few). Every CLAMP_EVERY
        iterations the image is clamped to [0, 1], outside the closure (clamping inside it
        makes L-BFGS diverge; clamping after every iteration spoils its curvature estimate).
    init: "content" (start from the content image) or "noise" (uniform noise, `seed`).
    size: resize the content first: an int (shorter side) or (h, w); None keeps it.
    device: a torch device; default CUDA when available, else CPU.
    progress: show a tqdm bar. extractor: a `FeatureExtractor` to reuse (it must know all the
        layers); by default one is built with `weights` ("auto", "imagenet" or "random").
    losses: the functions of the objective, a mapping with exactly the keys
        "gram_matrix" (features (C, H, W), normalize=False -> the unnormalised (C, C) Gram
        matrix; chapter 2's exercise 6), "content_loss" (features, target), "style_loss"
        (features_list, target_grams, weights) and "total_variation" (image (1, 3, H, W)), as
        in exercises 20-23. Chapter 6 passes its own. None: the reference functions of
        solutions.gram and solutions.style, imported here; where they are not installed (the
        student edition) that is an ImportError saying what to pass.

    Returns TransferResult(image, history, network): the image (H, W, 3) float32 in [0, 1];
    history, one value per loss evaluation (the first for the initial image, the last for
    the returned one): "content", "style", "tv" unweighted, "total" = alpha * content +
    beta * style + tv_weight * tv; and the feature network's kind.
    """
    if init not in ("content", "noise"):
        raise ValueError(f"init must be 'content' or 'noise', got {init!r}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    content_layers, style_layers = list(content_layers), list(style_layers)
    if style_weights is None:
        style_weights = [1.0 / max(1, len(style_layers))] * len(style_layers)
    if len(style_weights) != len(style_layers):
        raise ValueError(f"{len(style_weights)} style_weights for {len(style_layers)} layers")
    fn = _loss_functions(losses)
    gram_matrix, content_loss = fn["gram_matrix"], fn["content_loss"]
    style_loss, total_variation = fn["style_loss"], fn["total_variation"]
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(seed)

    p = _as_tensor(content, "content")
    if size is not None:
        p = _resize(p, size)
    a = _resize(_as_tensor(style, "style"), p.shape[-2:])  # the style image at the content's size
    p, a = p.to(device), a.to(device)

    if extractor is None:
        extractor = FeatureExtractor(content_layers + style_layers, weights=weights)
    missing = set(content_layers + style_layers) - set(extractor.layers)
    if missing:
        raise ValueError(f"the extractor does not compute layers {sorted(missing)}")
    extractor = extractor.to(device)

    with torch.no_grad():  # the targets: P^l of the content image, A^l of the style image
        targets_p = [extractor(p)[name] for name in content_layers]
        feats_a = extractor(a)
        targets_a = [gram_matrix(feats_a[name][0], normalize=False) for name in style_layers]

    if init == "content":
        x = p.clone().contiguous()
    else:
        x = torch.rand(p.shape, generator=torch.Generator().manual_seed(seed)).to(device)
    x.requires_grad_(True)
    # L-BFGS with a line search; up to CLAMP_EVERY iterations between two clamps to [0, 1]
    optimizer = torch.optim.LBFGS([x], max_iter=CLAMP_EVERY, history_size=50,
                                  line_search_fn="strong_wolfe",
                                  tolerance_grad=0.0, tolerance_change=0.0)  # run all the steps
    history = {"total": [], "content": [], "style": [], "tv": []}

    def losses():
        feats = extractor(x)
        zero = torch.zeros((), device=x.device)  # the loss of an empty list of layers
        l_content = sum((content_loss(feats[n], t) for n, t in zip(content_layers, targets_p)), zero)
        l_style = style_loss([feats[n] for n in style_layers], targets_a, style_weights) + zero
        l_tv = total_variation(x)
        total = alpha * l_content + beta * l_style + tv_weight * l_tv
        for key, value in zip(history, (total, l_content, l_style, l_tv)):
            history[key].append(value.item())
        return total

    def closure():
        optimizer.zero_grad()
        total = losses()
        total.backward()
        if bar is not None:
            bar.update()
            bar.set_postfix(loss=f"{total.item():.3g}")
        return total

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=steps, desc="style transfer", unit="eval")
    while len(history["total"]) < steps:
        optimizer.param_groups[0]["max_eval"] = steps - len(history["total"])
        optimizer.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)  # outside the closure: inside it, L-BFGS diverges (pytorch/tutorials #143)
    if bar is not None:
        bar.close()
    with torch.no_grad():
        losses()  # the loss of the returned image

    image = x.detach()[0].permute(1, 2, 0).cpu().numpy()  # (H, W, 3)
    return TransferResult(image, history, extractor.kind)
