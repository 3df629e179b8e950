"""Exercise 24 (`gatys_loop`): graded in the sandbox on the pretrained VGG-19, by recomputing
the objective of the returned image. A correct loop scores full marks, also written another
way; loops that optimise the wrong thing, change the network, or leave the range do not."""

import importlib
import inspect
import json

import pytest

from autograder import check
from autograder import exercises as catalogue
from autograder import grade as grading
from solutions.style_transfer import gatys_loop


def _losses_source():
    gram, style = (
        importlib.import_module("solutions.gram_matrices"),
        importlib.import_module("solutions.style_transfer"),
    )
    parts = [inspect.getsource(gram.gram_matrix)] + [
        inspect.getsource(getattr(style, n))
        for n in ("content_loss", "style_layer_loss", "style_loss", "total_variation")
    ]
    return "import numpy as np\nimport torch\n\n" + "\n\n".join(parts) + "\n\n"


# a correct loop written differently from the reference: no rescaling, torch's default
# history size, the image clamped only at the end (fine on the graded small images)
OTHER_CORRECT = """
def gatys_loop(net, content, style, content_layers=("conv4_2",), style_layers=("conv1_1",),
               alpha=1.0, beta=1e3, tv_weight=0.0, steps=100, x0=None, callback=None):
    with torch.no_grad():
        P = [net(content)[n] for n in content_layers]
        S = net(style)
        A = [gram_matrix(S[n][0], normalize=False) for n in style_layers]
    x = (content if x0 is None else x0).clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], max_iter=steps, max_eval=steps, line_search_fn="strong_wolfe")
    hist = {"total": [], "content": [], "style": [], "tv": []}
    def objective():
        F = net(x)
        c = sum(content_loss(F[n], p) for n, p in zip(content_layers, P))
        s = style_loss([F[n] for n in style_layers], A, [1 / len(style_layers)] * len(style_layers))
        t = total_variation(x)
        total = alpha * c + beta * s + tv_weight * t
        for k, v in zip(hist, (total, c, s, t)):
            hist[k].append(float(v))
        return total
    def closure():
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss
    opt.step(closure)
    with torch.no_grad():
        x.clamp_(0, 1)
        objective()
    return x.detach(), hist
"""

# the filters are trained instead of the pixels (seed 001's "학습", taken literally)
TRAINS_THE_NETWORK = OTHER_CORRECT.replace(
    "x = (content if x0 is None else x0).clone().requires_grad_(True)",
    "x = (content if x0 is None else x0).clone()\n    for p in net.parameters():\n"
    "        p.requires_grad_(True)",
).replace("LBFGS([x]", "LBFGS(list(net.parameters())")

# Adam with a small learning rate: far behind L-BFGS after 10 evaluations
ADAM = OTHER_CORRECT.replace(
    'opt = torch.optim.LBFGS([x], max_iter=steps, max_eval=steps, line_search_fn="strong_wolfe")',
    "opt = torch.optim.Adam([x], lr=1e-3)",
).replace("    opt.step(closure)\n", "    for _ in range(steps):\n        opt.step(closure)\n")

# never clamps: pixels leave [0, 1]
NO_CLAMP = OTHER_CORRECT.replace("        x.clamp_(0, 1)\n", "")


def test_reference_passes_its_own_public_cases():
    assert check("gatys_loop", gatys_loop).passed


def test_each_variant_is_what_it_claims_to_be():
    assert TRAINS_THE_NETWORK != OTHER_CORRECT and ADAM != OTHER_CORRECT and NO_CLAMP != OTHER_CORRECT


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("subs")
    base = _losses_source()
    for name, loop in [
        ("reference", inspect.getsource(gatys_loop)),
        ("other", OTHER_CORRECT),
        ("trains", TRAINS_THE_NETWORK),
        ("adam", ADAM),
        ("noclamp", NO_CLAMP),
    ]:
        (subs / f"06_{name}.py").write_text(base + loop, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    grading.grade(
        sorted(str(p) for p in subs.iterdir()),
        out,
        seed=24,
        exercises=["gatys_loop"],
        log=lambda *a, **k: None,
        allow_weak_isolation=True,
    )
    results = {}
    for p in out.glob("*/results.json"):
        doc = json.loads(p.read_text())
        test = next(t for t in doc["tests"] if t["name"] == "gatys_loop")
        results[p.parent.name.removeprefix("06_")] = test
    return results


def test_correct_loops_score_full_marks(graded):
    full = catalogue.get("gatys_loop").max_points
    assert graded["reference"]["score"] == full, graded["reference"]["output"]
    assert graded["other"]["score"] == full, graded["other"]["output"]


def test_training_the_network_is_caught(graded):
    assert graded["trains"]["score"] == 0
    assert "content image unchanged" in graded["trains"]["output"]


def test_adam_falls_behind_and_no_clamp_leaves_the_range(graded):
    assert graded["adam"]["score"] == 0 and "reference loop's" in graded["adam"]["output"]
    assert graded["noclamp"]["score"] == 0 and "[0, 1]" in graded["noclamp"]["output"]
