"""Memory in a container: its limit, the share a worker gets, and who the kernel kills when it runs out.

Gradescope's default container has 768 MB for everything: the judge, the
workers' forkserver and the worker. When the container runs out, the kernel
kills a process of its choosing; if that were the judge, the student would
see "The autograder failed". So:

- :func:`container_limit_mb` reads the limit (cgroup v2 ``memory.max``,
  v1 ``memory.limit_in_bytes``), and :func:`worker_budget_mb` keeps what a
  worker may add under it, with room left for the judge;
- each worker asks to be chosen first (:func:`offer_to_oom_killer`: its
  score beats any other's), the judge never to be chosen where root may ask
  (:func:`protect_from_oom_killer`; Docker's default capabilities refuse it), and
  :func:`oom_kills` tells the judge that a worker's SIGKILL was the container
  running out: "memory limit exceeded", the student's, never the grader's.
- :func:`release_import_pages`: TensorFlow's import reads ~350 MB of its
  libraries' code that runs once (op registration); the kernel may drop those
  clean pages now, and reads back any that are used again.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_ENV = "COURSE_CGROUP_ROOT"  # another folder to read the cgroup files from (tests)
JUDGE_ROOM_MB = 256      # what the judge (pytest, oracles, TensorFlow's working set) may still need
MIN_WORKER_MB = 128      # below this, a worker could not even run a correct submission
NO_LIMIT = 2**60         # cgroup v1 writes "no limit" as a number near 2**63
MADV_PAGEOUT = 21        # Linux >= 5.4


def _cgroup_root() -> Path:
    return Path(os.environ.get(CGROUP_ENV) or CGROUP_ROOT)


def _own_cgroup(controller: str) -> str:
    """This process's cgroup path for ``controller`` ("" for v2's unified one), from /proc/self/cgroup."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines():
            _, controllers, path = line.split(":", 2)
            if controllers.split(",") == [controller] or (not controller and not controllers):
                return path.lstrip("/")
    return ""


def _limit_files() -> list[Path]:
    """Where the limit may be written: our own cgroup first, then the root of the namespace (Docker)."""
    root = _cgroup_root()
    v2, v1 = _own_cgroup(""), _own_cgroup("memory")
    return [root / v2 / "memory.max", root / "memory.max",
            root / "memory" / v1 / "memory.limit_in_bytes", root / "memory" / "memory.limit_in_bytes"]


def container_limit_mb() -> int | None:
    """The container's memory limit in MB, or None when there is none (or no cgroup to read)."""
    for path in _limit_files():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if text == "max":
            return None
        with contextlib.suppress(ValueError):
            value = int(text)
            return None if value >= NO_LIMIT else value // 2**20
    return None


def worker_budget_mb(configured_mb: int) -> int:
    """What a worker may add: course.toml's memory_mb, but never more than the container leaves the judge."""
    limit = container_limit_mb()
    if limit is None:
        return configured_mb
    return min(configured_mb, max(MIN_WORKER_MB, limit - JUDGE_ROOM_MB))


def oom_kills() -> int | None:
    """How many processes the container's OOM killer has killed so far (None: no cgroup to ask)."""
    root = _cgroup_root()
    for path, key in ((root / _own_cgroup("") / "memory.events", "oom_kill"), (root / "memory.events", "oom_kill"),
                      (root / "memory" / _own_cgroup("memory") / "memory.oom_control", "oom_kill")):
        with contextlib.suppress(OSError, ValueError):
            for line in path.read_text(encoding="utf-8").splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    return None


def _set_oom_score_adj(value: int) -> bool:
    try:
        Path("/proc/self/oom_score_adj").write_text(str(value), encoding="utf-8")
        return True
    except OSError:  # lowering it needs root (CAP_SYS_RESOURCE); not Linux
        return False


def protect_from_oom_killer() -> bool:
    """The judge: never the process the kernel kills when the container runs out (root only)."""
    return _set_oom_score_adj(-1000)


def offer_to_oom_killer() -> bool:
    """A worker: the first process the kernel kills when the container runs out."""
    return _set_oom_score_adj(1000)


def release_import_pages() -> int:
    """Let the kernel drop the clean library pages this process has read so far; returns bytes advised.

    Only read-only, file-backed mappings: code and constants, which the kernel
    reads back from the file when they are used again. Nothing is lost; the
    process's resident memory shrinks to what it uses from now on.
    """
    if not sys.platform.startswith("linux"):
        return 0
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        maps = Path("/proc/self/maps").read_text(encoding="utf-8").splitlines()
    except (OSError, AttributeError):
        return 0
    advised = 0
    for line in maps:
        fields = line.split()
        if len(fields) < 6 or not fields[5].startswith("/") or "w" in fields[1]:
            continue
        start, end = (int(address, 16) for address in fields[0].split("-"))
        if libc.madvise(start, end - start, MADV_PAGEOUT) == 0:
            advised += end - start
    return advised
