"""python -m autograder {release,check,grade,report,sync} ... (a thin layer over the API)."""

import argparse
import sys

EXIT_MISUSE = 2


def _release(a):
    from .authoring.release import release
    from .cases import solutions_available

    if not a.no_answers and not solutions_available():
        print(
            "autograder release: error: the public answers are computed with the `solutions` "
            "package, which does not import (or pass --no-answers)",
            file=sys.stderr,
        )
        return EXIT_MISUSE
    try:
        paths = release(a.src, a.out, answers=not a.no_answers)
    except (ImportError, ValueError) as err:  # no `solutions` to copy helpers from; a bad helper
        print(f"autograder release: error: {err}", file=sys.stderr)
        return EXIT_MISUSE
    for p in paths:
        print(f"wrote {p}")
    return 0


def _check(a):
    from .checkfile import check_file

    return check_file(a.path, a.exercise, answers_dir=a.answers)


SEED_GONE = (
    "--seed is gone: a command line can be read by every process on the machine "
    "(/proc/<pid>/cmdline), learner code included, so the secret must not be on it. "
    "Put it in a file only you can read and pass --seed-file FILE, or set the "
    "environment variable AUTOGRADER_SEED"
)


def _grade(a):
    from .grade import GraderMisuse, grade, read_secret
    from .sandbox import Limits

    if a.seed is not None:
        print(f"autograder grade: error: {SEED_GONE}", file=sys.stderr)
        return EXIT_MISUSE
    limits = Limits(
        wall=a.timeout, cpu=a.timeout, memory=int(a.memory * (1 << 20)), output=int(a.output_limit * 1024)
    )
    from .report import Progress

    progress = None if a.quiet else Progress()  # a bar on a terminal, else plain lines
    try:
        seed, files = (None, []) if a.public_only else read_secret(a.seed_file)
        grade(
            a.paths,
            a.out,
            jobs=a.jobs,
            seed=seed,
            limits=limits,
            exercises=a.exercise or None,
            fresh=a.fresh,
            log=(lambda *x: None) if a.quiet else progress.write,
            progress=progress,
            public_only=a.public_only,
            allow_weak_isolation=a.allow_weak_isolation,
            secret_files=files,
        )
    except (GraderMisuse, FileNotFoundError) as e:
        print(f"autograder grade: error: {e}", file=sys.stderr)
        return EXIT_MISUSE
    finally:
        if progress is not None:
            progress.close()
    if not a.no_report:
        _batch_report(a)
    return 0


def _batch_report(a):
    """OUT/report.html and report.json after a batch; a failure here never fails the batch."""
    from .report import write_report

    try:
        html_path, _, _ = write_report(a.out, submissions=a.paths)
    except Exception as e:
        print(f"autograder grade: the report was not written: {type(e).__name__}: {e}", file=sys.stderr)
        return
    if not a.quiet:
        print(f"report: {html_path}")


def _report(a):
    from .report import NoResults, write_report

    try:
        html_path, json_path, _ = write_report(
            a.out, submissions=a.submissions, threshold=a.threshold, book_url=a.book_url
        )
    except NoResults as e:
        print(f"autograder report: error: {e}", file=sys.stderr)
        return EXIT_MISUSE
    print(f"wrote {html_path} and {json_path}")
    return 0


def _sync(a):
    from .authoring.sync import sync

    drifts = sync(a.bookdir, check=a.check)
    for d in drifts:
        print(d)
    if a.check:
        if drifts:
            print(f"{len(drifts)} solution block(s) differ: run `python -m autograder sync {a.bookdir}`")
            return 1
        print("all solution blocks equal the solutions modules")
        return 0
    print(f"rewrote {len(drifts)} solution block(s)" if drifts else "nothing to rewrite")
    return 0


def _catalogue(a):
    from .authoring import readme

    stale = readme.sync(check=a.check)
    if a.check:
        print(
            f"{readme.README}: the exercise catalogue is "
            + ("stale: run `python -m autograder catalogue`" if stale else "current")
        )
        return 1 if stale else 0
    print(f"rewrote the catalogue of {readme.README}" if stale else "the catalogue is current")
    return 0


def parser():
    p = argparse.ArgumentParser(
        prog="python -m autograder",
        description=(
            "Release student notebooks, self-check a learner's file, grade submissions in a "
            "sandbox, and keep notebook solutions in sync with the solutions package."
        ),
    )
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    r = sub.add_parser(
        "release",
        help="write the student edition of every notebook in SRC",
        description="Write the student edition of every notebook in SRC into DIR: "
        "solution blocks become stubs raising NotImplementedError(<# HINT: line>), "
        "outputs and metadata are cleared; DIR/public_answers.{json,npz} hold "
        "the public cases' answers; DIR/solutions/ the helpers the chapters use "
        "(sample images, VGG-19, style transfer) without any exercise; "
        "DIR/autograder/, requirements.txt and a README complete the learner's folder.",
    )
    r.add_argument("src", help="a folder of notebooks (e.g. book) or one notebook")
    r.add_argument("--out", required=True, help="output folder (e.g. release)")
    r.add_argument("--no-answers", action="store_true", help="do not write public_answers.*")
    r.set_defaults(func=_release)

    c = sub.add_parser(
        "check",
        help="self-check a notebook or .py file with the public cases",
        description="Run the public cases on the exercises defined in PATH; one "
        "line per exercise. Exit 0 when all pass, 1 otherwise. Hidden cases run "
        "only at grading.",
    )
    c.add_argument("path", help="a .ipynb or .py file")
    c.add_argument("--exercise", help="check only this exercise")
    c.add_argument(
        "--answers",
        help="folder holding public_answers.{json,npz} "
        "(default: the solutions package if importable, else searched)",
    )
    c.set_defaults(func=_check)

    g = sub.add_parser(
        "grade",
        help="grade submissions in a sandbox (public + hidden cases)",
        description="Grade each PATH (a .py, a .ipynb or a folder: one learner) "
        "in sandboxed child processes. Writes DIR/<name>/results.json (Gradescope "
        "format) and DIR/grades.csv; resumes a stopped batch. The hidden cases' "
        "secret comes from --seed-file or $AUTOGRADER_SEED. Exit 0 whatever the "
        "learners scored, 2 when the grader is misused (no secret, a kernel "
        "without Landlock or seccomp, ...).",
    )
    g.add_argument("paths", nargs="+", metavar="PATH", help="submissions")
    g.add_argument("--out", required=True, help="results folder")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    g.add_argument(
        "--seed-file",
        metavar="FILE",
        help="a file holding the instructor's secret (an integer) that draws the "
        "hidden cases; or set $AUTOGRADER_SEED (never on the command line)",
    )
    g.add_argument("--seed", help=argparse.SUPPRESS)  # gone: an error says why
    g.add_argument(
        "--public-only",
        action="store_true",
        help="grade the public cases alone (no secret needed); every results.json says so",
    )
    g.add_argument(
        "--allow-weak-isolation",
        action="store_true",
        help="grade hidden cases even where the kernel lacks Landlock or seccomp (refused otherwise)",
    )
    g.add_argument(
        "--timeout", type=float, default=10.0, help="seconds of wall clock and CPU per exercise (default 10)"
    )
    g.add_argument(
        "--memory", type=float, default=2048, help="MiB of memory a child may allocate (default 2048)"
    )
    g.add_argument(
        "--output-limit", type=float, default=1024, help="KiB of output a submission may print (default 1024)"
    )
    g.add_argument("--exercise", action="append", help="grade only this exercise (repeatable)")
    g.add_argument("--fresh", action="store_true", help="regrade submissions already graded")
    g.add_argument("--quiet", action="store_true", help="print nothing (no progress, no line per submission)")
    g.add_argument(
        "--no-report", action="store_true", help="do not write OUT/report.html and OUT/report.json at the end"
    )
    g.set_defaults(func=_grade)

    rp = sub.add_parser(
        "report",
        help="a report of a graded batch: plots, failures, similar code",
        description="Read OUT/*/results.json (and batch.json, grades.csv) and "
        "write OUT/report.html (one offline page: score distribution, per-exercise "
        "figures and failing case groups, misconceptions linked to the book, "
        "limits hit, timing, isolation, similar submissions) and OUT/report.json "
        "(the same figures). `grade` writes it at the end of a batch. Exit 2 "
        "when OUT holds no results.",
    )
    rp.add_argument("out", metavar="OUT", help="a results folder written by grade")
    rp.add_argument(
        "--submissions",
        nargs="+",
        metavar="PATH",
        default=None,
        help="the submissions given to grade (the same PATHs): their graded "
        "functions are parsed, never run, to find similar pairs",
    )
    rp.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="similarity (0-1) from which a pair is listed (default 0.75)",
    )
    rp.add_argument(
        "--book-url",
        default=None,
        help="where the built book's chapter pages are (default: a relative link "
        "to _build/html/book of this checkout)",
    )
    rp.set_defaults(func=_report)

    s = sub.add_parser(
        "sync",
        help="rewrite notebook solution blocks from the solutions modules",
        description="For each `# BEGIN SOLUTION` … `# END SOLUTION` block of the "
        "notebooks in BOOKDIR, put the source (inspect.getsource) of the same "
        "names from the chapter's solutions module, in the same order.",
    )
    s.add_argument("bookdir", help="folder of chapter notebooks (e.g. book)")
    s.add_argument(
        "--check", action="store_true", help="write nothing; list the drift and exit 1 if there is any"
    )
    s.set_defaults(func=_sync)

    k = sub.add_parser(
        "catalogue",
        help="regenerate the exercise catalogue of autograder/README.md",
        description="Rewrite the table of exercises between the catalogue markers "
        "of autograder/README.md from autograder/exercises.",
    )
    k.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the README's catalogue is stale"
    )
    k.set_defaults(func=_catalogue)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
