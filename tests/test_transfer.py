"""The helpers of chapter 6: solutions/vgg.py (feature networks) and solutions/transfer.py.

No test downloads anything: the torch hub cache is pointed at an empty temporary folder,
so the fallback to the random multi-scale network is what runs (and what is announced),
and the ImageNet path is tested on a fake checkpoint with torchvision's keys and shapes.
"""
import sys

import numpy as np
import pytest
import torch

from solutions import vgg
from solutions.transfer import style_transfer
from solutions.vgg import FeatureExtractor, vgg19_features, vgg19_layer_indices

# torchvision.models.vgg19().features: convolutions at these indices (configuration "E")
CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]
CONV_CHANNELS = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
                 (256, 256), (256, 512)] + [(512, 512)] * 7
EXPECTED_KEYS = sorted(f"features.{i}.{p}" for i in CONV_INDICES for p in ("weight", "bias"))


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """An empty torch hub cache, and no download allowed by the environment."""
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    monkeypatch.delenv(vgg.DOWNLOAD_ENV, raising=False)
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


def test_fallback_is_used_and_announced_once(empty_hub, capsys):
    ex = FeatureExtractor(["conv1_1", "conv4_2"], weights="auto")
    out = capsys.readouterr().out
    assert ex.kind == "random-multiscale"
    assert out.count("\n") == 1 and out.startswith("Feature network: random multi-scale")
    assert "not in the torch hub cache" in out and vgg.DOWNLOAD_ENV in out
    feats = ex(torch.rand(1, 3, 20, 24))
    assert list(feats) == ["conv1_1", "conv4_2"]
    assert feats["conv1_1"].shape == (1, 64, 20, 24) and feats["conv4_2"].shape == (1, 64, 20, 24)
    assert all((f >= 0).all() for f in feats.values())  # after a ReLU


def test_imagenet_without_weights_is_a_clear_error(empty_hub):
    with pytest.raises(RuntimeError, match="ImageNet VGG-19 weights unavailable"):
        FeatureExtractor(["conv1_1"], weights="imagenet", download=False)


def test_cached_imagenet_weights_are_loaded(empty_hub, capsys):
    # a fake checkpoint laid out like torchvision's vgg19 state dict (classifier keys included)
    g = torch.Generator().manual_seed(0)
    state = {f"features.{k}": torch.randn(v.shape, generator=g) * 0.01
             for k, v in vgg19_features().state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)  # ignored by the extractor
    (empty_hub / "checkpoints").mkdir()
    torch.save(state, empty_hub / "checkpoints" / "vgg19-dcbb9e9d.pth")

    ex = FeatureExtractor(["conv1_1", "conv2_1", "conv4_2"], weights="auto")
    assert ex.kind == "imagenet-vgg19"
    assert capsys.readouterr().out.startswith("Feature network: ImageNet VGG-19")
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


def test_bad_arguments():
    with pytest.raises(ValueError, match="conv6_1"):
        FeatureExtractor(["conv1_1", "conv6_1"], weights="random")
    with pytest.raises(ValueError, match="weights"):
        FeatureExtractor(["conv1_1"], weights="vgg")
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
    content = np.stack([x, y, 1 - x], axis=-1)                       # a smooth gradient
    style = (rng.random((size, size, 3)) > 0.5).astype(np.float64)   # a binary noise texture
    return (content * 255).astype(np.uint8), style


# small layers keep the runs short (the defaults' 11x11 and 15x15 banks cost 10x more)
LAYERS = dict(content_layers=["conv3_1"], style_layers=["conv1_1", "conv2_1", "conv3_1"])


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor(["conv1_1", "conv2_1", "conv3_1"], weights="random", verbose=False)


@pytest.mark.parametrize("init", ["content", "noise"])
def test_loss_decreases_and_output_is_clamped(extractor, init):
    content, style = _images()
    result = style_transfer(content, style, steps=15, init=init, progress=False,
                            extractor=extractor, tv_weight=1.0, **LAYERS)
    image, history = result.image, result.history
    assert image.shape == (32, 32, 3) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() <= 1
    assert result.network == "random-multiscale"
    assert set(history) == {"total", "content", "style", "tv"}
    assert 16 <= len(history["total"]) <= 25
    assert history["total"][-1] < 0.8 * history["total"][0]
    total = 1.0 * np.array(history["content"]) + 1e7 * np.array(history["style"]) + np.array(history["tv"])
    np.testing.assert_allclose(history["total"], total, rtol=1e-5)


def test_inputs_arrays_and_tensors_agree(extractor):
    content, style = _images()
    a = style_transfer(content, style, steps=5, progress=False, extractor=extractor, **LAYERS)
    t = torch.from_numpy(content).permute(2, 0, 1).float() / 255
    b = style_transfer(t, torch.from_numpy(style).permute(2, 0, 1).float(), steps=5,
                       progress=False, extractor=extractor, **LAYERS)
    np.testing.assert_allclose(a.image, b.image, atol=1e-5)


def test_size_and_progress_bar(extractor, capsys):
    content, style = _images()
    result = style_transfer(content, style, steps=3, size=(24, 28), extractor=extractor, **LAYERS)
    assert result.image.shape == (24, 28, 3)
    assert "style transfer" in capsys.readouterr().err  # the tqdm bar


def test_style_transfer_bad_inputs(extractor):
    content, style = _images()
    extractor_all = FeatureExtractor(["conv4_2", "conv1_1", "conv2_1", "conv3_1", "conv4_1",
                                      "conv5_1"], weights="random", verbose=False)
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


def test_defaults_build_the_network_and_announce_it(empty_hub, capsys):
    content, style = _images()
    result = style_transfer(content, style, steps=2, progress=False)  # weights="auto"
    assert result.network == "random-multiscale"
    assert capsys.readouterr().out.count("Feature network:") == 1
    assert len(result.history["total"]) >= 3 and np.isfinite(result.image).all()


def test_reachability_probe_cannot_hang():
    import time
    start = time.perf_counter()
    assert vgg._reachable("10.255.255.1", 443, timeout=0.5) in (True, False)  # a black hole
    assert time.perf_counter() - start < 2.0


# ---- the losses are an argument: the learner's functions run the pipeline (student edition)

def _reference_losses():
    import importlib
    style = importlib.import_module("solutions.style")
    gram = importlib.import_module("solutions.gram")
    return dict(gram_matrix=gram.gram_matrix, content_loss=style.content_loss,
                style_loss=style.style_loss, total_variation=style.total_variation)


def test_transfer_module_imports_no_graded_module():
    import ast
    import pathlib
    import solutions.transfer as transfer
    tree = ast.parse(pathlib.Path(transfer.__file__).read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    modules = {a.name for n in top if isinstance(n, ast.Import) for a in n.names} | \
              {n.module for n in top if isinstance(n, ast.ImportFrom)}
    assert modules == {"typing", "numpy", "torch", "solutions.vgg"}


def test_explicit_reference_losses_equal_the_default(extractor):
    content, style = _images(24)
    kw = dict(steps=6, progress=False, extractor=extractor, tv_weight=1.0, **LAYERS)
    default = style_transfer(content, style, **kw)
    explicit = style_transfer(content, style, losses=_reference_losses(), **kw)
    np.testing.assert_array_equal(default.image, explicit.image)
    assert default.history == explicit.history


def test_injected_losses_are_the_ones_used(extractor):
    content, style = _images(24)
    kw = dict(steps=6, progress=False, extractor=extractor, tv_weight=1.0, **LAYERS)
    good = style_transfer(content, style, losses=_reference_losses(), **kw)
    calls = {"gram_matrix": 0, "content_loss": 0, "style_loss": 0, "total_variation": 0}

    def counted(name, f):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return f(*args, **kwargs)
        return wrapper

    counted_losses = {k: counted(k, f) for k, f in _reference_losses().items()}
    same = style_transfer(content, style, losses=counted_losses, **kw)
    np.testing.assert_array_equal(same.image, good.image)
    # the style targets (one Gram matrix per style layer), then one call per loss evaluation
    n_evals = len(same.history["total"])
    assert calls == {"gram_matrix": len(LAYERS["style_layers"]), "content_loss": n_evals,
                     "style_loss": n_evals, "total_variation": n_evals}

    # a Gram matrix normalised by M (the seed's mistake): another objective, another image
    wrong = _reference_losses()
    ref_gram = wrong["gram_matrix"]
    wrong["gram_matrix"] = lambda features, normalize=True: ref_gram(features, normalize=True)
    bad = style_transfer(content, style, losses=wrong, **kw)
    assert bad.history["style"][0] != good.history["style"][0]
    assert np.abs(bad.image - good.image).max() > 1e-3


def test_bad_losses_argument_is_a_clear_error(extractor):
    content, style = _images(16)
    kw = dict(steps=1, progress=False, extractor=extractor, **LAYERS)
    partial = _reference_losses()
    del partial["total_variation"]
    with pytest.raises(ValueError, match="missing total_variation"):
        style_transfer(content, style, losses=partial, **kw)
    with pytest.raises(ValueError, match="unknown tv"):
        style_transfer(content, style, losses={**_reference_losses(), "tv": abs}, **kw)
    with pytest.raises(TypeError, match="mapping"):
        style_transfer(content, style, losses=list(_reference_losses().values()), **kw)
    with pytest.raises(TypeError, match="'content_loss'.*function"):
        style_transfer(content, style, losses={**_reference_losses(), "content_loss": 1.0}, **kw)


def test_without_the_reference_solutions_the_default_says_what_to_pass(extractor, monkeypatch):
    # the student edition: solutions.style and solutions.gram cannot be imported
    monkeypatch.setitem(sys.modules, "solutions.style", None)
    monkeypatch.setitem(sys.modules, "solutions.gram", None)
    content, style = _images(16)
    with pytest.raises(ImportError, match=r"losses=dict\(gram_matrix=gram_matrix.*exercise 6"):
        style_transfer(content, style, steps=1, progress=False, extractor=extractor, **LAYERS)
