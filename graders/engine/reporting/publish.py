"""Rewriting everything a graded folder derives from its results, in one place.

``report.json`` holds what the graders gave a submission. Derived from it and
from the course's corrections (adjustments.csv, the late policy) are the
gradebook, each student's feedback (feedback.md, feedback.html), the class
report and, once ``course mistakes`` wrote them, mistakes.csv and mistakes.html.
A command that changes a result or a correction (``course grade``,
``course merge``, ``course adjust --out``, ...) calls :func:`publish` once it
is done, so no page it derives is left showing old numbers.

This module sits above the class (``classbook``) and the pages (``reports``)
so that neither has to reach up for the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..classbook.batch import write_gradebook
from ..core.config import Course
from .mistakes import rewrite_if_written
from .reports import CLASS_REPORT_HTML, write_class_report, write_feedback


@dataclass(frozen=True)
class Published:
    """What :func:`publish` wrote."""

    gradebook: Path | None = None
    feedback_pages: list[Path] = field(default_factory=list)  # feedback.html (feedback.md beside each)
    class_report: Path | None = None


def publish(course: Course, assignment: str, out: Path, *, names: set[str] | None = None,
            gradebook: bool = True, html: bool | None = True, class_report: bool | None = None,
            check: bool = True) -> Published:
    """Rewrite what ``out`` derives from ``assignment``'s results, corrections applied.

    ``names``: only these submissions' feedback (default: every graded one).
    ``gradebook``: rewrite gradebook.csv (a shard leaves it to ``course merge``: shards would race).
    ``html``: feedback.html as well as feedback.md; None: rewrite feedback.html only where it is already.
    ``class_report``: True writes class-report.html; None (the default) rewrites it only if it is
    there already, so it never goes stale yet a command that never wrote one does not start to.
    ``check``: every correction must name a graded submission (else an error with file:line).
    """
    book = write_gradebook(course, assignment, out) if gradebook else None
    pages = write_feedback(out, assignment, course, names=names, html=html, check=check)
    if class_report is None:
        class_report = (out / CLASS_REPORT_HTML).is_file()
    rewrite_if_written(out, assignment)  # mistakes.csv and .html: before the class report, which links them
    report = write_class_report(out, assignment, course) if class_report else None
    return Published(book, pages, report)
