"""The sandbox: everything that touches learner code at grading.

This module is the grader's side: start fork servers, hand them submissions, read results,
claim the sandbox uids, the `Limits`, what the kernel offers and what was in force
(isolation_available, isolation_plan, isolation_report, describe_isolation). The child's side,
loaded by file path in a separate interpreter: forkserver.py, harness.py (runs one case),
loader.py (the notebook rule), wall.py (Landlock and seccomp).

Isolation, from the outside in:
  - the fork server is a separate interpreter started with `-I -S` (no site processing, no
    project folder on its path), holding only the cases' inputs: never `solutions`, never
    the expected answers or the seed; it imports numpy/torch/scipy once;
  - one child per submission (re-forked after a limit is hit), in its own session, killed
    as a whole process group at a time limit; as root it runs as an unprivileged uid
    (one per job slot, so that no slot can signal another) in a private scratch folder;
  - limits: wall clock per exercise, CPU time, address space, file size, processes;
  - the kernel's wall (wall.py), in each child before any learner statement runs: Landlock
    (read only the Python installation, its site-packages and system libraries; write only
    the scratch folder; execute nothing; no TCP; no signals or abstract sockets out) and a
    seccomp filter (no new process, no exec, no socket, no ptrace);
  - an audit hook refuses forks, subprocesses, ctypes, sockets, imports of `solutions` or
    `autograder`, and reading the course folder, the results or the other submissions: a
    second layer, which turns most refusals into readable feedback;
  - results come back as JSON + `.npz` read with allow_pickle=False and size caps.
"""

import json
import os
import pathlib
import select
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import dataclass

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent  # autograder/sandbox
PROJECT = HERE.parents[1]
# imported once by each fork server (the chapter notebooks' imports and their likely friends)
PRELOAD = [
    "numpy",
    "numpy.lib.stride_tricks",
    "scipy",
    "scipy.signal",
    "scipy.ndimage",
    "scipy.sparse",
    "scipy.spatial",
    "scipy.spatial.distance",
    "scipy.cluster",
    "scipy.cluster.vq",
    "scipy.linalg",
    "scipy.special",
    "scipy.stats",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "matplotlib",
    "matplotlib.pyplot",
    "mpl_toolkits.mplot3d",
    "mpl_toolkits.mplot3d.art3d",
    "pyts",
    "pyts.image",
    "skimage",
    "threadpoolctl",
    "PIL",
    "PIL.Image",
    "tqdm",
]


@dataclass
class Limits:
    wall: float = 10.0  # seconds of wall clock per exercise
    cpu: float = 10.0  # CPU seconds per exercise (a whole child: × exercises + 1)
    memory: int = 2 << 30  # bytes of address space on top of the server's
    output: int = 1 << 20  # bytes of captured stdout + stderr per submission
    file: int = 256 << 20  # largest file the child may write (its results included)
    source: int = 20 << 20  # largest learner file read
    load: float = 30.0  # seconds to load the definitions

    def as_dict(self):
        return dict(self.__dict__)


def site_paths():
    """Where numpy and torch live, without the project folder (editable installs)."""
    paths = []
    for p in site.getsitepackages() + [site.getusersitepackages()]:
        if os.path.isdir(p) and p not in paths:
            paths.append(p)
    return [p for p in paths if os.path.realpath(p) != os.path.realpath(PROJECT)]


def wall_read():
    """The folders a walled child may read: the standard library (lib-dynload included),
    libpython's folder, and the site-packages the fork server imports from."""
    paths = []
    for p in [
        sysconfig.get_paths().get("stdlib"),
        sysconfig.get_paths().get("platstdlib"),
        sysconfig.get_config_var("LIBDIR"),
    ] + site_paths():
        if p and os.path.isdir(p) and p not in paths:
            paths.append(p)
    return paths


def wall_never():
    """Folders whose libraries a fork server may have mapped but that a child must not read
    as a whole (beyond what wall_read names): the course folder, home folders."""
    return sorted({str(PROJECT), os.path.expanduser("~"), "/root", "/home"})


def isolation_available():
    """What the kernel offers here: {"landlock": ABI or 0, "seccomp": bool, "missing": [...]}."""
    from . import wall

    try:
        return wall.probe()
    except Exception as e:
        return {"landlock": 0, "seccomp": False, "missing": [f"no kernel isolation here ({e})"]}


def write_cases(directory, cases):
    """cases: {name: {"chapter", "kind", "forbidden", "cases": [cases.Call]}} -> files. A Call is
    the harness's input only (the grading metadata stays in the grader)."""
    spec, arrays = {}, {}
    for name, c in cases.items():
        items = []
        for ci, (tree, arr) in enumerate(c["cases"]):
            items.append([tree, sorted(arr)])
            for k, v in arr.items():
                arrays[f"{name}.{ci}.{k}"] = v
        spec[name] = {
            "chapter": c["chapter"],
            "kind": c["kind"],
            "forbidden": list(c["forbidden"]),
            "cases": items,
        }
    jpath, npath = directory / "cases.json", directory / "cases.npz"
    jpath.write_text(json.dumps(spec), encoding="utf-8")
    with open(npath, "wb") as f:
        np.savez(f, allow_pickle=False, **arrays)
    return jpath, npath


def _nogroup():
    try:
        import grp

        return grp.getgrnam("nogroup").gr_gid
    except KeyError:
        return 65534


def claim_uid():
    """As root: (uid, gid, lock) of an unprivileged uid that no other grader on this machine
    holds (an flock in /tmp, released when the process ends); else (None, None, None).

    Each job slot gets its own uid, so that killing every process of that uid after a
    submission (see kill_leftovers) cannot touch another slot's or another batch's child.
    """
    if os.geteuid() != 0:
        return None, None, None
    import fcntl

    base = int(os.environ.get("AUTOGRADER_UID_BASE", "64000"))
    for uid in range(base, base + 1000):
        try:
            import pwd

            pwd.getpwuid(uid)
            continue  # a real account: not ours to use
        except KeyError:
            pass
        fd = os.open(f"/tmp/.autograder-uid-{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        gid = _nogroup()
        why = _can_switch(uid, gid)
        if why:
            os.close(fd)
            print(
                f"autograder: warning: running as root but {why}: learner code runs as "
                "root (the other limits apply)",
                file=sys.stderr,
            )
            return None, None, None
        return uid, gid, fd
    raise RuntimeError("no free sandbox uid")


def _can_switch(uid, gid):
    """None when a child can drop to (uid, gid) and still read the installed packages, else
    why not (a container without CAP_SETUID; a virtual environment under a private folder)."""
    import numpy

    needed = [os.path.dirname(numpy.__file__)]
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        except BaseException:
            os._exit(1)
        ok = all(os.access(p, os.R_OK | os.X_OK) for p in needed)
        os._exit(0 if ok else 2)
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1
    return {
        0: None,
        2: f"uid {uid} cannot read the installed packages ({needed[0]}); make "
        "the course folder readable by others",
    }.get(code, f"cannot switch to uid {uid} here (no CAP_SETUID?)")


class ServerDied(RuntimeError):
    pass


class ForkServer:
    """One fork server process (a job slot). Not thread-safe: one per worker thread."""

    def __init__(self, cases, slot=0, deny=(), wall=None):
        """wall: {"landlock": bool, "seccomp": bool, "require": bool} for every child (require:
        a child that cannot install what is asked runs no learner code)."""
        self.cases, self.slot, self.deny = cases, slot, list(deny)
        self.wall = dict(wall or {})
        self.proc = None
        self.wall_read = []
        self.uid, self.gid, self._uid_lock = claim_uid()

    def start(self):
        return self.launch().wait_ready()

    def launch(self):
        """Start the server process (wait_ready() waits until it has imported everything)."""
        private = pathlib.Path(tempfile.mkdtemp(prefix="ag-server-"))
        os.chmod(private, 0o700)
        jpath, npath = write_cases(private, self.cases)
        cfg = {
            "sys_path": site_paths(),
            "harness": str(HERE / "harness.py"),
            "loader": str(HERE / "loader.py"),
            "cases_json": str(jpath),
            "cases_npz": str(npath),
            "preload": PRELOAD,
            "wall": str(HERE / "wall.py"),
            "wall_read": wall_read(),
            "wall_never": wall_never(),
            "vgg": str(PROJECT / "solutions" / "vgg.py"),
        }
        cpath = private / "config.json"
        cpath.write_text(json.dumps(cfg), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER"))}
        env.update(
            {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
        )
        self.private = private
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(HERE / "forkserver.py"), str(cpath)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=private,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        return self

    def wait_ready(self):
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            err = self.proc.stderr.read()[-2000:] if self.proc.poll() is not None else ""
            self.close()
            raise ServerDied(f"the fork server did not start: {line!r} {err}")
        try:
            self.wall_read = json.loads(line[5:] or "{}").get("wall_read", [])
        except ValueError:
            self.wall_read = []
        # the server read and deleted its inputs; the folder only held them
        shutil.rmtree(self.private, ignore_errors=True)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        return self

    def _drain_stderr(self):
        try:
            for _ in self.proc.stderr:
                pass
        except (ValueError, OSError):
            pass

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def run(self, files, exercises, scratch, limits, safe=None):
        """Grade one submission's exercises; returns the server's reply (a dict).

        safe: a folder the child cannot reach, where the server moves each result as soon as
        the child reports it (read them with read_results(safe, name))."""
        from ..exercises import EXERCISES

        job = {
            "files": files,
            "exercises": exercises,
            "scratch": str(scratch),
            "safe": str(safe) if safe else None,
            "chapters": {ex.name: ex.chapter for ex in EXERCISES},
            "uid": self.uid,
            "gid": self.gid,
            "limits": limits.as_dict(),
            "deny": self.deny,
            "allow": [sys.prefix, str(scratch)],
            "wall": self.wall,
        }
        if not self.alive():
            self.start()
        # a watchdog on the server itself: every exercise at its limit, loading, and a margin
        budget = limits.wall * (len(exercises) + 2) + limits.load + 30
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], budget)
            if not ready:
                self.close()
                raise ServerDied(f"the fork server did not answer within {budget:g} s")
            line = self.proc.stdout.readline()
        except (BrokenPipeError, OSError) as e:
            self.close()
            raise ServerDied(str(e)) from None
        if not line:
            self.close()
            raise ServerDied("the fork server ended")
        return json.loads(line)

    def make_scratch(self):
        """(scratch, safe): a private scratch folder for one child, owned by the sandbox uid,
        and a folder of the grader's (mode 700) where its results are moved."""
        d = pathlib.Path(tempfile.mkdtemp(prefix="ag-sub-"))
        if self.uid is not None:
            os.chown(d, self.uid, self.gid)
        os.chmod(d, 0o700)
        safe = pathlib.Path(tempfile.mkdtemp(prefix="ag-res-"))
        os.chmod(safe, 0o700)
        return d, safe

    def kill_leftovers(self):
        """As root: kill every process of the slot's uid (whatever escaped the process group)."""
        if self.uid is None:
            return
        pid = os.fork()
        if pid == 0:
            try:
                os.setuid(self.uid)
                os.kill(-1, 9)
            except BaseException:
                pass
            os._exit(0)
        os.waitpid(pid, 0)

    def release_uid(self):
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None

    def close(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    s.close()
                except (OSError, ValueError):
                    pass
            self.proc = None


MAX_JSON, MAX_NPZ = 16 << 20, 256 << 20


def read_results(folder, name):
    """(result dict, arrays) written by the child for exercise `name`, size-capped."""
    base = pathlib.Path(folder)
    jp, npz = base / f"{name}.json", base / f"{name}.npz"
    if base.is_symlink() or jp.is_symlink() or npz.is_symlink():
        raise ValueError("results are links")
    if not jp.is_file() or jp.stat().st_size > MAX_JSON:
        raise ValueError("no results, or results too large")
    result = json.loads(jp.read_text(encoding="utf-8"))
    arrays = {}
    if npz.is_file():
        if npz.stat().st_size > MAX_NPZ:
            raise ValueError("result arrays too large")
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    return result, arrays


# ----------------------------------------------------------------------------- what is in force
def isolation_plan(hidden, allow_weak=False, wall=True):
    """{"landlock", "seccomp", "require", "weak": [what is missing], "kernel": probe}: what the
    children are asked to install (require: hidden cases, and weak isolation not allowed)."""
    probe = isolation_available()
    landlock, seccomp = bool(probe["landlock"]) and wall, bool(probe["seccomp"]) and wall
    missing = [] if wall else ["the wall is switched off (wall=False)"]
    if wall and not landlock:
        missing.append("Landlock" + "".join(f" ({m})" for m in probe["missing"] if "andlock" in m))
    if wall and not seccomp:
        missing.append("seccomp" + "".join(f" ({m})" for m in probe["missing"] if "seccomp" in m))
    return {
        "landlock": landlock,
        "seccomp": seccomp,
        "require": hidden and not allow_weak,
        "weak": missing,
        "kernel": probe,
    }


def describe_isolation(iso):
    """One line for a person: what kept the learner's code in (see isolation_report)."""
    if not iso:
        return "Isolation: unknown (no child reported it)."
    parts = []
    abi = iso.get("landlock_abi")
    parts.append(
        f"Landlock ABI {abi} (files, no execute"
        + (", no TCP" if abi and abi >= 4 else "")
        + (", no signals or abstract sockets out" if abi and abi >= 6 else "")
        + ")"
        if abi
        else "no Landlock"
    )
    parts.append("seccomp on (no new process, exec, socket, ptrace)" if iso.get("seccomp") else "seccomp off")
    parts.append(f"uid switch to {iso['uid']}" if iso.get("uid_switch") else "no uid switch")
    parts.append("audit hook on")
    lim = iso.get("limits") or {}
    if lim:
        parts.append(
            f"limits: {lim.get('wall', 0):g} s wall and {lim.get('cpu', 0):g} s CPU an "
            f"exercise, {int(lim.get('memory', 0)) >> 20} MiB memory, "
            f"{int(lim.get('output', 0)) >> 10} KiB output"
        )
    text = "Isolation: " + "; ".join(parts) + "."
    if iso.get("weak"):
        text += " WEAK: " + "; ".join(iso["weak"]) + "."
    return text


def isolation_report(replies, plan, limits):
    """What was in force for one submission: the weakest of what its children reported."""
    reports = [r.get("isolation") for r in replies if r is not None]
    seen = [r for r in reports if isinstance(r, dict)]
    abi = min((int(r.get("landlock") or 0) for r in seen), default=0)
    iso = {
        "landlock_abi": abi,
        "seccomp": bool(seen) and all(r.get("seccomp") for r in seen),
        "uid_switch": bool(seen) and all(r.get("uid") not in (None, 0) for r in seen) and os.geteuid() == 0,
        "uid": seen[0].get("uid") if seen else None,
        "audit_hook": True,
        "limits": limits.as_dict(),
        "wall_ms": max((r.get("wall_ms") or 0 for r in seen), default=None),
    }
    weak = []
    if plan.get("landlock") and not abi or plan.get("seccomp") and not iso["seccomp"]:
        weak.append(
            "a child could not install the kernel's wall: "
            + "; ".join(e for r in seen for e in r.get("errors", []))[:300]
        )
    weak += plan.get("weak", [])
    if weak:
        iso["weak"] = weak
    if len(seen) < len(reports):
        iso["unreported"] = len(reports) - len(seen)
    return iso
