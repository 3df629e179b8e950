"""Feature networks for style transfer: VGG-19 with ImageNet weights, or random filters.

Gatys et al. (2016) describe an image by the responses of VGG-19 (Simonyan & Zisserman 2015),
a network trained on ImageNet. Its weights (548 MB) are not shipped with this course, so:

- `vgg19_features()` writes out VGG-19's convolutional part in torch (no torchvision), with
  exactly the layer indices of torchvision's `vgg19().features`, so that its state-dict keys
  (`features.0.weight`, `features.0.bias`, `features.2.weight`, ...) are torchvision's;
- `FeatureExtractor(layers, weights="auto")` loads the ImageNet weights when the file
  `vgg19-dcbb9e9d.pth` is already in the torch hub cache (or, if you allow it, downloads it),
  and otherwise falls back to a *random multi-scale* network: one layer of random filters at
  several kernel sizes followed by a ReLU, which Ustyuzhaninov et al. (2017) showed is already
  enough for texture synthesis. It prints one line saying which network is in use.

Layers are named as in VGG-19: `conv{block}_{i}`, block 1-5. The feature at a name is the
output of the ReLU after that convolution (as in Gatys et al.'s Caffe code, where ReLUs are
applied in place). In the random network, layer `conv{b}_{i}` is its own bank of random
filters of size k_b x k_b applied directly to the image, with k_b = 3, 5, 7, 11, 15 for
blocks 1-5: deeper names see larger neighbourhoods, as VGG's receptive fields grow with depth.
"""
import os
import socket
import threading

import torch
from torch import nn

VGG19_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
DOWNLOAD_ENV = "SOLUTIONS_DOWNLOAD_VGG"  # set to 1 to let weights="auto" download the weights

# torchvision's configuration "E" (VGG-19): output channels of each conv, "M" = max-pooling
VGG19_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
             512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

RANDOM_KERNEL_SIZES = {1: 3, 2: 5, 3: 7, 4: 11, 5: 15}  # block -> kernel size (random network)


def vgg19_features():
    """The 37 layers of torchvision's `vgg19().features`, randomly initialised.

    Convolutions sit at indices 0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34,
    each followed by a ReLU; max-pooling at 4, 9, 18, 27, 36.
    """
    layers, in_channels = [], 3
    for v in VGG19_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU()]
            in_channels = v
    return nn.Sequential(*layers)


def vgg19_layer_indices():
    """{"conv1_1": 1, "conv1_2": 3, ...}: the index in `vgg19_features()` of the ReLU
    after each convolution."""
    names, block, i = {}, 1, 0
    for index, v in enumerate(_expand_cfg()):
        if v == "M":
            block, i = block + 1, 0
        elif v == "R":
            i += 1
            names[f"conv{block}_{i}"] = index
    return names


def _expand_cfg():
    """VGG19_CFG as one entry per layer: "C" conv, "R" ReLU, "M" pool."""
    out = []
    for v in VGG19_CFG:
        out += ["M"] if v == "M" else ["C", "R"]
    return out


def vgg19_cache_file():
    """Where `torch.hub.load_state_dict_from_url` keeps the VGG-19 weights."""
    return os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(VGG19_URL))


def _reachable(host="download.pytorch.org", port=443, timeout=3.0):
    """True when a TCP connection to host opens within `timeout` seconds (DNS included)."""
    ok = []

    def attempt():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            ok.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(ok)


def load_vgg19_imagenet_state(download=False):
    """The ImageNet state dict of VGG-19's `features` (keys "0.weight", "0.bias", ...).

    Read from the torch hub cache; when the file is not there, downloaded only if `download`
    and the server answers within a few seconds. Raises RuntimeError when neither works.
    """
    if not os.path.exists(vgg19_cache_file()):
        if not download:
            raise RuntimeError(f"{os.path.basename(VGG19_URL)} is not in the torch hub cache")
        if not _reachable():
            raise RuntimeError("download.pytorch.org cannot be reached")
    state = torch.hub.load_state_dict_from_url(VGG19_URL, progress=False, map_location="cpu")
    return {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}


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
            raise ValueError(f"image of size {tuple(x.shape[-2:])} is too small for "
                             f"{largest}x{largest} filters: use at least {largest // 2 + 1} pixels")
        out = {}
        for name, w in self.banks.items():
            p = w.shape[-1] // 2
            x_pad = nn.functional.pad(x, (p, p, p, p), mode="reflect")  # (1, 3, H+2p, W+2p)
            out[name] = torch.relu(nn.functional.conv2d(x_pad, w))  # (1, C, H, W)
        return out


class FeatureExtractor(nn.Module):
    """Feature maps of an image at named layers.

    layers: names such as "conv1_1", "conv4_2" (VGG-19 naming, see the module docstring).
    weights: "imagenet" (VGG-19 with ImageNet weights; error if they cannot be loaded),
        "random" (the random multi-scale network), or "auto" (ImageNet when the weights are in
        the torch hub cache, or downloadable and `download` is allowed; random otherwise).
    download: allow a download of the weights (548 MB); default: True for "imagenet", and for
        "auto" only when the environment variable SOLUTIONS_DOWNLOAD_VGG=1.
    channels, seed: size and seed of the random network.

    forward(image) takes (1, 3, H, W) values in [0, 1], applies the ImageNet normalisation,
    and returns {name: (1, C, H_l, W_l)} in the order of `layers`.
    `.kind` is "imagenet-vgg19" or "random-multiscale". Parameters are frozen.
    """

    def __init__(self, layers, weights="auto", download=None, channels=64, seed=0, verbose=True):
        super().__init__()
        if isinstance(layers, str):
            layers = [layers]
        self.layers = list(dict.fromkeys(layers))
        known = vgg19_layer_indices()
        unknown = [name for name in self.layers if name not in known]
        if unknown:
            raise ValueError(f"unknown layer name(s) {unknown}; expected VGG-19 names: "
                             f"{', '.join(known)}")
        if not self.layers:
            raise ValueError("layers is empty: name at least one layer, e.g. 'conv1_1'")
        if weights not in ("auto", "imagenet", "random"):
            raise ValueError(f"weights must be 'auto', 'imagenet' or 'random', got {weights!r}")
        if download is None:
            download = weights == "imagenet" or os.environ.get(DOWNLOAD_ENV) == "1"

        state, reason = None, "as requested"
        if weights != "random":
            try:
                state = load_vgg19_imagenet_state(download=download)
            except Exception as error:  # no file, no network, a corrupt file: fall back
                if weights == "imagenet":
                    raise RuntimeError(f"ImageNet VGG-19 weights unavailable: {error}") from error
                reason = f"because {error}"
                if not download:
                    reason += f" (set {DOWNLOAD_ENV}=1 to allow the 548 MB download)"

        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        if state is not None:
            self.kind = "imagenet-vgg19"
            self.index = {name: known[name] for name in self.layers}
            features = vgg19_features()
            features.load_state_dict(state)
            self.features = features[: max(self.index.values()) + 1]  # stop at the deepest layer
            notice = "ImageNet VGG-19 (Simonyan & Zisserman 2015)"
        else:
            self.kind = "random-multiscale"
            self.features = RandomMultiScale(self.layers, channels=channels, seed=seed)
            notice = (f"random multi-scale network (Ustyuzhaninov et al. 2017; {channels} random "
                      f"filters per layer, kernel sizes by block "
                      f"{sorted(set(RANDOM_KERNEL_SIZES.values()))}), {reason}")
        self.requires_grad_(False)
        self.eval()
        if verbose:
            print(f"Feature network: {notice}")

    def forward(self, image):
        if image.ndim != 4 or image.shape[:2] != (1, 3):
            raise ValueError(f"image must have shape (1, 3, H, W), got {tuple(image.shape)}")
        x = (image - self.mean) / self.std
        if self.kind == "random-multiscale":
            out = self.features(x)
            return {name: out[name] for name in self.layers}
        out, wanted = {}, {index: name for name, index in self.index.items()}
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in wanted:
                out[wanted[index]] = x
        return {name: out[name] for name in self.layers}
