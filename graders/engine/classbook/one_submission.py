"""Grading one submission of a batch and writing its files: what each judge process runs.

Its own module so that the batch (which starts the judges) and the judges
(which call it) both use it without importing each other.
"""

from __future__ import annotations

import traceback
from dataclasses import replace
from pathlib import Path

from ..authoring.cell_spans import name_cells
from ..core.config import Course, load_course
from ..core.results import keep_graded_files, write_submission_results
from ..core.scoring import GRADER_FAILURE_NOTE, NOT_GRADED, UNREADABLE, Report, TestRecord, score_records
from ..grading.evidence import EVIDENCE_FILE
from ..grading.runner import RunOptions, run_graders
from .inputs import SubmissionInput

GRADER_FAILED = "The grader failed on this submission; your instructor has been told."


def grade_one(root: str, assignment: str, submission: SubmissionInput, out: str, print_: str,
              options: RunOptions) -> str:
    """Grade one submission and write its files; runs in a judge process."""
    course = load_course(Path(root))
    try:
        kept = replace(options, evidence=str(Path(out) / submission.name / EVIDENCE_FILE))
        report = run_graders(course, assignment, submission.folder, kept, name=submission.name)
        report.notes += list(submission.notes)
        for record in report.tests:
            record.feedback = name_cells(record.feedback, submission.cells)
        keep_graded_files(Path(out), submission.name, submission.folder, course.assignment(assignment).files)
        report.submitted_at, report.submitted_via = submission.submitted.at, submission.submitted.via
    except Exception:  # noqa: BLE001 - never lose the batch to one grader failure
        record_zero(course, assignment, submission.name, Path(out), GRADER_FAILED, note=traceback.format_exc())
        return "grader-failed"
    if not report.graded:  # some checks could not run (e.g. no worker): not final, the next run retries
        report.notes.append(f"{GRADER_FAILURE_NOTE}: " + "; ".join(
            sorted({t.feedback for t in report.tests if t.status == NOT_GRADED})))
        write_submission_results(Path(out), report, fingerprint="")
        return "grader-failed"
    write_submission_results(Path(out), report, print_)
    return "graded"


def record_unreadable(course: Course, assignment: str, name: str, out: Path, why: str) -> None:
    """The student's zero for files that could not be read, saying why (no fingerprint: a fix is regraded)."""
    write_submission_results(out, unreadable_report(course, assignment, name, why), fingerprint="")


def record_zero(course: Course, assignment: str, name: str, out: Path, feedback: str, note: str = "") -> None:
    """A zero with an honest message, and no fingerprint, so the next run retries it."""
    report = not_graded_report(course, assignment, name, feedback)
    if note:
        report.notes.append(f"{GRADER_FAILURE_NOTE}:\n" + note[-4000:])
    write_submission_results(out, report, fingerprint="")


def unreadable_report(course: Course, assignment: str, name: str, why: str) -> Report:
    """Every exercise "unreadable": the student's zero, saying why."""
    return _every_exercise(course, assignment, name, UNREADABLE, "submission could not be read",
                           f"Your submission could not be read: {why}")


def not_graded_report(course: Course, assignment: str, name: str, feedback: str) -> Report:
    """Every exercise "not graded": the grader's failure, never the student's zero."""
    return _every_exercise(course, assignment, name, NOT_GRADED, "not graded", feedback)


def _every_exercise(course: Course, assignment: str, name: str, status: str, title: str, feedback: str) -> Report:
    records = [TestRecord(nodeid=f"{exercise}::{status}", title=title, exercise=exercise, hidden=False,
                          weight=1.0, status=status, feedback=feedback)
               for exercise in course.assignment(assignment).exercises]
    return score_records(course.assignment(assignment), name, records)
