"""Grading throughput (issue 4): `python -m autograder grade --jobs 2` on 200 full
submissions against executing the same notebooks through nbclient (what nbgrader's
autograde does: one fresh kernel per notebook).

A full submission is one learner's folder holding every chapter notebook of the book with
its solutions filled in. Ours is measured end to end (a subprocess: start-up, reference
answers, fork servers, 200 submissions, results.json and grades.csv). The peer is measured
on a sample (one submission's notebooks, each in a fresh kernel) and scaled to 200
submissions on 2 parallel workers, assuming perfect parallel scaling (in the peer's favour).
Target: ours/peer ≤ 0.1 (at least 10× faster).

The secret comes from $AUTOGRADER_SEED (never the command line). The same batch is also
graded with the kernel's wall switched off (`grade(..., wall=False)`, a Python-only switch)
to measure what Landlock + seccomp cost a submission; the children's own figure (the time
to build and enforce the wall, `wall_ms` in each results.json) is reported beside it.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

ROW_PREFIXES = ("grading",)  # its rows in RESULTS.md (python -m bench --only ... --keep-others)
HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work" / f"grading-{os.getpid()}"  # private: two bench runs may overlap


def make_submissions(n):
    """n learner folders, each a copy of the book's chapter notebooks (with solutions)."""
    notebooks = sorted((ROOT / "book").glob("[0-9]*.ipynb"))
    subs = WORK / "submissions"
    shutil.rmtree(subs, ignore_errors=True)
    for i in range(n):
        d = subs / f"learner_{i:03d}"
        d.mkdir(parents=True)
        for nb in notebooks:
            shutil.copy(nb, d / nb.name)
    return sorted(subs.iterdir()), notebooks


NO_WALL = (
    "import sys; from autograder.grade import grade; "
    "grade(sys.argv[3:], sys.argv[1], jobs=int(sys.argv[2]), seed=1, log=lambda *a: None, "
    "wall=False)"
)


def _no_report():
    """["--no-report"] where `grade` writes a report at the end of a batch: this measures the
    grading (the report is timed by its own tests)."""
    r = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    return ["--no-report"] if "--no-report" in r.stdout else []


def time_ours(subs, jobs=2, wall=True):
    """(seconds end to end, scores, mean wall_ms a child reported)."""
    out = WORK / ("results" if wall else "results-nowall")
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, AUTOGRADER_SEED="1")
    if wall:
        cmd = [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            *map(str, subs),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--quiet",
        ] + _no_report()
    else:
        cmd = [sys.executable, "-c", NO_WALL, str(out), str(jobs), *map(str, subs)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"grade failed: {r.stderr[-2000:]}")
    docs = [json.loads((out / s.name / "results.json").read_text()) for s in subs]
    walls = [d["extra_data"]["isolation"].get("wall_ms") or 0 for d in docs]
    return elapsed, [d["score"] for d in docs], sum(walls) / len(walls)


def time_nbclient(notebooks, timeout=600):
    """Seconds to execute each notebook in a fresh kernel, one after the other."""
    import nbformat
    from nbclient import NotebookClient

    # the kernels import `solutions` and `autograder` from the course folder, as nbval does
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(ROOT) + (os.pathsep + old if old else "")
    t0 = time.perf_counter()
    failures = 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            NotebookClient(
                nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            ).execute()
        except Exception:
            failures += 1
    elapsed = time.perf_counter() - t0
    if old is None:
        os.environ.pop("PYTHONPATH")
    else:
        os.environ["PYTHONPATH"] = old
    return elapsed, failures


def run(quick=False):
    n = 20 if quick else 200
    jobs = 2
    subs, notebooks = make_submissions(n)
    ours_s, scores, wall_ms = time_ours(subs, jobs)
    bare_s, bare_scores, _ = time_ours(subs, jobs, wall=False)
    sample = notebooks[:2] if quick else notebooks
    peer_sample_s, failures = time_nbclient(sample)
    per_submission = peer_sample_s * len(notebooks) / len(sample)
    peer_s = per_submission * n / jobs
    ratio = ours_s / peer_s
    note = (
        f"{n} submissions × {len(notebooks)} notebooks; ours end to end with --jobs {jobs} "
        f"({ours_s / n * 1000:.0f} ms a submission; scores {min(scores)}–{max(scores)}), "
        f"behind the kernel's wall (Landlock + seccomp, two children a submission: public "
        f"and hidden cases); without the wall {bare_s:.1f} s ({bare_s / n * 1000:.0f} ms a "
        f"submission, scores {min(bare_scores)}–{max(bare_scores)}): the wall costs "
        f"{(ours_s - bare_s) / n * 1000:+.0f} ms a submission end to end, {wall_ms:.2f} ms "
        f"to install in a child. "
        f"nbclient measured on {len(sample)} notebook(s) in fresh kernels "
        f"({peer_sample_s:.1f} s{', ' + str(failures) + ' failed' if failures else ''}), "
        f"scaled to {n} submissions on {jobs} workers (perfect scaling assumed)."
    )
    shutil.rmtree(WORK, ignore_errors=True)
    return [
        {
            "name": f"grading: {n} full submissions, --jobs {jobs}",
            "ours_s": ours_s,
            "peer": "nbclient (nbgrader autograde)",
            "peer_s": peer_s,
            "ratio": ratio,
            "target": "≤ 0.1 (≥ 10× faster)",
            "ok": ratio <= 0.1,
            "note": note,
        }
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
