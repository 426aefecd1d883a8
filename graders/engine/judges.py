"""Judge processes for a batch: one warm process imports what judges need, then forks them.

A judge's start-up is mostly imports: pytest, the engine and, for hidden
oracles, TensorFlow (about 5 s of CPU). Spawned judges each paid it, so a
class of 20 spent a third of its time starting two judges. Here one *hub*
process is spawned, imports all of it once and forks the judges, which share
those pages copy-on-write; a second judge then costs a fork, and small batches
use every core too.

Nothing about isolation changes: each judge is its own process, and each
submission still runs in a fresh worker of its judge (worker_backend.py).
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

from . import platform_caps
from .config import GRADERS_DIR, load_course

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .inputs import SubmissionInput
    from .runner import RunOptions


def grade_in_judges(root: str, assignment: str, todo: list[tuple[SubmissionInput, str]], out: str,
                    options: RunOptions, jobs: int) -> Iterator[tuple[str, str | None, str]]:
    """Grade ``todo`` in ``jobs`` judges; yields (name, status, note) as each finishes.

    ``status`` is None when the judge died on that submission (``note`` says
    how), including every submission left when the hub itself died.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    hub = context.Process(target=_hub, args=(root, assignment, todo, out, options, jobs, send),
                          name="course-judges")
    hub.start()
    send.close()  # ours: so that recv() sees EOF when the hub is gone
    pending = {submission.name for submission, _ in todo}
    try:
        while pending:
            try:
                name, status, note = receive.recv()
            except EOFError:
                break
            pending.discard(name)
            yield name, status, note
        hub.join()
        for name in sorted(pending):
            yield name, None, f"the judges' parent process exited with code {hub.exitcode}"
    finally:
        if hub.is_alive():  # interrupted: take the judges down with it
            hub.terminate()
            hub.join()
        receive.close()


def _hub(root: str, assignment: str, todo: list[tuple[SubmissionInput, str]], out: str, options: RunOptions,
         jobs: int, send: Connection) -> None:
    from .batch import grade_one

    if platform_caps.detect().forkserver:
        _import_for_judges(root, assignment)
        start = "fork"
    else:  # Windows (and COURSE_FORCE_NO=forkserver): no fork, each judge imports for itself
        start = "spawn"
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(start)) as pool:
        futures = {pool.submit(grade_one, root, assignment, submission, out, print_, options): submission.name
                   for submission, print_ in todo}
        for future in as_completed(futures):
            try:
                send.send((futures[future], future.result(), ""))
            except Exception:  # noqa: BLE001 - a judge process died; the batch records it and goes on
                send.send((futures[future], None, traceback.format_exc()))


def _import_for_judges(root: str, assignment: str) -> None:
    """What every judge would import: pytest and the engine, and TensorFlow if the graders use it."""
    import pytest  # noqa: F401
    from . import runner, worker_backend  # noqa: F401

    from .tf_oracle import keras, tensorflow

    with _quiet_stderr():  # TensorFlow's start-up lines (pytest hid them from each judge's own import)
        if "keras" in load_course(Path(root)).assignment(assignment).preload:
            keras()
        elif any("tf_oracle" in path.read_text(encoding="utf-8") for path in (GRADERS_DIR / assignment).glob("*.py")):
            with _without_keras():
                tensorflow()


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
