"""The grader's wall is the kernel's (issue 11): hostile submissions that get around the audit hook.

Each fixture of tests/fixtures/submissions/hostile/wall/ is appended to a correct submission and
overrides one exercise with an attack that would earn that exercise's points (or leak the
secret, or outlive the batch) if it got through: it prints one `WALL <route>: refused <error>`
or `WALL <route>: GOT ...` line per route it tried. The batch runs through the command line,
with the secret in $AUTOGRADER_SEED, as an instructor would. Every attack must be refused,
score 0 where it would have paid, and leave every other exercise at full marks.

Checked against the grader before the wall (no Landlock, no seccomp, `--seed` on the command
line): cat_reference, defang_and_read and copy_a_sibling scored full marks there, and
proc_secrets printed the seed into results.json.
"""

import json
import os
import pathlib
import re
import secrets
import subprocess
import sys

import pytest
from test_autograder_grade import MAX, good_source, header, processes, scores

from autograder import exercises as catalogue
from autograder import grade as grading
from autograder import sandbox
from autograder.sandbox import wall as _wall

ROOT = pathlib.Path(__file__).resolve().parents[1]
WALL = pathlib.Path(__file__).parent / "fixtures" / "submissions" / "hostile" / "wall"
KERNEL = sandbox.isolation_available()
SECRET = str(secrets.randbits(62))
SLEEP = str(10**6 + secrets.randbelow(10**6))  # the detached process's marker: `sleep SLEEP`
needs_wall = pytest.mark.skipif(
    not (KERNEL["landlock"] and KERNEL["seccomp"]),
    reason=f"the kernel lacks the wall's features here: {'; '.join(KERNEL['missing'])}",
)
FIXTURES = sorted(f.stem for f in WALL.glob("*.py"))


@pytest.fixture(scope="module")
def walled(tmp_path_factory):
    if not (KERNEL["landlock"] and KERNEL["seccomp"]):
        pytest.skip(f"the kernel lacks the wall's features here: {KERNEL['missing']}")
    subs = tmp_path_factory.mktemp("wallsubs")
    out = tmp_path_factory.mktemp("wallout")
    good = good_source()
    (subs / "good.py").write_text(good, encoding="utf-8")
    expect = {}
    for f in sorted(WALL.glob("*.py")):
        text = f.read_text(encoding="utf-8").replace("__RESULTS__", str(out)).replace("__SLEEP__", SLEEP)
        (subs / f"wall_{f.stem}.py").write_text(good + "\n\n" + text, encoding="utf-8")
        expect[f.stem] = header(f)
    env = dict(os.environ, AUTOGRADER_SEED=SECRET)
    cmd = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        *sorted(map(str, subs.iterdir())),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--timeout",
        "5",
    ]
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    docs = {
        d.name: json.loads((d / "results.json").read_text(encoding="utf-8"))
        for d in out.iterdir()
        if (d / "results.json").is_file()
    }
    return out, docs, expect, r


def wall_lines(doc):
    return re.findall(r"^WALL (\S+): (refused \w+|GOT.*)$", doc["output"], re.M)


@needs_wall
def test_a_correct_submission_keeps_full_marks_behind_the_wall(walled):
    _, docs, _, _ = walled
    assert scores(docs["good"]) == MAX, docs["good"]["output"]


@needs_wall
@pytest.mark.parametrize("name", FIXTURES)
def test_each_attack_is_refused_and_pays_nothing(walled, name):
    _, docs, expect, _ = walled
    ex, phrase, _, also = expect[name]
    doc = docs[f"wall_{name}"]
    got = scores(doc)
    others = {n: s for n, s in got.items() if n != ex and n not in also}
    assert others == {n: MAX[n] for n in others}, doc["output"]
    test = next(t for t in doc["tests"] if t["name"] == ex)
    assert phrase.lstrip("✔ ") in test["output"], test["output"]
    if phrase.startswith("✔"):  # must keep working: full marks
        assert test["score"] == test["max_score"], test["output"]
        return
    assert test["score"] == 0, test["output"]
    lines = wall_lines(doc)
    if name != "hidden_echo":
        assert lines, doc["output"]
    through = [route for route, what in lines if what.startswith("GOT")]
    assert not through, f"{name}: got through {through}\n{doc['output']}"


@needs_wall
def test_the_routes_were_stopped_by_the_kernel_not_the_hook(walled):
    """Refusals behind an emptied audit hook: PermissionError from the kernel (EACCES from
    Landlock, EPERM/EACCES from seccomp), for every route each fixture tried."""
    _, docs, _, _ = walled
    routes = {}
    for name in FIXTURES:
        routes.update(dict(wall_lines(docs[f"wall_{name}"])))
    for route in (
        "cat_reference",
        "defang_and_read/open",
        "defang_and_read/subprocess",
        "copy_a_sibling/listdir",
        "copy_a_sibling/open",
        "copy_a_sibling/cat",
        "proc_secrets/server/cmdline",
        "proc_secrets/server/environ",
        "proc_secrets/self/environ",
        "proc_secrets/etc/passwd",
        "write_results",
        "detached_process/fork_exec",
        "detached_process/fork",
        "detached_process/posix_spawn",
        "signals_and_sockets/signal/server",
        "signals_and_sockets/signal/init",
        "signals_and_sockets/socket/tcp",
        "signals_and_sockets/socket/unix",
        "signals_and_sockets/socketpair",
        "signals_and_sockets/ptrace/server",
        "signals_and_sockets/process_vm_readv/server",
    ):
        assert routes.get(route) == "refused PermissionError", (route, routes.get(route))


@needs_wall
def test_the_secret_is_in_no_results_and_no_output(walled):
    out, _, _, r = walled
    for p in out.rglob("*"):
        if p.is_file():
            assert SECRET not in p.read_text(encoding="utf-8", errors="replace"), p
    assert SECRET not in r.stdout and SECRET not in r.stderr


@needs_wall
def test_nothing_forged_and_nothing_left_running(walled):
    out, docs, _, _ = walled
    assert not (out / "forged").exists()
    rows = (out / "grades.csv").read_text().splitlines()
    assert not [row for row in rows if row.startswith("forged")]
    assert len(rows) == 1 + len(docs)
    assert not [cmd for _, cmd in processes() if f"sleep {SLEEP}" in cmd]


@needs_wall
def test_hidden_cases_echo_nothing_the_learner_controls(walled):
    _, docs, _, _ = walled
    doc = docs["wall_hidden_echo"]
    test = next(t for t in doc["tests"] if t["name"] == "convolve2d")
    hidden = [line for line in test["output"].splitlines() if "· hidden" in line]
    assert hidden == [
        "✘ convolve2d · hidden random inputs: 0/3 — a hidden case failed: raised ValueError (a subclass)"
    ], test["output"]
    assert "Leak_" in test["output"].split("· hidden")[0]  # public cases: full feedback
    ex = catalogue.get("convolve2d")
    public = sum(len(ex.cases(gi)) for gi, g in enumerate(ex.groups) if g.public)
    assert doc["output"].count("ECHO") == public, doc["output"]  # nothing printed in hidden cases


@needs_wall
def test_every_results_json_and_the_batch_say_what_was_in_force(walled):
    out, docs, _, r = walled
    for name, doc in docs.items():
        iso = doc["extra_data"]["isolation"]
        assert iso["landlock_abi"] == KERNEL["landlock"] and iso["seccomp"] is True, name
        assert iso["limits"]["wall"] == 5 and "weak" not in iso, name
        assert f"Isolation: Landlock ABI {KERNEL['landlock']}" in doc["output"], name
        assert doc["extra_data"]["cases"] == "public and hidden"
        if os.geteuid() == 0 and sandbox._can_switch(64999, sandbox._nogroup()) is None:
            assert iso["uid_switch"] and iso["uid"] >= 64000, name
    batch = json.loads((out / "batch.json").read_text())
    assert batch["isolation"]["landlock_abi"] == KERNEL["landlock"]
    assert batch["isolation"]["seccomp"] and batch["isolation"]["required"]
    assert batch["isolation_seen"]["seccomp"]
    assert f"Isolation: Landlock ABI {KERNEL['landlock']}" in r.stdout


@needs_wall
def test_the_wall_holds_without_the_uid_switch(tmp_path):
    """As an unprivileged grader there is no uid switch: the kernel's wall alone must stop the
    raw primitive and the reads (here: a fork server whose children keep the grader's uid)."""
    sub = tmp_path / "subs" / "attack.py"
    sub.parent.mkdir()
    sub.write_text(
        good_source()
        + "\n\n"
        + (WALL / "cat_reference.py").read_text()
        + "\n\n"
        + (WALL / "defang_and_read.py").read_text(),
        encoding="utf-8",
    )
    prep = grading.prepare(None, ["kmeans", "gram"], public_only=True)
    cases = {n: prep[n]["server"]["public"] for n in prep}
    server = sandbox.ForkServer(
        cases,
        deny=[str(sandbox.PROJECT), str(sub.parent)],
        wall={"landlock": True, "seccomp": True, "require": True},
    )
    server.uid = server.gid = None
    server.release_uid()
    scratch, safe = server.make_scratch()
    try:
        reply = server.run(
            [[sub.name, str(sub), None]],
            ["kmeans", "gram"],
            scratch,
            sandbox.Limits(wall=5, cpu=5, load=5),
            safe,
        )
        assert reply["isolation"]["uid"] == os.getuid()
        assert reply["isolation"]["landlock"] == KERNEL["landlock"] and reply["isolation"]["seccomp"]
        lines = dict(re.findall(r"^WALL (\S+): (refused \w+|GOT.*)$", reply["output"], re.M))
        assert lines == {
            "cat_reference": "refused PermissionError",
            "defang_and_read/open": "refused PermissionError",
            "defang_and_read/subprocess": "refused PermissionError",
        }, reply["output"]
        for name in ("kmeans", "gram"):
            result = judge(prep[name], reply["status"][name], safe)
            assert result.score == 0 and "raised PermissionError" in result.groups[0].feedback
    finally:
        server.close()
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(safe, ignore_errors=True)


def judge(prep, status, safe):
    return grading.judge_exercise(prep, {"public": (status, safe)})


# ----------------------------------------------------------------------------- no kernel needed
def test_the_fork_server_is_started_without_the_secret(monkeypatch):
    """$AUTOGRADER_SEED stays in the grader: the fork servers' environment is scrubbed (and the
    seed is not on any command line), so not even the server's own /proc entry holds it."""
    monkeypatch.setenv("AUTOGRADER_SEED", SECRET)
    prep = grading.prepare(None, ["inner"], public_only=True)
    server = sandbox.ForkServer({"inner": prep["inner"]["server"]["public"]}).start()
    try:
        environ = pathlib.Path(f"/proc/{server.proc.pid}/environ").read_bytes()
        cmdline = pathlib.Path(f"/proc/{server.proc.pid}/cmdline").read_bytes()
        assert b"AUTOGRADER_SEED" not in environ and SECRET.encode() not in environ + cmdline
    finally:
        server.close()
        server.release_uid()


def test_without_the_kernels_wall_hidden_cases_are_refused_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(
        sandbox,
        "isolation_available",
        lambda: {"landlock": 0, "seccomp": False, "missing": ["the kernel has no Landlock (ENOSYS)"]},
    )
    sub = tmp_path / "good.py"
    sub.write_text(good_source(), encoding="utf-8")
    with pytest.raises(grading.GraderMisuse) as e:
        grading.grade([str(sub)], tmp_path / "o1", seed=3, exercises=["inner"], log=lambda *a: None)
    assert "Landlock" in str(e.value) and "seccomp" in str(e.value)
    assert "--allow-weak-isolation" in str(e.value)
    grading.grade(
        [str(sub)],
        tmp_path / "o2",
        seed=3,
        exercises=["inner"],
        log=lambda *a: None,
        allow_weak_isolation=True,
    )
    doc = json.loads((tmp_path / "o2" / "good" / "results.json").read_text())
    assert doc["score"] == MAX["inner"]
    assert doc["extra_data"]["isolation"]["weak"] and "WEAK" in doc["output"]
    assert doc["extra_data"]["isolation"]["landlock_abi"] == 0
    # public cases only need no wall (and no secret)
    grading.grade([str(sub)], tmp_path / "o3", exercises=["inner"], log=lambda *a: None, public_only=True)
    doc = json.loads((tmp_path / "o3" / "good" / "results.json").read_text())
    public = sum(g.points for g in catalogue.get("inner").groups if g.public)
    assert doc["score"] == doc["tests"][0]["max_score"] == public
    assert "public cases only" in doc["output"] and doc["extra_data"]["cases"] == "public only"


def test_public_only_on_the_command_line_says_so_in_every_results_json(tmp_path):
    for i in range(2):
        (tmp_path / "subs").mkdir(exist_ok=True)
        (tmp_path / "subs" / f"l{i}.py").write_text(good_source(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SEED"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            *sorted(map(str, (tmp_path / "subs").iterdir())),
            "--out",
            str(tmp_path / "out"),
            "--public-only",
            "--exercise",
            "gram",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "public cases only" in r.stdout
    for i in range(2):
        doc = json.loads((tmp_path / "out" / f"l{i}" / "results.json").read_text())
        assert "public cases only" in doc["output"] and doc["extra_data"]["cases"] == "public only"
        assert "hidden" not in doc["tests"][0]["output"]


def test_the_secret_comes_from_a_file_or_the_environment(tmp_path):
    f = tmp_path / "seed.txt"
    f.write_text("123456789\n")
    assert grading.read_secret(str(f), {}) == (123456789, [str(f)])
    assert grading.read_secret(None, {"AUTOGRADER_SEED": " 42 "}) == (42, [])
    assert grading.read_secret(None, {}) == (None, [])
    for bad in ("-1", "0x10", "seed", ""):
        f.write_text(bad)
        with pytest.raises(grading.GraderMisuse):
            grading.read_secret(str(f), {})


def test_hidden_feedback_is_built_from_data_not_sentences():
    """A failed hidden case: the kind of failure, a built-in exception type, a misconception;
    never a message, a value or a shape (the k-means judge's sentence names shapes)."""

    def first_hidden(name):
        ex = catalogue.get(name)
        gi = next(i for i, g in enumerate(ex.groups) if not g.public)
        from autograder import cases

        plain = cases.plain_case(ex, ex.cases(gi, seed=7)[0])
        return ex, plain, cases.reference_result(ex, plain)

    ex, plain, expected = first_hidden("kmeans")
    import numpy as np

    from autograder.sandbox import harness as _harness

    got = _harness.encode((np.zeros((1, 17)), 0.5), {}, prefix="r")
    text = grading.hidden_feedback(ex, plain, expected, ({"value": got[0]}, got[1]))
    assert "17" not in text and "shape" not in text and text.startswith("wrong values")
    leak = {
        "error": "Leak_4242",
        "mro": ["Leak_4242", "ValueError", "Exception", "BaseException", "object"],
        "message": "the inputs were [4, 2, 4, 2]",
        "forbidden": False,
    }
    text = grading.hidden_feedback(ex, plain, expected, (leak, {}))
    assert text == "raised ValueError (a subclass)"
    odd = dict(leak, mro=["Leak_4242", "object"])
    assert grading.hidden_feedback(ex, plain, expected, (odd, {})) == "raised an exception"
    ex, plain, expected = first_hidden("gram")
    V = np.asarray(_harness.decode(plain.call.tree["args"], plain.call.arrays)[0], dtype=float)
    got = _harness.encode(V.T @ V if V.shape[0] == V.shape[1] else V.T @ V, {}, prefix="r")
    text = grading.hidden_feedback(ex, plain, expected, ({"value": got[0]}, got[1]))
    assert text.startswith("wrong values") and "expected" not in text and "got" not in text


def test_the_filter_program_is_well_formed():
    prog = _wall.filter_program(4242)
    assert len(prog) % 8 == 0 and len(prog) // 8 < 4096
    assert _wall.handled_fs(1) == (1 << 13) - 1 and _wall.handled_fs(7) == (1 << 16) - 1
