"""solutions/data.py: the sample images and the torch conversions."""

import numpy as np
import torch

from solutions.data import to_image, to_tensor

RNG = np.random.default_rng(7)


def test_to_tensor_is_contiguous_nchw_float32_in_0_1():
    img = RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    t = to_tensor(img)
    assert t.shape == (1, 3, 5, 7) and t.dtype == torch.float32
    assert t.is_contiguous()  # a permuted view would not be: .view() and some kernels need it
    torch.testing.assert_close(t, torch.from_numpy(img.astype(np.float32) / 255).permute(2, 0, 1)[None])
    t.view(-1)  # raises on a non-contiguous (permuted) tensor


def test_to_image_inverts_to_tensor():
    img = RNG.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_image(to_tensor(img)), img)
