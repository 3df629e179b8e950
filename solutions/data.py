"""Sample images bundled with scikit-image (nothing is downloaded), and torch conversions."""

import numpy as np
import torch

NAMES = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "hubble_deep_field",
    "brick",
    "grass",
    "gravel",
    "rocket",
    "immunohistochemistry",
    "motorcycle_left",
    "retina",
    "cat",
)


def sample_image(name, size=None):
    """A bundled sample image as (H, W, 3) uint8 (grey images repeated on 3 channels).

    size: None (as stored), an int (the shorter side, aspect kept) or a pair (h, w).
    """
    import skimage.data

    if name not in NAMES:
        raise ValueError(f"sample_image: unknown image {name!r}; choose one of {', '.join(NAMES)}")
    img = getattr(skimage.data, name)()
    if img.ndim == 3 and img.shape[2] == 4:
        img = img[..., :3]
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"sample_image: {name!r} is not an image with 3 channels (shape {img.shape})")
    if size is not None:
        h, w = img.shape[:2]
        if np.isscalar(size):
            scale = size / min(h, w)
            size = (max(1, round(h * scale)), max(1, round(w * scale)))
        t = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float()
        t = torch.nn.functional.interpolate(
            t, size=tuple(size), mode="bilinear", antialias=True, align_corners=False
        )
        img = t[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy()
    return np.ascontiguousarray(img.astype(np.uint8))


def to_tensor(image):
    """(H, W, 3) uint8 image → (1, 3, H, W) float32 tensor in [0, 1]."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"to_tensor: image must be (H, W, 3), got shape {img.shape}")
    scale = 255.0 if img.dtype == np.uint8 else 1.0
    chw = np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32) / scale  # (3, H, W), contiguous
    return torch.from_numpy(chw)[None]


def to_image(tensor):
    """(1, 3, H, W) or (3, H, W) tensor in [0, 1] → (H, W, 3) uint8 image."""
    t = tensor.detach().cpu()
    if t.ndim == 4:
        if t.shape[0] != 1:
            raise ValueError(f"to_image: expected one image, got a batch of {t.shape[0]}")
        t = t[0]
    if t.ndim != 3 or t.shape[0] != 3:
        raise ValueError(f"to_image: tensor must be (1, 3, H, W) or (3, H, W), got {tuple(tensor.shape)}")
    return (t.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


# Style images generated with fixed seeds (nothing downloaded): a painting and a stained-glass
# window, the two styles of chapter 6.
PAINTING_PALETTE = np.array(
    [[12, 28, 84], [30, 70, 160], [70, 130, 200], [150, 190, 220], [240, 215, 90], [250, 245, 200]],
    dtype=float,
)  # night blues to yellows
GLASS_PALETTE = np.array(
    [[200, 60, 40], [230, 170, 50], [40, 90, 150], [60, 140, 90], [240, 230, 210], [120, 40, 90]], dtype=float
)


def _palette(palette, t):
    """Colours at positions t in [0, 1] along a palette, linearly interpolated: (..., 3)."""
    v = np.clip(t, 0, 1) * (len(palette) - 1)
    i = np.minimum(v.astype(int), len(palette) - 2)
    f = (v - i)[..., None]
    return palette[i] * (1 - f) + palette[i + 1] * f


def painting(size=256, seed=0):
    """A generated painting, (size, size, 3) uint8: short round brush strokes that follow the
    swirls of a flow field, in night blues and yellows (after the manner of Van Gogh).

    The flow is along the level lines of a stream function psi, a sum of seven Gaussian vortices;
    each stroke takes its colour from the palette at its starting point's psi, plus noise, and
    is painted as discs stamped along the flow. Three layers: broad strokes first, fine last.
    """
    rng = np.random.default_rng(seed)
    n = 7
    cy, cx, sigma = rng.uniform(0, 1, n), rng.uniform(0, 1, n), rng.uniform(0.12, 0.3, n)
    amplitude = rng.choice([-1, 1], n) * rng.uniform(0.5, 1.0, n)
    y, x = np.mgrid[0:size, 0:size] / size
    psi = 0.3 * y + sum(
        a * np.exp(-((y - b) ** 2 + (x - c) ** 2) / s**2) for a, b, c, s in zip(amplitude, cy, cx, sigma)
    )
    d_y, d_x = np.gradient(psi)
    norm = np.hypot(d_x, d_y) + 1e-12
    v_y, v_x = d_x / norm, -d_y / norm  # unit vectors along the level lines
    t = (psi - psi.min()) / (psi.max() - psi.min())
    canvas = _palette(PAINTING_PALETTE, t)
    scale = size / 256
    for count, radius in [(1500, 4.0), (2500, 2.6), (2500, 1.6)]:
        r, count = max(1.0, radius * scale), int(count * scale**2)
        for py, px, length in zip(
            rng.uniform(0, size, count), rng.uniform(0, size, count), rng.integers(8, 20, count)
        ):
            colour = _palette(PAINTING_PALETTE, t[int(py), int(px)] + rng.normal(0, 0.12))
            colour = colour * rng.uniform(0.85, 1.15)
            for _ in range(length):
                y0, y1 = int(max(py - r, 0)), int(min(py + r + 1, size))
                x0, x1 = int(max(px - r, 0)), int(min(px + r + 1, size))
                if y0 >= y1 or x0 >= x1:
                    break
                yy, xx = np.ogrid[y0:y1, x0:x1]
                canvas[y0:y1, x0:x1][(yy - py) ** 2 + (xx - px) ** 2 <= r * r] = colour
                iy, ix = min(int(py), size - 1), min(int(px), size - 1)
                py, px = py + 1.5 * scale * v_y[iy, ix], px + 1.5 * scale * v_x[iy, ix]
    return np.clip(canvas, 0, 255).astype(np.uint8)


def stained_glass(size=256, seed=0):
    """A generated stained-glass window, (size, size, 3) uint8: the Voronoi cells of random
    points, each a flat colour darkening towards its border, set in dark lead lines."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    n = max(8, int(0.003 * size * size))  # about 200 pieces at 256 px
    centres = rng.uniform(0, size, (n, 2))
    yx = np.stack(np.mgrid[0:size, 0:size], axis=-1).reshape(-1, 2) + 0.5
    dist, index = cKDTree(centres).query(yx, k=2)  # the two nearest centres of each pixel
    edge = (dist[:, 1] - dist[:, 0]).reshape(size, size)  # 0 on a border between two cells
    colours = GLASS_PALETTE[rng.integers(0, len(GLASS_PALETTE), n)] * rng.uniform(0.8, 1.1, (n, 1))
    image = colours[index[:, 0]].reshape(size, size, 3)
    image *= (1 - 0.25 * np.exp(-edge / (3 * size / 256)))[..., None]
    image[edge < 1.5 * size / 256] = (35, 30, 28)  # the lead
    return np.clip(image, 0, 255).astype(np.uint8)
