"""Where worker processes live: a bubblewrap sandbox when the machine allows it.

With bubblewrap (``bwrap``), the forkserver that forks every worker starts
inside a sandbox, so every worker inherits it: a read-only view of only the
system, Python and its packages, and the grading engine itself; no course
folder (solutions, hidden tests, other submissions, results), no network, a
private /tmp, and a scrubbed environment. Without bubblewrap, workers still
get their limits, a scratch copy as working directory and a scrubbed
environment, and confine themselves as far as the kernel allows (confine.py:
Landlock, seccomp); :func:`describe` says what is in force and what is not.

``COURSE_SANDBOX=none`` turns the sandbox off; ``COURSE_SANDBOX=bwrap``
requires it (grading stops with an error if it cannot start).
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ..core.config import GRADERS_DIR
from .devices import VARIABLES as DEVICE_VARIABLES
from .platform_caps import running_as_root

ENGINE_DIR = Path(__file__).resolve().parents[1]

KEPT_ENV = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_ENABLE_ONEDNN_OPTS", *DEVICE_VARIABLES)


WINDOWS_ENV = ("PATH", "SYSTEMROOT", "WINDIR", "TEMP", "TMP", "PATHEXT", "COMSPEC")


class SandboxError(RuntimeError):
    """COURSE_SANDBOX=bwrap was asked for, but bubblewrap cannot run here."""


def worker_environment(home: str) -> dict[str, str]:
    """The only environment variables student code sees."""
    env = {key: os.environ[key] for key in KEPT_ENV if key in os.environ}
    env.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "KERAS_HOME": os.path.join(home, ".keras"),
                "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"})
    if os.name == "nt":  # Windows cannot load Python's DLLs or make temporary files without these
        env.update({key: os.environ[key] for key in WINDOWS_ENV if key in os.environ})
        env["USERPROFILE"] = home
    return env


def mode() -> str:
    """'bwrap' or 'none': what isolates workers on this machine now."""
    wanted = os.environ.get("COURSE_SANDBOX", "auto")
    if wanted == "none":
        return "none"
    if bwrap_works():
        return "bwrap"
    if wanted == "bwrap":
        raise SandboxError("COURSE_SANDBOX=bwrap, but bubblewrap is not installed or cannot create "
                           "namespaces here (install the 'bubblewrap' package, or unset COURSE_SANDBOX)")
    return "none"


def drops_root(sandbox_mode: str) -> bool:
    """Do root's workers run as a user id of their own? Only if that user can run this Python."""
    return running_as_root() and (sandbox_mode == "bwrap" or others_can_use_python())


def describe(max_processes: int | None = None) -> str:
    """One line for the instructor: what isolates student code here, and what it does not cover."""
    from . import confine

    current, layers = mode(), confine.available()
    landlock, seccomp = layers["landlock"].startswith("Landlock"), layers["seccomp"] == "on"
    own_uid = drops_root(current)
    on, gaps = [], []
    if current == "bwrap":
        on.append("bubblewrap (read-only system, no course files, no network)")
    if own_uid:
        on.append("a user id of its own" + (f" (at most {max_processes} processes)" if max_processes else ""))
    elif running_as_root():
        on.append("root without capabilities")
    else:
        on.append("the grader's own user id" + (f" ({os.geteuid()})" if hasattr(os, "geteuid") else ""))
    on.append("subreaper (detached processes end with the submission)" if sys.platform.startswith("linux")
              else "process group")
    if landlock:
        on.append(f"{layers['landlock']} (files: read-only system, Python and engine; writes: scratch only)")
    if seccomp:
        on.append("seccomp (no new sockets, no new processes)")
    if not (seccomp or own_uid):
        gaps.append("fork bombs")
    if current == "none":
        if not landlock:
            gaps.append(f"file access: Landlock {layers['landlock']}, so student code can read what "
                        f"{'any user' if own_uid else 'the grader'} can (hidden tests too) and write there")
        if not seccomp:
            gaps.append(f"internet and UNIX sockets of local services: seccomp {layers['seccomp']}")
    return f"{', '.join(on)}. Not covered: {'; '.join(gaps) or 'nothing known'}."


@functools.lru_cache(maxsize=1)
def bwrap_works() -> bool:
    binary = shutil.which("bwrap")
    if binary is None:
        return False
    probe = [binary, *_mounts(Path("/tmp")), "--", sys.executable, "-c", "import graders.engine.isolation.worker"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def sandboxed(home: Path, program: list[str]) -> list[str]:
    """The command that runs ``program`` inside the sandbox, with ``home`` its only writable folder."""
    binary = shutil.which("bwrap")
    assert binary is not None
    env_args = [arg for key, value in worker_environment(str(home)).items() for arg in ("--setenv", key, value)]
    return [binary, *_mounts(home), "--clearenv", *env_args, "--chdir", str(home), "--", *program]


def wrapper_executable(home: Path) -> Path:
    """A script that starts Python inside the sandbox, for multiprocessing's set_executable."""
    command = sandboxed(home, [sys.executable])
    script = home / "python-in-sandbox"
    script.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(c) for c in command) + ' "$@"\n', encoding="utf-8")
    script.chmod(0o700)
    return script


def python_dirs() -> list[str]:
    """Where Python, its standard library and installed packages live."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values(),
             *(p for p in sys.path if "site-packages" in p or "dist-packages" in p)}
    return sorted(p for p in found if p and os.path.isdir(p))


def others_can_use_python() -> bool:
    """Can a user with no rights of its own run this Python? (Not under a private home like /root.)"""
    for folder in python_dirs():
        for step in (Path(folder), *Path(folder).parents):
            if not step.stat().st_mode & 0o001:  # no search permission for others
                return False
    return True


def _mounts(home: Path) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
            "--ro-bind", "/sys", "/sys", "--perms", "1777", "--tmpfs", "/tmp",
            "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
    binds = [p for p in python_dirs() if not p.startswith("/usr/")]
    binds += [str(GRADERS_DIR), str(home)]
    # Folders leading to a bind are made traversable: a worker that dropped
    # root must still reach Python under e.g. /root/.pyenv (0700 on the host).
    for parent in sorted({str(a) for b in binds for a in Path(b).parents if str(a) != "/"}):
        args += ["--perms", "0755", "--dir", parent]
    for folder in binds[:-2]:
        args += ["--ro-bind", folder, folder]
    # The engine (worker, codec, errors) but none of the assignments' graders,
    # even when the package sits inside a bound site-packages.
    args += ["--perms", "0755", "--tmpfs", str(GRADERS_DIR), "--ro-bind", str(GRADERS_DIR / "__init__.py"), str(GRADERS_DIR / "__init__.py"),
             "--ro-bind", str(ENGINE_DIR), str(ENGINE_DIR)]
    args += ["--bind", str(home), str(home)]
    return args
