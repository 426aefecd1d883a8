"""End every process a worker left behind, including those that detached.

A process that double-forks and calls setsid() leaves the worker's process
group and session, so killing the group misses it; as an orphan it would
normally be adopted by init and outlive grading. The judge makes itself a
*child subreaper* (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``): orphans of its
descendants are then re-parented to the judge instead, where
:func:`end_leftovers` finds and kills them before any result is written.

Without a subreaper (not Linux), only the worker's process group, and under
root its user id, are killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Collection

PR_SET_CHILD_SUBREAPER = 36
ROUNDS = 200  # a fork bomb refills the table between rounds; each round kills all it finds


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: int  # clock ticks since boot: tells a process from a later one with the same pid
    zombie: bool


@functools.lru_cache(maxsize=1)
def become_subreaper() -> bool:
    """Make this process adopt its descendants' orphans; False where the OS cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def start_ticks(pid: int) -> int | None:
    proc = _read(pid)
    return proc.start if proc else None


def parent(pid: int) -> int | None:
    proc = _read(pid)
    return proc.ppid if proc else None


def end_leftovers(worker_pid: int, worker_start: int, spare: Collection[int] = ()) -> int:
    """SIGKILL the worker and all it started; returns how many processes were killed.

    Victims: the worker's descendants still attached to it, and this process's
    children that started after the worker did (orphans re-parented here by the
    subreaper) with their descendants; never a pid in ``spare`` (the judge's
    own helpers, such as the forkserver). Returns once none is left running,
    orphaned zombies reaped.
    """
    me, killed = os.getpid(), 0
    for _ in range(ROUNDS):
        table = _process_table()
        roots = {p.pid for p in table.values() if p.ppid == me and p.start >= worker_start and p.pid not in spare}
        worker = table.get(worker_pid)
        if worker is not None and worker.start == worker_start:
            roots.add(worker_pid)
        victims = _descendants(table, roots)
        running = [pid for pid in victims if not table[pid].zombie]
        for pid in running:
            with contextlib.suppress(ProcessLookupError, ChildProcessError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed += len(running)
        ours = [pid for pid in victims if table[pid].ppid == me]
        for pid in ours:
            with contextlib.suppress(ProcessLookupError, ChildProcessError, PermissionError):
                os.waitpid(pid, os.WNOHANG)
        if not victims:
            return killed
        time.sleep(0.005)  # SIGKILL is delivered asynchronously
    return killed


def _descendants(table: dict[int, Proc], roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in found or pid not in table:
            continue
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def _process_table() -> dict[int, Proc]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            proc = _read(int(entry))
            if proc is not None:
                table[proc.pid] = proc
    return table


def _read(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read().decode(errors="replace")
    except OSError:
        return None
    # "pid (comm) state ppid ..."; comm may hold spaces and parentheses
    fields = text[text.rindex(")") + 2:].split()
    return Proc(pid, int(fields[1]), int(fields[19]), fields[0] in ("Z", "X"))

