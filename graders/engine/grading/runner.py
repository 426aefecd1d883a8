"""Run one assignment's graders on one submission and return the scored report."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..core.config import GRADERS_DIR, Course
from ..core.scoring import ExerciseScore, Report, TestRecord
from ..isolation import scratch


@dataclass(frozen=True)
class RunOptions:
    visibility: str = "public"  # "public" (self-check) or "all" (grading)
    isolation: str = "worker"   # "worker" (separate limited process) or "local"
    seed: int | None = None     # hidden-test seed; default: from the submission's name
    exercise: str | None = None  # grade only this exercise (a notebook's check cell)
    student_ids: tuple[str, ...] = ()  # graded as (per-student variants); default: the name, when grading
    evidence: str | None = None  # keep failed checks' arrays in this file (course mistakes); never shown
    evidence_passed: bool = False  # ... and the passed checks' (testing a relation on correct variants)
    test: str | None = None  # run only this test function (a node id, as in evidence), not the whole folder


class GraderRunError(RuntimeError):
    """pytest could not run the graders at all (a bug or a broken install, not the student)."""


def run_graders(course: Course, assignment: str, submission: Path, options: RunOptions,
                name: str | None = None) -> Report:
    """Run ``graders/<assignment>`` on ``submission`` with pytest, in this process."""
    course.assignment(assignment)  # fail early on an unknown name
    tests = GRADERS_DIR / assignment
    if not tests.is_dir():
        raise GraderRunError(f"no graders for {assignment!r}: {tests} does not exist")
    with scratch.temporary("course-run-") as folder:  # goes even when a judge is stopped
        results = folder / "report.json"
        args = [
            str(GRADERS_DIR.parent / options.test) if options.test else str(tests),
            f"--submission={submission.resolve()}",
            f"--visibility={options.visibility}",
            f"--isolation={options.isolation}",
            f"--course-root={course.root}",
            f"--results-json={results}",
            "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:warnings",
            # these two run gc.collect() five times per session: ~1 s once TensorFlow is loaded
            "-p", "no:unraisableexception", "-p", "no:threadexception",
            "-o", "addopts=", "-o", "python_files=test_*.py",
            f"--rootdir={GRADERS_DIR.parent}",
        ]
        if name is not None:
            args.append(f"--submission-name={name}")
        if options.exercise is not None:
            args.append(f"--exercise={options.exercise}")
        args += [f"--student-id={student_id}" for student_id in options.student_ids]
        if options.evidence is not None:
            args.append(f"--evidence={options.evidence}")
        if options.evidence_passed:
            args.append("--evidence-passed")
        if options.seed is not None:
            args.append(f"--seed={options.seed}")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # hidden tests may import TensorFlow
        collection = _CollectionErrors()
        code = _pytest_without_autoload(args, collection)
        if collection.errors:  # a grader module that does not import: nothing it would score is fair
            raise GraderRunError(f"the graders could not be collected: {'; '.join(collection.errors)}")
        if not results.exists():
            raise GraderRunError(f"pytest exited with code {int(code)} before grading {submission}")
        return report_from_dict(json.loads(results.read_text(encoding="utf-8")))


class _CollectionErrors:
    """A pytest plugin that keeps why a grader module failed to import (the terminal plugin is off)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            lines = report.longreprtext.strip().splitlines()
            self.errors.append(f"{report.nodeid}: {lines[-1] if lines else 'failed'}")


def _pytest_without_autoload(args: list[str], *plugins: object) -> int:
    """pytest.main without third-party plugins: graders need none, and some cost a second to load."""
    import pytest

    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        return int(pytest.main(args, plugins=list(plugins)))
    finally:
        if saved is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def report_from_dict(data: dict) -> Report:
    return Report(
        assignment=data["assignment"],
        submission=data["submission"],
        score=data["score"],
        max_score=data["max_score"],
        exercises=[ExerciseScore(**e) for e in data["exercises"]],
        tests=[TestRecord(**t) for t in data["tests"]],
        notes=list(data.get("notes", [])),
        submitted_at=data.get("submitted_at", ""),
        submitted_via=data.get("submitted_via", ""),
    )
