"""Temporary folders (and child processes) that go with the process that made them, however it ends.

A judge's worker home (``course-workers-<pid>-*``) and the unpacked zips and
notebooks of a batch (``course-inputs-<pid>-*``) hold copies of student
submissions. ``atexit`` alone misses two endings: a multiprocessing child (a
judge) leaves through ``os._exit``, and SIGTERM (a cancelled SLURM job, a
deleted pod) runs no exit handlers. So each folder is removed by
multiprocessing's finalizers (run at the exit of main processes and children
alike) or its with-block, by a SIGTERM handler, and, should the process have
been killed outright (SIGKILL, the OOM killer), by the next process that makes
one: the folder's name carries its maker's pid.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
import re
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterator

PREFIXES = ("course-workers-", "course-run-", "course-inputs-")
_OWNED = re.compile(r"-(?P<pid>\d+)-[^-]*$")
_folders: dict[Path, int] = {}  # folder -> the pid that made it (forked children inherit this dict)
_handler_pid: int | None = None


def owned_folder(prefix: str) -> Path:
    """A new temporary folder ``<prefix><pid>-*``, removed when this process ends."""
    sweep()
    folder = _make(prefix)
    multiprocessing.util.Finalize(None, remove, args=(folder,), exitpriority=0)
    return folder


@contextlib.contextmanager
def temporary(prefix: str) -> Iterator[Path]:
    """A temporary folder for a with-block, removed at its end or when this process is stopped."""
    folder = _make(prefix)
    try:
        yield folder
    finally:
        remove(folder)


def sweep() -> None:
    """Remove our folders whose maker is gone (it was killed before it could)."""
    if os.name == "nt":
        return  # os.kill(pid, 0) would end the process there, not probe it
    for prefix in PREFIXES:
        for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
            match = _OWNED.search(folder.name)
            try:
                mine = folder.stat().st_uid == os.geteuid()
            except OSError:
                continue
            if match and mine and not _alive(int(match["pid"])):
                shutil.rmtree(folder, ignore_errors=True)


def end_on_sigterm() -> None:
    """On SIGTERM: stop this process's multiprocessing children (judges, workers), remove its folders,
    then do what SIGTERM did before (by default: end the process). Once per process."""
    global _handler_pid
    if _handler_pid == os.getpid() or not hasattr(signal, "SIGTERM") \
            or threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; finalizers still remove folders at a normal exit
    _handler_pid = os.getpid()
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame) -> None:
        # Cancelling a job signals every process at once, and each parent passes SIGTERM on to its
        # children too: a second SIGTERM during this cleanup would end the process half-way through
        # removing its folder. So further ones are ignored until the folders are gone.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        children = multiprocessing.active_children()
        for child in children:
            child.terminate()  # each removes its own folders the same way
        for child in children:
            child.join(10)
        for folder, pid in list(_folders.items()):
            if pid == os.getpid():
                remove(folder)
        if callable(previous):
            signal.signal(signal.SIGTERM, on_sigterm)  # as before this signal; the previous handler decides
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_sigterm)


def _make(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    _folders[folder] = os.getpid()
    end_on_sigterm()
    return folder


def remove(folder: Path) -> None:
    """Remove an owned folder now (before its maker ends)."""
    shutil.rmtree(folder, ignore_errors=True)
    _folders.pop(folder, None)  # after: should this process be stopped mid-way, its handler still knows it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True
