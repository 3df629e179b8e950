"""Run the benchmarks (bench/bench_*.py), print a table of ratios, write bench/RESULTS.md.

Every module bench/bench_<name>.py is imported and its run(quick) called; it returns rows
{name, ours_s, peer, peer_s, ratio, target, ok, note}, ratio = ours_s / peer_s; ok None is a row
for information (no target). A module's ROW_PREFIXES name its rows, so that
`--only NAME --keep-others` rewrites RESULTS.md with NAME's rows new and the other modules' rows
(table line and target line) kept as they were.
"""

import argparse
import datetime
import importlib
import os
import pathlib
import platform
import sys
import traceback

HERE = pathlib.Path(__file__).resolve().parent
COLUMNS = ("benchmark", "ours (s)", "peer", "peer (s)", "ours/peer", "target", "met")


def modules():
    """{name: module path} of the bench_<name>.py files, sorted."""
    return {p.stem[len("bench_") :]: f"bench.{p.stem}" for p in sorted(HERE.glob("bench_*.py"))}


def cpu_name():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine():
    import numpy
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"CPU: {cpu_name()}, {os.cpu_count()} CPUs ({cores} usable); torch threads {torch.get_num_threads()}",
        f"Python {platform.python_version()}, numpy {numpy.__version__}, torch {torch.__version__}",
    ]
    try:
        import scipy
        import sklearn

        lines[-1] += f", scipy {scipy.__version__}, scikit-learn {sklearn.__version__}"
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_info

        blas = sorted({f"{p['internal_api']} ({p['num_threads']} threads)" for p in threadpool_info()})
        lines.append("Thread pools: " + ", ".join(blas))
    except ImportError:
        pass
    return lines


def fmt_s(v):
    return "—" if v is None else (f"{v:.4f}" if v < 1 else f"{v:.2f}")


def fmt_ratio(v):
    return "—" if v is None else (f"{v:.3g}" if v < 100 else f"{v:.0f}")


def met(r):
    return "—" if r.get("ok") is None else ("yes" if r.get("ok") else "**NO**")


def table_line(r):
    cells = [
        r["name"],
        fmt_s(r.get("ours_s")),
        r.get("peer", ""),
        fmt_s(r.get("peer_s")),
        fmt_ratio(r.get("ratio")),
        r.get("target", ""),
        met(r),
    ]
    return "| " + " | ".join(cells) + " |"


def target_line(r):
    verdict = "for information" if r.get("ok") is None else f"**{'met' if r.get('ok') else 'NOT met'}**"
    return (
        f"- `{r['name']}`: target {r.get('target', '')}: {verdict}"
        f" (measured {fmt_ratio(r.get('ratio'))}). {r.get('note', '')}"
    ).rstrip()


def table(rows):
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += [r["table_line"] if "table_line" in r else table_line(r) for r in rows]
    return "\n".join(out)


def written_on(path, kept):
    """When the rows of the modules `kept` (["bench_NAME", ...]) in RESULTS.md at path were
    measured: the date of the run that wrote the file if it ran them (a full run, or --only one of
    them), else the date its own kept rows came from."""
    import re

    text = pathlib.Path(path).read_text(encoding="utf-8") if pathlib.Path(path).is_file() else ""
    on = re.search(r"` on (.+?)\.", text)
    only = re.search(r"--only (\w+)", text)
    older = re.search(r"kept as they were from the run of (.+?) \(", text)
    if older and only and f"bench_{only.group(1)}" not in kept:
        return older.group(1)
    return on.group(1) if on else "an earlier run"


def kept_rows(path, prefixes):
    """The rows of RESULTS.md at path whose names start with one of prefixes, as they were:
    [{name, table_line, target_line}], in the file's order."""
    text = pathlib.Path(path).read_text(encoding="utf-8") if pathlib.Path(path).is_file() else ""
    rows, targets = [], {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith(("| benchmark |", "|---")):
            name = line[2:].split(" | ", 1)[0]
            if name.startswith(tuple(prefixes)):
                rows.append({"name": name, "table_line": line})
        elif line.startswith("- `"):
            targets[line[3:].split("`", 1)[0]] = line
    for r in rows:
        r["target_line"] = targets.get(r["name"], f"- `{r['name']}`: (no target line)")
    return rows


def report(rows, args, kept_from=None):
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench{' --quick' if args.quick else ''}"
        f"{' --only ' + args.only if args.only else ''}"
        f"{' --keep-others' if args.keep_others else ''}` on {now}."
        + (
            f" The rows of {kept_from[0]} are kept as they were from the run of {kept_from[1]} "
            f"(not re-run; the machine line is this run's)."
            if kept_from
            else ""
        ),
        "",
        "Machine: " + "; ".join(machine()),
        "",
        "Ratios are ours / peer, measured side by side in one process and run (best of several "
        "repeats, a pause between numpy and torch calls, results checked equal before timing). "
        "The machine is shared: absolute times are noisy, ratios less so.",
        "",
        table(rows),
        "",
        "## Targets",
        "",
    ]
    for r in rows:
        lines.append(r["target_line"] if "target_line" in r else target_line(r))
    return "\n".join(lines) + "\n"


def main(argv=None):
    available = modules()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0],
        epilog="modules: " + ", ".join(available) + ". A full run (no --quick, no --only) writes "
        "bench/RESULTS.md; otherwise nothing is written unless --out is given.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (a smoke test)")
    parser.add_argument(
        "--only", metavar="NAME", choices=sorted(available), help="run only bench/bench_NAME.py"
    )
    parser.add_argument(
        "--out", metavar="PATH", help="write the report here (default: bench/RESULTS.md on a full run)"
    )
    parser.add_argument(
        "--keep-others",
        action="store_true",
        help="with --only: write bench/RESULTS.md (or --out), the other modules' rows kept "
        "from the existing file as they are (not re-run)",
    )
    args = parser.parse_args(argv)
    if args.keep_others and not args.only:
        parser.error("--keep-others needs --only NAME")

    rows, failed, kept = [], [], []
    out = args.out or (
        None if (args.quick or (args.only and not args.keep_others)) else str(HERE / "RESULTS.md")
    )
    previous = out if out and pathlib.Path(out).is_file() else HERE / "RESULTS.md"
    for name, module_name in available.items():
        if args.only and name != args.only:
            if args.keep_others:
                prefixes = getattr(importlib.import_module(module_name), "ROW_PREFIXES", ())
                old = kept_rows(previous, prefixes)
                rows += old
                kept += [f"bench_{name}"] if old else []
            continue
        print(f"== bench_{name}", flush=True)
        try:
            module_rows = importlib.import_module(module_name).run(quick=args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            module_rows = [
                {
                    "name": f"bench_{name}",
                    "peer": "",
                    "target": "runs",
                    "ok": False,
                    "note": "the benchmark module raised: see the console output",
                }
            ]
        for r in module_rows:
            print(
                f"   {r['name']}: ours {fmt_s(r.get('ours_s'))} s, {r.get('peer', '')} {fmt_s(r.get('peer_s'))} s, "
                f"ratio {fmt_ratio(r.get('ratio'))}, target {r.get('target', '')}: "
                f"{'for information' if r.get('ok') is None else 'met' if r.get('ok') else 'NOT met'}",
                flush=True,
            )
        rows += module_rows

    print()
    if args.quick:
        print("--quick: smaller sizes and fewer repeats; the targets are set for the full sizes.\n")
    print(table(rows))
    if out:
        kept_from = (", ".join(kept), written_on(previous, kept)) if kept else None
        pathlib.Path(out).write_text(report(rows, args, kept_from), encoding="utf-8")
        print(f"\nwritten: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
