"""The judge's side of a worker: start it, talk to it, stop it.

Workers are forked from a multiprocessing *forkserver* that has already
imported the assignment's heavy libraries (NumPy, Keras), so a new worker per
submission costs a fork, not a TensorFlow import, and no two students ever
share a process state. Where there is no forkserver (Windows) each worker is
spawned and imports them itself, before it says it is ready; that start-up
time is never charged to the student's time limits.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import inspect
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from . import confine

from . import memory

from . import namespaces

from . import platform_caps

from . import reaper

from . import sandbox

from . import scratch

from . import worker
from .codec import CodecError, Handle, decode, encode, map_leaves
from ..core.config import GRADERS_DIR, Limits
from ..core.errors import (GraderFailure, OutputLimit, StudentCrash, StudentError, StudentTimeout, SubmissionProblem,
                           import_problem)

OUTPUT_FILE = "output.txt"  # in the scratch folder: what the student's code printed, capped at limits.output_kb
STARTUP_SECONDS = 180.0  # a spawned worker importing Keras on a loaded machine; never charged to the student


@dataclass(frozen=True)
class Ref:
    """A handle plus the worker generation it belongs to: handles die with their worker."""

    generation: int
    handle: Handle


class _Forkserver:
    """This process's forkserver: preloaded modules, sandbox and scratch home.

    One forkserver serves every worker a judge starts. Asked for modules it
    has not preloaded (a2 after a1 in one process), it restarts with both.
    Without a forkserver, workers are spawned: same home and sandbox, and
    ``spawn_executable`` starts each of them in the sandbox when there is one.
    """

    def __init__(self) -> None:
        self.preload: tuple[str, ...] = ()
        self.home: Path | None = None
        self.sandbox = "none"
        self.spawn_executable: str | None = None

    def context(self, preload: tuple[str, ...], use_forkserver: bool) -> multiprocessing.context.BaseContext:
        if not use_forkserver:
            return self._spawn_context()
        from multiprocessing import forkserver, resource_tracker, spawn

        ctx = multiprocessing.get_context("forkserver")
        if self.home is not None and set(preload) <= set(self.preload):
            return ctx
        if self.home is not None:
            forkserver._forkserver._stop()  # documented for tests; the only way to change the preload
        self.preload = tuple(dict.fromkeys((*self.preload, *preload)))
        self._new_home()
        ctx.set_forkserver_preload(["graders.engine.isolation.worker", *self.preload])
        if self.sandbox == "bwrap":
            resource_tracker.ensure_running()  # outside the sandbox: it cleans up host resources
            spawn.set_executable(str(sandbox.wrapper_executable(self.home)))
            try:
                forkserver.ensure_running()
            finally:
                spawn.set_executable(sys.executable)
        return ctx

    def start_here(self, preload: tuple[str, ...]) -> bool:
        """Import ``preload`` in this process and fork the forkserver from it; False if it cannot here.

        A spawned forkserver imports its own copy of the preload: with Keras,
        ~265 MB of heap that the judge, which imports Keras too, holds a second
        time. Forked from the judge, forkserver and workers share the judge's
        pages copy-on-write. Only before anything else runs (no TensorFlow op,
        no other thread). With bubblewrap, the forked forkserver first enters a
        sandbox bubblewrap holds for it (namespaces.py), or does not serve at
        all. Workers set themselves up as before (worker.serve: own user id,
        limits, confinement) after their fork.
        """
        if self.home is not None or not platform_caps.detect().forkserver or not _forkserver_internals_known():
            return False
        for module in ("graders.engine.isolation.worker", *preload):
            with contextlib.suppress(ImportError):  # as the forkserver does: the worker reports it
                importlib.import_module(module)
        self.preload = tuple(dict.fromkeys(preload))
        self._new_home()
        assert self.home is not None
        try:
            holder = namespaces.start_holder(self.home) if self.sandbox == "bwrap" else None
            _fork_forkserver(holder.pid if holder else None, self.home)
        except OSError as err:  # the usual forkserver, started inside the sandbox, serves instead
            print(f"note: workers' forkserver not shared with the judge ({err})", file=sys.stderr)
            self.preload, self.home = (), None
            return False
        return True

    def _spawn_context(self) -> multiprocessing.context.BaseContext:
        if self.home is None:
            self._new_home()
        assert self.home is not None
        # also when a forkserver made the home first (COURSE_FORCE_NO changed in one process), or a
        # forkserver restart made a new one: a spawned worker starts in the sandbox of the current home
        if self.sandbox == "bwrap" and not (self.spawn_executable or "").startswith(f"{self.home}{os.sep}"):
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
            self.spawn_executable = str(sandbox.wrapper_executable(self.home))
        return multiprocessing.get_context("spawn")

    def _new_home(self) -> None:
        self.home = scratch.owned_folder("course-workers-")  # holds submissions: goes with this process
        self.home.chmod(0o711)  # workers running as their own user may enter, not list
        self.sandbox = sandbox.mode()

    def helpers(self) -> set[int]:
        """This process's own multiprocessing helpers: never a worker's leftovers."""
        from multiprocessing import forkserver, resource_tracker

        pids = {getattr(forkserver._forkserver, "_forkserver_pid", None),
                getattr(resource_tracker._resource_tracker, "_pid", None)}
        return {pid for pid in pids if pid is not None}


def _forkserver_internals_known() -> bool:
    """Does this Python's multiprocessing.forkserver have the parts :func:`_fork_forkserver` sets?"""
    from multiprocessing import forkserver

    server, parameters = forkserver._forkserver, inspect.signature(forkserver.main).parameters
    return (list(parameters)[:3] == ["listener_fd", "alive_r", "preload"]
            and all(hasattr(server, name) for name in ("_forkserver_address", "_forkserver_alive_fd",
                                                       "_forkserver_pid"))
            and not getattr(server, "_forkserver_authkey", None))


def _fork_forkserver(holder: int | None, home: Path) -> None:
    """multiprocessing's ForkServer.ensure_running, with os.fork() where it starts a new Python.

    ``holder``: a process in the bubblewrap sandbox the forkserver must enter
    (OSError if it cannot: then it serves nobody).
    """
    from multiprocessing import connection, forkserver, resource_tracker, util

    resource_tracker.ensure_running()  # before the fork: workers reach the judge's tracker, as usual
    # The collector writes to every object it visits: in the judge, that would copy the shared
    # pages, and the forkserver's originals would count in full. Preloaded objects live for good.
    gc.freeze()
    sys.stdout.flush()
    sys.stderr.flush()  # nothing buffered is written twice
    with socket.socket(socket.AF_UNIX) as listener:
        address = connection.arbitrary_address("AF_UNIX")
        listener.bind(address)
        if not util.is_abstract_socket_namespace(address):
            os.chmod(address, 0o600)
        listener.listen()
        alive_r, alive_w = os.pipe()  # every client holds alive_w; the server ends when all are gone
        ready_r, ready_w = os.pipe()  # one byte once the forkserver is where it serves from
        pid = os.fork()
        if pid == 0:
            _serve_forks(listener.fileno(), alive_r, ready_w, holder, home)
        os.close(alive_r)
        os.close(ready_w)
        with open(ready_r, "rb") as ready:
            serving = ready.read(1) == b"1"  # b"" if it ended instead
    if not serving:
        os.close(alive_w)
        os.waitpid(pid, 0)
        raise OSError("the forked forkserver could not enter the sandbox")
    server = forkserver._forkserver
    server._forkserver_address, server._forkserver_alive_fd, server._forkserver_pid = address, alive_w, pid


def _serve_forks(listener_fd: int, alive_r: int, ready_w: int, holder: int | None, home: Path) -> None:
    """The forked forkserver: in the sandbox if there is one, with only its two descriptors."""
    try:
        from multiprocessing import forkserver

        if holder is not None:  # as bubblewrap starts its program: its namespaces, home, session, environment
            namespaces.join(holder)
            os.chdir(home)
            os.setsid()
            os.environ.clear()
            os.environ.update(sandbox.worker_environment(str(home)))
        os.write(ready_w, b"1")
        keep = {0, 1, 2, listener_fd, alive_r}  # the judge's files are not the workers' business
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd not in keep:
                with contextlib.suppress(OSError):
                    os.close(fd)
        forkserver.main(listener_fd, alive_r, [])
    finally:
        os._exit(0)


@functools.lru_cache(maxsize=1)
def _protect_judge() -> bool:
    """This process (the judge) is never the one the kernel kills when the container runs out."""
    return memory.protect_from_oom_killer()


def start_forkserver_here(preload: tuple[str, ...]) -> bool:
    """Fork the workers' forkserver from this process, preloaded (see _Forkserver.start_here)."""
    return _FORKSERVER.start_here(preload)


_FORKSERVER = _Forkserver()
WORKER_UID_BASE = 200_000


def _chown_tree(root: str, uid: int) -> None:
    os.chown(root, uid, uid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def _kill_user(uid: int) -> None:
    """SIGKILL every process of ``uid`` (only ever a judge's own worker user)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8") as status:
                uids = next(line for line in status if line.startswith("Uid:")).split()[1:]
            if int(uids[0]) == uid:
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, StopIteration, ValueError):
            continue


@contextlib.contextmanager
def _plain_start(cwd: Path) -> Iterator[None]:
    """Start a child without the judge's __main__ or working directory.

    multiprocessing re-imports the parent's main script in each child and
    changes to the parent's cwd; a worker needs neither, and in the sandbox
    neither exists.
    """
    saved_main, saved_cwd = sys.modules["__main__"], os.getcwd()
    sys.modules["__main__"] = types.ModuleType("__main__")
    os.chdir(cwd)
    try:
        yield
    finally:
        sys.modules["__main__"] = saved_main
        os.chdir(saved_cwd)


@contextlib.contextmanager
def _executable(path: str | None) -> Iterator[None]:
    """Spawn children with ``path`` (the sandbox wrapper) instead of this Python, for one start."""
    if path is None:
        yield
        return
    from multiprocessing import spawn

    spawn.set_executable(path)
    try:
        yield
    finally:
        spawn.set_executable(sys.executable)


class WorkerBackend:
    """Runs one submission's code in a limited child process."""

    def __init__(self, directory: Path, limits: Limits, preload: tuple[str, ...] = ("numpy",),
                 files: tuple[str, ...] | None = None) -> None:
        self.source = directory.resolve()
        self.limits = limits
        self.preload = preload
        self.files = files  # copied into the worker's scratch folder (None: the whole folder)
        self.caps = platform_caps.detect()
        self._failure: GraderFailure | None = None  # a worker that could not start: every later check too
        self.generation = 0
        self._process: Any = None
        self._conn: Any = None
        self._scratch: str | None = None
        self._worker_start: int | None = None
        # Time limits count only the time the student's code runs: from sending a request to the
        # worker until its reply. The judge's own work between requests (its Keras, its oracles)
        # slows down on a busy machine, and must never cost the student points.
        self._test_left: float | None = None
        self._submission_left = float(limits.submission_seconds)
        self._oom_kills_before: int | None = None  # the container's OOM kills when this worker started
        self._request_id = 0
        self._wrapped = False  # the worker process is bubblewrap, with the worker as its child (spawned)
        self._called: set[str] = set()  # the submission's names the worker ran (see take_calls)

    # -- the Backend protocol -------------------------------------------------
    def import_module(self, name: str) -> Any:
        try:
            return self._request({"op": "import", "name": name}, f"importing {name}.py")
        except (StudentTimeout, StudentCrash):
            raise
        except StudentError as err:
            raise import_problem(name, err) from None

    def getattr(self, target: Any, name: str) -> Any:
        return self._request({"op": "getattr", "target": self._own(target), "name": name}, f"reading .{name}")

    def call(self, target: Any, args: tuple, kwargs: dict) -> Any:
        reply = self._request(
            {"op": "call", "target": self._own(target), "args": self._own(list(args)),
             "kwargs": self._own(kwargs)},
            "your function", raw=True,
        )
        for key, new in reply.get("mutated", []):
            original = args[key] if isinstance(key, int) else kwargs[key]
            _mirror(original, new)
        return self._tag(reply["value"])

    def set_inplace(self, target: Any, attr: str, key: str, value: Any) -> None:
        self._request({"op": "set_inplace", "target": self._own(target), "attr": attr,
                       "key": key, "value": value}, f"setting {attr}[{key!r}]")

    def type_names(self, target: Any) -> list[str]:
        return self._request({"op": "type_names", "target": self._own(target)}, "type")

    def set_deadline(self, seconds: float | None) -> None:
        """Give the next test ``seconds`` of the student's code's time (None: no per-test limit)."""
        self._test_left = seconds

    def same(self, a: Any, b: Any) -> bool:
        return isinstance(a, Ref) and isinstance(b, Ref) and a == b

    def take_calls(self) -> list[str]:
        """The submission's functions and classes that ran since the last take (see isolation.calls)."""
        names, self._called = sorted(self._called), set()
        return names

    def close(self) -> None:
        self._stop()

    # -- plumbing --------------------------------------------------------------
    def _own(self, value: Any) -> Any:
        """Replace Refs by their handles, refusing those of a worker that is gone."""
        def handle(leaf: Any) -> Any:
            if not isinstance(leaf, Ref):
                return leaf
            if leaf.generation != self.generation:
                raise StudentCrash("an object from before an earlier crash or timeout was used again")
            return leaf.handle

        return map_leaves(handle, value)

    def _tag(self, value: Any) -> Any:
        return map_leaves(lambda leaf: Ref(self.generation, leaf) if isinstance(leaf, Handle) else leaf, value)

    def _request(self, request: dict, what: str, raw: bool = False) -> Any:
        if self._process is None:
            self._start()
        timeout = self._seconds_left(what)
        self._request_id += 1
        request = {**request, "id": self._request_id}
        began = time.monotonic()
        try:
            self._conn.send_bytes(encode(request))
            answered = self._conn.poll(timeout)
            self._charge(time.monotonic() - began)
            if not answered:
                self._stop()
                raise StudentTimeout(self._limit_seconds(), what)
            reply = decode(self._conn.recv_bytes())
        except (EOFError, OSError, BrokenPipeError):
            how = self._death_note()
            self._stop()
            raise StudentCrash(how) from None
        except CodecError as err:
            self._stop()
            raise StudentCrash(f"it sent back something that is not plain data ({err})") from None
        if not isinstance(reply, dict) or not ({"ok", "error"} & set(reply)) or reply.get("id") != self._request_id:
            self._stop()
            raise StudentCrash("it sent back a malformed or out-of-turn reply")
        called = reply.get("called")
        if isinstance(called, list):  # names only: a hostile worker may claim any, which changes only notes
            self._called.update(name for name in called if isinstance(name, str))
        if "error" in reply:
            raise _error_from(reply["error"])
        ok = reply["ok"]
        return ok if raw else self._tag(ok["value"])

    def _seconds_left(self, what: str) -> float:
        """How long the student's code may run for this request."""
        if self._submission_left <= 0:
            raise StudentTimeout(self.limits.submission_seconds,
                                 "the whole submission (total time limit reached before " + what + ")")
        if self._test_left is None:
            return self._submission_left
        if self._test_left <= 0:
            raise StudentTimeout(self.limits.test_seconds, "this test")
        return min(self._submission_left, self._test_left)

    def _charge(self, seconds: float) -> None:
        """The student's code ran for ``seconds``: take them from this test's and the submission's time."""
        self._submission_left -= seconds
        if self._test_left is not None:
            self._test_left -= seconds

    def _limit_seconds(self) -> float:
        if self._test_left is not None and self._test_left < self._submission_left:
            return self.limits.test_seconds
        return self.limits.submission_seconds

    def _start(self) -> None:
        """Start a worker and wait until it is ready; the time this takes is not the student's."""
        if self._failure is not None:
            raise GraderFailure(self._failure.why)
        try:
            self._launch()
            self._await_ready()
        except GraderFailure as failure:
            self._stop()
            self._failure = failure
            raise
        except Exception as exc:  # noqa: BLE001 - no platform feature or setup problem may cost points
            self._stop()
            self._failure = GraderFailure(f"a worker process could not be started ({type(exc).__name__}: {exc})")
            raise self._failure from None

    def _launch(self) -> None:
        ctx = _FORKSERVER.context(self.preload, self.caps.forkserver)
        assert _FORKSERVER.home is not None
        self._scratch = tempfile.mkdtemp(prefix="submission-", dir=_FORKSERVER.home)
        sandbox_dir = os.path.join(self._scratch, "submission")
        _copy_submission(self.source, sandbox_dir, self.files)
        output = os.path.join(self._scratch, OUTPUT_FILE)
        if self._run_as is not None:
            _chown_tree(self._scratch, self._run_as)
        parent, child = ctx.Pipe()
        self._conn = parent
        if self.caps.proc:
            reaper.become_subreaper()  # orphans of the worker's processes come back to this process
            _protect_judge()
        self._oom_kills_before = memory.oom_kills()
        self._process = ctx.Process(
            target=worker.serve,
            args=(child, sandbox_dir, memory.worker_budget_mb(self.limits.memory_mb), self.limits.output_kb * 1024,
                  output,
                  sandbox.worker_environment(self._scratch), self._run_as, self.limits.processes,
                  self.caps, self.preload, self._confinement()),
            daemon=True,
        )
        spawned = None if self.caps.forkserver else _FORKSERVER.spawn_executable
        self._wrapped = spawned is not None
        with _plain_start(Path(self._scratch)), _executable(spawned):
            self._process.start()
        if self.caps.proc:
            self._worker_start = reaper.start_ticks(self._process.pid)
        child.close()

    def _confinement(self) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """What the worker may read and write (confine.confine); inside bubblewrap too, as a second wall."""
        assert self._scratch is not None
        readable = (*sandbox.python_dirs(), str(sandbox.ENGINE_DIR), str(GRADERS_DIR / "__init__.py"))
        return self._scratch, readable, (str(GRADERS_DIR),), confine.wanted()

    def _await_ready(self) -> None:
        if not self._conn.poll(STARTUP_SECONDS):
            raise GraderFailure(f"the worker process was not ready after {STARTUP_SECONDS:g} s")
        try:
            message = decode(self._conn.recv_bytes())
        except (EOFError, OSError, CodecError):
            raise GraderFailure(f"the worker process ended while starting ({self._exit_description()})") from None
        if not isinstance(message, dict) or message.get("ready") is not True:
            why = message.get("setup_error") if isinstance(message, dict) else None
            raise GraderFailure(f"the worker process could not set itself up ({why or 'no reason given'})")
        confine.warn_once(message.get("unconfined") or [])

    @property
    def _run_as(self) -> int | None:
        """Root's workers run as a user id of this judge's own (if that user can run Python at all)."""
        if self.caps.setsid and self.caps.resource and sandbox.drops_root(_FORKSERVER.sandbox):
            return WORKER_UID_BASE + os.getpid() % 10_000
        return None

    def _stop(self) -> None:
        if self._process is not None:
            if self._worker_start is not None:  # the worker and all it started, detached or not, at once
                reaper.end_leftovers(self._process.pid, self._worker_start, _FORKSERVER.helpers())
                self._worker_start = None
            if self.caps.setsid and self._process.pid is not None:
                try:
                    os.killpg(self._process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if self._run_as is not None and self.caps.proc:
                _kill_user(self._run_as)  # also what escaped the process group
            if self._process.pid is not None:
                self._process.kill()
                self._process.join(5)
            self._conn.close()
            self._process = None
            self._conn = None
            self.generation += 1  # handles into the old worker are void now
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _exit_code(self) -> int | None:
        """The worker's exit code, negative for a signal (as multiprocessing has it)."""
        self._process.join(2)
        code = self._process.exitcode
        if self._wrapped and code is not None and code - 128 in {int(sig) for sig in signal.Signals}:
            # bubblewrap exits with 128 + N when its child was killed by signal N (a student's own
            # sys.exit(129..) reads as a signal too: rare, and it loses the same points either way)
            return -(code - 128)
        return code

    def _death_note(self) -> str:
        code = self._exit_code()
        if code is None:
            return "the process stopped answering"
        if code == -signal.SIGKILL and self._container_ran_out():
            return "memory limit exceeded: the grading container ran out of memory while your code ran"
        if code < 0:
            name = signal.Signals(-code).name
            extra = " (a segmentation fault)" if name == "SIGSEGV" else ""
            return f"the process was killed by {name}{extra}"
        if self._output_full():
            return (f"the process ended after your code printed more than {self.limits.output_kb} KB; "
                    "remove print calls in loops")
        return (f"the process exited with code {code}; if your code calls sys.exit(), os._exit() "
                "or exit(), remove those calls")

    def _output_full(self) -> bool:
        """Did the student's output reach its cap (then that, not an exit call, is the likely cause)?"""
        try:
            return os.path.getsize(os.path.join(self._scratch or "", OUTPUT_FILE)) >= self.limits.output_kb * 1024
        except OSError:
            return False

    def _container_ran_out(self) -> bool:
        now = memory.oom_kills()
        return now is not None and self._oom_kills_before is not None and now > self._oom_kills_before

    def _exit_description(self) -> str:
        """How a worker ended before it was ready (no student code had run)."""
        code = self._exit_code()
        if code is None:
            return "it stopped answering"
        return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


def _copy_submission(source: Path, target: str, files: tuple[str, ...] | None) -> None:
    """The worker's scratch copy: the assignment's files and the student's other modules.

    A notebook's folder may be a whole home directory or Colab's /content
    (sample data, a mounted Drive, dangling symlinks); only the assignment's
    files and the ``*.py`` files beside them (helpers a student may import)
    are copied, never folders.
    """
    if files is None:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        return
    os.makedirs(target)
    wanted = {*files, *(path.name for path in source.glob("*.py"))}
    for name in sorted(wanted):
        if (source / name).is_file():  # False for a dangling symlink or a folder
            shutil.copyfile(source / name, os.path.join(target, name))


def _mirror(original: Any, new: np.ndarray) -> None:
    """Make the judge's argument show what the student's code did to its copy."""
    if not isinstance(original, np.ndarray) or not original.flags.writeable:
        return
    if original.shape == new.shape:
        np.copyto(original, new, casting="unsafe")
    elif original.dtype.kind == "f":
        original[...] = np.nan  # reshaped in place: mark it visibly changed


def _error_from(err: dict) -> StudentError:
    if err.get("class") == "SubmissionProblem":
        return SubmissionProblem(err["message"])
    if err.get("class") == "OutputLimit":
        return OutputLimit(str(err["message"]))
    return StudentError(str(err["kind"]), str(err["message"]), str(err.get("where", "")),
                        str(err.get("traceback", "")))
