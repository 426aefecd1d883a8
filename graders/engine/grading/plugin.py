"""The pytest plugin that turns grader tests into scores and feedback.

Grader modules are ordinary pytest tests. They mark what they grade::

    pytestmark = pytest.mark.exercise("Relu")

    @pytest.mark.hidden          # instructor-only: not run by self-check
    @pytest.mark.weight(2)       # share of the exercise's points (default 1)
    def test_backward_zero_where_input_not_positive(student, rng): ...

and use the fixtures defined here: ``student`` (the submission's modules),
``tol`` (tolerances from course.toml), ``settings``, ``rng`` (seeded; per
submission in hidden tests). ``graders/conftest.py`` loads this plugin.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from . import evidence, keras_state, mined
from .compare import CheckFailed
from ..core.config import GRADERS_DIR, Assignment, Course, CourseConfigError, load_course, locate_course_root
from ..core.results import write_atomic
from ..core.errors import GraderFailure, StudentCrash, StudentError, StudentTimeout
from ..core.scoring import NOT_GRADED, TestRecord, score_records
from ..isolation import devices
from ..isolation.student import LocalBackend, Submission



def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course", "course grading")
    group.addoption("--submission", default=os.environ.get("COURSE_SUBMISSION"),
                    help="folder with the student's files (default: exercises/<assignment>)")
    group.addoption("--isolation", choices=("local", "worker"), default="local",
                    help="run student code in this process (local) or in a limited worker")
    group.addoption("--visibility", choices=("public", "all"), default="public",
                    help="public: self-check tests only; all: add the hidden tests")
    group.addoption("--seed", type=int, default=None,
                    help="seed for hidden randomized tests (default: from the submission's name)")
    group.addoption("--exercise", default=None,
                    help="grade only this exercise, or these (comma-separated; a notebook's check cell)")
    group.addoption("--submission-name", default=None,
                    help="the student's name (default: the submission folder's name)")
    group.addoption("--student-id", action="append", default=[],
                    help="who the submission is graded as, for per-student variants (repeat for a group); "
                         "default in a graded run: the submission's name")
    group.addoption("--results-json", default=None, help="write the scored report here as JSON")
    group.addoption("--course-root", default=None, help="folder holding course.toml")
    group.addoption("--evidence", default=None,
                    help="keep the failed checks' arrays here as JSON, for `course mistakes` (never shown)")
    group.addoption("--evidence-passed", action="store_true",
                    help="keep the passed checks' arrays too (`course mistakes name` tests correct variants)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(name): the spec name this test grades")
    config.addinivalue_line("markers", "hidden: instructor-only test, left out of self-check")
    config.addinivalue_line("markers", "weight(w): this test's share of its exercise's points")
    config.pluginmanager.register(GradingSession(config), "course-grading-session")


class GradingSession:
    """Per-run state: which assignment, which submission, the records so far."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: list[TestRecord] = []
        self.plots: dict[str, list[dict]] = {}  # nodeid -> figures recorded by the test
        self.called: dict[str, list[str]] = {}  # nodeid -> the submission's names its call ran
        self.evidence: list[evidence.TestEvidence] = []  # per test: inputs and value checks
        self._mined: tuple[mined.MinedMistake, ...] | None = None
        self._course: Course | None = None
        self.assignment: Assignment | None = None
        self.submission: Submission | None = None

    # -- collection ------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        graded = [item for item in items if _assignment_name(item) is not None]
        if not graded:
            return
        names = {_assignment_name(item) for item in graded}
        if len(names) > 1:
            raise pytest.UsageError(f"grade one assignment per run, got {sorted(names)}")
        self.assignment = self.course().assignment(names.pop())
        try:
            self._mined = mined.load(self.assignment.name)
        except mined.MinedFileError as err:
            raise pytest.UsageError(str(err)) from None
        keep, drop = [], []
        only = config.getoption("exercise")
        for item in items:
            hidden = item.get_closest_marker("hidden") is not None
            marker = item.get_closest_marker("exercise")
            other = only is not None and (marker is None or marker.args[0] not in only.split(","))
            (drop if other or hidden and config.getoption("visibility") == "public" else keep).append(item)
            if item.get_closest_marker("exercise") is None and item in graded:
                raise pytest.UsageError(f"{item.nodeid}: grader tests need @pytest.mark.exercise(name)")
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        for item in graded:
            # A failure's report is its feedback (see pytest_runtest_makereport); pytest's
            # own rendering of the traceback, never shown, took half the time of a batch.
            item.repr_failure = _feedback_only  # type: ignore[method-assign]

    def course(self) -> Course:
        if self._course is None:
            root = self.config.getoption("course_root")
            try:
                self._course = load_course(Path(root) if root else locate_course_root())
            except CourseConfigError as err:  # a course.toml typo: one line, as `course` says it, no traceback
                raise pytest.UsageError(str(err)) from None
            devices.apply(self._course.use_gpu)  # plain pytest, notebooks' judge: before TensorFlow's import
        return self._course

    # -- running ---------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        if self.submission is not None and self.assignment is not None:
            self.submission._backend.set_deadline(self.assignment.limits.test_seconds)
            self.submission._backend.take_calls()  # forget what earlier tests ran
        token = evidence.CURRENT.set(self._open_evidence(item))
        try:
            return (yield)
        finally:
            evidence.CURRENT.reset(token)
            if self.submission is not None:
                self.submission._backend.set_deadline(None)
                self.called[item.nodeid] = self.submission._backend.take_calls()

    def _open_evidence(self, item: pytest.Item) -> evidence.TestEvidence | None:
        exercise = item.get_closest_marker("exercise")
        if exercise is None or self.assignment is None:
            return None
        test = evidence.TestEvidence(item.nodeid, exercise.args[0], item.get_closest_marker("hidden") is not None,
                                     mined=tuple(m for m in self._mined or () if m.test == item.nodeid.split("[")[0]))
        self.evidence.append(test)
        return test

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
        report = yield
        exercise = item.get_closest_marker("exercise")
        if exercise is None or report.skipped and call.when != "call":
            return report
        if call.when == "call" or report.failed:
            status, feedback = _judge(call.excinfo, call.when)
            self._record(item, exercise.args[0], status, feedback, replace=report.failed)
            if report.failed and feedback:
                report.longrepr = feedback  # the student sees feedback, not grader source
        return report

    def _record(self, item: pytest.Item, exercise: str, status: str, feedback: str, replace: bool) -> None:
        for existing in self.records:
            if existing.nodeid == item.nodeid:
                if replace and existing.passed:  # a teardown failure after a passed call
                    existing.status, existing.feedback = status, feedback
                return
        weight = item.get_closest_marker("weight")
        self.records.append(TestRecord(
            nodeid=item.nodeid,
            title=_title(item),
            exercise=exercise,
            hidden=item.get_closest_marker("hidden") is not None,
            weight=float(weight.args[0]) if weight else 1.0,
            status=status,
            feedback=feedback,
            plots=self.plots.pop(item.nodeid, []),
            called=self.called.pop(item.nodeid, None),
        ))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.submission is not None:
            self.submission._backend.close()
        kept = self.config.getoption("evidence")
        if kept:
            write_atomic(Path(kept), json.dumps(evidence.failed_checks_document(
                self.evidence, passed=self.config.getoption("evidence_passed"))))
        path = self.config.getoption("results_json")
        if path and self.assignment is not None:
            report = score_records(self.assignment, self.submission_name(), self.records)
            Path(path).write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")

    def submission_dir(self) -> Path:
        assert self.assignment is not None
        given = self.config.getoption("submission")
        if given:
            return Path(given).resolve()
        return self.course().root / "exercises" / self.assignment.name

    def submission_name(self) -> str:
        return self.config.getoption("submission_name") or self.submission_dir().name

    def open_submission(self) -> Submission:
        if self.submission is None:
            assert self.assignment is not None, "graded tests run inside an assignment folder"
            directory = self.submission_dir()
            if self.config.getoption("isolation") == "worker":
                from ..isolation.worker_backend import WorkerBackend

                backend: Any = WorkerBackend(directory, self.assignment.limits, self.assignment.preload,
                                             files=self.assignment.files)
            else:
                backend = LocalBackend(directory)
            self.submission = Submission(evidence.RecordingBackend(backend), directory, self.assignment.files,
                                         self.assignment.numpy_only)
        return self.submission


def _session(request: pytest.FixtureRequest) -> GradingSession:
    return request.config.pluginmanager.get_plugin("course-grading-session")


@pytest.fixture
def student(request: pytest.FixtureRequest) -> Submission:
    """The submission's modules: ``student.layers``, ``student.network``, ...

    In a Keras assignment each test starts the student's Keras afresh and seeded by the test (keras_state.py).
    """
    session = _session(request)
    submission = session.open_submission()
    if session.assignment is not None and "keras" in session.assignment.preload:
        keras_state.start_afresh(submission, request.node.nodeid)
    return submission


@pytest.fixture(autouse=True)
def judge_imports(request: pytest.FixtureRequest) -> Iterator[None]:
    """For Keras assignments graded in workers: the judge's Keras import overlaps the first worker's start."""
    session = _session(request)
    if (session.assignment is not None and "keras" in session.assignment.preload
            and request.config.getoption("isolation") == "worker"):
        from . import tf_oracle

        tf_oracle.import_in_background()  # the first test starts it; later calls do nothing
        yield
        tf_oracle.finish_background_import()
    else:
        yield


@pytest.fixture
def identity(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """Who the submission is graded as, for per-student variants (first id first).

    ``--student-id`` values; else, in a graded run (hidden tests included) under
    a given name, that name -- the one hidden tests are seeded by. Empty in a
    self-check: there the student's own files say who they are.
    """
    ids = tuple(request.config.getoption("student_id"))
    name = request.config.getoption("submission_name")
    if not ids and name and request.config.getoption("visibility") == "all":
        ids = (name,)
    return ids


@pytest.fixture
def assignment(request: pytest.FixtureRequest) -> Assignment:
    session = _session(request)
    assert session.assignment is not None
    return session.assignment


@pytest.fixture
def tol(assignment: Assignment) -> dict[str, float]:
    """Tolerances of this assignment (course.toml [assignments.NAME.tolerances])."""
    return assignment.tolerances


@pytest.fixture
def settings(assignment: Assignment) -> dict[str, Any]:
    """Free-form settings of this assignment (course.toml [assignments.NAME.settings])."""
    return assignment.settings


MAX_PLOT_POINTS = 2000


@pytest.fixture
def plot(request: pytest.FixtureRequest):
    """Attach a figure to this test's feedback report (``course feedback`` draws it).

    ``plot("line", "Training loss", y=losses, xlabel="step", ylabel="loss")``
    ``plot("scatter", "dW1: yours vs numerical", x=numerical, y=yours, xlabel=..., ylabel=...)``
    ``plot("field", "Your decision boundary", z=grid, extent=[0, 1, 0, 1])``
    Arrays are flattened (field: kept 2-D) and thinned to at most 2000 points.
    """
    session = _session(request)

    def add(kind: str, title: str, **data: Any) -> None:
        figure: dict[str, Any] = {"kind": kind, "title": title}
        for key, value in data.items():
            if isinstance(value, (np.ndarray, list, tuple)):
                array = np.asarray(value, dtype=float)
                if kind != "field" or array.ndim != 2:
                    array = array.ravel()[:: max(1, array.size // MAX_PLOT_POINTS)]
                value = np.round(array, 6).tolist()
            figure[key] = value
        session.plots.setdefault(request.node.nodeid, []).append(figure)

    return add


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """Random numbers: fixed for public tests, seeded per submission for hidden ones.

    A student sees the same public cases on every run; each student gets
    different hidden cases, and re-grading a submission repeats its own.
    """
    session = _session(request)
    key = request.node.nodeid
    if request.node.get_closest_marker("hidden") is not None:
        seed = request.config.getoption("seed")
        key += f"|{seed if seed is not None else session.submission_name()}"
    digest = hashlib.sha256(key.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _judge(excinfo: pytest.ExceptionInfo | None, when: str = "call") -> tuple[str, str]:
    """(status, feedback) for a test's outcome in its ``when`` phase (setup, call, teardown)."""
    if excinfo is None:
        return "passed", ""
    error = excinfo.value
    if isinstance(error, GraderFailure):
        return NOT_GRADED, error.feedback()
    if when != "call" and not isinstance(error, StudentError):
        # Setup and teardown are the engine's and the graders' fixtures: a failure there is theirs.
        return NOT_GRADED, GraderFailure(f"the grader could not {'prepare' if when == 'setup' else 'finish'} "
                                         f"this check ({type(error).__name__}: {error})").feedback()
    if isinstance(error, StudentTimeout):
        return "timeout", error.feedback()
    if isinstance(error, StudentCrash):
        return "crash", error.feedback()
    if isinstance(error, StudentError):
        return ("not-implemented" if error.not_implemented else "failed"), error.feedback()
    if isinstance(error, CheckFailed):
        return "failed", str(error)
    if isinstance(error, AssertionError):
        return "failed", str(error).split("\nassert ")[0].strip() or "A check failed."
    if isinstance(error, pytest.skip.Exception):
        return "failed", f"Skipped: {error}"
    # Student values are checked where they cross the proxy (compare.expect_*, StudentError):
    # anything else raised here comes from grader code, so it is never the student's loss.
    return NOT_GRADED, GraderFailure(f"the grader failed while checking this ({type(error).__name__}: "
                                     f"{error})").feedback()


def _feedback_only(excinfo: pytest.ExceptionInfo, style: str | None = None) -> str:
    return _judge(excinfo)[1]


def _assignment_name(item: pytest.Item) -> str | None:
    path = Path(str(item.path)).resolve()
    try:
        relative = path.relative_to(GRADERS_DIR)
    except ValueError:
        return None
    return relative.parts[0] if len(relative.parts) > 1 and relative.parts[0] != "engine" else None


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and doc.strip():
        title = doc.strip().splitlines()[0]
    else:
        name = getattr(item, "originalname", item.name).removeprefix("test_").replace("_", " ")
        title = name[:1].upper() + name[1:]
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec else title
