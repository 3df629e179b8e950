"""Grading throughput (issue 4): `python -m autograder grade --jobs 2` on 200 full
submissions against executing the same notebooks through nbclient (what nbgrader's
autograde does: one fresh kernel per notebook).

A full submission is one learner's folder holding every chapter notebook of the book with
its solutions filled in. Ours is measured end to end (a subprocess: start-up, reference
answers, fork servers, 200 submissions, results.json and grades.csv). The peer is measured
on a sample (one submission's notebooks, each in a fresh kernel) and scaled to 200
submissions on 2 parallel workers, assuming perfect parallel scaling (in the peer's favour).
Target: ours/peer ≤ 0.1 (at least 10× faster).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work" / f"grading-{os.getpid()}"     # private: two bench runs may overlap


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


def time_ours(subs, jobs=2):
    out = WORK / "results"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, subs), "--out", str(out),
                        "--jobs", str(jobs), "--seed", "1", "--quiet"], cwd=ROOT,
                       capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"grade failed: {r.stderr[-2000:]}")
    scores = [json.loads((out / s.name / "results.json").read_text())["score"] for s in subs]
    return elapsed, scores


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
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except Exception:  # noqa: BLE001 - still timed: nbgrader would have run it too
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
    ours_s, scores = time_ours(subs, jobs)
    sample = notebooks[:2] if quick else notebooks
    peer_sample_s, failures = time_nbclient(sample)
    per_submission = peer_sample_s * len(notebooks) / len(sample)
    peer_s = per_submission * n / jobs
    ratio = ours_s / peer_s
    note = (f"{n} submissions × {len(notebooks)} notebooks; ours end to end with --jobs {jobs} "
            f"({ours_s / n * 1000:.0f} ms a submission; scores {min(scores)}–{max(scores)}). "
            f"nbclient measured on {len(sample)} notebook(s) in fresh kernels "
            f"({peer_sample_s:.1f} s{', ' + str(failures) + ' failed' if failures else ''}), "
            f"scaled to {n} submissions on {jobs} workers (perfect scaling assumed).")
    shutil.rmtree(WORK, ignore_errors=True)
    return [{"name": f"grading: {n} full submissions, --jobs {jobs}", "ours_s": ours_s,
             "peer": "nbclient (nbgrader autograde)", "peer_s": peer_s, "ratio": ratio,
             "target": "≤ 0.1 (≥ 10× faster)", "ok": ratio <= 0.1, "note": note}]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
