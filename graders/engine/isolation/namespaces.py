"""Entering the bubblewrap sandbox by fork instead of exec, so that preloaded pages stay shared.

bubblewrap builds the sandbox (sandbox.py: mount, network, IPC and UTS
namespaces of its own, and a user namespace when not run as root), then
starts a program inside. Started that way, the workers' forkserver is a new
Python that imports Keras again: ~265 MB of heap on top of the judge's copy.
Instead, bubblewrap starts a *holder* (``sleep``) that keeps the sandbox's
namespaces for as long as the judge lives, and the forkserver, forked from
the preloaded judge, enters them with setns(2): the same walls, with the
judge's pages shared copy-on-write.
"""

from __future__ import annotations

import ctypes
import multiprocessing.util
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import reaper, sandbox

# setns(2)'s flags, in the order to join: the user namespace first, as it grants the right to join the rest
CLONE_FLAGS = {"user": 0x10000000, "mnt": 0x00020000, "net": 0x40000000, "ipc": 0x08000000, "uts": 0x04000000}
HOLD = 'echo "$$"; exec sleep infinity'  # says its pid once the sandbox is built, then waits


@dataclass(frozen=True)
class Holder:
    bwrap: subprocess.Popen
    pid: int  # the process inside the sandbox, whose namespaces are joined


def start_holder(home: Path) -> Holder:
    """A new sandbox around ``home``, held until this process ends; OSError if bubblewrap fails."""
    process = subprocess.Popen(sandbox.sandboxed(home, ["/bin/sh", "-c", HOLD]), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    multiprocessing.util.Finalize(None, _stop, args=(process,), exitpriority=0)
    assert process.stdout is not None
    with process.stdout:
        said = process.stdout.readline().strip()  # EOF if bubblewrap could not build it
    if not said.isdigit() or reaper.parent(int(said)) != process.pid:  # $$ is a host pid only without a pid namespace
        _stop(process)
        raise OSError(f"bubblewrap did not hold a sandbox (it said {said[:40]!r})")
    return Holder(process, int(said))


def join(holder: int) -> None:
    """Enter the holder's namespaces (those that differ from ours). Only in a single-threaded process."""
    own = {name: os.readlink(f"/proc/self/ns/{name}") for name in CLONE_FLAGS}
    # Open them all first: once in the sandbox's mount namespace, the holder's /proc entry is another's.
    targets = {name: os.open(f"/proc/{holder}/ns/{name}", os.O_RDONLY) for name in CLONE_FLAGS
               if os.readlink(f"/proc/{holder}/ns/{name}") != own[name]}
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        for name, fd in targets.items():
            if libc.setns(fd, CLONE_FLAGS[name]) != 0:
                error = ctypes.get_errno()
                raise OSError(error, f"cannot enter the sandbox's {name} namespace: {os.strerror(error)}")
    finally:
        for fd in targets.values():
            os.close(fd)
    if "mnt" not in targets:
        raise OSError("the holder shares our mount namespace: it is not in a sandbox")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()  # bwrap --die-with-parent: the holder goes with it
        process.wait()
