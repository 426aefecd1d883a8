"""Grade a whole class: many submissions, several at a time, resumable.

Each submission is graded by one call of :func:`run_graders` in a judge
process; its code runs in that judge's worker processes. Results are written
as soon as a submission is done, so a batch killed halfway loses nothing that
finished, and a rerun grades only what is missing or has changed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import traceback
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import Course, CourseConfigError, load_course
from .results import GRADEBOOK_FILE, REPORT_FILE, gradebook_csv, write_atomic, write_submission_results
from .runner import RunOptions, run_graders
from .scoring import Report, TestRecord, score_records


JUDGE_MIN_SUBMISSIONS = 8


@dataclass
class BatchResult:
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the grader itself failed (not the student)


def fingerprint(folder: Path) -> str:
    """A hash of a submission's files: regrade when it changes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def already_graded(out: Path, name: str, print_: str) -> bool:
    report = out / name / REPORT_FILE
    try:
        return json.loads(report.read_text()).get("fingerprint") == print_
    except (OSError, ValueError):
        return False


def grade_batch(course: Course, assignment: str, submissions: list[Path], out: Path, *,
                jobs: int = 1, force: bool = False, seed: int | None = None,
                on_done: Callable[[str, str], None] | None = None) -> BatchResult:
    """Grade ``submissions`` into ``out``; ``on_done(name, status)`` reports progress."""
    names = [s.name for s in submissions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CourseConfigError(f"two submissions share the name {duplicates[0]!r}; names come from "
                                "folder names and must be unique")
    result = BatchResult()
    todo = []
    for folder in submissions:
        print_ = fingerprint(folder)
        if not force and already_graded(out, folder.name, print_):
            result.skipped.append(folder.name)
            if on_done:
                on_done(folder.name, "skipped")
        else:
            todo.append((folder, print_))
    options = RunOptions(visibility="all", isolation="worker", seed=seed)
    for name, status in _run(course, assignment, todo, out, options, jobs):
        (result.graded if status == "graded" else result.failed).append(name)
        if on_done:
            on_done(name, status)
    write_gradebook(course, assignment, out)
    return result


def write_gradebook(course: Course, assignment: str, out: Path) -> Path:
    reports = []
    for path in sorted(out.glob(f"*/{REPORT_FILE}")):
        data = json.loads(path.read_text())
        if data.get("assignment") == assignment:
            reports.append(data)
    names = list(course.assignment(assignment).exercises)
    target = out / GRADEBOOK_FILE
    write_atomic(target, gradebook_csv(reports, names))
    return target


def _run(course: Course, assignment: str, todo: list[tuple[Path, str]], out: Path,
         options: RunOptions, jobs: int):
    # A judge process pays several seconds of imports (pytest, TensorFlow for
    # hidden oracles) before its first submission; below ~8 submissions per
    # judge, another judge costs more than it saves.
    jobs = min(jobs, max(1, len(todo) // JUDGE_MIN_SUBMISSIONS))
    if jobs <= 1:
        for folder, print_ in todo:
            yield folder.name, grade_one(str(course.root), assignment, str(folder), str(out), print_, options)
        return
    # Judges are spawned, not forked: each starts clean and imports what it needs once.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: dict[Future, Path] = {
            pool.submit(grade_one, str(course.root), assignment, str(folder), str(out), print_, options): folder
            for folder, print_ in todo
        }
        for future in as_completed(futures):
            folder = futures[future]
            try:
                yield folder.name, future.result()
            except Exception:  # noqa: BLE001 - a judge process died; record it, keep going
                _record_grader_failure(course, assignment, folder, out, traceback.format_exc())
                yield folder.name, "grader-failed"


def grade_one(root: str, assignment: str, folder: str, out: str, print_: str, options: RunOptions) -> str:
    """Grade one submission and write its files; runs in a judge process."""
    course = load_course(Path(root))
    try:
        report = run_graders(course, assignment, Path(folder), options)
    except Exception:  # noqa: BLE001 - never lose the batch to one grader failure
        _record_grader_failure(course, assignment, Path(folder), Path(out), traceback.format_exc())
        return "grader-failed"
    write_submission_results(Path(out), report, print_)
    return "graded"


def _record_grader_failure(course: Course, assignment: str, folder: Path, out: Path, details: str) -> None:
    """A zero with an honest note, and no fingerprint, so the next run retries it."""
    records = [TestRecord(nodeid="grader", title="grading did not complete", exercise=name, hidden=False,
                          weight=1.0, status="grader-error",
                          feedback="The grader failed on this submission; your instructor has been told.")
               for name in course.assignment(assignment).exercises]
    report: Report = score_records(course.assignment(assignment), folder.name, records)
    report.notes.append("grader failure:\n" + details[-4000:])
    write_submission_results(out, report, fingerprint="")
