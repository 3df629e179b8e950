"""Chapter 6, Neural style transfer.

The chapter's exercises as data (the reference is `solutions/style_transfer.py`):
case generators (rng -> cases), the known wrong answers (misconceptions) and custom judges,
then the chapter's `EXERCISES`, in catalogue order."""

import numpy as np

from ._base import C, Case, Exercise, T, _g, _normal


def _content_random(rng):
    return [
        C(T(_normal(rng, 3, 4, 4), grad=True), T(_normal(rng, 3, 4, 4))),
        C(T(_normal(rng, 1, 2, 5, 3), grad=True), T(_normal(rng, 1, 2, 5, 3))),
    ]


def _style_layer_random(rng):
    out = []
    for shape in ((3, 4, 5), (1, 2, 3, 3), (4, 2, 2)):
        Fx = _normal(rng, *shape)
        c = shape[-3]
        A = _normal(rng, c, 6)
        out.append(C(T(Fx, grad=True), T(A @ A.T)))
    return out


def _style_random(rng):
    out = []
    for layers in (1, 3):
        feats, grams, weights = [], [], []
        for _ in range(layers):
            c, h, w = (int(v) for v in rng.integers(1, 5, 3))
            feats.append(T(_normal(rng, 1, c, h, w), grad=True))
            A = _normal(rng, c, 4)
            grams.append(T(A @ A.T))
            weights.append(float(rng.uniform(0.1, 2.0)))
        out.append(C(feats, grams, weights))
    return out


def _tv_random(rng):
    return [
        C(T(_normal(rng, 1, 3, 4, 5), grad=True)),
        C(T(_normal(rng, 2, 1, 3, 3), grad=True)),
        C(T(_normal(rng, 1, 2, 1, 4), grad=True), note="a single row"),
    ]


def _smooth_image(rng, size):
    """A float32 image (1, 3, size, size) in [0, 1]: a few random colour blobs on a gradient."""
    y, x = np.mgrid[0:size, 0:size] / size
    img = np.stack([x, y, 1 - x], axis=0) * rng.uniform(0.2, 0.8, (3, 1, 1))
    for _ in range(4):
        cy, cx, r = rng.uniform(0, 1, 3) * (1, 1, 0.3) + (0, 0, 0.1)
        blob = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / r**2)
        img = img + blob * rng.uniform(-0.5, 0.5, (3, 1, 1))
    return np.clip(img, 0, 1)[None].astype(np.float32)


def _stripes(rng, size):
    """A float32 texture (1, 3, size, size) in [0, 1]: coloured stripes at a random angle."""
    y, x = np.mgrid[0:size, 0:size] / size
    angle, freq = rng.uniform(0, np.pi), rng.uniform(3, 6)
    t = 0.5 + 0.5 * np.sin(2 * np.pi * freq * (x * np.cos(angle) + y * np.sin(angle)))
    low, high = rng.uniform(0, 1, (2, 3, 1, 1))
    return (low + (high - low) * t)[None].astype(np.float32)


GATYS_LAYERS = dict(content_layers=["conv4_2"], style_layers=["conv1_1", "conv2_1", "conv3_1"])
GATYS_STEPS = 10


def _gatys_cases(rng):
    """The loop on 32 x 32 images through the pretrained VGG-19 (its layers up to conv4_2)."""
    return [
        Case(
            args=("vgg19", T(_smooth_image(rng, 32)), T(_stripes(rng, 32))),
            kwargs=dict(GATYS_LAYERS, alpha=1.0, beta=float(beta), steps=GATYS_STEPS),
            call="network",
            note=f"32 x 32 images, beta = {beta:g}",
        )
        for beta in (1e2, 1e3)
    ]


def _content_mean(args, kwargs, expected):
    Fx, P = (a.array for a in args)
    return np.mean((Fx - P) ** 2)


def _content_no_half(args, kwargs, expected):
    return 2 * expected


def _style_layer_no_factor(args, kwargs, expected):
    Fx = args[0].array
    C_, M = Fx.shape[-3], Fx.shape[-1] * Fx.shape[-2]
    return expected * 4 * C_**2 * M**2


def _tv_abs(args, kwargs, expected):
    x = args[0].array
    return np.abs(np.diff(x, axis=-2)).sum() + np.abs(np.diff(x, axis=-1)).sum()


def _tv_mean(args, kwargs, expected):
    x = args[0].array
    return (np.diff(x, axis=-2) ** 2).mean() + (np.diff(x, axis=-1) ** 2).mean()


def gatys_objective(
    net,
    x,
    content,
    style,
    content_layers=("conv4_2",),
    style_layers=("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"),
    alpha=1.0,
    beta=1e3,
    tv_weight=0.0,
    **_,
):
    """alpha * 1/2 sum (F - P)^2 + beta * sum_l 1/L sum (G - A)^2 / (4 N^2 M^2) + tv * TV, of
    numpy images (1, 3, H, W) through `net`: the grader's own formula (no `solutions` code)."""
    import torch

    def t(a):
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    with torch.no_grad():
        f, fp, fa = net(t(x)), net(t(content)), net(t(style))
        total = sum(0.5 * float(((f[n] - fp[n]).double() ** 2).sum()) for n in content_layers) * alpha
        for n in style_layers:
            F, A = f[n][0].flatten(1).double(), fa[n][0].flatten(1).double()
            N, M = F.shape
            total += beta / len(style_layers) * float(((F @ F.T - A @ A.T) ** 2).sum()) / (4 * N**2 * M**2)
        xd = t(x).double()
        tv = float((xd.diff(dim=2) ** 2).sum() + (xd.diff(dim=3) ** 2).sum())
    return total + tv_weight * tv


def _judge_gatys(args, kwargs, expected, got, tol):
    """gatys_loop: (x, history) with x in [0, 1]; the grader recomputes the objective of x with
    an unchanged network: it must equal the loop's own last value (within 0.1 %) and be at most
    1.25 x the reference loop's after the same number of evaluations."""
    from ..sandbox import harness

    name, content, style = args[0], args[1].array, args[2].array
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return False, "expected a pair (x, history)"
    x, history = got
    if not isinstance(x, np.ndarray) or x.shape != content.shape:
        return False, (
            f"x: expected an image of shape {content.shape}, got "
            + (f"{x.shape}" if isinstance(x, np.ndarray) else type(x).__name__)
        )
    if not np.all(np.isfinite(x)):
        return False, "x has NaN or infinite values"
    if x.min() < -1e-6 or x.max() > 1 + 1e-6:
        return False, (
            f"x has values in [{x.min():.3g}, {x.max():.3g}]: clamp the image to [0, 1] "
            "(in the closure, and before returning it)"
        )
    if not isinstance(history, dict) or not isinstance(history.get("total"), (list, tuple, np.ndarray)):
        return False, 'history must be a dict whose "total" is the list of the losses'
    steps = kwargs.get("steps", 100)
    totals = np.asarray(history["total"], dtype=float).ravel()
    if not steps + 1 <= len(totals) <= steps + 40:
        return False, (
            f'history["total"] has {len(totals)} values; expected one per loss evaluation '
            f"({steps}, or a few more from the last line search) plus one for the result"
        )
    layers = list(kwargs.get("content_layers", ["conv4_2"])) + list(kwargs.get("style_layers", []))
    net = harness.network(name, layers)
    true = gatys_objective(net, x, content, style, **kwargs)
    reference = float(np.asarray(expected[1]["total"], dtype=float).ravel()[-1])
    if np.abs(x - content).max() < 1e-6:
        return False, (
            "x is the content image unchanged: is x (a copy of the starting image that "
            "requires grad) the parameter given to the optimiser?"
        )
    if not np.isclose(totals[-1], true, rtol=1e-3):
        return False, (
            f"the last loss in history, {totals[-1]:.6g}, is not the loss of the returned "
            f"image under the unchanged network, {true:.6g}: was the network changed, or "
            "is the last value not that of the returned x?"
        )
    if true > 1.25 * reference:
        return False, (
            f"after {steps} evaluations the loss is {true:.4g}, {true / reference:.2f} x the "
            f"reference loop's {reference:.4g} (at most 1.25 x)"
        )
    return True, ""


EXERCISES = [
    Exercise(
        "content_loss",
        6,
        [
            _g("values and gradients", 2, _content_random),
            _g("hidden values and gradients", 3, _content_random, public=False),
        ],
        torch=True,
        misconceptions=[
            ("a mean instead of ½ Σ", _content_mean),
            ("Σ (F − P)² without the ½", _content_no_half),
        ],
    ),
    Exercise(
        "style_layer_loss",
        6,
        [
            _g("values and gradients", 2, _style_layer_random),
            _g("hidden values and gradients", 3, _style_layer_random, public=False),
        ],
        torch=True,
        misconceptions=[("Σ (G − A)² without the 1/(4N²M²)", _style_layer_no_factor)],
    ),
    Exercise(
        "style_loss",
        6,
        [
            _g("values and gradients", 2, _style_random),
            _g("hidden values and gradients", 3, _style_random, public=False),
        ],
        torch=True,
    ),
    Exercise(
        "total_variation",
        6,
        [
            _g("values and gradients", 2, _tv_random),
            _g("hidden values and gradients", 3, _tv_random, public=False),
        ],
        torch=True,
        misconceptions=[
            ("absolute differences (L1) instead of squares", _tv_abs),
            ("means instead of sums", _tv_mean),
        ],
    ),
    Exercise(
        "gatys_loop",
        6,
        [
            _g("VGG-19 on small images", 3, _gatys_cases),
            _g("hidden VGG-19 on small images", 3, _gatys_cases, public=False),
        ],
        judge=_judge_gatys,
        tol=(0.25, 0.0),
    ),
]
