"""The instructor's report (`python -m autograder report OUT`) and the progress of `grade`.

One small batch is graded once (8 exercises, jobs 1): three learners of
tests/fixtures/submissions/similar (alice; bob, alice renamed and reformatted; carol, an
independent solution), and four built from them with a wrong or hostile fixture appended
(a misconception, a time limit, an output limit) or a file that does not parse. The report's
numbers are recomputed here from the results files and grades.csv, by other means than
autograder/report.py; the page is opened in Debian's Chromium (skipped without it).
"""

import csv
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys

import numpy as np
import pytest

from autograder import exercises as catalogue
from autograder import grade as grading
from autograder import report, sandbox

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "submissions"
SIMILAR = FIX / "similar"
EXS = [
    "inner",
    "cosine_similarity",
    "direction",
    "gram",
    "toeplitz_1d",
    "unroll_matrix",
    "conv_output_size",
    "vq",
]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
GRAM_COLUMNS = "the Gram matrix of the columns (VᵀV) instead of the rows (VVᵀ)"
needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to open "
    "the report in a real browser",
)


def _snippet(kind, name):
    return (FIX / kind / f"{name}.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    subs = tmp_path_factory.mktemp("subs")
    for name in ("alice", "bob", "carol"):
        shutil.copy(SIMILAR / f"{name}.py", subs / f"{name}.py")
    alice = (SIMILAR / "alice.py").read_text(encoding="utf-8")
    carol = (SIMILAR / "carol.py").read_text(encoding="utf-8")
    (subs / "dave_gram_columns.py").write_text(
        alice + "\n\n" + _snippet("wrong", "gram_columns"), encoding="utf-8"
    )
    (subs / "erin_infinite_loop.py").write_text(
        carol + "\n\n" + _snippet("hostile", "infinite_loop"), encoding="utf-8"
    )
    (subs / "frank_huge_output.py").write_text(
        carol + "\n\n" + _snippet("hostile", "huge_output"), encoding="utf-8"
    )
    shutil.copy(FIX / "hostile" / "syntax_error.py", subs / "grace_syntax_error.py")
    out = tmp_path_factory.mktemp("out")
    paths = sorted(str(p) for p in subs.iterdir())
    grading.grade(
        paths,
        out,
        jobs=1,
        seed=5,
        exercises=EXS,
        log=lambda *a: None,
        limits=sandbox.Limits(wall=3.0, cpu=3.0, load=3.0),
    )
    html_path, json_path, _ = report.write_report(out, submissions=paths)
    docs = {
        d.name: json.loads((d / "results.json").read_text(encoding="utf-8"))
        for d in out.iterdir()
        if d.is_dir()
    }
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    data = json.loads(json_path.read_text(encoding="utf-8"))
    return {"out": out, "paths": paths, "docs": docs, "csv": rows, "data": data, "html": html_path}


# --------------------------------------------------------------------------- the numbers
def test_fixtures_grade_as_announced(batch):
    """alice, bob and carol are correct solutions (so similar != wrong); the others fail."""
    docs = batch["docs"]
    full = sum(catalogue.BY_NAME[n].max_points for n in EXS)
    for name in ("alice", "bob", "carol"):
        assert docs[name]["score"] == full, docs[name]["output"]
    assert docs["grace_syntax_error"]["score"] == 0


def test_score_figures_recomputed(batch):
    data, rows = batch["data"], batch["csv"]
    totals = sorted(float(r["total"]) for r in rows)
    assert len(totals) == 7 == data["scores"]["count"]
    q1, med, q3 = np.percentile(totals, [25, 50, 75])  # linear = the inclusive method
    sc = data["scores"]
    assert sc["mean"] == pytest.approx(np.mean(totals))
    assert (sc["q1"], sc["median"], sc["q3"]) == pytest.approx((q1, med, q3))
    assert sc["max"] == sum(catalogue.BY_NAME[n].max_points for n in EXS)
    assert sc["grades_csv"] == "agrees"
    counts, _ = np.histogram(totals, bins=sc["histogram"]["edges"])
    assert sc["histogram"]["counts"] == counts.tolist()
    assert sum(counts) == len(totals)


def test_per_exercise_figures_recomputed(batch):
    data, rows = batch["data"], batch["csv"]
    assert set(rows[0]) == {"submission", "total", "max", *EXS}  # a column per exercise
    by_name = {e["name"]: e for e in data["exercises"]}
    assert list(by_name) == EXS
    for n in EXS:
        got = [float(r[n]) for r in rows]
        top = catalogue.BY_NAME[n].max_points
        e = by_name[n]
        assert e["mean"] == pytest.approx(statistics.mean(got)), n
        assert e["full_share"] == pytest.approx(sum(g == top for g in got) / len(got)), n
        assert e["zero_share"] == pytest.approx(sum(g == 0 for g in got) / len(got)), n


def _failed_groups(test):
    """{group name} failed in one test's feedback, read with a regular expression."""
    return {m.group(1) for m in re.finditer(r"^✘ \w+ · (.+?): \d+/\d+", test["output"], re.M)}


def test_group_failures_recomputed(batch):
    docs, data = batch["docs"], batch["data"]
    by_name = {e["name"]: e for e in data["exercises"]}
    # gram: dave fails its groups one by one; erin times out (one line: every group fails);
    # grace's file does not parse (not attempted)
    gram = by_name["gram"]
    assert gram["attempted"] == 6
    dave = _failed_groups(next(t for t in docs["dave_gram_columns"]["tests"] if t["name"] == "gram"))
    assert dave, docs["dave_gram_columns"]["output"]
    for g in gram["groups"]:
        expect = {"erin_infinite_loop"} | ({"dave_gram_columns"} if g["name"] in dave else set())
        assert set(g["submissions"]) == expect, g
        assert g["of"] == 6 and g["fail_share"] == pytest.approx(len(expect) / 6)
    assert all(not g["failed"] for g in by_name["inner"]["groups"])
    # direction: frank's output limit fails every group of it
    assert all(g["submissions"] == ["frank_huge_output"] for g in by_name["direction"]["groups"])


def test_misconceptions_counted_and_linked(batch):
    docs, data = batch["docs"], batch["data"]
    gram = next(e for e in data["exercises"] if e["name"] == "gram")
    m = next(m for m in gram["misconceptions"] if m["label"] == GRAM_COLUMNS)
    who = sorted(
        s for s, d in docs.items() for t in d["tests"] if t["name"] == "gram" and "VᵀV" in t["output"]
    )
    assert m["submissions"] == who == ["dave_gram_columns"]
    assert m["learners"] == 1
    assert m["link"].endswith("/02_gram_matrices.html#pairwise-inner-products-of-k-vectors")
    others = [m for e in data["exercises"] for m in e["misconceptions"] if m["label"] != GRAM_COLUMNS]
    assert others and all(m["learners"] == 0 for m in others)


def test_incidents_by_name(batch):
    inc = batch["data"]["incidents"]
    assert [(r["submission"], r["exercise"]) for r in inc["time"]] == [("erin_infinite_loop", "gram")]
    assert [(r["submission"], r["exercise"]) for r in inc["output"]] == [("frank_huge_output", "direction")]
    assert [r["submission"] for r in inc["load_problems"]] == ["grace_syntax_error"]
    assert "SyntaxError" in inc["load_problems"][0]["message"]
    assert inc["memory"] == inc["forbidden"] == inc["load"] == inc["grader"] == []


def test_timing_and_isolation(batch):
    docs, data = batch["docs"], batch["data"]
    tm = data["timing"]
    assert tm["per_submission"] == {s: d["execution_time"] for s, d in docs.items()}
    assert tm["sum_s"] == pytest.approx(sum(d["execution_time"] for d in docs.values()))
    assert tm["slowest"][0] == max(docs, key=lambda s: docs[s]["execution_time"])
    batch_doc = json.loads((batch["out"] / "batch.json").read_text(encoding="utf-8"))
    per = [(d.get("extra_data") or {}).get("isolation", d.get("isolation")) for d in docs.values()]
    per = [p for p in per if p is not None]
    iso = data["isolation"]
    if "isolation" not in batch_doc and "isolation_seen" not in batch_doc and not per:
        assert iso == "not recorded"
        assert "not recorded" in batch["html"].read_text(encoding="utf-8")
    else:
        assert iso.get("seen") == batch_doc.get("isolation_seen")
        assert iso.get("planned") == batch_doc.get("isolation")
        strip = lambda r: {k: v for k, v in r.items() if k not in ("wall_ms", "uid")}  # noqa: E731
        assert {json.dumps(strip(p), sort_keys=True) for p in per} == {
            json.dumps(strip(p), sort_keys=True) for p in iso["per_submission"]
        }


def test_book_links_exist():
    """Every anchor the report links to is a heading of the book: in the built page when there
    is one newer than its notebook, and in the notebook (ids made as Sphinx makes them, with
    docutils' make_id)."""
    from docutils.nodes import make_id

    links = [(ex.chapter, report.exercise_anchor(ex)) for ex in catalogue.EXERCISES]
    links += list(report.MISCONCEPTION_SECTIONS.values())
    labels = {label for ex in catalogue.EXERCISES for label, _ in ex.misconceptions}
    assert set(report.MISCONCEPTION_SECTIONS) <= labels  # no stale label
    for chapter, anchor in links:
        page = report.CHAPTER_PAGES[chapter]
        built = ROOT / "_build" / "html" / "book" / f"{page}.html"
        source = ROOT / "book" / f"{page}.ipynb"
        if built.is_file() and built.stat().st_mtime > source.stat().st_mtime:
            assert f'id="{anchor}"' in built.read_text(encoding="utf-8"), (page, anchor)
        nb = json.loads(source.read_text(encoding="utf-8"))
        heads = {
            make_id(re.sub(r"^#+\s*", "", line))
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines()
            if line.startswith("#")
        }
        assert anchor in heads, (page, anchor)


# --------------------------------------------------------------------------- similarity
def test_similarity_finds_the_disguised_copy_only(batch):
    sim = batch["data"]["similarity"]
    assert sim["computed"]
    pairs = {(p["a"], p["b"]): p for p in sim["pairs"]}
    assert ("alice", "bob") in pairs
    ab = pairs[("alice", "bob")]
    assert ab["score"] >= sim["threshold"]
    assert {f["exercise"] for f in ab["functions"]} == set(EXS)
    # dave is alice with another gram: similar to both alice and bob
    assert ("alice", "dave_gram_columns") in pairs and ("bob", "dave_gram_columns") in pairs
    alices, carols = (
        {"alice", "bob", "dave_gram_columns"},
        {"carol", "erin_infinite_loop", "frank_huge_output"},
    )
    for p in sim["pairs"]:  # never one of alice's with one of carol's
        assert {p["a"], p["b"]} <= alices or {p["a"], p["b"]} <= carols, p["a"] + " " + p["b"]
    order = sim["submissions"]
    m = sim["matrix"]
    score = m[order.index("alice")][order.index("carol")]
    assert score is not None and score < 0.5 * sim["threshold"]
    # erin and frank are carol with one function replaced: similar to each other
    assert m[order.index("erin_infinite_loop")][order.index("frank_huge_output")] >= sim["threshold"]
    # grace's file does not parse: nothing to compare
    assert all(
        v is None
        for i, v in enumerate(m[order.index("grace_syntax_error")])
        if order[i] != "grace_syntax_error"
    )


def test_similarity_is_structural_not_textual():
    """bob's text shares little with alice's; their normalised trees are the same."""
    import difflib

    a = (SIMILAR / "alice.py").read_text(encoding="utf-8")
    b = (SIMILAR / "bob.py").read_text(encoding="utf-8")
    assert difflib.SequenceMatcher(None, a, b).ratio() < 0.75
    fa = report.fingerprints([("alice.py", str(SIMILAR / "alice.py"), None)])
    fb = report.fingerprints([("bob.py", str(SIMILAR / "bob.py"), None)])
    score, rows = report.compare(fa, fb, EXS)
    assert score == pytest.approx(1.0)
    assert sum(identical for _, _, identical in rows) >= 6


def test_stubs_and_skipped_statements_are_not_compared(tmp_path):
    """Two untouched student stubs are not 'similar'; a def inside `if` is not graded."""
    stub = (
        'def gram(vectors):\n    """doc"""\n    raise NotImplementedError("write it")\n\n'
        "if True:\n    def inner(a, b):\n        return sum(x * y for x, y in zip(a, b))\n"
    )
    p = tmp_path / "stub.py"
    p.write_text(stub, encoding="utf-8")
    assert report.fingerprints([("stub.py", str(p), None)]) == {}


def test_a_deeply_nested_function_is_skipped_not_fatal(tmp_path):
    deep = tmp_path / "deep.py"
    deep.write_text(
        "def inner(a, b):\n    return " + "+".join(["a"] * 1500) + "\n\ndef gram(v):\n    return v @ v.T\n",
        encoding="utf-8",
    )
    fps = report.fingerprints([("deep.py", str(deep), None)])
    assert list(fps) == ["gram"]


def test_a_folder_submission_uses_the_chapter_file_first(tmp_path):
    folder = tmp_path / "learner"
    folder.mkdir()
    (folder / "01_inner.py").write_text("def inner(a, b):\n    return 1\n", encoding="utf-8")
    (folder / "02_gram.py").write_text(
        "def inner(a, b):\n    return 2\n\ndef gram(v):\n    return v\n", encoding="utf-8"
    )
    sub = grading.collect([str(folder)])[0]
    defs = report.graded_definitions(sub.files)
    assert defs["inner"][0] == "def inner(a, b):\n    return 1"
    assert defs["gram"][0].startswith("def gram(v)")


# --------------------------------------------------------------------------- the page
def test_page_is_self_contained(batch):
    page = batch["html"].read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no network resource
    assert re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert all(s.startswith("data:image/png;base64,") for s in re.findall(r'<img [^>]*src="([^"]+)"', page))
    assert "evidence to look at, not proof" in page


def test_learner_code_is_escaped(tmp_path):
    """A learner's source shown side by side cannot inject markup."""
    subs = tmp_path / "subs"
    subs.mkdir()
    body = (
        (SIMILAR / "alice.py")
        .read_text(encoding="utf-8")
        .replace('"""a · b"""', '"""</pre><script>alert(1)</script>"""')
        .replace('raise ValueError("inner:', 'raise ValueError("<img src=x onerror=alert(1)>')
    )
    for n in ("x1", "x2"):
        (subs / f"{n}.py").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    for n in ("x1", "x2"):  # results as grade writes them, without grading
        (out / n).mkdir(parents=True)
        (out / n / "results.json").write_text(
            json.dumps(
                {
                    "score": 0,
                    "output": "",
                    "tests": [
                        {
                            "name": e,
                            "score": 0,
                            "max_score": catalogue.BY_NAME[e].max_points,
                            "output": f"✘ {e}: <b>hi</b>",
                        }
                        for e in EXS
                    ],
                }
            )
        )
    html_path, _, data = report.write_report(out, submissions=sorted(str(p) for p in subs.iterdir()))
    assert data["similarity"]["pairs"]
    page = html_path.read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page and "<b>hi</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@needs_chromium
def test_page_in_chromium(batch):
    from playwright.sync_api import sync_playwright

    totals = [float(r["total"]) for r in batch["csv"]]
    seen = {"console": [], "pageerror": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("console", lambda m: m.type in ("error", "warning") and seen["console"].append(m.text))
            page.on("pageerror", lambda e: seen["pageerror"].append(str(e)))
            page.on("request", lambda r: seen["requests"].append(r.url))
            page.goto(batch["html"].as_uri(), wait_until="load")
            images = page.evaluate("""async () => {
                const imgs = [...document.images];
                await Promise.all(imgs.map(i => i.decode().catch(() => null)));
                return imgs.map(i => ({id: i.id, w: i.naturalWidth, h: i.naturalHeight}));
            }""")
            hist = page.evaluate("""() => {
                const t = document.getElementById('histogram');
                return {edges: JSON.parse(t.dataset.edges), counts: JSON.parse(t.dataset.counts),
                        cells: [...t.querySelectorAll('tr')].slice(1)
                               .map(r => Number(r.cells[1].textContent))};
            }""")
            pairs = page.evaluate("""() => [...document.querySelectorAll('#similar-pairs tr[data-a]')]
                .map(r => [r.dataset.a, r.dataset.b])""")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            shots = ROOT / "_build" / "screenshots"  # as tests/test_browser.py does
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "report.png"), full_page=True)
        finally:
            browser.close()
    assert seen["console"] == [] and seen["pageerror"] == []
    assert all(u.startswith(("file:", "data:")) for u in seen["requests"]), seen["requests"]
    ids = {i["id"] for i in images}
    assert {"fig-scores", "fig-exercises", "fig-groups", "fig-timing", "fig-similarity"} <= ids
    assert all(i["w"] > 0 and i["h"] > 0 for i in images), images
    # the histogram's counts are those of grades.csv, binned here
    expect = [
        sum(1 for t in totals if lo <= t < hi or (k == len(hist["edges"]) - 2 and t == hi))
        for k, (lo, hi) in enumerate(zip(hist["edges"][:-1], hist["edges"][1:]))
    ]
    assert hist["counts"] == hist["cells"] == expect
    assert sum(expect) == len(totals)
    assert ["alice", "bob"] in pairs
    assert width <= 1366  # nothing wider than a laptop screen


# --------------------------------------------------------------------------- edges, CLI
def test_a_batch_of_one(batch, tmp_path):
    out = tmp_path / "one"
    (out / "alice").mkdir(parents=True)
    shutil.copy(batch["out"] / "alice" / "results.json", out / "alice" / "results.json")
    shutil.copy(batch["out"] / "batch.json", out / "batch.json")
    html_path, json_path, data = report.write_report(out, submissions=[str(SIMILAR / "alice.py")])
    assert data["scores"]["count"] == 1
    assert data["scores"]["median"] == data["scores"]["mean"] == batch["docs"]["alice"]["score"]
    assert sum(data["scores"]["histogram"]["counts"]) == 1
    assert data["similarity"]["pairs"] == []
    assert "No pair reaches the threshold" in html_path.read_text(encoding="utf-8")


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_cli_empty_folder_and_missing_folder(tmp_path):
    r = _cli("report", str(tmp_path))
    assert r.returncode == 2
    assert "no results to report on" in r.stderr and "grade" in r.stderr
    assert not (tmp_path / "report.html").exists()
    r = _cli("report", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "no such folder" in r.stderr


def test_cli_report(batch):
    r = _cli("report", "--help")
    assert r.returncode == 0 and "--submissions" in r.stdout and "--threshold" in r.stdout
    out = batch["out"]
    r = _cli(
        "report",
        str(out),
        "--submissions",
        *batch["paths"],
        "--threshold",
        "0.99",
        "--book-url",
        "https://example.org/book/",
    )
    assert r.returncode == 0, r.stderr
    assert "report.html" in r.stdout
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["similarity"]["threshold"] == 0.99
    assert all(p["score"] >= 0.99 for p in data["similarity"]["pairs"])
    assert data["exercises"][0]["link"].startswith("https://example.org/book/01_inner_products.html#")


# --------------------------------------------------------------------------- progress
class _Stream:
    def __init__(self, tty):
        self.parts, self.tty = [], tty

    def write(self, s):
        self.parts.append(s)

    def flush(self):
        pass

    def isatty(self):
        return self.tty

    def text(self):
        return "".join(self.parts)


def test_progress_plain_lines_when_not_a_terminal():
    s = _Stream(tty=False)
    prog = report.Progress(s, every=3600)
    prog(3, 10)  # a resumed batch: 3 already graded
    for done in range(4, 11):
        prog(done, 10)
    prog.close()
    lines = s.text().splitlines()
    assert lines[0] == "grading: 3/10 already graded"
    assert lines[1].startswith("grading: 4/10 (40 %)")  # the first, then every hour
    assert lines[-1].startswith("grading: 10/10 (100 %)") and "left" not in lines[-1]
    assert len(lines) == 3
    assert "\r" not in s.text()


def test_progress_bar_on_a_terminal_starts_at_what_is_done():
    s = _Stream(tty=True)
    prog = report.Progress(s)
    prog(2, 5)
    prog.write("alice: 8/8")
    for done in (3, 4, 5):
        prog(done, 5)
    prog.close()
    text = s.text()
    assert "2/5" in text and "5/5" in text and "0/5" not in text
    assert "alice: 8/8" in text
    assert "submission/s" in text or "s/submission" in text  # a rate


# --------------------------------------------------------------------------- grade's CLI
def test_grade_cli_shows_progress_and_writes_the_report(tmp_path):
    """Not a terminal: plain progress lines; a resumed batch starts at what is done; the
    report is written at the end, with the run's wall clock; --quiet prints nothing."""
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("alice", "bob", "carol"):
        shutil.copy(SIMILAR / f"{name}.py", subs / f"{name}.py")
    out = tmp_path / "out"
    env = dict(os.environ, AUTOGRADER_SEED="11")
    args = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        "--out",
        str(out),
        "--exercise",
        "inner",
        "--exercise",
        "gram",
        "--exercise",
        "vq",
        "--timeout",
        "5",
        str(subs / "alice.py"),
        str(subs / "carol.py"),
    ]
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(ln.startswith("grading: 1/2 (50 %)") for ln in lines), r.stdout
    assert any(ln.startswith("grading: 2/2 (100 %)") for ln in lines), r.stdout
    assert f"report: {out / 'report.html'}" in lines
    run = json.loads((out / "batch.json").read_text(encoding="utf-8"))["last_run"]
    assert run["graded"] == 2 and run["jobs"] == 1 and run["elapsed_s"] > 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["timing"]["batch"] == run
    assert data["scores"]["count"] == 2 and data["similarity"]["computed"]
    # resumed with one more submission: the count starts at 2 of 3
    r = subprocess.run(
        args + [str(subs / "bob.py")], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert r.returncode == 0, r.stderr
    assert "grading: 2/3 already graded" in r.stdout.splitlines(), r.stdout
    assert any(ln.startswith("grading: 3/3 (100 %)") for ln in r.stdout.splitlines())
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["scores"]["count"] == 3
    assert [(p["a"], p["b"]) for p in data["similarity"]["pairs"]] == [("alice", "bob")]
    assert json.loads((out / "batch.json").read_text(encoding="utf-8"))["last_run"]["graded"] == 1
    # nothing left to grade, --quiet: no output at all, the report still rewritten
    (out / "report.html").unlink()
    r = subprocess.run(
        args[:4] + ["--quiet"] + args[4:], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
    assert (out / "report.html").is_file()
