"""The worker: the only process where a student's code runs during batch grading.

It imports the submission from a scratch copy, answers the judge's requests
(import, getattr, call, ...) with plain data, and holds every non-plain object
itself. It never judges anything: a worker that lies, crashes or hangs can
only lose its own points.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import signal
import sys
from typing import Any

import numpy as np

from . import confine, memory
from .calls import CallRecorder
from .codec import Handle, decode, encode, map_leaves, type_names
from ..core.errors import OutputLimit, StudentError, missing_attribute, student_error_from
from .platform_caps import Capabilities, detect


def serve(conn: Any, directory: str, memory_mb: int, output_bytes: int, output_file: str,
          environment: dict[str, str], run_as: int | None = None, max_processes: int = 32,
          caps: Capabilities | None = None, preload: tuple[str, ...] = (),
          confinement: tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None) -> None:
    """Entry point of the worker process (runs until the judge closes the pipe).

    It says "ready" once it is set up and before any student code runs: a
    worker that fails earlier is the grader's failure, never the student's.
    """
    try:
        unconfined = _prepare(directory, memory_mb, output_bytes, output_file, environment, run_as, max_processes,
                              caps or detect(), preload, confinement)
    except BaseException as exc:  # noqa: BLE001 - whatever it is, the judge must hear why
        conn.send_bytes(encode({"setup_error": f"{type(exc).__name__}: {exc}"}))
        return
    conn.send_bytes(encode({"ready": True, "unconfined": unconfined}))
    _Server(conn, directory, output_bytes).run()


def _prepare(directory: str, memory_mb: int, output_bytes: int, output_file: str, environment: dict[str, str],
             run_as: int | None, max_processes: int, caps: Capabilities, preload: tuple[str, ...],
             confinement: tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None) -> list[str]:
    """Set the worker up; returns the confinement steps that could not be applied, and why."""
    if caps.setsid and os.getsid(0) != os.getpid():  # a sandbox may have started us as a session leader already
        os.setsid()  # own process group: the judge can kill everything we start
    os.environ.clear()  # no tokens or paths of the grader's for student code
    os.environ.update(environment)
    _redirect_output(output_file)
    for module in preload:  # already loaded when forked from the forkserver; a spawned worker pays here
        importlib.import_module(module)
    _apply_limits(memory_mb, output_bytes, caps)
    memory.offer_to_oom_killer()  # if the container runs out, the kernel kills this process, not the judge
    unconfined = []
    if confinement is not None:  # before dropping root: the rules name folders only root may open
        unconfined = confine.confine(*confinement, drop_capabilities=run_as is None)
    if run_as is not None:
        _become(run_as, max_processes)
    os.chdir(directory)
    sys.path.insert(0, directory)
    sys.dont_write_bytecode = True
    return unconfined


def _redirect_output(output_file: str) -> None:
    fd = os.open(output_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _apply_limits(memory_mb: int, output_bytes: int, caps: Capabilities) -> None:
    """The limits this platform offers (platform_caps says which ones it lacks)."""
    if not caps.resource:
        return
    import resource

    if caps.proc:
        # Address space is measured from what the preloaded libraries already
        # mapped, so the limit is what the student's code may add.
        current = _vm_size_bytes()
        resource.setrlimit(resource.RLIMIT_AS, (current + memory_mb * 2**20,) * 2)
    # Files (and the redirected output) stop growing at the cap; ignoring
    # SIGXFSZ turns the overrun into an OSError in the student's own call.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _become(uid: int, max_processes: int) -> None:
    """Drop root for a user of our own: a fork bomb meets RLIMIT_NPROC (root is exempt)."""
    import resource

    resource.setrlimit(resource.RLIMIT_NPROC, (max_processes,) * 2)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _vm_size_bytes() -> int:
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


class _Server:
    def __init__(self, conn: Any, directory: str, output_bytes: int) -> None:
        self.conn = conn
        self.directory = directory
        self.output_bytes = output_bytes
        self.objects: dict[int, Any] = {}
        self.next_id = 1
        self.handle_ids: dict[int, int] = {}  # id(obj) -> its handle's id
        self.calls = CallRecorder(directory)

    def run(self) -> None:
        server_pid = os.getpid()
        while True:
            try:
                request = decode(self.conn.recv_bytes())
            except EOFError:
                return
            try:
                reply = {"ok": self.dispatch(request)}
            except StudentError as err:
                reply = {"error": _error_dict(err)}
            except BaseException as exc:  # noqa: BLE001 - SystemExit too: the student's, not ours
                error = OutputLimit.past(self.output_bytes) if _past_output_limit(exc) \
                    else student_error_from(exc, self.directory)
                reply = {"error": _error_dict(error)}
            finally:
                if os.getpid() != server_pid:
                    os._exit(0)  # a child the student's code forked: it must never answer the judge
                self.flush_output()
            reply["id"] = request.get("id")
            reply["called"] = self.calls.take()  # what the student's code ran, failed or not
            try:
                message = encode(reply, self.handle)
            except Exception as exc:  # noqa: BLE001 - e.g. an unencodable value
                message = encode({"error": _error_dict(student_error_from(exc, self.directory)),
                                  "id": request.get("id")})
            self.conn.send_bytes(message)

    def flush_output(self) -> None:
        """Flush what the student printed; past the output limit, drop the rest from now on.

        Output goes to a file capped by RLIMIT_FSIZE: a flush past the cap fails, and
        would fail again at every later flush, ending the worker.
        """
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                sys.stdout = sys.stderr = _Discard()

    def handle(self, obj: Any) -> Handle:
        """One handle per object, so the judge can tell one object used twice (a shared layer)."""
        known = self.handle_ids.get(id(obj))  # id() is stable: self.objects keeps obj alive
        if known is None:
            known = self.handle_ids[id(obj)] = self.next_id
            self.objects[self.next_id] = obj
            self.next_id += 1
        return Handle(known, type_names(obj)[0])

    def resolve(self, value: Any) -> Any:
        return map_leaves(lambda v: self.objects[v.id] if isinstance(v, Handle) else v, value)

    def dispatch(self, request: dict) -> Any:
        op = request["op"]
        if op == "import":
            return {"value": importlib.import_module(request["name"])}
        target = self.resolve(request.get("target"))
        if op == "getattr":
            try:
                return {"value": getattr(target, request["name"])}
            except AttributeError:
                raise missing_attribute(target, request["name"]) from None
        if op == "call":
            return self.call(target, self.resolve(request["args"]), self.resolve(request["kwargs"]))
        if op == "set_inplace":
            getattr(target, request["attr"])[request["key"]][...] = request["value"]
            return {"value": None}
        if op == "type_names":
            return {"value": type_names(target)}
        raise ValueError(f"unknown request {op!r}")

    def call(self, target: Any, args: tuple, kwargs: dict) -> dict:
        """Call, and report which array arguments the student's code modified."""
        before = {**{i: a.copy() for i, a in enumerate(args) if isinstance(a, np.ndarray)},
                  **{k: a.copy() for k, a in kwargs.items() if isinstance(a, np.ndarray)}}
        with self.calls:
            value = target(*args, **kwargs)
        mutated = []
        for key, old in before.items():
            new = args[key] if isinstance(key, int) else kwargs[key]
            if new.shape != old.shape or not np.array_equal(new, old, equal_nan=True):
                mutated.append([key, new])
        return {"value": value, "mutated": mutated}


class _Discard(io.TextIOBase):
    """Where output goes once the limit is reached."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def _past_output_limit(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.EFBIG


def _error_dict(err: StudentError) -> dict:
    return {"kind": err.kind, "message": err.message, "where": err.where, "traceback": err.traceback,
            "class": type(err).__name__}
