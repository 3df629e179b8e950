"""Sample images bundled with scikit-image (nothing is downloaded), and torch conversions."""
import numpy as np
import torch

NAMES = ("astronaut", "camera", "coffee", "chelsea", "hubble_deep_field", "brick", "grass",
         "gravel", "rocket", "immunohistochemistry", "motorcycle_left", "retina", "cat")


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
        t = torch.nn.functional.interpolate(t, size=tuple(size), mode="bilinear", antialias=True, align_corners=False)
        img = t[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy()
    return np.ascontiguousarray(img.astype(np.uint8))


def to_tensor(image):
    """(H, W, 3) uint8 image → (1, 3, H, W) float32 tensor in [0, 1]."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"to_tensor: image must be (H, W, 3), got shape {img.shape}")
    scale = 255.0 if img.dtype == np.uint8 else 1.0
    chw = np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32) / scale   # (3, H, W), contiguous
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
