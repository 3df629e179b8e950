"""`grade PATH... --out DIR`: sandboxed batch grading with public and hidden cases.

Each PATH is one submission (a .py, a .ipynb, or a folder of one learner's files). For each,
DIR/<name>/results.json (Gradescope's format) is written atomically, then DIR/grades.csv is
rebuilt from every results.json in DIR. A batch that stops halfway resumes: submissions
with a results.json are skipped (same seed and exercises only, see batch.json).

The hidden cases' seed is the instructor's secret: `read_secret` takes it from a file
(`--seed-file`) or $AUTOGRADER_SEED, never from the command line (readable by every process
in /proc/<pid>/cmdline); it stays in this process (the fork servers never see it). Each
submission runs twice, in two fork servers: one holding the public cases' inputs only (its
printed output and feedback are shown in full), one the hidden cases' (nothing of what the
learner's code prints or raises there is shown: a hidden case reports its group, pass/fail,
the built-in exception type and the recognised misconception only).
"""

import csv
import hashlib
import io
import json
import os
import pathlib
import queue
import re
import shutil
import threading
import time
from dataclasses import dataclass

from . import cases, engine, questions, sandbox, verdicts
from . import exercises as catalogue
from .selfcheck import format_lines


class GraderMisuse(ValueError):
    """The grader was called wrongly (exit status 2)."""


NO_SECRET = (
    "no secret for the hidden cases: put it (an integer) in a file and pass "
    "--seed-file FILE, or set the environment variable AUTOGRADER_SEED; or pass "
    "--public-only to grade the public cases alone"
)


def read_secret(seed_file=None, environ=None):
    """(seed, [files holding it]) from `seed_file`, else $AUTOGRADER_SEED; (None, []) when
    neither is given. Raises GraderMisuse for an unreadable or malformed secret."""
    environ = os.environ if environ is None else environ
    if seed_file:
        try:
            text, where = pathlib.Path(seed_file).read_text(encoding="utf-8"), [str(seed_file)]
        except (OSError, UnicodeDecodeError) as e:
            raise GraderMisuse(f"--seed-file {seed_file}: cannot read it ({e})") from None
    elif environ.get("AUTOGRADER_SEED", "").strip():
        text, where = environ["AUTOGRADER_SEED"], []
    else:
        return None, []
    try:
        seed = int(text.strip())
        if seed < 0:
            raise ValueError
    except ValueError:
        raise GraderMisuse(
            "the secret must be a non-negative integer (make one with: python -c "
            "'import secrets; print(secrets.randbits(64))')"
        ) from None
    return seed, where


@dataclass
class Submission:
    name: str
    path: pathlib.Path
    files: list  # [(label, absolute path, chapter or None)]


def _chapter(name):
    m = re.match(r"(\d+)_", pathlib.Path(name).name)
    return int(m.group(1)) if m else None


# folders of a learner's course folder that are the course's, not the learner's (release ships them)
COURSE_PACKAGES = ("solutions", "autograder")


def _skipped(parts):
    """A file of a submission folder that is not graded: hidden or private (".", "__"), or in a
    course package the release ships beside the notebooks."""
    return any(p.startswith((".", "__")) for p in parts) or any(p in COURSE_PACKAGES for p in parts[:-1])


def collect(paths):
    """The submissions named by PATHs, with unique names."""
    subs, seen = [], {}
    for raw in paths:
        p = pathlib.Path(raw)
        if p.is_file() and p.suffix in (".py", ".ipynb"):
            files = [(p.name, str(p.resolve()), _chapter(p.name))]
            name = p.stem
        elif p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.suffix in (".py", ".ipynb") and f.is_file() and not _skipped(f.relative_to(p).parts)
            )
            files = [(str(f.relative_to(p)), str(f.resolve()), _chapter(f.name)) for f in found]
            name = p.resolve().name
        else:
            raise GraderMisuse(f"{raw}: not a .py file, a .ipynb file or a folder")
        name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "submission"
        if name in seen:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        else:
            seen[name] = 1
        subs.append(Submission(name, p, files))
    return subs


# ----------------------------------------------------------------------------- the cases
def prepare(seed, names=None, public_only=False):
    """Every case of every exercise (the public ones only if public_only), and its expected
    answer (computed here, with solutions).

    Returns {name: {"exercise", "plains": [(gi, plain)], "expected": [...],
                    "phases": {"public": [case index], "hidden": [...]},
                    "server": {"public": {...}, "hidden": {...}}}}: what each fork server gets.
    """
    try:
        import torch

        torch.set_num_threads(1)  # time the reference as the sandbox runs learners
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(1)
    except ImportError:
        limiter = None
    out = {}
    try:
        for ex in catalogue.EXERCISES:
            if names and ex.name not in names:
                continue
            built = cases.build(ex, "public" if public_only else "all", seed)
            plains = [(gi, plain) for gi, pairs in built for plain, _ in pairs]
            expected = [exp for _, pairs in built for _, exp in pairs]
            phases = {
                w: [ci for ci, (gi, _) in enumerate(plains) if ex.groups[gi].public == (w == "public")]
                for w in ("public", "hidden")
            }
            out[ex.name] = {
                "exercise": ex,
                "plains": plains,
                "expected": expected,
                "phases": phases,
                "server": {
                    w: {
                        "chapter": ex.chapter,
                        "kind": ex.kind,
                        "forbidden": list(ex.forbidden),
                        "cases": [plains[ci][1].call for ci in idx],
                    }
                    for w, idx in phases.items()
                },
            }
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    return out


def case_verdict(ex, plain, expected, got):
    """engine.verdict on a result the child wrote (anything may be wrong with it)."""
    try:
        if not isinstance(got[0], dict):
            raise TypeError("not a result")
        return engine.verdict(ex, plain, expected, got)
    except Exception as e:
        return engine.CaseVerdict(verdicts.Malformed(type(e).__name__))


def hidden_feedback(ex, plain, expected, got):
    """What a learner may see of a failed hidden case: its verdict worded from data only
    (verdicts.render(..., hidden=True)): the kind of failure, the built-in exception type, the
    recognised misconception; never a message, a value, a shape or the inputs."""
    return case_verdict(ex, plain, expected, got).text(hidden=True)


MISSING = (
    "`{}` is not defined in the submission (grading runs only imports, defs, classes "
    "and plain constants: see the rule)"
)


def _phase_cases(prep, which, status, safe):
    """([(result, arrays)] of one phase's cases, None), or (None, why they are all lost)."""
    ex, n = prep["exercise"], len(prep["phases"][which])
    if status != "done":
        return None, status or "not run"
    try:
        result, arrays = sandbox.read_results(safe, ex.name)
        if not isinstance(result, dict):
            raise ValueError("not an object")
    except Exception as e:
        return None, f"unreadable results ({type(e).__name__})"
    if result.get("missing"):
        return None, MISSING.format(ex.name)
    if result.get("unsaved"):  # the child's text: shown for public cases only
        return None, "the results could not be saved" + (
            f": {result['unsaved']}" if which == "public" else ""
        )
    cases = result.get("cases")
    if not isinstance(cases, list) or len(cases) != n:
        return None, "malformed results"
    out = []
    for j, got in enumerate(cases):
        prefix = f"c{j}."
        out.append((got, {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}))
    return out, None


def judge_exercise(prep, phases):
    """An ExerciseResult from the children's results (or their failure statuses).

    phases: {"public"|"hidden": (status, folder of the results)} for each phase that ran."""
    ex = prep["exercise"]
    got, lost = {}, {}
    for which, (status, safe) in phases.items():
        results, why = _phase_cases(prep, which, status, safe)
        if why is not None:
            lost[which] = why
        else:
            got.update(zip(prep["phases"][which], results))
    gis = sorted({gi for gi, _ in prep["plains"]})
    if lost and not got and len(set(lost.values())) == 1:
        msg = next(iter(lost.values()))
        gs = [
            engine.GroupResult(ex.groups[gi].name, 0, ex.groups[gi].points, ex.groups[gi].public, False, msg)
            for gi in gis
        ]
        return engine.ExerciseResult(ex.name, gs, msg)
    groups = []
    for gi in gis:
        g = ex.groups[gi]
        which = "public" if g.public else "hidden"
        if which in lost:
            groups.append(engine.GroupResult(g.name, 0, g.points, g.public, False, lost[which]))
            continue
        cis = [ci for ci, (gj, _) in enumerate(prep["plains"]) if gj == gi]
        found = [case_verdict(ex, prep["plains"][ci][1], prep["expected"][ci], got[ci]) for ci in cis]
        # a hidden group is worded from its verdicts' data only (verdicts.render, hidden=True)
        groups.append(
            engine.group_result(ex, gi, found, [prep["plains"][ci][1] for ci in cis], hidden=not g.public)
        )
    return engine.finish(ex, groups)


# ----------------------------------------------------------------------------- results
PUBLIC_ONLY = (
    "public cases only: no secret was given, so the hidden cases did not run "
    "(the scores are out of the public points)"
)


def gradescope_json(sub_name, results, problems, output, elapsed=None, isolation=None, public_only=False):
    tests = []
    for r in results:
        lines = format_lines(r, public_only=False)
        tests.append(
            {
                "name": r.name,
                "score": r.score,
                "max_score": r.max_score,
                "status": "passed" if r.passed else "failed",
                "output": "\n".join(lines),
                "visibility": "visible",
            }
        )
    total = sum(t["score"] for t in tests)
    maximum = sum(t["max_score"] for t in tests)
    text = [
        f"{sub_name}: {total}/{maximum} points "
        + (f"({PUBLIC_ONLY})." if public_only else "(public and hidden cases).")
    ]
    if isolation is not None:
        text.append(sandbox.describe_isolation(isolation))
    if problems:
        text += ["", "Problems while loading your code:"] + [f"  - {p}" for p in problems]
    if output.strip():
        text += [
            "",
            "Your code printed, while loading and in the public cases (first 2000 "
            "characters; what it prints in hidden cases is never shown):",
            output[:2000],
        ]
    doc = {
        "score": total,
        "output": "\n".join(text),
        "tests": tests,
        "stdout_visibility": "visible",
        "extra_data": {
            "cases": "public only" if public_only else "public and hidden",
            "isolation": isolation,
            # per exercise, per group: passed, points, the outcome's kind and the
            # misconception recognised, as data (report.py reads these)
            "verdicts": {r.name: [g.as_dict() for g in r.groups] for r in results},
        },
    }
    if elapsed is not None:
        doc["execution_time"] = round(elapsed, 3)
    return doc


def failure_json(sub_name, message, isolation=None, public_only=False):
    """A valid result when grading itself failed: score 0 and a visible explanation."""
    return {
        "score": 0,
        "output": f"{sub_name}: the autograder failed: {message}",
        "tests": [
            {
                "name": "autograder",
                "score": 0,
                "max_score": 0,
                "status": "failed",
                "output": f"The autograder failed: {message}",
                "visibility": "visible",
            }
        ],
        "extra_data": {
            "cases": "public only" if public_only else "public and hidden",
            "isolation": isolation,
        },
    }


def atomic_write(path, text):
    path = pathlib.Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_grades_csv(out, names):
    rows = []
    for d in sorted(p for p in pathlib.Path(out).iterdir() if p.is_dir()):
        rp = d / "results.json"
        if not rp.is_file():
            continue
        try:
            doc = json.loads(rp.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        scores = {t["name"]: t["score"] for t in doc.get("tests", [])}
        maximum = sum(t.get("max_score", 0) for t in doc.get("tests", []))
        rows.append([d.name, doc.get("score", 0), maximum] + [scores.get(n, 0) for n in names])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "total", "max"] + list(names))
    w.writerows(rows)
    atomic_write(pathlib.Path(out) / "grades.csv", buf.getvalue())


def _batch_id(seed, names):
    h = hashlib.sha256(f"{seed}|{','.join(names)}".encode()).hexdigest()[:16]
    return h


WEAK = (
    "the kernel lacks {}: hidden cases are graded only behind the kernel's wall (Landlock "
    "and seccomp), since without it learner code can start a program and read the reference "
    "solutions, the other submissions or the secret; pass --allow-weak-isolation to grade "
    "anyway, or --public-only"
)


def isolation_plan(hidden, allow_weak=False, wall=True):
    """sandbox.isolation_plan; raises GraderMisuse when hidden cases would run without the
    kernel's wall and that is not allowed."""
    plan = sandbox.isolation_plan(hidden, allow_weak, wall)
    if hidden and plan["weak"] and wall and not allow_weak:
        raise GraderMisuse(WEAK.format(" and ".join(plan["weak"])))
    return plan


# ----------------------------------------------------------------------------- the batch
def grade(
    paths,
    out,
    jobs=1,
    seed=None,
    timeout=10.0,
    limits=None,
    exercises=None,
    fresh=False,
    log=print,
    public_only=False,
    allow_weak_isolation=False,
    secret_files=(),
    wall=True,
    progress=None,
):
    """Grade submissions into OUT; returns {submission: score}. Raises GraderMisuse.

    seed: the secret of the hidden cases (see read_secret), required unless public_only.
    secret_files: files holding it (kept out of the children's reach, checked).
    wall=False switches the kernel's wall off (only to measure what it costs)."""
    if jobs < 1:
        raise GraderMisuse("--jobs must be ≥ 1")
    if not cases.solutions_available():
        raise GraderMisuse(
            "grading needs the reference package `solutions` (the expected "
            "answers are computed from it, in the grader's process)"
        )
    names = exercises or [ex.name for ex in catalogue.EXERCISES]
    unknown = [n for n in names if n not in catalogue.BY_NAME]
    if unknown:
        raise GraderMisuse(f"unknown exercise(s): {', '.join(unknown)}")
    subs = collect(paths)
    if not subs:
        raise GraderMisuse("no submissions given")
    if seed is None and not public_only:
        raise GraderMisuse(NO_SECRET)
    if public_only:
        seed = None
    secret_files = [str(pathlib.Path(f).resolve()) for f in secret_files]
    for f in secret_files:
        near = [d for d in sandbox.wall_read() if f.startswith(os.path.realpath(d) + "/")]
        if near:
            raise GraderMisuse(
                f"the secret file {f} lies in {near[0]}, which the sandbox lets "
                "learner code read: keep it elsewhere"
            )
    plan = isolation_plan(not public_only, allow_weak_isolation, wall)
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for s in subs:
        if out.resolve() == s.path.resolve() or out.resolve() in s.path.resolve().parents:
            raise GraderMisuse(f"--out {out} must not hold the submissions")
    batch = {"batch": _batch_id("public-only" if public_only else seed, names), "exercises": names}
    bpath = out / "batch.json"
    if bpath.is_file() and not fresh:
        old = json.loads(bpath.read_text(encoding="utf-8"))
        if old.get("batch") != batch["batch"]:
            raise GraderMisuse(
                f"{out} holds results of another seed or exercise list: "
                "use another --out, or --fresh to regrade everything"
            )
    limits = limits or sandbox.Limits(wall=timeout, cpu=timeout)
    batch["cases"] = "public only" if public_only else "public and hidden"
    batch["isolation"] = {
        "landlock_abi": plan["kernel"]["landlock"] if plan["landlock"] else 0,
        "seccomp": plan["seccomp"],
        "uid_switch": os.geteuid() == 0,
        "audit_hook": True,
        "limits": limits.as_dict(),
        "weak": plan["weak"],
        "required": plan["require"],
    }
    atomic_write(bpath, json.dumps(batch))
    todo = [s for s in subs if fresh or not (out / s.name / "results.json").is_file()]
    started, started_at = time.monotonic(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if progress is not None:  # progress(done, total); resumed: starts at what is done
        progress(len(subs) - len(todo), len(subs))
    if len(todo) < len(subs):
        log(f"resuming: {len(subs) - len(todo)} submission(s) already graded")
    if public_only:
        log(f"grading the {PUBLIC_ONLY}")
    prep = prepare(seed, names, public_only)
    server_cases = {
        w: {n: prep[n]["server"][w] for n in names if prep[n]["phases"][w]} for w in ("public", "hidden")
    }
    # what a child may not read: the course, the results, every submission's folder, the secret
    deny = sorted(
        d
        for d in {str(sandbox.PROJECT), str(out.resolve())}
        | {str(s.path.resolve().parent) for s in subs}
        | set(secret_files)
        if d != "/"
    )
    wall_job = {k: plan[k] for k in ("landlock", "seccomp", "require")}
    scores, seen = {}, []
    q = queue.Queue()
    for s in todo:
        q.put(s)
    lock = threading.Lock()

    def worker(slot):
        servers = {w: sandbox.ForkServer(c, slot, deny, wall_job) for w, c in server_cases.items() if c}
        try:
            for server in servers.values():  # both start at once; run() restarts a dead one
                server.launch()
            for server in servers.values():
                try:
                    server.wait_ready()
                except sandbox.ServerDied:
                    pass
            while True:
                try:
                    sub = q.get_nowait()
                except queue.Empty:
                    return
                try:
                    doc = grade_one(servers, slot, sub, prep, names, limits, plan, public_only)
                except Exception as e:
                    doc = failure_json(sub.name, f"{type(e).__name__}: {e}", public_only=public_only)
                d = out / sub.name
                d.mkdir(exist_ok=True)
                atomic_write(d / "results.json", json.dumps(doc, indent=1, ensure_ascii=False))
                with lock:
                    scores[sub.name] = doc["score"]
                    seen.append((doc.get("extra_data") or {}).get("isolation"))
                    log(f"{sub.name}: {doc['score']}/{sum(t['max_score'] for t in doc['tests'])}")
                    if progress is not None:
                        progress(len(subs) - len(todo) + len(scores), len(subs))
        finally:
            for server in servers.values():
                server.close()
                server.release_uid()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(min(jobs, len(todo)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    write_grades_csv(out, names)
    if todo:  # the run's wall clock, for the report
        batch["last_run"] = {
            "started": started_at,
            "graded": len(todo),
            "jobs": jobs,
            "elapsed_s": round(time.monotonic() - started, 3),
        }
        atomic_write(bpath, json.dumps(batch))
    if seen:
        weakest = min(
            (i for i in seen if i),
            default=None,
            key=lambda i: (i.get("landlock_abi") or 0, bool(i.get("seccomp"))),
        )
        batch["isolation_seen"] = weakest
        atomic_write(bpath, json.dumps(batch))
        log(sandbox.describe_isolation(weakest))
    return scores


def _run_phase(server, sub, exercises, limits):
    """(reply, results folder) of one fork server on one submission; the caller removes the
    folder. The server is restarted and the run retried once if it dies."""
    err = None
    for _ in range(2):
        scratch, safe = server.make_scratch()
        try:
            return server.run([list(f) for f in sub.files], exercises, scratch, limits, safe), safe
        except sandbox.ServerDied as e:
            err = str(e)
            shutil.rmtree(safe, ignore_errors=True)
        finally:
            server.kill_leftovers()
            shutil.rmtree(scratch, ignore_errors=True)
    raise sandbox.ServerDied(err)


def grade_one(servers, slot, sub, prep, names, limits, plan=None, public_only=False):
    """The results.json document of one submission (never raises for a learner's doing).

    servers: {"public": ForkServer, "hidden": ForkServer}: the hidden one only if there
    are hidden cases; each runs the submission on its own cases, in a child of its own."""
    plan = plan or {}
    t0 = time.monotonic()
    replies, folders = {}, []
    try:
        for which, server in servers.items():
            exs = [n for n in names if prep[n]["phases"][which]]
            if not exs:
                continue
            try:
                reply, safe = _run_phase(server, sub, exs, limits)
            except sandbox.ServerDied as e:
                return failure_json(sub.name, f"the sandbox failed twice ({e})", public_only=public_only)
            folders.append(safe)
            replies[which] = (reply, safe)
        results = []
        for n in names:
            phases = {
                w: (r["status"].get(n), safe) for w, (r, safe) in replies.items() if prep[n]["phases"][w]
            }
            results.append(judge_exercise(prep[n], phases))
        reply, safe = replies.get("public", ({}, None))
        problems = list(reply.get("problems", []))
        try:
            load = json.loads((safe / "_load.json").read_text(encoding="utf-8")[: 1 << 20])
            problems = [str(p)[:300] for p in load.get("problems", [])][:50] + problems
        except (OSError, ValueError, AttributeError, TypeError):
            pass
        if not sub.files:
            problems.insert(0, "no .py or .ipynb file in the submission")
        iso = sandbox.isolation_report([r for r, _ in replies.values()], plan, limits)
        doc = gradescope_json(
            sub.name,
            results,
            problems,
            reply.get("output", ""),
            time.monotonic() - t0,
            isolation=iso,
            public_only=public_only,
        )
        if set(names) == set(catalogue.BY_NAME):  # questions of understanding: parsed here, never run
            questions.add_to_results(doc, sub.files)
        return doc
    finally:
        for safe in folders:
            shutil.rmtree(safe, ignore_errors=True)
