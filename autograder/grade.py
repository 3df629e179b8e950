"""`grade PATH... --out DIR`: sandboxed batch grading with public and hidden cases.

Each PATH is one submission (a .py, a .ipynb, or a folder of one learner's files). For each,
DIR/<name>/results.json (Gradescope's format) is written atomically, then DIR/grades.csv is
rebuilt from every results.json in DIR. A batch that stops halfway resumes: submissions
with a results.json are skipped (same seed and exercises only, see batch.json).
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

from . import engine, registry, sandbox
from .selfcheck import format_lines


class GraderMisuse(ValueError):
    """The grader was called wrongly (exit status 2)."""


@dataclass
class Submission:
    name: str
    path: pathlib.Path
    files: list            # [(label, absolute path, chapter or None)]


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
            found = sorted(f for f in p.rglob("*") if f.suffix in (".py", ".ipynb") and f.is_file()
                           and not _skipped(f.relative_to(p).parts))
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
def prepare(seed, names=None):
    """Every case of every exercise, and its expected answer (computed here, with solutions).

    Returns {name: {"exercise", "plains": [(gi, plain)], "expected": [...], "server": {...}}}.
    """
    try:
        import torch
        torch.set_num_threads(1)        # time the reference as the sandbox runs learners
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(1)
    except ImportError:
        limiter = None
    out = {}
    try:
        for ex in registry.EXERCISES:
            if names and ex.name not in names:
                continue
            plains, expected = [], []
            for gi in range(len(ex.groups)):
                for case in ex.cases(gi, seed):
                    plain = engine.plain_case(ex, case)
                    plains.append((gi, plain))
                    expected.append(engine.reference_result(ex, plain))
            out[ex.name] = {"exercise": ex, "plains": plains, "expected": expected,
                            "server": {"chapter": ex.chapter, "kind": ex.kind,
                                       "forbidden": list(ex.forbidden),
                                       "cases": [p for _, p in plains]}}
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    return out


def _redact(feedback):
    """What a learner may see of a failed hidden case: the kind of failure, not the values."""
    body = feedback.split(": ", 1)[1] if feedback.startswith("case ") and ": " in feedback else feedback
    label = ""
    if " — this looks like " in body:
        body, label = body.split(" — this looks like ", 1)
        label = f" — this looks like {label}"
    if body.startswith(("raised", "not implemented", "forbidden", "expected ValueError",
                        "far slower")) or "shape:" in body or "dtype:" in body or \
            "gradient" in body and "none reached" in body:
        return f"a hidden case failed: {body}{label}"
    return f"a hidden case failed: wrong values{label}"


def judge_exercise(prep, status, safe):
    """An ExerciseResult from the child's results (or its failure status)."""
    ex = prep["exercise"]
    groups_of = {}
    for (gi, plain), exp in zip(prep["plains"], prep["expected"]):
        groups_of.setdefault(gi, []).append((plain, exp))

    def failed_all(msg):
        gs = [engine.GroupResult(g.name, 0, g.points, g.public, False, msg) for g in ex.groups]
        return engine.ExerciseResult(ex.name, gs, msg)

    if status != "done":
        return failed_all(status or "not run")
    try:
        result, arrays = sandbox.read_results(safe, ex.name)
        if not isinstance(result, dict):
            raise ValueError("not an object")
    except Exception as e:  # noqa: BLE001 - written by the child: anything may be wrong
        return failed_all(f"unreadable results ({type(e).__name__})")
    if result.get("missing"):
        return failed_all(f"`{ex.name}` is not defined in the submission (grading runs only "
                          "imports, defs, classes and plain constants: see the rule)")
    if result.get("unsaved"):
        return failed_all(f"the results could not be saved: {result['unsaved']}")
    cases = result.get("cases")
    if not isinstance(cases, list) or len(cases) != len(prep["plains"]):
        return failed_all("malformed results")
    verdicts = {}
    for ci, ((gi, plain), exp, got) in enumerate(zip(prep["plains"], prep["expected"], cases)):
        prefix = f"c{ci}."
        ga = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        try:
            if not isinstance(got, dict):
                raise TypeError("not a result")
            v = engine.verdict(ex, plain, exp, (got, ga))
        except Exception as e:  # noqa: BLE001 - a malformed result fails its case
            v = engine.CaseVerdict(False, f"malformed result ({type(e).__name__})")
        verdicts.setdefault(gi, []).append(v)
    groups = []
    for gi in range(len(ex.groups)):
        g = engine.group_result(ex, gi, verdicts[gi], [p for p, _ in groups_of[gi]])
        if not g.public and g.feedback and not g.forbidden:
            g.feedback = _redact(g.feedback)
        groups.append(g)
    return engine.finish(ex, groups)


# ----------------------------------------------------------------------------- results
def gradescope_json(sub_name, results, problems, output, elapsed=None):
    tests = []
    for r in results:
        lines = format_lines(r, public_only=False)
        tests.append({"name": r.name, "score": r.score, "max_score": r.max_score,
                      "status": "passed" if r.passed else "failed",
                      "output": "\n".join(lines), "visibility": "visible"})
    total = sum(t["score"] for t in tests)
    maximum = sum(t["max_score"] for t in tests)
    text = [f"{sub_name}: {total}/{maximum} points (public and hidden cases)."]
    if problems:
        text += ["", "Problems while loading your code:"] + [f"  - {p}" for p in problems]
    if output.strip():
        text += ["", "Your code printed (first 2000 characters):", output[:2000]]
    doc = {"score": total, "output": "\n".join(text), "tests": tests,
           "stdout_visibility": "visible"}
    if elapsed is not None:
        doc["execution_time"] = round(elapsed, 3)
    return doc


def failure_json(sub_name, message):
    """A valid result when grading itself failed: score 0 and a visible explanation."""
    return {"score": 0, "output": f"{sub_name}: the autograder failed: {message}",
            "tests": [{"name": "autograder", "score": 0, "max_score": 0, "status": "failed",
                       "output": f"The autograder failed: {message}", "visibility": "visible"}]}


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


# ----------------------------------------------------------------------------- the batch
def grade(paths, out, jobs=1, seed=None, timeout=10.0, limits=None, exercises=None,
          fresh=False, log=print, progress=None):
    """Grade submissions into OUT; returns {submission: score}. Raises GraderMisuse."""
    if jobs < 1:
        raise GraderMisuse("--jobs must be ≥ 1")
    if not engine.solutions_available():
        raise GraderMisuse("grading needs the reference package `solutions` (the expected "
                           "answers are computed from it, in the grader's process)")
    names = exercises or [ex.name for ex in registry.EXERCISES]
    unknown = [n for n in names if n not in registry.BY_NAME]
    if unknown:
        raise GraderMisuse(f"unknown exercise(s): {', '.join(unknown)}")
    subs = collect(paths)
    if not subs:
        raise GraderMisuse("no submissions given")
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for s in subs:
        if out.resolve() == s.path.resolve() or out.resolve() in s.path.resolve().parents:
            raise GraderMisuse(f"--out {out} must not hold the submissions")
    batch = {"batch": _batch_id(seed, names), "exercises": names}
    bpath = out / "batch.json"
    if bpath.is_file() and not fresh:
        old = json.loads(bpath.read_text(encoding="utf-8"))
        if old.get("batch") != batch["batch"]:
            raise GraderMisuse(f"{out} holds results of another seed or exercise list: "
                               "use another --out, or --fresh to regrade everything")
    atomic_write(bpath, json.dumps(batch))
    todo = [s for s in subs if fresh or not (out / s.name / "results.json").is_file()]
    started, started_at = time.monotonic(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if progress is not None:          # progress(done, total); resumed: starts at what is done
        progress(len(subs) - len(todo), len(subs))
    if len(todo) < len(subs):
        log(f"resuming: {len(subs) - len(todo)} submission(s) already graded")
    limits = limits or sandbox.Limits(wall=timeout, cpu=timeout)
    prep = prepare(seed, names)
    server_cases = {n: prep[n]["server"] for n in names}
    # what a child may not read: the course, the results, every submission's folder
    deny = sorted(d for d in {str(sandbox.PROJECT), str(out.resolve())} |
                  {str(s.path.resolve().parent) for s in subs} if d != "/")
    scores = {}
    q = queue.Queue()
    for s in todo:
        q.put(s)
    lock = threading.Lock()

    def worker(slot):
        server = sandbox.ForkServer(server_cases, slot, deny)
        try:
            while True:
                try:
                    sub = q.get_nowait()
                except queue.Empty:
                    return
                try:
                    doc = grade_one(server, slot, sub, prep, names, limits)
                except Exception as e:  # noqa: BLE001 - never lose the batch
                    doc = failure_json(sub.name, f"{type(e).__name__}: {e}")
                d = out / sub.name
                d.mkdir(exist_ok=True)
                atomic_write(d / "results.json", json.dumps(doc, indent=1, ensure_ascii=False))
                with lock:
                    scores[sub.name] = doc["score"]
                    log(f"{sub.name}: {doc['score']}/{sum(t['max_score'] for t in doc['tests'])}")
                    if progress is not None:
                        progress(len(subs) - len(todo) + len(scores), len(subs))
        finally:
            server.close()
            server.release_uid()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(min(jobs, len(todo)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    write_grades_csv(out, names)
    if todo:                          # the run's wall clock, for the report
        batch["last_run"] = {"started": started_at, "graded": len(todo), "jobs": jobs,
                             "elapsed_s": round(time.monotonic() - started, 3)}
        atomic_write(bpath, json.dumps(batch))
    return scores


def grade_one(server, slot, sub, prep, names, limits):
    """The results.json document of one submission (never raises for a learner's doing)."""
    t0 = time.monotonic()
    reply = None
    for attempt in range(2):
        scratch, safe = server.make_scratch()
        try:
            reply = server.run([list(f) for f in sub.files], names, scratch, limits, safe)
            results = [judge_exercise(prep[n], reply["status"].get(n), safe) for n in names]
            problems = list(reply.get("problems", []))
            try:
                load = json.loads((safe / "_load.json").read_text(encoding="utf-8")[:1 << 20])
                problems = [str(p)[:300] for p in load.get("problems", [])][:50] + problems
            except (OSError, ValueError, AttributeError):
                pass
            if not sub.files:
                problems.insert(0, "no .py or .ipynb file in the submission")
            return gradescope_json(sub.name, results, problems, reply.get("output", ""),
                                   time.monotonic() - t0)
        except sandbox.ServerDied as e:
            err = str(e)
        finally:
            server.kill_leftovers()
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.rmtree(safe, ignore_errors=True)
    return failure_json(sub.name, f"the sandbox failed twice ({err})")
