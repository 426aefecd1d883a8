"""Grade a whole class: many submissions, several at a time, resumable.

Each submission is graded by one call of :func:`run_graders` in a judge
process; its code runs in that judge's worker processes. Results are written
as soon as a submission is done, so a batch killed halfway loses nothing that
finished, and a rerun grades only what is missing or has changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import judges
from ..core.config import Course
from ..core.out_folder import claim_out
from .one_submission import GRADER_FAILED, grade_one, record_unreadable, record_zero
from .inputs import SubmissionInput
from ..core.results import GRADEBOOK_FILE, REPORT_FILE, gradebook_csv, read_reports, write_atomic
from ..grading.runner import RunOptions
from .shards import Shard, write_manifest


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
        return json.loads(report.read_text(encoding="utf-8")).get("fingerprint") == print_
    except (OSError, ValueError):
        return False


def grade_batch(course: Course, assignment: str, submissions: list[SubmissionInput], out: Path, *,
                jobs: int = 1, force: bool = False, seed: int | None = None,
                unreadable: dict[str, str] | None = None, shard: Shard | None = None,
                on_done: Callable[[str, str], None] | None = None, command: str = "") -> BatchResult:
    """Grade ``submissions`` into ``out``; ``on_done(name, status)`` reports progress.

    ``unreadable`` maps names of submissions that could not be read at all
    (a broken zip) to the reason; they get a zero with that reason. With a
    ``shard``, only its share is graded and the gradebook is left to
    ``course merge`` (see shards.py); ``command``, the line that grades this
    shard, goes into its manifest so that the merge can name it for a rerun.
    """
    claim_out(out, assignment)  # OUT holds one assignment's results
    if shard is not None:
        submissions = [s for s in submissions if shard.holds(s.name)]
        unreadable = {name: why for name, why in (unreadable or {}).items() if shard.holds(name)}
        names = [s.name for s in submissions] + list(unreadable)
        write_manifest(out, assignment, shard, names, finished=False, command=command)
    result = BatchResult()
    for name, why in (unreadable or {}).items():
        record_unreadable(course, assignment, name, out, why)
        result.failed.append(name)
        if on_done:
            on_done(name, "unreadable")
    todo = []
    for submission in submissions:
        print_ = fingerprint(submission.folder)
        if not force and already_graded(out, submission.name, print_):
            result.skipped.append(submission.name)
            if on_done:
                on_done(submission.name, "skipped")
        else:
            todo.append((submission, print_))
    options = RunOptions(visibility="all", isolation="worker", seed=seed)
    for name, status in _run(course, assignment, todo, out, options, jobs):
        (result.graded if status == "graded" else result.failed).append(name)
        if on_done:
            on_done(name, status)
    if shard is None:
        write_gradebook(course, assignment, out)
    else:
        write_manifest(out, assignment, shard, names, finished=True, command=command)
    return result


def write_gradebook(course: Course, assignment: str, out: Path) -> Path:
    reports = read_reports(out, assignment)
    names = list(course.assignment(assignment).exercises)
    target = out / GRADEBOOK_FILE
    from .corrections import Corrections  # adjustments and late penalties: applied here, never stored

    corrections = Corrections(course, assignment)
    write_atomic(target, gradebook_csv(reports, names, [corrections.apply(r) for r in reports]))
    return target


def _run(course: Course, assignment: str, todo: list[tuple[SubmissionInput, str]], out: Path,
         options: RunOptions, jobs: int):
    # Judges are forked from one process that did their imports (judges.py): a second
    # judge costs little, so any batch of two or more submissions uses them.
    if not todo:
        return
    jobs = min(jobs, len(todo))
    if jobs <= 1 and not judges.warm():
        for submission, print_ in todo:
            yield submission.name, grade_one(str(course.root), assignment, submission, str(out), print_, options)
        return
    for name, status, note in judges.grade_in_judges(str(course.root), assignment, todo, str(out), options,
                                                     max(jobs, 1)):
        if status is None:
            record_zero(course, assignment, name, out, GRADER_FAILED, note=note)
            status = "grader-failed"
        yield name, status
