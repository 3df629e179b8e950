"""python -m autograder.gradescope [--submission DIR] [--results DIR] [--source DIR]"""

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile
import traceback


def seed_from(source):
    """(seed, [files holding it]): $AUTOGRADER_SEED, else source/autograder_seed.txt; (None, [])
    when neither exists. Raises GraderMisuse for a malformed secret."""
    from autograder.grade import read_secret

    f = pathlib.Path(source) / "autograder_seed.txt"
    if os.environ.get("AUTOGRADER_SEED", "").strip() or not f.is_file():
        return read_secret(None)
    return read_secret(f)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m autograder.gradescope",
        description="Grade one Gradescope submission into results.json.",
    )
    p.add_argument("--submission", default="/autograder/submission")
    p.add_argument("--results", default="/autograder/results")
    p.add_argument("--source", default="/autograder/source")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument(
        "--allow-weak-isolation",
        action="store_true",
        help="grade hidden cases even where the kernel lacks Landlock or seccomp",
    )
    a = p.parse_args(argv)
    results = pathlib.Path(a.results)
    results.mkdir(parents=True, exist_ok=True)
    target = results / "results.json"
    work = pathlib.Path(tempfile.mkdtemp(prefix="ag-gradescope-"))
    try:
        from autograder.grade import GraderMisuse, grade

        seed, files = seed_from(a.source)
        if seed is None:
            raise GraderMisuse(
                "no secret for the hidden cases (note for the instructor: set "
                "AUTOGRADER_SEED or put autograder_seed.txt, one integer, in the "
                "autograder's source/ folder)"
            )
        sub = pathlib.Path(a.submission)
        grade(
            [str(sub)],
            work / "out",
            jobs=a.jobs,
            seed=seed,
            log=lambda *x: None,
            secret_files=files,
            allow_weak_isolation=a.allow_weak_isolation,
        )
        (doc_path,) = [d / "results.json" for d in (work / "out").iterdir() if d.is_dir()]
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
        text = json.dumps(doc, indent=1, ensure_ascii=False)
    except BaseException as e:
        try:
            from autograder.grade import failure_json

            doc = failure_json("submission", f"{type(e).__name__}: {e}")
        except BaseException:
            doc = {"score": 0, "output": f"the autograder failed: {type(e).__name__}: {e}", "tests": []}
        doc["output"] += "\n" + "".join(traceback.format_exception(e))[-2000:]
        text = json.dumps(doc, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
