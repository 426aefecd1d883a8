"""``course feedback OUT`` and ``course report OUT``: HTML pages people want to read.

Both read the ``report.json`` files ``course grade`` wrote. A student's page
holds their points per exercise, each failed check with its message, and the
figures the graders recorded; it never shows grader or solution code. The
class page shows score distributions, the most frequent known mistakes and
what timed out or crashed, with a table sortable by any column.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path

import jinja2

from ..core.config import Course
from ..core.results import FEEDBACK_FILE, feedback_markdown, points, read_reports, write_atomic
from ..grading.runner import report_from_dict
from ..core.scoring import NOT_GRADED, UNREADABLE, Report, status_word
from .grouping import MISTAKE

TEMPLATES = Path(__file__).resolve().parent / "templates"
FEEDBACK_HTML = "feedback.html"
CLASS_REPORT_HTML = "class-report.html"
INCIDENTS = {"timeout": "time limit", "crash": "crashed the process", NOT_GRADED: "not graded (grader error)",
             UNREADABLE: "unreadable (the student's files)"}


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["points"] = points
    return environment


def load_reports(out: Path, assignment: str | None = None) -> list[Report]:
    return [report_from_dict(data) for data in read_reports(out, assignment)]


def student_page(report: Report, title: str = "", outcome=None) -> str:
    from .figures import test_figure

    failed = [dict(vars(t), figures=[(test_figure(p), p["title"]) for p in t.plots])
              for t in report.tests if not t.passed]
    passed = [t for t in report.tests if t.passed]
    passed_figures = [(test_figure(p), p["title"]) for t in passed for p in t.plots]
    notes = [n for n in report.notes if not n.startswith("grader failure")]
    return _environment().get_template("feedback.html.j2").render(
        report=report, title=title, failed=failed, passed=passed, passed_figures=passed_figures,
        notes=notes, outcome=outcome if outcome is not None and outcome.lines else None,
        css=(TEMPLATES / "base.css").read_text(encoding="utf-8"))


def write_feedback(out: Path, assignment: str | None = None, course: Course | None = None,
                   names: set[str] | None = None, html: bool | None = True, check: bool = True) -> list[Path]:
    """feedback.html and feedback.md for every graded submission in OUT (or those in ``names``).

    With ``course``, the pages show its corrections (adjustments.csv, late penalties).
    ``html=None`` rewrites feedback.html only where one was written before (so it is never stale).
    """
    reports = load_reports(out, assignment)
    outcomes = _outcomes(course, reports, check)
    written = []
    for report in (r for r in reports if names is None or r.submission in names):
        folder = out / report.submission
        outcome = outcomes.get(report.submission)
        if html or html is None and (folder / FEEDBACK_HTML).is_file():
            write_atomic(folder / FEEDBACK_HTML, student_page(report, outcome=outcome))
            written.append(folder / FEEDBACK_HTML)
        write_atomic(folder / FEEDBACK_FILE, feedback_markdown(report, outcome))
    return written


def _outcomes(course: Course | None, reports: list[Report], check: bool = True) -> dict:
    """Each report's corrections (corrections.Outcome) by submission; none without a course.

    ``check``: every correction must name one of ``reports`` (else an error with file:line).
    """
    if course is None or not reports:
        return {}
    from ..classbook.corrections import Corrections

    found = {}
    for assignment in {r.assignment for r in reports}:
        corrections = Corrections(course, assignment)
        mine = [r for r in reports if r.assignment == assignment]
        if check:
            corrections.check_submissions({r.submission for r in mine}, "the graded folder")
        found |= {r.submission: corrections.apply(r.to_dict()) for r in mine}
    return found


def class_page(reports: list[Report], similarity_page: str | None = None,
               outcomes: dict | None = None, mistakes_page: str | None = None, similarity_stale: bool = False) -> str:
    from .figures import score_distributions, totals_histogram

    if not reports:
        raise ValueError("no graded submissions to report on")
    exercises = [e.name for e in reports[0].exercises]
    maxima = {e.name: e.max_score for e in reports[0].exercises}
    graded = [r for r in reports if r.graded]  # statistics only from final results
    scores = {name: [next(e.score for e in r.exercises if e.name == name) for r in graded] for name in exercises}
    outcomes = outcomes or {}
    corrected = any(o.lines for o in outcomes.values())
    final = {r.submission: outcomes[r.submission].total if r.submission in outcomes else r.score for r in reports}
    totals = [final[r.submission] for r in graded]
    mistakes: Counter = Counter()
    incidents = []
    for report in reports:
        seen = set()
        for test in report.tests:
            for match in MISTAKE.finditer(test.feedback):
                seen.add((test.exercise, match.group("name")))
            if test.status in INCIDENTS:
                incidents.append((report.submission, test.exercise, INCIDENTS[test.status]))
        mistakes.update(seen)  # once per submission, not per test
    columns = ["Submission", "Total", *exercises]
    rows = [_row(r, final[r.submission]) for r in reports]
    if corrected:  # the exercise columns stay autograded; the corrections get their own columns
        columns += ["Autograded", "Adjustment", "Late penalty", "Corrections"]
        for row, report in zip(rows, reports):
            outcome = outcomes[report.submission]
            row += [points(outcome.autograded), points(outcome.adjustment), points(outcome.late_penalty),
                    outcome.summary()]
    return _environment().get_template("report.html.j2").render(
        assignment=reports[0].assignment, count=len(reports), not_graded=len(reports) - len(graded),
        unreadable=sum(r.status_word == "unreadable" for r in reports),
        mean=statistics.mean(totals) if totals else 0.0,
        median=statistics.median(totals) if totals else 0.0, maximum=reports[0].max_score,
        full=sum(final[r.submission] >= r.max_score for r in graded),
        totals_uri=totals_histogram(totals, reports[0].max_score),
        exercises_uri=score_distributions(exercises, scores, maxima),
        mistakes=_most_common(mistakes, 15), incidents=sorted(set(incidents)), columns=columns, rows=rows,
        similarity_page=similarity_page, similarity_stale=similarity_stale, mistakes_page=mistakes_page, css=(TEMPLATES / "base.css").read_text(encoding="utf-8"))


def _most_common(counts: Counter, limit: int) -> list[tuple[tuple[str, str], int]]:
    """Most frequent first; ties by exercise and name, so the page is the same under any hash seed."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _row(report: Report, total_points: float) -> list[str]:
    """A submission's row; what the grader could not grade says so instead of a zero."""
    words = {e.name: status_word(t.status for t in report.tests if t.exercise == e.name) for e in report.exercises}
    return [report.submission, report.status_word or points(total_points),
            *(words[e.name] or points(e.score) for e in report.exercises)]


def _older_than_results(page: Path, out: Path) -> bool:
    """A page computed before the latest grading in ``out`` (a regrade may have changed what it shows)."""
    try:
        written = page.stat().st_mtime_ns
    except OSError:
        return False
    return any(report.stat().st_mtime_ns > written for report in out.glob("*/report.json"))


def write_class_report(out: Path, assignment: str | None = None, course: Course | None = None) -> Path:
    reports = load_reports(out, assignment)
    assignments = {r.assignment for r in reports}
    if len(assignments) > 1:
        raise ValueError(f"{out} holds several assignments ({sorted(assignments)}); pass --assignment")
    target = out / CLASS_REPORT_HTML
    similarity = out / "similarity.html"  # written by `course similarity`
    mistakes = out / "mistakes.html"  # written by `course mistakes`
    write_atomic(target, class_page(reports, similarity.name if similarity.is_file() else None,
                                    _outcomes(course, reports), mistakes.name if mistakes.is_file() else None,
                                    similarity_stale=_older_than_results(similarity, out)))
    return target
