"""Run the benchmarks (bench/bench_*.py), print a table of ratios, write bench/RESULTS.md.

Every module bench/bench_<name>.py is imported and its run(quick) called; it returns rows
{name, ours_s, peer, peer_s, ratio, target, ok, note}, ratio = ours_s / peer_s.
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
    return {p.stem[len("bench_"):]: f"bench.{p.stem}" for p in sorted(HERE.glob("bench_*.py"))}


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
    lines = [f"CPU: {cpu_name()}, {os.cpu_count()} CPUs ({cores} usable); "
             f"torch threads {torch.get_num_threads()}",
             f"Python {platform.python_version()}, numpy {numpy.__version__}, torch {torch.__version__}"]
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


def table(rows):
    cells = [[r["name"], fmt_s(r.get("ours_s")), r.get("peer", ""), fmt_s(r.get("peer_s")),
              fmt_ratio(r.get("ratio")), r.get("target", ""), "yes" if r.get("ok") else "**NO**"]
             for r in rows]
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(c) + " |" for c in cells]
    return "\n".join(out)


def report(rows, args):
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = ["# Benchmark results", "",
             f"Written by `python -m bench{' --quick' if args.quick else ''}"
             f"{' --only ' + args.only if args.only else ''}` on {now}.", "",
             "Machine: " + "; ".join(machine()), "",
             "Ratios are ours / peer, measured side by side in one process and run (best of several "
             "repeats, a pause between numpy and torch calls, results checked equal before timing). "
             "The machine is shared: absolute times are noisy, ratios less so.", "",
             table(rows), "", "## Targets", ""]
    for r in rows:
        lines.append(f"- `{r['name']}`: target {r.get('target', '')}: **{'met' if r.get('ok') else 'NOT met'}**"
                     f" (measured {fmt_ratio(r.get('ratio'))}). {r.get('note', '')}".rstrip())
    return "\n".join(lines) + "\n"


def main(argv=None):
    available = modules()
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.split("\n\n")[0],
        epilog="modules: " + ", ".join(available) + ". A full run (no --quick, no --only) writes "
               "bench/RESULTS.md; otherwise nothing is written unless --out is given.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (a smoke test)")
    parser.add_argument("--only", metavar="NAME", choices=sorted(available),
                        help="run only bench/bench_NAME.py")
    parser.add_argument("--out", metavar="PATH", help="write the report here (default: bench/RESULTS.md on a full run)")
    args = parser.parse_args(argv)

    rows, failed = [], []
    for name, module_name in available.items():
        if args.only and name != args.only:
            continue
        print(f"== bench_{name}", flush=True)
        try:
            module_rows = importlib.import_module(module_name).run(quick=args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            module_rows = [{"name": f"bench_{name}", "peer": "", "target": "runs", "ok": False,
                            "note": "the benchmark module raised: see the console output"}]
        for r in module_rows:
            print(f"   {r['name']}: ours {fmt_s(r.get('ours_s'))} s, {r.get('peer', '')} {fmt_s(r.get('peer_s'))} s, "
                  f"ratio {fmt_ratio(r.get('ratio'))}, target {r.get('target', '')}: "
                  f"{'met' if r.get('ok') else 'NOT met'}", flush=True)
        rows += module_rows

    print()
    if args.quick:
        print("--quick: smaller sizes and fewer repeats; the targets are set for the full sizes.\n")
    print(table(rows))
    out = args.out or (None if (args.quick or args.only) else str(HERE / "RESULTS.md"))
    if out:
        pathlib.Path(out).write_text(report(rows, args), encoding="utf-8")
        print(f"\nwritten: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
