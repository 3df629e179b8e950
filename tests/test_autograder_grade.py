"""Sandboxed batch grading: good, wrong and hostile submissions in one batch.

Every wrong or hostile fixture (tests/fixtures/submissions) is a snippet appended to a correct
submission, so that it overrides exactly one exercise: that exercise must fail with the
feedback the fixture announces, and every other exercise must keep full marks.
"""

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from autograder import exercises as catalogue
from autograder import grade as grading
from autograder import sandbox

FIX = pathlib.Path(__file__).parent / "fixtures" / "submissions"
ROOT = pathlib.Path(__file__).resolve().parents[1]
MODULES = list(catalogue.CHAPTERS.values())
ESCAPE = pathlib.Path("/tmp/autograder_fixture_escape.txt")
NAMES = [ex.name for ex in catalogue.EXERCISES]
MAX = {ex.name: ex.max_points for ex in catalogue.EXERCISES}
# the corpus grades as before where the kernel lacks the wall (tests/test_autograder_wall.py
# skips there, saying why); where it has it, the wall is required, as for an instructor
_KERNEL = sandbox.isolation_available()
WEAK = not (_KERNEL["landlock"] and _KERNEL["seccomp"])


def good_source():
    """A correct submission: the solutions modules' source, concatenated."""
    parts = []
    for m in MODULES:
        text = (ROOT / "solutions" / f"{m}.py").read_text(encoding="utf-8")
        parts.append(
            "\n".join(line for line in text.splitlines() if not line.startswith(("from .", "from solutions")))
        )
    return "\n\n".join(parts) + "\n"


def header(path):
    text = path.read_bytes().decode("utf-8", "replace")
    get = lambda key: (re.search(rf"^# {key}: (.+)$", text, re.M) or [None, None])[1]  # noqa: E731
    also = (get("ALSO") or "").split(" (")[0].split()
    return get("EXERCISE"), get("EXPECT"), get("WHOLE") == "yes", also


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    subs = tmp_path_factory.mktemp("subs")
    good = good_source()
    (subs / "good.py").write_text(good, encoding="utf-8")
    (subs / "missing_function.py").write_text(
        good.replace("def gram(", "def gram_renamed("), encoding="utf-8"
    )
    folder = subs / "learner_folder"
    folder.mkdir()
    for i, m in enumerate(MODULES):  # one learner, one file per chapter
        text = (ROOT / "solutions" / f"{m}.py").read_text(encoding="utf-8")
        text = text.replace("from .gram_matrices import gram_matrix", "")
        if m == "style_transfer":
            text = (ROOT / "solutions" / "gram_matrices.py").read_text(encoding="utf-8") + "\n" + text
        (folder / f"0{i + 1}_{m}.py").write_text(text, encoding="utf-8")
    expect = {}
    for kind in ("wrong", "hostile"):
        for f in sorted((FIX / kind).iterdir()):
            if f.suffix == ".py":
                ex, phrase, whole, also = header(f)
                target = subs / f"{kind}_{f.stem}.py"
                if whole:
                    target.write_bytes(f.read_bytes())
                else:
                    target.write_text(good + "\n\n" + f.read_text(encoding="utf-8"), encoding="utf-8")
                expect[target.stem] = (ex, phrase, whole, also)
            elif f.suffix == ".ipynb":
                (subs / f"{kind}_{f.name}").write_bytes(f.read_bytes())
    ESCAPE.unlink(missing_ok=True)
    out = tmp_path_factory.mktemp("out")
    limits = sandbox.Limits(wall=3.0, cpu=3.0, load=3.0)
    paths = sorted(str(p) for p in subs.iterdir())
    grading.grade(
        paths, out, jobs=2, seed=12345, limits=limits, log=lambda *a: None, allow_weak_isolation=WEAK
    )
    docs = {d.name: json.loads((d / "results.json").read_text()) for d in out.iterdir() if d.is_dir()}
    return out, docs, expect, paths


def scores(doc):
    return {t["name"]: t["score"] for t in doc["tests"]}


def test_good_submission_scores_full_marks(batch):
    _, docs, _, _ = batch
    doc = docs["good"]
    assert scores(doc) == MAX, doc["output"]
    assert doc["score"] == sum(MAX.values())


def test_a_folder_of_chapter_files_is_one_submission(batch):
    _, docs, _, _ = batch
    assert scores(docs["learner_folder"]) == MAX


@pytest.mark.parametrize("kind", ["wrong", "hostile"])
def test_each_fixture_fails_exactly_its_exercise(batch, kind):
    _, docs, expect, _ = batch
    checked = 0
    for name, (ex, phrase, whole, also) in expect.items():
        if not name.startswith(kind) or whole or name == "hostile_load_hang":
            continue
        doc = docs[name]
        got = scores(doc)
        others = {n: s for n, s in got.items() if n != ex and n not in also}
        assert others == {n: MAX[n] for n in others}, f"{name}: {doc['output']}"
        test = next(t for t in doc["tests"] if t["name"] == ex)
        if phrase == "WHOAMI":  # passes; its output is checked elsewhere
            continue
        if phrase.startswith("✔"):  # an attack that must not pay or cost
            assert phrase in test["output"] and test["score"] == test["max_score"], test["output"]
            continue
        assert test["score"] < test["max_score"], f"{name}: {test['output']}"
        assert test["status"] == "failed"
        assert phrase in test["output"], f"{name}: {phrase!r} not in\n{test['output']}"
        checked += 1
    assert checked >= 10


def test_missing_function_fails_only_that_exercise(batch):
    _, docs, _, _ = batch
    got = scores(docs["missing_function"])
    assert got["gram"] == 0 and "not defined" in next(
        t["output"] for t in docs["missing_function"]["tests"] if t["name"] == "gram"
    )
    assert {n: s for n, s in got.items() if n != "gram"} == {n: MAX[n] for n in got if n != "gram"}


def test_whole_file_failures_get_a_clear_message_and_zero(batch):
    _, docs, _, _ = batch
    for name, phrase in (
        ("hostile_syntax_error", "SyntaxError"),
        ("hostile_corrupt", "cannot read it as a notebook"),
        ("hostile_non_utf8", "not UTF-8"),
    ):
        doc = docs[name]
        assert doc["score"] == 0
        assert phrase in doc["output"], doc["output"]


def test_a_submission_that_hangs_while_loading_fails_alone(batch):
    _, docs, _, _ = batch
    doc = docs["hostile_load_hang"]
    assert doc["score"] == 0
    assert "loading the submission failed: timeout" in doc["output"], doc["output"]
    assert all("not run: loading the submission failed" in t["output"] for t in doc["tests"])


def test_the_sandbox_never_gets_answers_or_the_seed(tmp_path):
    prep = grading.prepare(seed=987654321, names=["inner", "conv2d_im2col"])
    for which in ("public", "hidden"):
        cases = {n: prep[n]["server"][which] for n in prep}
        folder = tmp_path / which
        folder.mkdir()
        jpath, npath = sandbox.write_cases(folder, cases)
        text = jpath.read_text()
        assert "987654321" not in text
        for name, spec in json.loads(text).items():
            assert len(spec["cases"]) == len(prep[name]["phases"][which]) > 0
            for tree, keys in spec["cases"]:
                assert set(tree) == {"args", "kwargs", "call", "grad", "repeat"}
                assert all(k.startswith("i") for k in keys)  # inputs only
    # the public fork server never holds a hidden case's inputs, nor the hidden one a public's
    ex = catalogue.get("inner")
    for name in prep:
        gis = [gi for gi, _ in prep[name]["plains"]]
        for which in ("public", "hidden"):
            assert all(
                catalogue.get(name).groups[gis[ci]].public == (which == "public")
                for ci in prep[name]["phases"][which]
            )
    assert ex.groups


def test_partial_notebook_runs_only_definitions(batch):
    _, docs, _, _ = batch
    doc = docs["hostile_01_learner_partial"]
    got = scores(doc)
    assert got["inner"] == MAX["inner"] and got["direction"] == MAX["direction"], doc["output"]
    assert got["cosine_similarity"] == 0 and "SyntaxError" in doc["output"]
    assert "a demo that grading must not run" not in doc["output"]


def skip_unless_uid_switch():
    """As root the sandbox drops to an unprivileged uid, unless it cannot here (no CAP_SETUID, or
    the installed packages sit under a folder others cannot read, e.g. a `mktemp -d` checkout):
    then the grader warns and grades without the switch (detached processes of a learner then
    outlive the batch), and the checks that rest on the switch are skipped."""
    why = sandbox._can_switch(64999, sandbox._nogroup())
    if why:
        pytest.skip(f"the sandbox cannot switch uid on this machine: {why}")


def test_isolation_uid_scratch_and_no_escape(batch):
    _, docs, _, _ = batch
    out = docs["hostile_who_am_i"]["output"]
    m = re.search(r"WHOAMI (\d+) (\S+)", out)
    assert m, out
    assert "/ag-sub-" in m.group(2)  # in a private scratch folder
    assert not ESCAPE.exists()
    if os.geteuid() == 0:
        skip_unless_uid_switch()
        assert int(m.group(1)) >= 64000  # dropped to an unprivileged uid


def processes():
    """[(uid, command line)] of every process, from /proc (no `ps` needed)."""
    out = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            uid = next(
                int(line.split()[1])
                for line in (d / "status").read_text().splitlines()
                if line.startswith("Uid:")
            )
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, StopIteration):
            continue
        out.append((uid, cmd))
    return out


def test_no_process_left_behind(batch):
    _, docs, _, _ = batch
    uid = int(re.search(r"WHOAMI (\d+)", docs["hostile_who_am_i"]["output"]).group(1))
    procs = processes()
    if os.geteuid() == 0:  # a slot's uid: nothing of it may survive the batch
        skip_unless_uid_switch()  # (detached grandchildren are swept by that uid)
        assert not [cmd for u, cmd in procs if u == uid]
    assert not [cmd for _, cmd in procs if "sleep 1000" in cmd]


def test_grades_csv_has_one_row_per_submission(batch):
    out, docs, _, paths = batch
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines[0].split(",") == ["submission", "total", "max"] + NAMES
    assert len(lines) == 1 + len(paths)
    row = next(line for line in lines if line.startswith("good,"))
    assert row.split(",")[1] == row.split(",")[2] == str(sum(MAX.values()))


GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["score", "output", "tests"],
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "execution_time": {"type": "number"},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "properties": {
                    "name": {"type": "string"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


def test_every_results_json_matches_the_gradescope_schema(batch):
    jsonschema = pytest.importorskip("jsonschema")
    _, docs, _, _ = batch
    for name, doc in docs.items():
        jsonschema.validate(doc, GRADESCOPE_SCHEMA)
        assert doc["score"] == sum(t["score"] for t in doc["tests"]), name
    jsonschema.validate(grading.failure_json("x", "boom"), GRADESCOPE_SCHEMA)


def test_hidden_cases_depend_on_the_seed_and_are_not_in_the_public_ones():
    ex = catalogue.get("inner")
    hidden = [gi for gi, g in enumerate(ex.groups) if not g.public][0]
    a, b = ex.cases(hidden, seed=1), ex.cases(hidden, seed=2)
    assert repr(a[0].args) != repr(b[0].args)
    assert repr(ex.cases(hidden, seed=1)[0].args) == repr(a[0].args)


def test_resume_skips_graded_submissions_and_refuses_another_seed(batch, tmp_path):
    out, docs, _, paths = batch
    good = [p for p in paths if p.endswith("/good.py")]
    before = (out / "good" / "results.json").stat().st_mtime_ns
    logs = []
    grading.grade(good, out, seed=12345, log=logs.append)
    assert (out / "good" / "results.json").stat().st_mtime_ns == before
    assert any("resuming" in line for line in logs)
    with pytest.raises(grading.GraderMisuse):
        grading.grade(good, out, seed=999, log=logs.append)


def test_cli_misuse_exits_2_and_help_works(tmp_path):
    py = sys.executable
    r = subprocess.run(
        [py, "-m", "autograder", "grade", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "not a .py file" in r.stderr
    good = tmp_path / "good.py"
    good.write_text("x = 1\n")
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SEED"}
    base = [py, "-m", "autograder", "grade", str(good), "--out", str(tmp_path / "o")]
    r = subprocess.run(base, capture_output=True, text=True, env=env)  # no secret
    assert r.returncode == 2 and "--seed-file" in r.stderr and "AUTOGRADER_SEED" in r.stderr
    r = subprocess.run(base + ["--seed", "7"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "/proc/<pid>/cmdline" in r.stderr and "--seed-file" in r.stderr
    bad = tmp_path / "seed.txt"
    bad.write_text("not a number\n")
    r = subprocess.run(base + ["--seed-file", str(bad)], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "non-negative integer" in r.stderr
    for verb in ("release", "check", "grade", "sync"):
        r = subprocess.run([py, "-m", "autograder", verb, "--help"], capture_output=True, text=True)
        assert r.returncode == 0 and "usage" in r.stdout


def test_a_batch_killed_halfway_resumes_and_loses_nothing(tmp_path):
    import signal
    import time

    subs = tmp_path / "subs"
    subs.mkdir()
    good = good_source()
    for i in range(6):
        (subs / f"learner{i}.py").write_text(good, encoding="utf-8")
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        *sorted(map(str, subs.iterdir())),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--exercise",
        "inner",
        "--exercise",
        "gram",
        "--exercise",
        "vq",
    ] + (["--allow-weak-isolation"] if WEAK else [])
    env = dict(os.environ, AUTOGRADER_SEED="3")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT, env=env
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*/results.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.parent.name for p in out.glob("*/results.json")}
    assert 2 <= len(done) < 6
    for p in out.glob("*/results.json"):  # atomic: every one is whole
        json.loads(p.read_text())
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert f"resuming: {len(done)} submission(s) already graded" in r.stdout
    rows = (out / "grades.csv").read_text().splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == [f"learner{i}" for i in range(6)]
    assert all(row.split(",")[1] == row.split(",")[2] for row in rows)


def test_a_learners_course_folder_is_graded_on_their_files_only(tmp_path):
    """The release puts solutions/ (helpers) and autograder/ beside the notebooks; a learner who
    hands in the whole folder is graded on their own files, not on the course's packages."""
    from autograder.grade import collect

    folder = tmp_path / "ada"
    for rel in (
        "01_inner_products.py",
        "notes/02_gram.py",
        "solutions/data.py",
        "autograder/engine.py",
        ".ipynb_checkpoints/01_inner_products.py",
        "__pycache__/x.py",
    ):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("x = 1\n")
    (sub,) = collect([str(folder)])
    assert sorted(name for name, _, _ in sub.files) == ["01_inner_products.py", "notes/02_gram.py"]
