"""Judge processes for a batch: one warm process imports what judges need, then forks them.

A judge's start-up is mostly imports: pytest, the engine and, for hidden
oracles, TensorFlow (about 5 s of CPU). Spawned judges each paid it, so a
class of 20 spent a third of its time starting two judges. Here one *hub*
process is spawned, imports all of it once and forks the judges, which share
those pages copy-on-write; a second judge then costs a fork, and small batches
use every core too. ``course grade`` starts the hub before it reads the
inputs (:func:`warm_up`), so the imports overlap reading notebooks and hashing
files, and an assignment without Keras gets TensorFlow without the Keras
import that ``import tensorflow`` does by default.

Nothing about isolation changes: each judge is its own process, and each
submission still runs in a fresh worker of its judge (worker_backend.py),
forked from a forkserver the judge forks from itself (:func:`_start_judge`).
Forking after ``import tensorflow`` is safe because no TensorFlow op has run
yet (its thread pools start with the first op, in the judge). Grader test
modules are *not* preloaded: pytest must import them itself to rewrite their
asserts, which the feedback reads.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..isolation import platform_caps, scratch
from ..core.config import load_course

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .inputs import SubmissionInput
    from ..grading.runner import RunOptions


class _Hub:
    """The judges' parent: spawned at once, it imports, then waits for the work."""

    def __init__(self, root: str, assignment: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.key = (root, assignment)
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_hub_main, args=(root, assignment, child), name="course-judges")
        self.process.start()
        child.close()  # ours: so that recv() sees EOF when the hub is gone

    def stop(self) -> None:
        if self.process.is_alive():  # unused or interrupted: take the judges down with it
            self.process.terminate()
        self.process.join()
        self.conn.close()


_warm: _Hub | None = None


@contextlib.contextmanager
def warm_up(root: str, assignment: str) -> Iterator[None]:
    """Start the judges' parent now: its imports overlap what the caller does before grading
    (reading notebooks, hashing files). The next :func:`grade_in_judges` uses it."""
    global _warm
    _warm = _Hub(root, assignment)
    try:
        yield
    finally:
        hub, _warm = _warm, None
        if hub is not None:  # nothing was graded in judges
            hub.stop()


def warm() -> bool:
    """Whether a warmed-up judges' parent is waiting (then even one submission goes to a judge)."""
    return _warm is not None


def grade_in_judges(root: str, assignment: str, todo: list[tuple[SubmissionInput, str]], out: str,
                    options: RunOptions, jobs: int) -> Iterator[tuple[str, str | None, str]]:
    """Grade ``todo`` in ``jobs`` judges; yields (name, status, note) as each finishes.

    ``status`` is None when the judge died on that submission (``note`` says
    how), including every submission left when the hub itself died.
    """
    global _warm
    hub = _warm if _warm is not None and _warm.key == (root, assignment) else _Hub(root, assignment)
    if hub is _warm:
        _warm = None
    pending = {submission.name for submission, _ in todo}
    try:
        hub.conn.send((todo, out, options, jobs))
        while pending:
            name, status, note = hub.conn.recv()
            pending.discard(name)
            yield name, status, note
        hub.process.join()  # it exits once its judges have
    except (EOFError, OSError):  # the hub is gone (a broken pipe, a reset connection)
        hub.process.join()
        for name in sorted(pending):
            yield name, None, f"the judges' parent process exited with code {hub.process.exitcode}"
    finally:
        hub.stop()


def _hub_main(root: str, assignment: str, conn: Connection) -> None:
    from .one_submission import grade_one

    scratch.end_on_sigterm()  # stopped (a cancelled job, an interrupted batch): its judges go too
    fork = platform_caps.detect().forkserver
    if fork:
        import_for_judges(root, assignment)
    todo, out, options, jobs = conn.recv()
    # without fork (Windows, COURSE_FORCE_NO=forkserver), each judge is spawned and imports for itself
    context = multiprocessing.get_context("fork" if fork else "spawn")
    preload = load_course(Path(root)).assignment(assignment).preload
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_judge,
                             initargs=(preload if fork else (),)) as pool:
        futures = {pool.submit(grade_one, root, assignment, submission, out, print_, options): submission.name
                   for submission, print_ in todo}
        for future in as_completed(futures):
            try:
                conn.send((futures[future], future.result(), ""))
            except Exception:  # noqa: BLE001 - a judge process died; the batch records it and goes on
                conn.send((futures[future], None, traceback.format_exc()))


def _start_judge(preload: tuple[str, ...]) -> None:
    """A forked judge forks its workers' forkserver from itself: the hub's Keras pages, shared.

    Started the usual way, each judge's forkserver is a new Python importing
    Keras again (~500 MB per judge for a3). Forked from the judge, it stays the
    judge's child, so the orphans of its workers still come back to the judge
    (reaper.py). Best effort: where it cannot, the usual forkserver starts.
    """
    if not preload:
        return
    from ..isolation.worker_backend import start_forkserver_here

    try:
        start_forkserver_here(preload)
    except Exception:  # noqa: BLE001 - e.g. COURSE_SANDBOX=bwrap without bubblewrap: the worker's start says so
        pass


def import_for_judges(root: str, assignment: str) -> None:
    """What every judge would import: pytest and the engine, and TensorFlow if the graders use it."""
    import pytest  # noqa: F401
    from ..grading import runner
    from ..isolation import worker_backend  # noqa: F401

    from ..grading.tf_oracle import keras, tensorflow

    wanted = load_course(Path(root)).assignment(assignment).judge_preload  # course.toml says, no guessing
    with _quiet_stderr():  # TensorFlow's start-up lines (pytest hid them from each judge's own import)
        try:
            if "keras" in wanted:
                keras()
            elif "tensorflow" in wanted:
                with _without_keras():
                    tensorflow()
        except ImportError:  # not installed: the tests that need it say so, as they would without a hub
            pass


@contextlib.contextmanager
def _without_keras() -> Iterator[None]:
    """``import tensorflow`` without the Keras 3 import it does at the end (2-3 s of CPU, scikit-learn too).

    Graders of an assignment without Keras use TensorFlow's core (tensors,
    GradientTape) only. TF_USE_LEGACY_KERAS points TensorFlow's eager Keras
    import at the tf_keras package; where that is not installed, TensorFlow
    skips it (and ``tf.keras`` would fail, which such graders never touch).
    """
    if importlib.util.find_spec("tf_keras") is not None or "TF_USE_LEGACY_KERAS" in os.environ:
        yield  # it would import tf_keras instead: no gain
        return
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # read once, at import
    try:
        yield
    finally:
        del os.environ["TF_USE_LEGACY_KERAS"]


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
