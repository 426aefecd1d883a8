"""Confinement a worker puts on itself before any student code runs, where the kernel allows it.

Needs no root and no namespaces, so it works where bubblewrap cannot
(Docker's default profile, Gradescope, CI runners):

- **Landlock** (Linux >= 5.13, library ``landlockpy``): the file system is
  read-only and limited to the system, Python and the grading engine; the
  scratch folder is the only place it can write. The graders package (hidden
  tests) and everything else (course, solutions, results, other submissions)
  is out of reach. From Landlock ABI 4 on, TCP connect/bind are denied; from
  ABI 6, signals and abstract sockets cannot reach processes outside the worker.
- **seccomp** (library ``pyseccomp``, which needs the system's libseccomp.so.2):
  no new sockets (internet or local services), no io_uring, and no new
  processes (threads are fine): a fork bomb or a detached child cannot start
  in the first place.
- As root (without a user id of its own), every capability is dropped.

Each step is best effort: what the kernel or the machine lacks is reported by
:func:`available` and skipped, never an error (a missing feature is not the
student's fault). ``COURSE_CONFINE=none`` turns all of it off, ``landlock`` or
``seccomp`` keeps only that one (to test what each layer alone does).
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import sys
from pathlib import Path
from typing import Iterable

from .platform_caps import running_as_root

try:
    import landlockpy
except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
    landlockpy = None
try:
    import pyseccomp  # loads libseccomp.so.2 now, in the forkserver, not in the confined worker
    SECCOMP_PROBLEM = ""
except (ImportError, OSError, RuntimeError) as err:  # RuntimeError: "Unable to find libseccomp"
    pyseccomp = None
    SECCOMP_PROBLEM = f"libseccomp is missing ({err}); install libseccomp2"

LAYERS = ("landlock", "seccomp")
CLONE_THREAD = 0x00010000
READ_ONLY_SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/sys", "/proc", "/opt/conda")
CAP_VERSION_3 = 0x20080522


def wanted() -> tuple[str, ...]:
    setting = os.environ.get("COURSE_CONFINE", "all").strip().lower()
    if setting in ("", "all"):
        return LAYERS
    return tuple(layer for layer in LAYERS if layer in setting.split(","))


def available() -> dict[str, str]:
    """Each layer's state here: 'Landlock ABI 7', or why it is off (for the isolation line)."""
    layers = wanted()
    abi = _landlock_abi()
    landlock = f"Landlock ABI {abi}" if abi else "off (the kernel has no Landlock, or a seccomp profile hides it)"
    seccomp = "on" if pyseccomp is not None else f"off ({SECCOMP_PROBLEM})"
    if not sys.platform.startswith("linux"):
        seccomp = "off (not Linux)"
    return {"landlock": landlock if "landlock" in layers else "off (COURSE_CONFINE)",
            "seccomp": seccomp if "seccomp" in layers else "off (COURSE_CONFINE)"}


def _landlock_abi() -> int:
    if landlockpy is None or not sys.platform.startswith("linux"):
        return 0
    try:
        return landlockpy.abi_version()
    except Exception:  # noqa: BLE001 - e.g. EPERM from a container's seccomp profile: no Landlock here
        return 0


_warned: set[str] = set()


def warn_once(problems: list[str]) -> None:
    """Tell the instructor (stderr, once per problem) about a layer a worker could not apply."""
    for problem in problems:
        if problem not in _warned:
            _warned.add(problem)
            print(f"warning: a worker could not apply {problem}; grading goes on without it", file=sys.stderr)


def confine(scratch: str, readable: Iterable[str], hidden: Iterable[str], layers: Iterable[str],
            drop_capabilities: bool) -> list[str]:
    """Confine this process (the worker) for good; returns what could not be applied, with why.

    ``readable``: folders or files the student's code may read (Python, the
    engine); ``hidden``: paths inside them that it must not (the graders);
    ``layers``: :func:`wanted`, as the judge read it (the worker's environment
    is scrubbed). ``drop_capabilities``: for root that stays root (no user id
    to switch to).
    """
    problems = []
    if "landlock" in layers:
        problems += _try("Landlock", lambda: _landlock(scratch, readable, hidden))
    if "seccomp" in layers:
        problems += _try("seccomp", _seccomp)
    if drop_capabilities and running_as_root():
        problems += _try("dropping root's capabilities", _drop_capabilities)
    return problems


def _try(name: str, step) -> list[str]:
    try:
        step()
        return []
    except Exception as err:  # noqa: BLE001 - a missing kernel feature must not stop grading
        return [f"{name}: {type(err).__name__}: {err}"]


# --- Landlock -----------------------------------------------------------------------------------

def _landlock(scratch: str, readable: Iterable[str], hidden: Iterable[str]) -> None:
    if _landlock_abi() == 0:
        raise OSError("Landlock is not available")
    fs = landlockpy.AccessFS
    read_file = fs.READ_FILE | fs.EXECUTE
    read_tree = read_file | fs.READ_DIR
    secret = [Path(p) for p in hidden]
    # Handles every file and network right this kernel knows (unlisted = denied), and keeps
    # signals and abstract UNIX sockets inside the worker's own processes.
    scopes = landlockpy.Scope.SIGNAL | landlockpy.Scope.ABSTRACT_UNIX_SOCKET
    with landlockpy.Ruleset(scoped=scopes) as rules:
        for path in (*READ_ONLY_SYSTEM, *readable):
            for grant, rights in _around(Path(path), secret, read_tree):
                rules.allow_path(grant, rights if grant.is_dir() else rights & read_file)
        rules.allow_path("/dev", fs.READ_DIR)
        for device in ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"):
            if os.path.exists(device):
                rules.allow_path(device, read_file | fs.WRITE_FILE)
        rules.allow_path(scratch, ~fs(0))
        rules.restrict()  # TCP bind/connect and signals out of the domain: denied when the ABI has them


def _around(path: Path, secret: list[Path], rights) -> list[tuple[Path, object]]:
    """Grants for ``path`` that leave out ``secret`` paths inside it.

    A Landlock rule covers a whole folder; a folder holding a secret is given
    only listing rights, and each entry beside the secret its full rights.
    """
    if not path.exists() or any(path == s for s in secret):
        return []
    inside = [s for s in secret if path in s.parents]
    if not inside:
        return [(path, rights)]
    grants: list[tuple[Path, object]] = [(path, landlockpy.AccessFS.READ_DIR)]
    for child in path.iterdir():
        grants += _around(child, inside, rights)
    return grants


# --- seccomp ------------------------------------------------------------------------------------

def _seccomp() -> None:
    if pyseccomp is None:
        raise OSError(SECCOMP_PROBLEM)
    rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    deny = pyseccomp.ERRNO(errno.EPERM)
    # No new sockets of any family: the internet, and local services' UNIX sockets (a Docker socket
    # would be a way out). The pipe to the judge exists already.
    for name in ("socket", "socketpair"):
        rules.add_rule(pyseccomp.ERRNO(errno.EACCES), name)
    for name in ("fork", "vfork", "io_uring_setup"):
        rules.add_rule(deny, name)
    # clone() without CLONE_THREAD makes a process; with it, a thread (BLAS, TensorFlow need those)
    rules.add_rule(deny, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_THREAD, 0))
    # clone3's flags sit in memory a filter cannot read; ENOSYS makes the C library fall back to clone()
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.load()


# --- root ---------------------------------------------------------------------------------------

class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """Root without capabilities: cannot override file permissions, kill others' processes, mount..."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _CapHeader(CAP_VERSION_3, 0), (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
