"""The sandbox's fork server: imports numpy/torch once, then forks one child per submission.

Started by `autograder.sandbox` as `python -I -S forkserver.py CONFIG` - isolated mode and
no site processing, so neither the project folder nor the editable install of `solutions`
and `autograder` is on its path: it sees only the site-packages folders listed in CONFIG.
It holds the cases' *inputs* (never the expected answers, never the seed).

Protocol (one JSON object a line): the grader writes a job
    {"files": [[label, path], ...], "exercises": [...], "scratch": dir, "uid": int|null, ...}
and reads back {"status": {exercise: "done" | "timeout" | "crashed: ..." | ...},
"output": captured learner output (truncated), "problems": [...]}.

The child of a job: its own session (process group); reads the learner's files and builds
the Landlock ruleset (wall.py: the allowed folders are opened before the uid switch), then
(as root) drops to an unprivileged uid in its private scratch folder; sets CPU, memory, file
and process limits; enforces the kernel's wall (Landlock, then a seccomp filter: after the
thread pools of torch and BLAS were set up here) and reports it ("W {...}", before any
learner code: the server keeps the first report); installs an audit hook (a second layer,
for readable messages) that refuses subprocesses, forks, ctypes,
sockets, imports of `solutions`/`autograder`, and reading the denied folders; loads the
definitions (see loader.py); runs each exercise's cases with harness.run_case, writing
<scratch>/out/<exercise>.json/.npz. The server kills the whole group on a time or output
limit, and starts a new child for the exercises not yet run.
"""

import json
import os
import resource
import selectors
import signal
import sys
import time

with open(sys.argv[1], encoding="utf-8") as _cfg:
    CFG = json.load(_cfg)
sys.path[:0] = CFG["sys_path"]
os.environ.update(
    {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
)

import importlib  # noqa: E402
import importlib.util  # noqa: E402

import numpy as np  # noqa: E402


def _load_by_path(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


harness = _load_by_path("_ag_harness", CFG["harness"])
loader = _load_by_path("_ag_loader", CFG["loader"])
wall = _load_by_path("_ag_wall", CFG["wall"]) if CFG.get("wall") else None

# Preload the standard library (a child running as another uid may not be able to read
# it: a Python installed under /root, say) and the packages learners import, so that a
# child pays for none of it. Modules with side effects at import are skipped.
STDLIB_SKIP = {
    "antigravity",
    "this",
    "tkinter",
    "idlelib",
    "turtle",
    "turtledemo",
    "__main__",
    "test",
    "lib2to3",
    "ensurepip",
    "venv",
    "pydoc_data",
    "readline",
    "curses",
    "_curses",
    "_curses_panel",
    "dbm",
    "_dbm",
    "_gdbm",
    "crypt",
    "_crypt",
    "nis",
    "spwd",
    "ossaudiodev",
    "_tkinter",
    "xxlimited",
    "xxlimited_35",
    "xxsubtype",
    "_xxsubinterpreters",
    "_xxtestfuzz",
    "_ctypes_test",
    "sre_compile",
    "sre_parse",
    "sre_constants",
    "msilib",
    "winreg",
    "winsound",
    "_winapi",
    "nt",
    "msvcrt",
    "_msi",
    "_overlapped",
    "_scproxy",
    "_osx_support",
    "_aix_support",
    "_wmi",
    "_bootsubprocess",
    "asyncio.__main__",
}


def _preload(names):
    import contextlib
    import io

    for mod in names:
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                importlib.import_module(mod)
        except BaseException:
            pass


if CFG.get("preload_stdlib", True):
    _preload(sorted(m for m in sys.stdlib_module_names if m not in STDLIB_SKIP and not m.startswith("_test")))
_preload(CFG.get("preload", []))
try:
    import torch

    torch.set_num_threads(1)  # before any warm-up: a process that forks
    (torch.ones(4, 4, requires_grad=True) @ torch.ones(4, 4)).sum().backward()
except ImportError:
    torch = None
np.ones((8, 8)) @ np.ones((8, 8))

# the cases' inputs, in memory: {exercise: {"forbidden": [...], "kind": str, "cases": [...]}}
with open(CFG["cases_json"], encoding="utf-8") as f:
    SPEC = json.load(f)
with np.load(CFG["cases_npz"], allow_pickle=False) as z:
    ARRAYS = {k: z[k] for k in z.files}
os.unlink(CFG["cases_json"])
os.unlink(CFG["cases_npz"])
os.unlink(sys.argv[1])

# the feature networks of call-kind "network" cases (exercise 24), built once here from
# solutions/vgg.py (loaded by path: the weights' checksum is verified before any learner code)
_network_cases = [
    (tree["args"], tree["kwargs"])
    for ex in SPEC.values()
    for tree, _ in ex["cases"]
    if tree.get("call") == "network"
]
if _network_cases and CFG.get("vgg"):
    harness.NETWORK_FACTORY = _load_by_path("_ag_vgg", CFG["vgg"]).FeatureExtractor
    for _args, _kwargs in _network_cases:
        _kw = harness.decode(_kwargs, {})
        harness.network(
            harness.decode(_args["items"][0], {}),
            list(_kw.get("content_layers", [])) + list(_kw.get("style_layers", [])),
        )
    # warm up what a loop imports lazily (a walled-in child cannot read the modules' files)
    _x = torch.zeros(3, requires_grad=True)
    for _opt in (
        torch.optim.LBFGS([_x], max_iter=3, line_search_fn="strong_wolfe"),
        torch.optim.Adam([_x]),
        torch.optim.SGD([_x], lr=0.1),
    ):

        def _closure(_opt=_opt):
            _opt.zero_grad()
            _loss = ((_x - 1) ** 2).sum()
            _loss.backward()
            return _loss

        _opt.step(_closure)


def _beneath(path, folders):
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _wall_folders():
    """The folders a child may read once walled in: the Python installation and the
    site-packages named in CFG, and the folders of the shared libraries this server has
    mapped (its preloads), except any beneath a folder CFG says a child may never read."""
    real = os.path.realpath
    read = []
    for p in CFG.get("wall_read", []):
        if os.path.isdir(p) and real(p) not in read:
            read.append(real(p))
    never = [real(p) for p in CFG.get("wall_never", [])]
    for d in wall.mapped_folders() if wall else []:
        d = real(d)
        if (
            os.path.isdir(d)
            and not _beneath(d, read)
            and not _beneath(d, never)
            and not d.startswith(("/proc", "/dev", "/tmp", "/var/tmp", "/run"))
        ):
            read.append(d)
    return read


WALL_READ = _wall_folders()

# the functions the child writes its results with, taken before any learner code runs (a
# learner may monkeypatch builtins.open, json or numpy: that must not garble the results)
_dumps, _savez, _os_open, _os_write, _os_close, _os_mkdir = (
    json.dumps,
    np.savez,
    os.open,
    os.write,
    os.close,
    os.mkdir,
)
from io import BytesIO as _BytesIO  # noqa: E402


def _mkdir(path):
    try:
        _os_mkdir(path, 0o700)
    except FileExistsError:
        pass


def _write(path, data):
    fd = _os_open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            n = _os_write(fd, view)
            view = view[n:]
    finally:
        _os_close(fd)


DENIED_EVENTS = {
    "os.fork",
    "os.forkpty",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "subprocess.Popen",
    "pty.spawn",
    "os.kill",
    "os.killpg",
    "signal.pthread_kill",
    "ctypes.dlopen",
    "ctypes.dlsym",
    "ctypes.cdata",
    "ctypes.call_function",
    "socket.connect",
    "socket.bind",
    "socket.sendto",
    "os.setuid",
    "os.setgid",
    "os.chown",
    "os.chmod",
    "os.rename",
    "os.remove",
    "os.rmdir",
    "shutil.rmtree",
    "os.symlink",
    "os.link",
    "os.truncate",
    "sys._current_frames",
    "os.putenv",
    "os.unsetenv",
}


def _install_audit_hook(scratch, deny, allow):
    """Refuse what a graded function has no business doing (cannot be removed afterwards)."""
    realpath = os.path.realpath
    deny = tuple(realpath(d).rstrip("/") + "/" for d in deny)
    allow = tuple(realpath(a).rstrip("/") + "/" for a in allow)
    scratch = realpath(scratch).rstrip("/") + "/"
    blocked = ("solutions", "autograder")

    def path_ok(path, write):
        try:
            p = realpath(os.fsdecode(path)) + "/"
        except Exception:
            return False
        if write and not (p.startswith(scratch) or p in ("/dev/null/",)):
            return False
        if p.startswith(deny) and not p.startswith(allow):
            return False
        return True

    def hook(event, args):
        if event in DENIED_EVENTS:
            if (
                event in ("os.chmod", "os.rename", "os.remove", "os.rmdir", "os.truncate", "shutil.rmtree")
                and args
                and isinstance(args[0], (str, bytes))
                and path_ok(args[0], True)
            ):
                return
            raise PermissionError(f"{event} is not allowed while grading")
        if event == "open":
            path, mode, flags = (list(args) + [None, None])[:3]
            if isinstance(path, int) or path is None:
                return
            write = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            )
            if not path_ok(path, bool(write)):
                raise PermissionError(f"opening {os.fsdecode(path)!r} is not allowed while grading")
        elif event in ("os.listdir", "os.scandir"):
            if args and args[0] is not None and not isinstance(args[0], int) and not path_ok(args[0], False):
                raise PermissionError("listing that folder is not allowed while grading")
        elif event == "import" and str(args[0]).split(".")[0] in blocked:
            raise ImportError(f"{args[0]} cannot be imported while grading")

    sys.addaudithook(hook)


def _limits(job, n_exercises):
    lim = job["limits"]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    vm = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                vm = int(line.split()[1]) * 1024
    mem = vm + int(lim["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + int(lim["cpu"]) * (n_exercises + 1) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(lim["file"]), int(lim["file"])))
    if job.get("uid") is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))


def _readable(job):
    """The folders this job's child may read: WALL_READ, less any folder that holds one the
    job denies (a submission, the results) - a Landlock rule covers everything beneath it."""
    deny = [os.path.realpath(d) for d in job.get("deny", [])]
    return [d for d in WALL_READ if not any(_beneath(x, [d]) for x in deny)]


def _find(name, namespaces, chapter):
    """The learner's object for `name`: their chapter's file first, then any other file."""
    ordered = sorted(namespaces, key=lambda item: (item[1] != chapter, item[0]))
    for label, _chapter, ns in ordered:
        if name in ns:
            return ns[name], ns, label
    return None, None, None


def _child(job, exercises, progress_w, output_w, ack_r):
    """In the forked child: never returns."""
    try:
        os.setsid()
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        scratch = job["scratch"]
        sources = []
        for label, path, chapter in job["files"]:
            try:
                with open(path, "rb") as f:
                    data = f.read(int(job["limits"]["source"]) + 1)
                if len(data) > int(job["limits"]["source"]):
                    sources.append((label, chapter, None, f"{label}: larger than the source limit"))
                else:
                    sources.append((label, chapter, data, None))
            except OSError as e:
                sources.append((label, chapter, None, f"{label}: cannot read ({e.strerror})"))
        want = job.get("wall") or {}
        iso = {"landlock": 0, "seccomp": False, "uid": None, "errors": []}
        ruleset, spent = None, 0.0
        if want.get("landlock"):
            t0 = time.perf_counter()
            try:  # the folders are opened before the uid switch (see wall.prepare)
                ruleset = wall.prepare(
                    _readable(job), [scratch], ["/dev/urandom", "/dev/zero"], ["/dev/null"]
                )
            except (OSError, AttributeError) as e:
                iso["errors"].append(f"Landlock: {e}")
            spent += time.perf_counter() - t0
        if job.get("uid") is not None:
            os.setgroups([])
            os.setgid(job["gid"])
            os.setuid(job["uid"])
        os.chdir(scratch)
        os.environ.update({"HOME": scratch, "TMPDIR": scratch, "MPLCONFIGDIR": scratch})
        _limits(job, len(exercises))
        progress = os.fdopen(progress_w, "w", buffering=1)
        t0 = time.perf_counter()
        if ruleset is not None:
            try:
                iso["landlock"] = wall.restrict(ruleset)
            except OSError as e:
                iso["errors"].append(f"Landlock: {e}")
        if want.get("seccomp"):
            try:
                wall.seccomp(os.getpid())
                iso["seccomp"] = True
            except (OSError, AttributeError) as e:
                iso["errors"].append(f"seccomp: {e}")
        iso["wall_ms"] = round((spent + time.perf_counter() - t0) * 1000, 3)
        iso["uid"] = os.getuid()
        # reported before any learner statement runs: the server keeps the first report only
        progress.write("W " + _dumps(iso) + "\n")
        if want.get("require") and (
            (want.get("landlock") and not iso["landlock"]) or (want.get("seccomp") and not iso["seccomp"])
        ):
            os._exit(4)
        _install_audit_hook(scratch, job["deny"], job["allow"])
        problems, namespaces = [], []
        for label, chapter, data, err in sources:
            if err:
                problems.append(err)
                continue
            ns = {"__name__": "__submission__", "__builtins__": __builtins__}
            try:
                text = loader.decode_source(data, label)
                problems += loader.load(text, label, ns)
            except ValueError as e:
                problems.append(str(e))
            namespaces.append((label, chapter, ns))
        loader.share_exercises(namespaces, job.get("chapters", {}))
        outdir = os.path.join(scratch, "out")  # absolute: learner code may chdir
        _mkdir(outdir)
        _write(os.path.join(outdir, "_load.json"), _dumps({"problems": problems[:50]}).encode())
        progress.write("L\n")
        _wait_ack(ack_r)
        for name in exercises:
            progress.write(f"S {name}\n")
            spec = SPEC[name]
            fn, ns, label = _find(name, namespaces, spec["chapter"])
            result = {"cases": [], "where": label}
            arrays = {}
            if fn is None:
                result["missing"] = True
            else:
                for ci, (tree, keys) in enumerate(spec["cases"]):
                    case_arrays = {k: ARRAYS[f"{name}.{ci}.{k}"] for k in keys}
                    res, ra = harness.run_case(fn, tree, case_arrays, spec["forbidden"], ns)
                    for k, v in ra.items():
                        arrays[f"c{ci}.{k}"] = v
                    result["cases"].append(res)
            try:
                buf = _BytesIO()
                _savez(buf, allow_pickle=False, **arrays)
                _write(os.path.join(outdir, f"{name}.npz"), buf.getvalue())
                text = _dumps(result)
            except (TypeError, ValueError, OSError) as e:
                text = _dumps({"cases": [], "unsaved": f"{type(e).__name__}: {e}"[:300]})
            _write(os.path.join(outdir, f"{name}.json"), text.encode())
            progress.write(f"D {name}\n")
            _wait_ack(ack_r)  # the server has moved the results out of reach
        progress.close()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        os._exit(3)
    os._exit(0)


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _describe(status):
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        what = {
            signal.SIGKILL: "killed (memory or CPU limit?)",
            signal.SIGXCPU: "CPU time limit",
            signal.SIGSEGV: "segmentation fault",
            signal.SIGXFSZ: "file size limit",
        }.get(sig)
        return f"crashed: signal {sig}" + (f", {what}" if what else "")
    return f"crashed: exit status {os.WEXITSTATUS(status)}"


def _ack(fd):
    try:
        os.write(fd, b"k")
    except OSError:
        pass


def _wait_ack(fd):
    try:
        os.read(fd, 1)
    except OSError:
        pass


def _secure(job, name):
    """Move an exercise's result files out of the child's reach as soon as it reports them,
    so that code running later in the child cannot rewrite them."""
    if not job.get("safe"):
        return
    for ext in ("json", "npz"):
        src = os.path.join(job["scratch"], "out", f"{name}.{ext}")
        try:
            if os.path.isfile(src) and not os.path.islink(src):
                os.rename(src, os.path.join(job["safe"], f"{name}.{ext}"))
        except OSError:
            pass


def run_job(job):
    timeout = float(job["limits"]["wall"])
    out_limit = int(job["limits"]["output"])
    remaining = list(job["exercises"])
    status, output, problems = {}, bytearray(), []
    truncated = False
    loaded_once = False
    isolation = None
    while remaining:
        pr, pw = os.pipe()
        ar, aw = os.pipe()  # acknowledgements: results secured, go on
        orr, ow = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(pr)
            os.close(orr)
            os.close(aw)
            _child(job, remaining, pw, ow, ar)
        os.close(pw)
        os.close(ow)
        os.close(ar)
        sel = selectors.DefaultSelector()
        sel.register(pr, selectors.EVENT_READ, "progress")
        sel.register(orr, selectors.EVENT_READ, "output")
        current, loaded, buf = None, False, b""
        child_iso = None
        start = time.monotonic()
        deadline = start + timeout + float(job["limits"].get("load", 30))
        hard = start + timeout * (len(remaining) + 1) + float(job["limits"].get("load", 30))
        reason = None
        open_fds = 2
        while open_fds:
            now = time.monotonic()
            if now > min(deadline, hard):
                reason = "timeout"
                _kill_group(pid)
                break
            for key, _ in sel.select(timeout=max(0.0, min(deadline, hard) - now)):
                try:
                    data = os.read(key.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fd)
                    open_fds -= 1
                    continue
                if key.data == "output":
                    room = out_limit - len(output)
                    if len(data) > room:
                        output += data[: max(room, 0)]
                        truncated = True
                        reason = "output"
                        _kill_group(pid)
                        open_fds = 0
                        break
                    output += data
                    continue
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    msg = line.decode("utf-8", "replace")
                    if msg.startswith("W ") and child_iso is None and not loaded:
                        try:
                            child_iso = json.loads(msg[2:])
                        except ValueError:
                            child_iso = {"errors": ["unreadable report"]}
                        if isolation is None:
                            isolation = child_iso
                    elif msg == "L":
                        _secure(job, "_load")
                        _ack(aw)
                        loaded = loaded_once = True
                        deadline = time.monotonic() + timeout
                    elif msg.startswith("S ") and msg[2:] in remaining:
                        current = msg[2:]
                        deadline = time.monotonic() + timeout
                    elif msg.startswith("D ") and msg[2:] == current:
                        status[current] = "done"
                        _secure(job, current)
                        _ack(aw)
                        remaining.remove(current)
                        current = None
                        deadline = time.monotonic() + timeout
        sel.close()
        os.close(pr)
        os.close(orr)
        os.close(aw)
        _kill_group(pid)
        _, st = os.waitpid(pid, 0)
        if reason is None and current is None and not remaining:
            break
        if reason == "timeout":
            why = f"timeout: more than {timeout:g} s"
        elif reason == "output":
            why = f"output limit: printed more than {out_limit} bytes"
        elif os.WIFEXITED(st) and os.WEXITSTATUS(st) == 4 and not loaded and child_iso:
            why = (
                "the kernel's isolation could not be installed: "
                + "; ".join(str(e) for e in child_iso.get("errors", []))[:300]
            )
        else:
            why = (
                _describe(st)
                if (os.WIFSIGNALED(st) or os.WEXITSTATUS(st))
                else "the process ended before finishing (sys.exit or os._exit?)"
            )
        if not loaded:
            problems.append(f"loading the submission failed: {why}")
            for name in remaining:
                status[name] = f"not run: loading the submission failed ({why})"
            break
        victim = current if current is not None else (remaining[0] if remaining else None)
        if victim is None:
            break
        status[victim] = why
        remaining.remove(victim)
    text = output.decode("utf-8", "replace")
    if truncated:
        text += f"\n[output truncated at {out_limit} bytes]"
    return {
        "status": status,
        "output": text,
        "problems": problems,
        "loaded": loaded_once,
        "isolation": isolation,
    }


def main():
    out = sys.__stdout__
    out.write("ready " + json.dumps({"wall_read": WALL_READ}) + "\n")
    out.flush()
    for line in sys.stdin:
        job = json.loads(line)
        try:
            reply = run_job(job)
        except Exception as e:
            reply = {"status": {}, "output": "", "problems": [f"fork server: {type(e).__name__}: {e}"]}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
