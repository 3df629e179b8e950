"""`report OUT`: what an instructor sees after a batch, in one offline page.

Reads OUT/<name>/results.json (and OUT/batch.json, OUT/grades.csv) as `grade` wrote them and
writes OUT/report.html (one self-contained page: inline CSS, matplotlib PNGs as data URIs, no
JavaScript, no network) and OUT/report.json (the same figures, for scripts):

- the score distribution (histogram, mean, median, quartiles);
- per exercise: mean score, share of full marks and of zero, the case groups that fail most,
  and the misconceptions the grader recognised (how many learners each, linked to the book
  section that explains it);
- submissions that hit a limit (time, memory, output), did not load, or made a forbidden call;
- time per submission and for the batch; the isolation in force, when the grader recorded it;
- similar submissions: pairs whose graded functions are near-identical once names, constants
  and formatting are normalised (their syntax trees, not their text), ranked, side by side.

Everything comes from the results files, except the similarity, which needs the learners'
files (`submissions=`, the PATHs given to `grade`). They are read and *parsed* here, in the
grader's process, with the notebook rule's own extraction (`sandbox.loader`): learner code is never
run for the report.

Per-group verdicts and misconceptions are read as data from `extra_data.verdicts` of each
results.json (grade.py writes it: per exercise, per group, passed, the outcome's kind and the
misconception recognised), never from the feedback text; a results.json without it (written by
an older grader) leaves them unknown.
"""

import ast
import base64
import builtins
import csv
import datetime
import hashlib
import html
import io
import json
import math
import os
import pathlib
import statistics
import sys
import time

from . import exercises as catalogue
from .sandbox import loader
from .selfcheck import FAIL, PASS

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_THRESHOLD = 0.75  # aggregate similarity from which a pair is listed
MIN_TOKENS = 150  # pairs sharing less normalised code than this are not scored
SHINGLE = 5  # length of the token n-grams compared
MAX_PAIRS_SHOWN = 50  # pairs on the page, with their code (report.json too)
MAX_PAIRS_STORED = 2000  # pairs in report.json (the rest are counted)

# The book: chapter number → page (_build/html/book/<page>.html). An exercise links to its own
# heading ("Exercise 11: `conv2d_im2col`", numbered in registry order); a misconception to the
# section that explains it, where that is not the exercise's own (label → (chapter, anchor)).
CHAPTER_PAGES = {
    1: "01_inner_products",
    2: "02_gram_matrices",
    3: "03_convolution_as_matmul",
    4: "04_correlation_vs_convolution",
    5: "05_vector_quantisation",
    6: "06_style_transfer",
}
MISCONCEPTION_SECTIONS = {
    "arccos of the cosine: rounding leaves a tiny angle between (anti)parallel vectors": (
        1,
        "angles-in-floating-point-why-arccos-is-the-wrong-tool",
    ),
    "the Gram matrix of the columns (VᵀV) instead of the rows (VVᵀ)": (
        2,
        "pairwise-inner-products-of-k-vectors",
    ),
    "the Gram matrix without the 1/(H·W) normalisation": (2, "normalisations-and-why-they-matter"),
    "the Gram matrix divided by C·H·W instead of H·W": (2, "normalisations-and-why-they-matter"),
    "correlation instead of convolution (kernel not flipped)": (4, "two-definitions-two-index-conventions"),
    "convolution instead of correlation (kernel flipped)": (4, "two-definitions-two-index-conventions"),
    "convolution instead of cross-correlation (kernel flipped)": (
        4,
        "pytorch-s-conv2d-is-a-cross-correlation",
    ),
    "a mean instead of ½ Σ": (6, "the-content-loss"),
    "Σ (F − P)² without the ½": (6, "the-content-loss"),
    "Σ (G − A)² without the 1/(4N²M²)": (6, "what-the-sources-get-wrong-the-normalisation"),
    "absolute differences (L1) instead of squares": (6, "the-weights-smoothing-and-the-starting-image"),
    "means instead of sums": (6, "the-weights-smoothing-and-the-starting-image"),
}

# What a learner's code ran into, recognised in the feedback (grade.py, sandbox/forkserver.py).
INCIDENTS = [
    ("time", "time limit", ("timeout: more than", "CPU time limit")),
    ("memory", "memory", ("MemoryError", "killed (memory or CPU limit?)")),
    ("output", "output limit", ("output limit:",)),
    ("forbidden", "forbidden call", ("forbidden call:",)),
]
# exercise-level statuses of the sandbox (grade.MISSING, a load failure), not case verdicts
NOT_ATTEMPTED = ("is not defined in the submission", "not run: loading")


class NoResults(ValueError):
    """OUT holds no results.json to report on (exit status 2)."""


# ----------------------------------------------------------------------------- reading
def _read_json(path):
    try:
        doc = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def load_results(out):
    """{submission: results.json document} of every OUT/<name>/results.json, sorted by name."""
    out = pathlib.Path(out)
    if not out.is_dir():
        raise NoResults(f"{out}: no such folder")
    docs = {}
    for d in sorted(p for p in out.iterdir() if p.is_dir()):
        doc = _read_json(d / "results.json")
        if doc is not None and isinstance(doc.get("tests"), list):
            doc["tests"] = [t for t in doc["tests"] if isinstance(t, dict)]
            docs[d.name] = doc
    if not docs:
        raise NoResults(
            f"{out}: no results to report on (no <submission>/results.json): "
            "grade a batch into it first (python -m autograder grade ... --out DIR)"
        )
    return docs


def read_grades_csv(out):
    """{submission: {column: value}} of OUT/grades.csv, or None when there is none."""
    path = pathlib.Path(out) / "grades.csv"
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


def recorded_groups(ex, doc):
    """[{"group", "passed", "outcome", "misconception", ...} or None] per case group of `ex`, as
    grade.py recorded them in the results.json `doc` (extra_data.verdicts); None: unknown (not
    recorded, or graded with other groups)."""
    rec = ((doc.get("extra_data") or {}).get("verdicts") or {}).get(ex.name)
    by_name = {r.get("group"): r for r in rec if isinstance(r, dict)} if isinstance(rec, list) else {}
    return [
        by_name.get(g.name) if (by_name.get(g.name) or {}).get("max_points") == g.points else None
        for g in ex.groups
    ]


def group_verdicts(ex, doc):
    """[True | False | None] per case group of `ex` in one results.json (None: unknown)."""
    return [None if r is None else bool(r.get("passed")) for r in recorded_groups(ex, doc)]


def _not_attempted(ex, doc, test):
    """Scored 0 because nothing was there to grade: not defined, every case not implemented
    (the recorded outcomes), or loading failed."""
    if test.get("score", 0) != 0:
        return False
    recs = [r for r in recorded_groups(ex, doc) if r is not None]
    if recs and all(r.get("outcome") == "not implemented" for r in recs):
        return True
    return bool(_first_line(test.get("output", ""), NOT_ATTEMPTED))


def _first_line(text, needles):
    for line in str(text).splitlines():
        if any(n in line for n in needles):
            return line.strip()[:240]
    return None


def _load_problems(output):
    """The lines under "Problems while loading your code:" of a results.json output."""
    lines, inside = [], False
    for line in str(output).splitlines():
        if line.startswith("Problems while loading your code:"):
            inside = True
        elif inside and line.startswith("  - "):
            lines.append(line[4:][:240])
        elif inside:
            break
    return lines


# ----------------------------------------------------------------------------- the figures
def _quantiles(values):
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def histogram_edges(maximum, bins=None):
    """Bin edges over [0, maximum]: at most 20 bins of whole points."""
    maximum = max(int(math.ceil(maximum)), 1)
    bins = bins or min(20, maximum)
    width = max(1, math.ceil(maximum / bins))
    edges = list(range(0, maximum, width)) + [maximum]
    return edges


def histogram_counts(values, edges):
    """numpy.histogram's rule: [e_i, e_i+1) and the last bin closed."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(counts)):
            last = i == len(counts) - 1
            if edges[i] <= v < edges[i + 1] or (last and v == edges[-1]):
                counts[i] += 1
                break
    return counts


def analyse(out, submissions=None, threshold=DEFAULT_THRESHOLD, book_url=None):
    """The report's figures (the content of report.json). Raises NoResults."""
    threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    out = pathlib.Path(out)
    docs = load_results(out)
    batch = _read_json(out / "batch.json") or {}
    grades = read_grades_csv(out)
    names = [n for n in batch.get("exercises", []) if n in catalogue.BY_NAME] or [
        ex.name
        for ex in catalogue.EXERCISES
        if any(t.get("name") == ex.name for d in docs.values() for t in d["tests"])
    ]
    if book_url is None:
        book_url = os.path.relpath(ROOT / "_build" / "html" / "book", out.resolve())
    book_url = book_url.rstrip("/")

    totals = {s: float(d.get("score", 0) or 0) for s, d in docs.items()}
    maxima = {s: sum(float(t.get("max_score", 0) or 0) for t in d["tests"]) for s, d in docs.items()}
    maximum = max([sum(catalogue.BY_NAME[n].max_points for n in names)] + list(maxima.values()))
    values = sorted(totals.values())
    q1, med, q3 = _quantiles(values)
    edges = histogram_edges(maximum)
    scores = {
        "max": maximum,
        "count": len(values),
        "mean": statistics.fmean(values),
        "median": med,
        "q1": q1,
        "q3": q3,
        "min": values[0],
        "max_scored": values[-1],
        "histogram": {"edges": edges, "counts": histogram_counts(values, edges)},
        "totals": totals,
    }
    csv_check = "no grades.csv"
    if grades is not None:
        diff = sorted(
            s for s in docs if s not in grades or not abs(_number(grades[s].get("total")) - totals[s]) <= 1e-9
        )
        csv_check = "agrees" if not diff else f"differs for {', '.join(diff[:10])}"
    scores["grades_csv"] = csv_check

    exercises = []
    for n in names:
        ex = catalogue.BY_NAME[n]
        tests = {s: next((t for t in d["tests"] if t.get("name") == n), None) for s, d in docs.items()}
        got = [float(t.get("score", 0) or 0) if t else 0.0 for t in tests.values()]
        attempted = [s for s, t in tests.items() if t is not None and not _not_attempted(ex, docs[s], t)]
        groups = []
        for gi, g in enumerate(ex.groups):
            failed, known = [], 0
            for s in attempted:
                v = group_verdicts(ex, docs[s])[gi]
                if v is None:
                    continue
                known += 1
                if not v:
                    failed.append(s)
            groups.append(
                {
                    "name": g.name,
                    "points": g.points,
                    "public": g.public,
                    "failed": len(failed),
                    "of": known,
                    "fail_share": len(failed) / known if known else None,
                    "submissions": failed,
                }
            )
        miscs = []
        seen = []
        for label, _fn in ex.misconceptions:
            if label in seen:
                continue
            seen.append(label)
            who = [
                s
                for s in tests
                if any(r and r.get("misconception") == label for r in recorded_groups(ex, docs[s]))
            ]
            chapter, anchor = MISCONCEPTION_SECTIONS.get(label, (ex.chapter, exercise_anchor(ex)))
            miscs.append(
                {
                    "label": label,
                    "learners": len(who),
                    "submissions": who,
                    "link": f"{book_url}/{CHAPTER_PAGES[chapter]}.html#{anchor}",
                }
            )
        exercises.append(
            {
                "name": n,
                "chapter": ex.chapter,
                "max": ex.max_points,
                "link": f"{book_url}/{CHAPTER_PAGES[ex.chapter]}.html#{exercise_anchor(ex)}",
                "mean": statistics.fmean(got),
                "mean_share": statistics.fmean(got) / ex.max_points,
                "full_share": sum(v >= ex.max_points for v in got) / len(got),
                "zero_share": sum(v == 0 for v in got) / len(got),
                "attempted": len(attempted),
                "groups": groups,
                "misconceptions": miscs,
            }
        )

    incidents = {k: [] for k, _, _ in INCIDENTS} | {"load": [], "load_problems": [], "grader": []}
    for s, d in docs.items():
        top = str(d.get("output", "")).split("\n\nYour code printed", 1)[0]  # not the learner's
        if "loading the submission failed" in top:
            line = _first_line(top, ("loading the submission failed",)) or ""
            incidents["load"].append({"submission": s, "exercise": None, "message": line.lstrip("- ")})
        else:
            probs = _load_problems(top)
            if probs:
                incidents["load_problems"].append(
                    {"submission": s, "exercise": None, "message": "; ".join(probs)[:300]}
                )
        for t in d["tests"]:
            if t.get("name") == "autograder":
                incidents["grader"].append(
                    {"submission": s, "exercise": None, "message": str(t.get("output", ""))[:300]}
                )
                continue
            text = str(t.get("output", ""))
            if "not run: loading the submission failed" in text:
                continue
            for key, _, needles in INCIDENTS:
                line = _first_line(text, needles)
                if line:
                    incidents[key].append(
                        {
                            "submission": s,
                            "exercise": t.get("name"),
                            "message": line.lstrip(PASS + FAIL + " "),
                        }
                    )

    times = {
        s: d.get("execution_time")
        for s, d in docs.items()
        if isinstance(d.get("execution_time"), (int, float))
    }
    tv = sorted(times.values())
    timing = {
        "per_submission": times,
        "count": len(tv),
        "sum_s": sum(tv) if tv else None,
        "mean_s": statistics.fmean(tv) if tv else None,
        "median_s": statistics.median(tv) if tv else None,
        "max_s": tv[-1] if tv else None,
        "slowest": sorted(times, key=lambda s: -times[s])[:10],
        "batch": batch.get("last_run"),
    }

    isolation = isolation_record(batch, docs)

    sim = {
        "threshold": threshold,
        "computed": False,
        "pairs": [],
        "reason": "the submissions' files were not given (report OUT --submissions PATH...)",
    }
    if submissions:
        sim = similarity(submissions, names, threshold, only=set(docs))

    return {
        "version": 1,
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "folder": str(out),
        "batch": batch.get("batch"),
        "exercises_graded": names,
        "book_url": book_url,
        "scores": scores,
        "exercises": exercises,
        "incidents": incidents,
        "timing": timing,
        "isolation": isolation,
        "similarity": sim,
    }


VOLATILE = ("wall_ms", "uid")  # parts of an isolation record that differ between children


def isolation_record(batch, docs):
    """What kept learner code in, as `grade` recorded it, or "not recorded": the weakest that
    any child reported (batch.json "isolation_seen"), the batch's plan (batch.json
    "isolation"), and the distinct records of the results.json files (extra_data.isolation)."""
    per, keys = [], set()
    for d in docs.values():
        iso = (d.get("extra_data") or {}).get("isolation") if isinstance(d.get("extra_data"), dict) else None
        iso = iso if iso is not None else d.get("isolation")
        key = json.dumps(
            {k: v for k, v in iso.items() if k not in VOLATILE} if isinstance(iso, dict) else iso,
            sort_keys=True,
            default=str,
        )
        if iso is not None and key not in keys:
            keys.add(key)
            per.append(iso)
    rec = {
        k: v
        for k, v in (
            ("seen", batch.get("isolation_seen")),
            ("planned", batch.get("isolation")),
            ("per_submission", per or None),
        )
        if v is not None
    }
    if not rec:
        return "not recorded"
    try:
        from .sandbox import describe_isolation

        first = rec.get("seen") or (per[0] if len(per) == 1 else None)
        if isinstance(first, dict):
            rec["summary"] = describe_isolation(first)
    except Exception:
        pass
    return rec


def exercise_anchor(ex):
    """The id of the exercise's heading in the built book ("### Exercise 11: `conv2d_im2col`")."""
    number = [e.name for e in catalogue.EXERCISES].index(ex.name) + 1
    return f"exercise-{number}-{ex.name.lower().replace('_', '-')}"


# ----------------------------------------------------------------------------- similarity
_BUILTINS = frozenset(dir(builtins))


def graded_definitions(files):
    """{exercise: (source text, ast node)} of one submission's files, as grading sees them:
    the statements the notebook rule keeps (`loader.keep`), the last definition of a name in
    a file, and across files the owner `loader.share_exercises` picks."""
    namespaces = []
    for label, path, chapter in files:
        try:
            data = pathlib.Path(path).read_bytes()[: 20 << 20]
            text = loader.decode_source(data, label)
            cells = loader.code_cells(text, label)
        except (OSError, ValueError, TypeError):
            continue
        defs = {}
        for _, src in cells:
            src = loader._strip_magics(src)
            try:
                tree = ast.parse(src)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            lines = src.splitlines()
            for stmt in tree.body:
                if (
                    loader.keep(stmt)
                    and isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and stmt.name in catalogue.BY_NAME
                ):
                    first = min([stmt.lineno] + [d.lineno for d in stmt.decorator_list])
                    defs[stmt.name] = ("\n".join(lines[first - 1 : stmt.end_lineno]), stmt)
        namespaces.append((label, chapter, defs))
    probe = {}
    loader.share_exercises(
        namespaces + [("\uffff", None, probe)], {ex.name: ex.chapter for ex in catalogue.EXERCISES}
    )
    return probe


def _is_stub(node):
    body = list(node.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    if not body:
        return True
    if len(body) == 1:
        s = body[0]
        if isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)):
            return True
        if isinstance(s, ast.Raise) and s.exc is not None:
            exc = s.exc.func if isinstance(s.exc, ast.Call) else s.exc
            return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def normalise(node):
    """(tokens, canonical) of a definition's syntax tree, formatting gone: every identifier
    chosen by the learner (variables, arguments, inner functions) becomes ID in `tokens` and
    v0, v1, ... in order of first use in `canonical`; constants become their type; docstrings
    and the signature (which the exercise fixes) are dropped; attribute and keyword names
    (the numpy/torch API: .reshape, axis=) are kept, as are builtins."""
    tokens, canonical, names = [], [], {}

    def ident(name):
        if name in _BUILTINS:
            return name, name
        if name not in names:
            names[name] = f"v{len(names)}"
        return "ID", names[name]

    def emit(tok, can=None):
        tokens.append(tok)
        canonical.append(can or tok)

    def walk(n, top=False):
        if isinstance(n, (ast.expr_context,)):
            return
        kind = type(n).__name__
        if isinstance(n, ast.Name):
            t, c = ident(n.id)
            emit(f"Name:{t}", f"Name:{c}")
            return
        if isinstance(n, ast.arg):
            t, c = ident(n.arg)
            emit(f"arg:{t}", f"arg:{c}")
            return
        if isinstance(n, ast.Constant):
            emit(f"Const:{type(n.value).__name__}")
            return
        if isinstance(n, ast.Attribute):
            emit(f"Attr:{n.attr}")
        elif isinstance(n, ast.keyword):
            emit(f"kw:{n.arg}")
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not top:
            t, c = ident(n.name)
            emit(f"{kind}:{t}", f"{kind}:{c}")
        elif isinstance(n, (ast.Import, ast.ImportFrom, ast.alias)):
            emit(kind)
            if isinstance(n, ast.alias):
                ident(n.asname or n.name.split(".")[0])
            return
        else:
            emit(kind)
        body_skip = None
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            b = n.body
            if (
                b
                and isinstance(b[0], ast.Expr)
                and isinstance(b[0].value, ast.Constant)
                and isinstance(b[0].value.value, str)
            ):
                body_skip = b[0]
        for field, value in ast.iter_fields(n):
            if top and field in ("args", "decorator_list", "returns", "name", "type_params"):
                if field == "args":  # the names of the signature, in order
                    for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs:
                        ident(a.arg)
                continue
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, ast.AST) and item is not body_skip:
                    walk(item)

    walk(node, top=True)
    return tokens, canonical


def _fingerprint(source, node):
    tokens, canonical = normalise(node)
    k = SHINGLE
    grams = {hash(tuple(tokens[i : i + k])) for i in range(max(len(tokens) - k + 1, 1))}
    return {
        "source": source,
        "size": len(tokens),
        "grams": grams,
        "tree": hashlib.sha256("\x1f".join(canonical).encode()).hexdigest()[:16],
    }


def fingerprints(files):
    """{exercise: fingerprint} of one submission's graded, non-stub definitions."""
    out = {}
    for name, (source, node) in graded_definitions(files).items():
        if not _is_stub(node):
            try:
                out[name] = _fingerprint(source, node)
            except RecursionError:  # a tree nested deeper than Python recurses: not compared
                continue
    return out


def _reference_fingerprints():
    out = {}
    for ex in catalogue.EXERCISES:
        path = ROOT / "solutions" / f"{ex.module}.py"
        if path.is_file():
            fp = fingerprints([(path.name, str(path), ex.chapter)]).get(ex.name)
            if fp:
                out[ex.name] = fp
    return out


def compare(fa, fb, names):
    """(score, [(exercise, similarity, identical)]) of two submissions' fingerprints.

    Per function: the Jaccard index of their token 5-gram sets (1.0 when identical after
    normalisation). The score: the mean over the functions both define, each weighted by
    the size of the smaller one, so that short functions, which independent solutions often
    share, weigh little. None when they share fewer than MIN_TOKENS tokens of code."""
    rows, num, den = [], 0.0, 0
    for n in names:
        a, b = fa.get(n), fb.get(n)
        if not a or not b:
            continue
        identical = a["tree"] == b["tree"]
        if identical:
            s = 1.0
        else:
            common = len(a["grams"] & b["grams"])
            s = common / (len(a["grams"]) + len(b["grams"]) - common)
        w = min(a["size"], b["size"])
        rows.append((n, s, identical))
        num += w * s
        den += w
    if den < MIN_TOKENS:
        return None, rows
    return num / den, rows


def similarity(submissions, names, threshold=DEFAULT_THRESHOLD, only=None):
    """Pairs of submissions whose graded functions are near-identical (see `compare`)."""
    from .grade import collect  # the names `grade` gives the same PATHs

    t0 = time.monotonic()
    try:
        subs = collect([str(p) for p in submissions])
    except ValueError as e:
        return {"threshold": threshold, "computed": False, "pairs": [], "reason": str(e)}
    if only is not None:
        subs = [s for s in subs if s.name in only]
    fps = {s.name: fingerprints(s.files) for s in subs}
    ref = _reference_fingerprints()
    order = sorted(fps)
    matrix, pairs = [[None] * len(order) for _ in order], []
    for i, a in enumerate(order):
        matrix[i][i] = 1.0 if fps[a] else None
        for j in range(i + 1, len(order)):
            b = order[j]
            score, rows = compare(fps[a], fps[b], names)
            matrix[i][j] = matrix[j][i] = score
            if score is not None and score >= threshold:
                funcs = [
                    {
                        "exercise": n,
                        "similarity": s,
                        "identical": same,
                        "reference": bool(ref.get(n)) and fps[a][n]["tree"] == ref[n]["tree"] and same,
                        "a": fps[a][n]["source"],
                        "b": fps[b][n]["source"],
                    }
                    for n, s, same in sorted(rows, key=lambda r: (-r[1], r[0]))
                ]
                pairs.append({"a": a, "b": b, "score": score, "functions": funcs})
    pairs.sort(key=lambda p: (-p["score"], p["a"], p["b"]))
    total = len(pairs)
    pairs = pairs[:MAX_PAIRS_STORED]
    for p in pairs[MAX_PAIRS_SHOWN:]:  # report.json stays small: code for the shown only
        for f in p["functions"]:
            f.pop("a")
            f.pop("b")
    like_ref = []
    for a in order:
        score, rows = compare(fps[a], ref, names)
        if score is not None and score >= threshold:
            like_ref.append(
                {"submission": a, "score": score, "identical": sorted(n for n, _, same in rows if same)}
            )
    like_ref.sort(key=lambda r: (-r["score"], r["submission"]))
    return {
        "threshold": threshold,
        "computed": True,
        "submissions": order,
        "matrix": matrix,
        "pairs": pairs,
        "pairs_total": total,
        "like_reference": like_ref,
        "functions": {a: sorted(fps[a]) for a in order},
        "seconds": round(time.monotonic() - t0, 3),
        "method": (
            f"graded functions parsed (never run), identifiers renamed, constants "
            f"replaced by their type, docstrings and signatures dropped; per function "
            f"the Jaccard index of {SHINGLE}-grams of the syntax tree's nodes; a pair's "
            f"score is their mean weighted by size (at least {MIN_TOKENS} nodes shared)"
        ),
    }


# ----------------------------------------------------------------------------- plots
def _plots(data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figs = {}

    def png(fig, key, alt):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        figs[key] = (base64.b64encode(buf.getvalue()).decode("ascii"), alt)

    plt.rcParams.update({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False})
    sc = data["scores"]
    edges, counts = sc["histogram"]["edges"], sc["histogram"]["counts"]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.bar(
        edges[:-1],
        counts,
        width=np.diff(edges),
        align="edge",
        color="#4c78a8",
        edgecolor="white",
        label="submissions",
    )
    for key, style, colour in (
        ("mean", "-", "#e45756"),
        ("median", "--", "#222222"),
        ("q1", ":", "#72b7b2"),
        ("q3", ":", "#72b7b2"),
    ):
        name = {"q1": "first quartile", "q3": "third quartile"}.get(key, key)
        ax.axvline(sc[key], linestyle=style, color=colour, linewidth=2, label=f"{name}: {sc[key]:.1f}")
    ax.set_xlim(0, sc["max"])
    ax.set_xlabel(f"total score (of {sc['max']:g} points)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    ax.set_title(f"Score distribution ({sc['count']} submissions)")
    png(fig, "scores", "histogram of the total scores")

    exs = data["exercises"]
    if exs:
        n = len(exs)
        total = sc["count"]
        fig, ax = plt.subplots(figsize=(8, 0.32 * n + 1.2))
        y = np.arange(n)[::-1]
        full = np.array([e["full_share"] for e in exs])
        zero = np.array([e["zero_share"] for e in exs])
        absent = np.array([(total - e["attempted"]) / total for e in exs])
        partial = 1 - full - zero
        zero_tried = np.clip(zero - absent, 0, None)
        left = np.zeros(n)
        for part, colour, label in (
            (full, "#54a24b", "full marks"),
            (partial, "#eeca3b", "partial credit"),
            (zero_tried, "#e45756", "zero (attempted)"),
            (np.clip(absent, 0, None), "#bab0ac", "zero (not attempted)"),
        ):
            ax.barh(y, part, left=left, color=colour, label=label, height=0.75)
            left += part
        ax.plot(
            [e["mean_share"] for e in exs], y, "kD", markersize=4, label="mean score (share of the points)"
        )
        ax.set_yticks(y, [f"{e['name']} ({e['chapter']})" for e in exs])
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel("share of the submissions")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=9)
        ax.set_title("Per exercise (chapter in brackets)", pad=36)
        png(fig, "exercises", "per exercise: shares of full marks, partial credit and zero")

        rows = sorted(
            (
                (g["fail_share"], e["name"], g["name"], g["failed"], g["of"])
                for e in exs
                for g in e["groups"]
                if g["fail_share"]
            ),
            key=lambda r: (-r[0], r[1], r[2]),
        )[:15]
        if rows:
            fig, ax = plt.subplots(figsize=(8, 0.34 * len(rows) + 1.0))
            y = np.arange(len(rows))[::-1]
            ax.barh(y, [r[0] for r in rows], color="#e45756", height=0.7)
            for yy, r in zip(y, rows):
                ax.text(r[0] + 0.01, yy, f"{r[0]:.0%} ({r[3]}/{r[4]})", va="center", fontsize=8)
            labels = [f"{r[1]} · {r[2]}" for r in rows]
            ax.set_yticks(y, [lab if len(lab) <= 60 else lab[:57] + "…" for lab in labels])
            ax.set_xlim(0, 1.15)
            ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
            ax.set_xlabel("share of the submissions that attempted the exercise")
            ax.set_title("The case groups that fail most")
            png(fig, "groups", "the case groups that fail most")

    tm = data["timing"]
    if tm["count"]:
        vals = list(tm["per_submission"].values())
        fig, ax = plt.subplots(figsize=(8, 2.8))
        ax.hist(
            vals, bins=min(30, max(5, len(vals))), color="#72b7b2", edgecolor="white", label="submissions"
        )
        ax.axvline(tm["median_s"], color="#222222", linestyle="--", label=f"median: {tm['median_s']:.2f} s")
        ax.set_xlabel("seconds to grade one submission (all its exercises)")
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
        ax.set_title("Time per submission")
        png(fig, "timing", "histogram of the time per submission")

    sim = data["similarity"]
    if sim.get("computed") and len(sim["submissions"]) >= 2:
        m = np.array([[np.nan if v is None else v for v in row] for row in sim["matrix"]])
        k = len(m)
        size = min(9, 2.5 + 0.22 * k)
        fig, ax = plt.subplots(figsize=(size + 1.2, size))
        im = ax.imshow(m, vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        if k <= 40:
            ax.set_xticks(range(k), sim["submissions"], rotation=90, fontsize=7)
            ax.set_yticks(range(k), sim["submissions"], fontsize=7)
        else:
            ax.set_xlabel("submissions (sorted by name)")
        for i, j in ((i, j) for i in range(k) for j in range(k) if i < j and k <= 40):
            if m[i, j] >= sim["threshold"]:
                ax.add_patch(
                    matplotlib.patches.Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#e45756", linewidth=1.5
                    )
                )
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        cb.set_label("similarity of the graded functions")
        ax.set_title(
            f"Pairwise similarity (red: ≥ {sim['threshold']:g}; white: too little code to compare)"
            if k <= 40
            else "Pairwise similarity (white: too little code to compare)",
            fontsize=9,
        )
        png(fig, "similarity", "matrix of pairwise similarity")
    return figs


# ----------------------------------------------------------------------------- the page
CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
 margin:0;background:#f6f6f4}
main{max-width:1100px;margin:0 auto;padding:1.2rem 1.5rem 3rem;background:#fff}
h1{font-size:1.6rem;margin:.2rem 0 .4rem}h2{font-size:1.25rem;margin-top:2.2rem;
 border-bottom:2px solid #e5e5e0;padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.meta{color:#666;font-size:.9rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{flex:1 1 110px;border:1px solid #e5e5e0;border-radius:8px;padding:.6rem .8rem;background:#fafaf8}
.card b{display:block;font-size:1.35rem}.card span{color:#555;font-size:.85rem}
img{max-width:100%;height:auto;display:block;margin:.6rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border-bottom:1px solid #e5e5e0;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0ec}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:nth-child(even) td{background:#fbfbf9}
.bar{display:inline-block;height:.7rem;background:#e45756;vertical-align:middle;margin-right:.3rem}
.note{background:#fff8e1;border-left:4px solid #eeca3b;padding:.5rem .8rem;margin:.8rem 0}
.ok{color:#2e7d32}.none{color:#888}
details{border:1px solid #e5e5e0;border-radius:6px;margin:.5rem 0;padding:.3rem .6rem}
summary{cursor:pointer;font-weight:600}
.side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:.6rem}
.side pre{margin:0;overflow-x:auto;background:#f7f7f5;border:1px solid #e5e5e0;padding:.5rem;
 font-size:.78rem;line-height:1.35;max-height:28rem}
.side h4{margin:.2rem 0;font-size:.85rem}
code{font-size:.88em}
"""


def _e(text):
    return html.escape(str(text), quote=True)


def _pct(x):
    return "–" if x is None else f"{100 * x:.0f} %"


def _secs(x):
    return "–" if x is None else (f"{x:.2f} s" if x < 60 else f"{x / 60:.1f} min")


def _img(figs, key):
    if key not in figs:
        return ""
    b64, alt = figs[key]
    return f'<img id="fig-{key}" src="data:image/png;base64,{b64}" alt="{_e(alt)}">'


def _kv_table(value):
    if isinstance(value, dict):
        rows = "".join(
            f"<tr><th>{_e(k)}</th><td>"
            f"{_e(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)}"
            "</td></tr>"
            for k, v in value.items()
        )
        return f'<table class="kv">{rows}</table>'
    if isinstance(value, list):
        return "".join(_kv_table(v) for v in value)
    return f"<p>{_e(value)}</p>"


def render_html(data, figs):
    sc, tm, sim = data["scores"], data["timing"], data["similarity"]
    h = []
    add = h.append
    add(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Grading report: {_e(pathlib.Path(data['folder']).name)}</title>"
        f"<style>{CSS}</style></head><body><main>"
    )
    add(
        f'<h1>Grading report</h1><p class="meta">{_e(data["folder"])} · batch '
        f"{_e(data['batch'] or '–')} · {len(data['exercises_graded'])} exercises · generated "
        f"{_e(data['generated'])}</p>"
    )
    inc = data["incidents"]
    n_inc = len({r["submission"] for rows in inc.values() for r in rows})
    batch = tm.get("batch") or {}
    add(
        '<div class="cards">'
        f'<div class="card"><b>{sc["count"]}</b><span>submissions</span></div>'
        f'<div class="card"><b>{sc["mean"]:.1f} / {sc["max"]:g}</b><span>mean score</span></div>'
        f'<div class="card"><b>{sc["median"]:.1f}</b><span>median (quartiles '
        f"{sc['q1']:.1f} – {sc['q3']:.1f})</span></div>"
        f'<div class="card"><b>{n_inc}</b><span>submissions with an incident</span></div>'
        f'<div class="card"><b>{sim["pairs_total"] if sim.get("computed") else "–"}</b>'
        f"<span>similar pairs (≥ {sim['threshold']:g})</span></div>"
        f'<div class="card"><b>{_secs(batch.get("elapsed_s"))}</b><span>last grading run</span></div>'
        "</div>"
    )

    # --- scores
    add('<h2 id="scores">Score distribution</h2>')
    add(_img(figs, "scores"))
    edges, counts = sc["histogram"]["edges"], sc["histogram"]["counts"]
    add(
        "<details><summary>Counts per bin</summary>"
        f'<table id="histogram" style="width:auto" data-edges="{_e(json.dumps(edges))}" '
        f'data-counts="{_e(json.dumps(counts))}"><tr><th>total score</th><th class="n">'
        "submissions</th></tr>"
        + "".join(
            f"<tr><td>{a:g} ≤ score {'<' if i < len(counts) - 1 else '≤'} {b:g}</td>"
            f'<td class="n">{c}</td></tr>'
            for i, (a, b, c) in enumerate(zip(edges[:-1], edges[1:], counts))
        )
        + "</table></details>"
    )
    add(
        f"<p>Mean <b>{sc['mean']:.2f}</b>, median <b>{sc['median']:.2f}</b>, quartiles "
        f"{sc['q1']:.2f} and {sc['q3']:.2f}, lowest {sc['min']:g}, highest {sc['max_scored']:g} "
        f"of {sc['max']:g} points. grades.csv: {_e(sc['grades_csv'])}.</p>"
    )

    # --- exercises
    add('<h2 id="exercises">Per exercise</h2>')
    add(_img(figs, "exercises"))
    add(
        '<table id="exercise-table"><tr><th>exercise</th><th class="n">mean</th>'
        '<th class="n">full marks</th><th class="n">zero</th><th class="n">attempted</th>'
        "<th>fails most (share of those who attempted)</th></tr>"
    )
    for e in data["exercises"]:
        worst = sorted((g for g in e["groups"] if g["failed"]), key=lambda g: -g["fail_share"])[:3]
        fails = (
            "; ".join(
                f'<span class="bar" style="width:{3 * g["fail_share"]:.2f}rem"></span>'
                f"{_e(g['name'])}: {_pct(g['fail_share'])}"
                for g in worst
            )
            or '<span class="ok">no group fails</span>'
        )
        add(
            f'<tr data-exercise="{_e(e["name"])}"><td><a href="{_e(e["link"])}">{_e(e["name"])}</a> '
            f'<span class="meta">ch. {e["chapter"]}</span></td>'
            f'<td class="n">{e["mean"]:.2f} / {e["max"]}</td><td class="n">{_pct(e["full_share"])}</td>'
            f'<td class="n">{_pct(e["zero_share"])}</td><td class="n">{e["attempted"]}</td>'
            f"<td>{fails}</td></tr>"
        )
    add("</table>")
    add(_img(figs, "groups"))

    add('<h3 id="misconceptions">Misconceptions the grader recognised</h3>')
    rows = [(e, m) for e in data["exercises"] for m in e["misconceptions"] if m["learners"]]
    if rows:
        add(
            "<table><tr><th>exercise</th><th>misconception (links to the book)</th>"
            '<th class="n">learners</th><th>who</th></tr>'
        )
        for e, m in sorted(rows, key=lambda r: -r[1]["learners"]):
            add(
                f'<tr><td>{_e(e["name"])}</td><td><a href="{_e(m["link"])}">{_e(m["label"])}</a></td>'
                f'<td class="n">{m["learners"]}</td><td>{_e(", ".join(m["submissions"][:20]))}'
                f"{' …' if len(m['submissions']) > 20 else ''}</td></tr>"
            )
        add("</table>")
    else:
        add('<p class="none">None of the known wrong answers was recognised in this batch.</p>')
    known = [(e, m) for e in data["exercises"] for m in e["misconceptions"] if not m["learners"]]
    if known:
        add(
            "<details><summary>Known misconceptions not seen in this batch "
            f"({len(known)})</summary><ul>"
            + "".join(
                f'<li>{_e(e["name"])}: <a href="{_e(m["link"])}">{_e(m["label"])}</a></li>' for e, m in known
            )
            + "</ul></details>"
        )

    # --- incidents
    add('<h2 id="incidents">Limits, loading, forbidden calls</h2>')
    titles = {
        "time": "Time limit",
        "memory": "Memory",
        "output": "Output limit",
        "forbidden": "Forbidden call",
        "load": "Did not load",
        "load_problems": "Loaded with problems (cells or files skipped)",
        "grader": "The grader failed",
    }
    any_inc = False
    add(
        '<table id="incidents-table"><tr><th>what</th><th>submission</th><th>exercise</th>'
        "<th>message</th></tr>"
    )
    for key, title in titles.items():
        for r in inc.get(key, []):
            any_inc = True
            add(
                f'<tr data-kind="{key}"><td>{_e(title)}</td><td>{_e(r["submission"])}</td>'
                f"<td>{_e(r['exercise'] or '–')}</td><td>{_e(r['message'])}</td></tr>"
            )
    add("</table>")
    if not any_inc:
        h[-2] = '<p class="ok">No submission hit a limit, failed to load or made a forbidden call.</p>'
        h.pop()

    # --- time and isolation
    add('<h2 id="timing">Time</h2>')
    if batch:
        add(
            f"<p>Last grading run: <b>{batch.get('graded', '?')}</b> submission(s) in "
            f"<b>{_secs(batch.get('elapsed_s'))}</b> with {_e(batch.get('jobs', '?'))} job(s)"
            f"{', started ' + _e(batch['started']) if batch.get('started') else ''}.</p>"
        )
    else:
        add(
            '<p class="none">The batch\'s wall-clock time was not recorded (batch.json has no '
            '"last_run").</p>'
        )
    if tm["count"]:
        add(
            f"<p>Per submission: mean {_secs(tm['mean_s'])}, median {_secs(tm['median_s'])}, "
            f"longest {_secs(tm['max_s'])}; sum {_secs(tm['sum_s'])}. Slowest: "
            + ", ".join(f"{_e(s)} ({_secs(tm['per_submission'][s])})" for s in tm["slowest"][:5])
            + ".</p>"
        )
        add(_img(figs, "timing"))
    add('<h2 id="isolation">Isolation in force</h2>')
    iso = data["isolation"]
    if iso == "not recorded":
        add('<p class="none">not recorded (this version of the grader writes no isolation record)</p>')
    else:
        if iso.get("summary"):
            add(f"<p>{_e(iso['summary'])}</p>")
        for key, title in (
            ("seen", "In force: the weakest that any child reported"),
            ("planned", "Planned for the batch (batch.json)"),
        ):
            if iso.get(key) is not None:
                add(f"<h3>{title}</h3>" + _kv_table(iso[key]))
        per = iso.get("per_submission") or []
        if len(per) > 1 or (per and "seen" not in iso):
            add(
                f"<details><summary>The {len(per)} distinct record(s) of the results.json "
                "files</summary>" + _kv_table(per) + "</details>"
            )

    # --- similarity
    add('<h2 id="similarity">Similar submissions</h2>')
    add(
        '<div class="note"><b>Similarity is evidence to look at, not proof.</b> Short '
        "exercises have few reasonable solutions, learners may legitimately work from the same "
        "book section, and a shared mistake can be a shared misunderstanding. Read the code "
        "side by side before drawing any conclusion.</div>"
    )
    if not sim.get("computed"):
        add(f'<p class="none">Not computed: {_e(sim.get("reason", ""))}.</p>')
    else:
        add(
            f"<p>Method: {_e(sim['method'])}. Threshold <b>{sim['threshold']:g}</b> "
            f"(change it with <code>--threshold</code>); {len(sim['submissions'])} submissions, "
            f"{sim['pairs_total']} pair(s) at or above it; computed in {sim['seconds']:.2f} s.</p>"
        )
        add(_img(figs, "similarity"))
        if sim["pairs"]:
            add(
                '<table id="similar-pairs"><tr><th class="n">#</th><th>submission</th>'
                '<th>submission</th><th class="n">score</th><th>functions identical after '
                "normalisation</th></tr>"
            )
            for i, p in enumerate(sim["pairs"][:MAX_PAIRS_SHOWN], 1):
                same = [f["exercise"] for f in p["functions"] if f["identical"]]
                add(
                    f'<tr data-a="{_e(p["a"])}" data-b="{_e(p["b"])}" data-score="{p["score"]:.4f}">'
                    f'<td class="n">{i}</td><td>{_e(p["a"])}</td><td>{_e(p["b"])}</td>'
                    f'<td class="n">{p["score"]:.2f}</td><td>{len(same)} of {len(p["functions"])}'
                    f"{': ' + _e(', '.join(same[:8])) if same else ''}"
                    f"{' …' if len(same) > 8 else ''}</td></tr>"
                )
            add("</table>")
            if sim["pairs_total"] > MAX_PAIRS_SHOWN:
                add(
                    f'<p class="meta">{sim["pairs_total"] - MAX_PAIRS_SHOWN} more pair(s): '
                    f"the first {MAX_PAIRS_STORED} in report.json, their scores in the matrix.</p>"
                )
            for i, p in enumerate(sim["pairs"][:MAX_PAIRS_SHOWN], 1):
                add(
                    f"<details{' open' if i == 1 else ''}><summary>#{i} {_e(p['a'])} and "
                    f"{_e(p['b'])}: {p['score']:.2f}</summary>"
                )
                for f in p["functions"][:6]:
                    tag = (
                        "identical after normalisation"
                        if f["identical"]
                        else f"similarity {f['similarity']:.2f}"
                    )
                    if f["reference"]:
                        tag += "; also identical to the reference solution"
                    add(
                        f'<h4>{_e(f["exercise"])}: {tag}</h4><div class="side">'
                        f"<div><h4>{_e(p['a'])}</h4><pre>{_e(f['a'])}</pre></div>"
                        f"<div><h4>{_e(p['b'])}</h4><pre>{_e(f['b'])}</pre></div></div>"
                    )
                if len(p["functions"]) > 6:
                    add(
                        f'<p class="meta">{len(p["functions"]) - 6} more shared function(s) in '
                        "report.json.</p>"
                    )
                add("</details>")
        else:
            add('<p class="ok">No pair reaches the threshold.</p>')
        if sim.get("like_reference"):
            add(
                "<h3>Submissions close to the reference solutions</h3><p>(the course's "
                "<code>solutions</code> package, which learners do not receive)</p><table>"
                '<tr><th>submission</th><th class="n">score</th><th>identical functions</th></tr>'
                + "".join(
                    f'<tr><td>{_e(r["submission"])}</td><td class="n">{r["score"]:.2f}</td>'
                    f"<td>{len(r['identical'])}</td></tr>"
                    for r in sim["like_reference"]
                )
                + "</table>"
            )
    add("</main></body></html>")
    return "\n".join(h)


def _json_safe(data):
    """report.json: the page's figures; sources of similar pairs kept, matrix included."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def write_report(out, submissions=None, threshold=DEFAULT_THRESHOLD, book_url=None):
    """Write OUT/report.html and OUT/report.json; return (html path, json path, data).
    Raises NoResults when OUT holds no results.json."""
    from .grade import atomic_write

    out = pathlib.Path(out)
    data = analyse(out, submissions, threshold, book_url)
    figs = _plots(data)
    page = render_html(data, figs)
    atomic_write(out / "report.json", json.dumps(_json_safe(data), indent=1, ensure_ascii=False))
    atomic_write(out / "report.html", page)
    return out / "report.html", out / "report.json", data


# ----------------------------------------------------------------------------- progress
class Progress:
    """What `grade` shows while it works: `progress(done, total)` after each submission.

    On a terminal, a tqdm bar (count, rate, ETA) that starts at what a resumed batch had done
    already; elsewhere (a log file, CI) a plain line at most every `every` seconds and at the
    end. `write` prints a line without breaking the bar."""

    def __init__(self, stream=None, every=10.0, tty=None):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.every, self.bar, self.start = every, None, None
        self.first = self.last = 0
        self.printed = None

    def __call__(self, done, total):
        now = time.monotonic()
        if self.start is None:
            self.start, self.first, self.total = now, done, total
            if self.tty:
                from tqdm import tqdm

                try:
                    cols = os.get_terminal_size(self.stream.fileno()).columns
                except (AttributeError, OSError, ValueError):
                    cols = 0
                # a terminal that reports no width (some ptys) would get an empty bar
                self.bar = tqdm(
                    total=total,
                    initial=done,
                    unit="submission",
                    file=self.stream,
                    dynamic_ncols=cols > 0,
                    ncols=None if cols > 0 else 100,
                    nrows=None if cols > 0 else 20,
                    smoothing=0.1,
                )
            elif done:
                self._line(f"grading: {done}/{total} already graded")
            self.last = done
            return
        if self.bar is not None:
            self.bar.update(done - self.last)
        elif self.printed is None or now - self.printed >= self.every or done == total:
            new = done - self.first
            rate = new / (now - self.start) if now > self.start else 0.0
            eta = (total - done) / rate if rate > 0 else None
            self._line(
                f"grading: {done}/{total} ({100 * done / max(total, 1):.0f} %), "
                f"{rate:.2f} submissions/s"
                + ("" if done == total or eta is None else f", about {_secs(eta)} left")
            )
            self.printed = now
        self.last = done

    def _line(self, text):
        print(text, file=self.stream, flush=True)

    def write(self, *parts):
        text = " ".join(str(p) for p in parts)
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            self._line(text)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
