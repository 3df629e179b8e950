"""Neural style transfer: the pipeline of Gatys, Ecker & Bethge (2016), around one loop.

    x* = argmin_x  alpha * L_content(x, p) + beta * L_style(x, a) + tv_weight * TV(x)

    L_content = 1/2 sum (F^l - P^l)^2                      at the content layer(s)
    E_l       = sum (G^l - A^l)^2 / (4 N_l^2 M_l^2)         G = F F^T, unnormalised
    L_style   = sum_l w_l E_l                               w_l = 1 / (number of style layers)

F^l, G^l belong to the image x being optimised, P^l to the content image p, A^l (a Gram
matrix) to the style image a. N_l is the number of channels of layer l, M_l = H_l * W_l.

`style_transfer` does the plumbing (images in and out, sizes, the feature network, a progress
bar); the optimisation itself is `loop`, exercise 24 of chapter 6 (`gatys_loop`): chapter 6
passes its own (in the student edition, the learner's). By default it is the reference
`solutions.style_transfer.gatys_loop`, imported when `style_transfer` runs, never when this module is
imported: learners get this module without the reference solutions.

The layers (conv4_2 for content, conv1_1 ... conv5_1 for style, w_l = 1/5) are the paper's,
and so is the ratio alpha/beta = 1e-3, for the network the paper used: the original VGG-19
with Caffe's 0-255 inputs (`solutions.vgg`, weights="vgg19"). The balance depends on the
network and on the image size: the content loss is a sum over the M positions and grows like
M, E_l does not (G grows like M and is divided by M^2), so a twice larger image (4x M) needs
about 4x beta for the same look (chapter 6 of the book shows the trade-off).
"""

from typing import NamedTuple

import numpy as np
import torch

from solutions.vgg import FeatureExtractor

CONTENT_LAYERS = ("conv4_2",)
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")


class TransferResult(NamedTuple):
    image: np.ndarray  # (H, W, 3) float32 in [0, 1]
    history: dict  # {"total", "content", "style", "tv"}: one value per evaluation
    network: str  # the feature network's kind, e.g. "vgg19" (see solutions.vgg.NETWORKS)


def _as_tensor(image, name):
    """(H, W, 3) uint8 or float array in [0, 1], or a tensor (3, H, W) / (1, 3, H, W) in
    [0, 1] -> float32 tensor (1, 3, H, W)."""
    if isinstance(image, torch.Tensor):
        x = image.detach().float()
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[:2] != (1, 3):
            raise ValueError(f"{name}: a tensor must be (3, H, W) or (1, 3, H, W), got {tuple(image.shape)}")
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
        raise ValueError(
            f"{name}: float values must lie in [0, 1], got [{float(x.min()):.3g}, {float(x.max()):.3g}]"
        )
    return x


def _loop_function(loop):
    """The optimisation loop: `loop` checked, or the reference `solutions.style_transfer.gatys_loop`."""
    if loop is None:
        try:
            from solutions.style_transfer import gatys_loop
        except ImportError as err:
            raise ImportError(
                "style_transfer: the reference loop is not installed (the student edition has no "
                "solutions.style_transfer). Pass your own: style_transfer(..., loop=gatys_loop), your "
                "exercise 24 of chapter 6"
            ) from err
        return gatys_loop
    if not callable(loop):
        raise TypeError(f"loop must be a function like gatys_loop (exercise 24), got {type(loop).__name__}")
    return loop


def _resize(x, size):
    """Resize (1, 3, H, W): size is an int (the shorter side) or a pair (h, w)."""
    h, w = x.shape[-2:]
    if isinstance(size, int):
        scale = size / min(h, w)
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
    size = tuple(int(s) for s in size)
    if size == (h, w):
        return x
    return torch.nn.functional.interpolate(
        x, size=size, mode="bilinear", antialias=True, align_corners=False
    ).clamp(0, 1)


def style_transfer(
    content,
    style,
    *,
    content_layers=CONTENT_LAYERS,
    style_layers=STYLE_LAYERS,
    alpha=1.0,
    beta=1e3,
    tv_weight=0.0,
    steps=150,
    init="content",
    size=None,
    device=None,
    progress=True,
    seed=0,
    extractor=None,
    weights="auto",
    loop=None,
):
    """Render `content` in the style of `style` (Gatys et al. 2016).

    content, style: RGB images, (H, W, 3) uint8 or float in [0, 1], or tensors (3, H, W).
        The result has the content's size (after `size`); the style image is resized to it,
        because an unnormalised Gram matrix grows with the number of positions M.
    content_layers, style_layers: layer names of the network (w_l = 1/L each).
    alpha, beta, tv_weight: weights of the content, style and total-variation losses.
    steps: the number of loss evaluations of L-BFGS (about one per iteration).
    init: "content" (start from the content image) or "noise" (uniform noise, `seed`).
    size: resize the content first: an int (shorter side) or (h, w); None keeps it.
    device: a torch device; default CUDA when available, else CPU.
    progress: show a tqdm bar with the loss. extractor: a `FeatureExtractor` to reuse (it must
        know all the layers); by default one is built with `weights` (see solutions.vgg:
        "auto" = the pretrained VGG-19).
    loop: the optimisation, a function with the signature of `gatys_loop` (exercise 24):
        loop(net, content, style, content_layers, style_layers, alpha, beta, tv_weight, steps,
        x0, callback) -> (x, history). Chapter 6 passes its own. None: the reference
        solutions.style_transfer.gatys_loop, imported here; where it is not installed (the student
        edition) that is an ImportError saying what to pass.

    Returns TransferResult(image, history, network): the image (H, W, 3) float32 in [0, 1];
    history, one value per loss evaluation (the first for the initial image, the last for
    the returned one): "content", "style", "tv" unweighted, "total" = alpha * content +
    beta * style + tv_weight * tv; and the name of the feature network (e.g. "vgg19").
    """
    if init not in ("content", "noise"):
        raise ValueError(f"init must be 'content' or 'noise', got {init!r}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    content_layers, style_layers = list(content_layers), list(style_layers)
    loop = _loop_function(loop)
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
    x0 = (
        p
        if init == "content"
        else torch.rand(p.shape, generator=torch.Generator().manual_seed(seed)).to(device)
    )

    bar = None
    if progress:
        from tqdm import tqdm  # text: works in a terminal and in a notebook alike

        bar = tqdm(total=steps, desc="style transfer", unit="eval", mininterval=1.0)

    def callback(total):
        if bar is not None:
            bar.update()
            bar.set_postfix(loss=f"{total:.3g}")

    try:
        x, history = loop(
            extractor,
            p,
            a,
            content_layers=content_layers,
            style_layers=style_layers,
            alpha=alpha,
            beta=beta,
            tv_weight=tv_weight,
            steps=steps,
            x0=x0,
            callback=callback,
        )
    finally:
        if bar is not None:
            bar.close()
    image = x.detach()[0].permute(1, 2, 0).cpu().numpy()  # (H, W, 3)
    return TransferResult(image, history, extractor.kind)
