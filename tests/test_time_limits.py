"""Time limits count the student's code only: the judge's own work is never charged.

Between two calls into a worker the judge computes (its Keras models, its
oracles); on a busy machine that takes longer, and it used to eat into the
student's per-test and per-submission time, so correct code lost points under
load. Now a limit counts the time from a request to the worker until its reply.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from graders.engine.core.config import Limits
from graders.engine.core.errors import StudentTimeout
from graders.engine.isolation.worker_backend import WorkerBackend

pytestmark = pytest.mark.xdist_group("serial")  # tight time limits

CODE = """import time


def answer():
    return 42


def nap(seconds):
    time.sleep(seconds)
    return seconds


def spin():
    while True:
        pass
"""


@pytest.fixture
def worker(tmp_path: Path):
    (tmp_path / "timed_code.py").write_text(CODE, encoding="utf-8")
    backend = WorkerBackend(tmp_path, Limits(test_seconds=2.0, submission_seconds=4.0), files=("timed_code.py",))
    module = backend.import_module("timed_code")
    yield backend, {name: backend.getattr(module, name) for name in ("answer", "nap", "spin")}
    backend.close()


def test_the_judges_own_time_between_calls_is_not_charged(worker):
    backend, code = worker
    backend.set_deadline(2.0)
    for _ in range(3):  # 4.5 s of the judge's work: more than the test's 2 s and the submission's 4 s
        time.sleep(1.5)
        assert backend.call(code["answer"], (), {}) == 42


def test_the_students_time_adds_up_over_the_calls_of_a_test(worker):
    backend, code = worker
    backend.set_deadline(2.0)
    assert backend.call(code["nap"], (0.8,), {}) == 0.8
    assert backend.call(code["nap"], (0.8,), {}) == 0.8
    with pytest.raises(StudentTimeout):
        backend.call(code["nap"], (0.8,), {})


def test_each_test_gets_its_own_time_within_the_submissions(worker):
    backend, code = worker
    for _ in range(3):  # three tests of 1 s each: each within 2 s, together within 4 s
        backend.set_deadline(2.0)
        assert backend.call(code["nap"], (1.0,), {}) == 1.0
    backend.set_deadline(2.0)
    with pytest.raises(StudentTimeout):  # 3 s used: the submission has less than 1 s left
        backend.call(code["nap"], (1.5,), {})


def test_code_that_never_returns_is_stopped_at_the_test_limit(worker):
    backend, code = worker
    backend.set_deadline(2.0)
    began = time.monotonic()
    with pytest.raises(StudentTimeout):
        backend.call(code["spin"], (), {})
    assert time.monotonic() - began < 10
