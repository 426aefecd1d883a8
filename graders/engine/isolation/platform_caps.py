"""What this operating system offers for running student code, and what it does not.

Workers are limited with whatever the platform has. On Linux that is
everything; on macOS there is no /proc; on Windows there is no forkserver, no
``resource`` module and no POSIX process groups. Every other module asks here
instead of testing ``sys.platform``, so one place decides and one place can
pretend: ``COURSE_FORCE_NO=forkserver,resource,proc,setsid`` makes a Linux
machine behave as if those features were missing, so the tests run the very
code paths that Windows and macOS take.

- ``forkserver``: workers fork from a server with NumPy/Keras preloaded;
  without it each worker is spawned (a fresh interpreter that imports them).
  macOS counts as without: forking a process that loaded Apple's frameworks
  (Accelerate under NumPy, TensorFlow) can crash the child, which is why
  Python itself spawns by default there.
- ``resource``: address-space, file-size and core-dump limits (``setrlimit``).
- ``proc``: ``/proc`` tells a worker its address space so far (the memory
  limit is what student code may add) and lets the judge find stray processes.
- ``setsid``: a process group of its own (``setsid``/``killpg``) so everything
  a worker started dies with it, and ``setuid`` to drop root.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
from dataclasses import dataclass

from ..core.config import CourseConfigError

FORCE_ENV = "COURSE_FORCE_NO"
FEATURES = ("forkserver", "resource", "proc", "setsid")


@dataclass(frozen=True)
class Capabilities:
    forkserver: bool
    resource: bool
    proc: bool
    setsid: bool

    def unenforced(self) -> list[str]:
        """The worker limits this platform cannot apply, in words."""
        missing = []
        if not (self.resource and self.proc):
            missing.append("memory limit")
        if not self.resource:
            missing.append("output and file-size cap")
        if not self.setsid:
            missing.append("killing processes the student's code starts")
        return missing

    def summary(self) -> str:
        """One line: how workers start and which limits are not enforced here."""
        start = "forked from a preloaded forkserver" if self.forkserver else "spawned (no forkserver here)"
        missing = self.unenforced()
        tail = f"; not enforced on this platform: {', '.join(missing)}" if missing else ""
        return f"workers {start}, per-test time limits and crash containment{tail}"


def running_as_root() -> bool:
    """Root on a POSIX system; never on Windows, which has no user ids of this kind."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def forced_missing() -> set[str]:
    """Features COURSE_FORCE_NO asks to pretend are missing (unknown names are an error)."""
    names = {n.strip() for n in os.environ.get(FORCE_ENV, "").split(",") if n.strip()}
    unknown = names - set(FEATURES)
    if unknown:
        raise CourseConfigError(f"{FORCE_ENV}: unknown feature(s) {', '.join(sorted(unknown))}; "
                         f"use any of {', '.join(FEATURES)}")
    return names


def detect() -> Capabilities:
    """What this machine offers, minus what COURSE_FORCE_NO takes away."""
    off = forced_missing()
    return Capabilities(
        forkserver=("forkserver" not in off and sys.platform != "darwin"
                    and "forkserver" in multiprocessing.get_all_start_methods()),
        resource="resource" not in off and importlib.util.find_spec("resource") is not None,
        proc="proc" not in off and os.path.exists("/proc/self/status"),
        setsid="setsid" not in off and all(hasattr(os, name) for name in ("setsid", "killpg", "setuid")),
    )
