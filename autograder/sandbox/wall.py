"""The kernel's wall around a grading child: Landlock (files, TCP, signals) and seccomp.

Standalone on purpose: the fork server (`python -I -S`) loads it by file path, as it does
harness.py and loader.py; the grader imports it as `autograder.sandbox.wall` to probe the kernel.
Only the standard library (ctypes); x86-64 Linux. Nothing here needs root.

In a grading child, in this order (see forkserver._child):
  1. `prepare(read, rw, read_files, rw_files)` opens each allowed path and builds a Landlock
     ruleset (before the uid switch: the sandbox uid may not be able to open the Python
     installation's folders, which the ruleset must name);
  2. `restrict(ruleset)` sets no_new_privs and enforces it: from then on the process (and its
     threads) may read only the allowed folders, write only the scratch folder, execute no
     file, bind or connect no TCP socket, and signal or reach (abstract unix sockets) no
     process outside its own Landlock domain. Access rights the running kernel does not know
     (an older ABI) are left out, and the ABI in force is returned;
  3. `seccomp(pid)` installs a classic BPF filter: no fork/vfork, clone only with CLONE_THREAD
     (threads: BLAS, torch, `threading`), clone3 answered ENOSYS (glibc then falls back to
     clone), no execve/execveat, no socket/socketpair, kill/tgkill/rt_(tg)sigqueueinfo only to
     itself, no ptrace, process_vm_*, io_uring, mount, namespaces, bpf, module loading,
     setuid & co; any syscall of another ABI (i386, x32) kills the process.
"""

import ctypes
import os
import struct

# ----------------------------------------------------------------------------- syscalls
NR_LANDLOCK_CREATE_RULESET, NR_LANDLOCK_ADD_RULE, NR_LANDLOCK_RESTRICT_SELF = 444, 445, 446
NR_SECCOMP = 317
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_GET_SECCOMP = 38, 22, 21
SECCOMP_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL = 2, 2

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_prctl = _libc.prctl
_prctl.restype = ctypes.c_int
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _check(ret, what):
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")
    return ret


# ----------------------------------------------------------------------------- Landlock
# access rights (include/uapi/linux/landlock.h), with the ABI that introduced them
FS = {
    "execute": (1 << 0, 1),
    "write_file": (1 << 1, 1),
    "read_file": (1 << 2, 1),
    "read_dir": (1 << 3, 1),
    "remove_dir": (1 << 4, 1),
    "remove_file": (1 << 5, 1),
    "make_char": (1 << 6, 1),
    "make_dir": (1 << 7, 1),
    "make_reg": (1 << 8, 1),
    "make_sock": (1 << 9, 1),
    "make_fifo": (1 << 10, 1),
    "make_block": (1 << 11, 1),
    "make_sym": (1 << 12, 1),
    "refer": (1 << 13, 2),
    "truncate": (1 << 14, 3),
    "ioctl_dev": (1 << 15, 5),
}
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6
RULE_PATH_BENEATH = 1
CREATE_RULESET_VERSION = 1 << 0
FILE_RIGHTS = ("execute", "write_file", "read_file", "truncate", "ioctl_dev")


def landlock_abi():
    """(ABI version, None) or (0, why not)."""
    try:
        v = _syscall(
            ctypes.c_long(NR_LANDLOCK_CREATE_RULESET),
            None,
            ctypes.c_size_t(0),
            ctypes.c_uint32(CREATE_RULESET_VERSION),
        )
    except (AttributeError, OSError) as e:  # pragma: no cover - no libc syscall()
        return 0, f"no syscall(): {e}"
    if v < 0:
        e = ctypes.get_errno()
        return 0, {
            38: "the kernel has no Landlock (ENOSYS)",
            95: "Landlock is disabled at boot (EOPNOTSUPP: add landlock to lsm=)",
            1: "Landlock calls are refused here (EPERM: a container's seccomp profile?)",
        }.get(e, f"landlock_create_ruleset: {os.strerror(e)}")
    return int(v), None


def _rights(names, abi):
    bits = 0
    for n in names:
        bit, since = FS[n]
        if abi >= since:
            bits |= bit
    return bits


def handled_fs(abi):
    return _rights(FS, abi)


class Ruleset:
    """A Landlock ruleset fd (not yet enforced) and the ABI it was built for."""

    def __init__(self, fd, abi, rules):
        self.fd, self.abi, self.rules = fd, abi, rules


def prepare(read=(), rw=(), read_files=(), rw_files=(), abi=None):
    """A ruleset allowing: read (files and listing) beneath each folder of `read`; everything
    but execute beneath each folder of `rw`; reading each file of `read_files`; reading and
    writing each file of `rw_files`. Paths that do not exist are skipped. Raises OSError."""
    if abi is None:
        abi, why = landlock_abi()
        if not abi:
            raise OSError(38, why)
    fs = handled_fs(abi)
    net = (NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0
    attr = struct.pack("=QQQ", fs, net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    buf = ctypes.create_string_buffer(attr, len(attr))
    fd = _check(
        _syscall(ctypes.c_long(NR_LANDLOCK_CREATE_RULESET), buf, ctypes.c_size_t(size), ctypes.c_uint32(0)),
        "landlock_create_ruleset",
    )
    read_dir = _rights(("read_file", "read_dir"), abi)
    rw_dir = fs & ~FS["execute"][0]
    file_r = _rights(("read_file",), abi)
    file_rw = _rights(("read_file", "write_file", "truncate", "ioctl_dev"), abi)
    rules = []
    try:
        for paths, access, want_dir in (
            (read, read_dir, True),
            (rw, rw_dir, True),
            (read_files, file_r, False),
            (rw_files, file_rw, False),
        ):
            for path in paths:
                try:
                    pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    if _is_dir(pfd) != want_dir:
                        continue
                    rule = ctypes.create_string_buffer(struct.pack("=Qi", access, pfd), 12)
                    _check(
                        _syscall(
                            ctypes.c_long(NR_LANDLOCK_ADD_RULE),
                            ctypes.c_int(fd),
                            ctypes.c_int(RULE_PATH_BENEATH),
                            rule,
                            ctypes.c_uint32(0),
                        ),
                        f"landlock_add_rule {path}",
                    )
                    rules.append(path)
                finally:
                    os.close(pfd)
    except BaseException:
        os.close(fd)
        raise
    return Ruleset(fd, abi, rules)


def _is_dir(fd):
    import stat

    return stat.S_ISDIR(os.fstat(fd).st_mode)


def no_new_privs():
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def restrict(ruleset):
    """Enforce the ruleset on this process (irrevocable); returns the ABI in force."""
    no_new_privs()
    try:
        _check(
            _syscall(ctypes.c_long(NR_LANDLOCK_RESTRICT_SELF), ctypes.c_int(ruleset.fd), ctypes.c_uint32(0)),
            "landlock_restrict_self",
        )
    finally:
        os.close(ruleset.fd)
    return ruleset.abi


# ----------------------------------------------------------------------------- seccomp
AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
CLONE_THREAD = 0x00010000
EPERM, EACCES, ENOSYS = 1, 13, 38
# classic BPF opcodes
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
OFF_NR, OFF_ARCH, OFF_ARG0 = 0, 4, 16  # struct seccomp_data (args: little endian)

# x86-64 syscall numbers
FORK, VFORK, CLONE, CLONE3, EXECVE, EXECVEAT = 57, 58, 56, 435, 59, 322
SOCKET, SOCKETPAIR = 41, 53
KILL, TKILL, TGKILL, RT_SIGQUEUEINFO, RT_TGSIGQUEUEINFO = 62, 200, 234, 129, 297
REFUSED = {  # syscall: errno (beside the ones filtered by argument)
    FORK: EPERM,
    VFORK: EPERM,
    EXECVE: EACCES,
    EXECVEAT: EACCES,
    CLONE3: ENOSYS,
    SOCKET: EACCES,
    SOCKETPAIR: EACCES,
    TKILL: EPERM,
    101: EPERM,  # ptrace
    310: EPERM,
    311: EPERM,  # process_vm_readv / writev
    312: EPERM,  # kcmp
    424: EPERM,
    434: EPERM,
    438: EPERM,  # pidfd_send_signal, pidfd_open, pidfd_getfd
    425: EPERM,
    426: EPERM,
    427: EPERM,  # io_uring_* (its ops would bypass this filter)
    165: EPERM,
    166: EPERM,
    155: EPERM,
    161: EPERM,  # mount, umount2, pivot_root, chroot
    272: EPERM,
    308: EPERM,  # unshare, setns
    321: EPERM,
    298: EPERM,  # bpf, perf_event_open
    175: EPERM,
    313: EPERM,
    176: EPERM,
    246: EPERM,
    320: EPERM,  # modules, kexec
    169: EPERM,
    167: EPERM,
    168: EPERM,
    163: EPERM,  # reboot, swapon/off, acct
    248: EPERM,
    249: EPERM,
    250: EPERM,  # add_key, request_key, keyctl
    323: EPERM,  # userfaultfd
    303: EPERM,
    304: EPERM,  # name_to_handle_at, open_by_handle_at
    105: EPERM,
    106: EPERM,
    113: EPERM,
    114: EPERM,
    117: EPERM,
    119: EPERM,
    116: EPERM,
    122: EPERM,
    123: EPERM,
    126: EPERM,  # set*id, setgroups, setfs*id, capset
    133: EPERM,
    259: EPERM,  # mknod, mknodat
    135: EPERM,  # personality
    442: EPERM,
    429: EPERM,
    428: EPERM,
    430: EPERM,
    431: EPERM,
    432: EPERM,
    433: EPERM,
    # mount_setattr, open_tree/move_mount/fsopen/fsconfig/fsmount/fspick
}


def _ins(code, k, jt=0, jf=0):
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def filter_program(pid):
    """The BPF program (bytes) for a child whose process id is `pid`."""
    ERR = lambda e: _ins(RET_K, RET_ERRNO | e)  # noqa: E731
    prog = [
        _ins(LD_W_ABS, OFF_ARCH),
        _ins(JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _ins(RET_K, RET_KILL_PROCESS),
        _ins(LD_W_ABS, OFF_NR),
        _ins(JGE_K, X32_SYSCALL_BIT, 0, 1),
        _ins(RET_K, RET_KILL_PROCESS),
    ]
    # clone: a thread (CLONE_THREAD) passes, a process does not
    prog += [
        _ins(JEQ_K, CLONE, 0, 4),
        _ins(LD_W_ABS, OFF_ARG0),
        _ins(JSET_K, CLONE_THREAD, 0, 1),
        _ins(RET_K, RET_ALLOW),
        ERR(EPERM),
    ]
    # signals: only to itself (kill(pid), tgkill(tgid, ...), rt_(tg)sigqueueinfo(tgid, ...))
    for nr in (KILL, TGKILL, RT_SIGQUEUEINFO, RT_TGSIGQUEUEINFO):
        prog += [
            _ins(JEQ_K, nr, 0, 4),
            _ins(LD_W_ABS, OFF_ARG0),
            _ins(JEQ_K, pid, 0, 1),
            _ins(RET_K, RET_ALLOW),
            ERR(EPERM),
        ]
    for nr, err in sorted(REFUSED.items()):
        prog += [_ins(JEQ_K, nr, 0, 1), ERR(err)]
    prog.append(_ins(RET_K, RET_ALLOW))
    return b"".join(prog)


def seccomp_available():
    """(True, None) or (False, why not)."""
    if _prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0:
        return False, "the kernel has no seccomp (CONFIG_SECCOMP)"
    action = ctypes.c_uint32(RET_ERRNO)
    r = _syscall(
        ctypes.c_long(NR_SECCOMP),
        ctypes.c_uint(SECCOMP_GET_ACTION_AVAIL),
        ctypes.c_uint(0),
        ctypes.byref(action),
    )
    if r < 0:
        e = ctypes.get_errno()
        return False, f"seccomp filters are not available ({os.strerror(e)})"
    return True, None


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp(pid=None):
    """Install the filter on this process (irrevocable; inherited by its threads)."""
    code = filter_program(os.getpid() if pid is None else pid)
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    no_new_privs()
    _check(_prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "prctl(PR_SET_SECCOMP)")


# ----------------------------------------------------------------------------- probing
def probe():
    """What this kernel offers: {"landlock": ABI or 0, "seccomp": bool, "missing": [why]}."""
    abi, why = landlock_abi()
    ok, why2 = seccomp_available()
    missing = [w for w in (why, why2) if w]
    return {"landlock": abi, "seccomp": ok, "missing": missing}


def mapped_folders():
    """The folders of the files this process has mapped (its shared libraries)."""
    out = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].startswith("/"):
                    path = parts[5].rstrip("\n")
                    if path.endswith(" (deleted)"):
                        continue
                    d = os.path.dirname(path)
                    if d not in out:
                        out.append(d)
    except OSError:
        pass
    return out
