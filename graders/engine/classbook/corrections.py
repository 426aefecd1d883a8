"""Autograded points, then the corrections people make: manual adjustments and late penalties.

``report.json`` keeps what the graders gave; corrections are applied when a
gradebook, an LMS export, a feedback page or the class report is written, so
they survive every regrade and an edited adjustments.csv shows everywhere at
once. Each correction is a line of its own with its reason; nothing is folded
silently into a score.

Order: manual adjustments change their exercise's points; the late penalty
is then taken from the total (a percent of the assignment's points, never
below zero).
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from .adjustments import Adjustment, check_submissions, load_adjustments
from ..core.config import Course
from .late import CANVAS_ON_TIME, LateRecords, Lateness, assess, load_late_records, parse_moment
from ..core.results import REPORT_FILE, lateness_cells, points


@dataclass(frozen=True)
class Line:
    """One correction as people read it."""

    exercise: str   # "" for the whole assignment
    change: float   # points added (negative: taken)
    reason: str

    def signed(self) -> str:
        return f"{'+' if self.change >= 0 else '−'}{points(abs(self.change))}"

    def label(self) -> str:
        return f"{self.exercise}: {self.reason}" if self.exercise else self.reason

    def describe(self) -> str:
        where = f"{self.exercise} " if self.exercise else ""
        return f"{where}{self.signed()} ({self.reason})"


@dataclass
class Outcome:
    """One submission's points: autograded, corrected, and why."""

    submission: str
    autograded: float
    max_score: float
    exercises: dict[str, float]          # after manual adjustments
    adjustment: float = 0.0               # sum of manual changes
    late_penalty: float = 0.0             # points taken for lateness (zero or more)
    lateness: Lateness | None = None
    time_note: str = ""                   # where the submission time came from, or why it is unknown
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(self.exercises.values()) - self.late_penalty, 4)

    def summary(self) -> str:
        """The corrections in one cell of a CSV."""
        return "; ".join(line.describe() for line in self.lines)


class Corrections:
    """The corrections of one assignment, read and checked once, applied to each report."""

    def __init__(self, course: Course, assignment: str) -> None:
        spec = course.assignment(assignment)
        self.assignment = assignment
        self.policy = spec.late
        self.max_points = spec.max_points
        self.zone = zoneinfo.ZoneInfo(course.timezone)
        self.adjustments: list[Adjustment] = load_adjustments(course, assignment)
        self.adjustments_of: dict[str, list[Adjustment]] = {}  # by submission, in file order
        for adjustment in self.adjustments:
            self.adjustments_of.setdefault(adjustment.submission, []).append(adjustment)
        self.late: LateRecords = load_late_records(course.root, assignment, set(course.assignments),
                                                   course.timezone)

    def any(self) -> bool:
        """Could any submission of this assignment be corrected?"""
        return bool(self.adjustments) or self.policy is not None

    def check_submissions(self, known: set[str], where: str) -> None:
        """Every row must name a graded submission (a typo would otherwise be lost quietly)."""
        check_submissions(self.adjustments, known, where)
        for row in self.late.rows():
            if row["submission"] not in known:
                raise row.fail(f"no graded submission {row['submission']!r} in {where}; fix the name")

    def apply(self, report: dict) -> Outcome:
        """``report`` is a report.json as a dict (``Report.to_dict()``)."""
        autograded = {e["name"]: e["score"] for e in report["exercises"]}
        outcome = Outcome(report["submission"], report["score"], report["max_score"], autograded)
        for adjustment in self.adjustments_of.get(report["submission"], []):
            before = outcome.exercises[adjustment.exercise]
            after = round(adjustment.apply(before), 4)
            outcome.exercises[adjustment.exercise] = after
            outcome.adjustment = round(outcome.adjustment + after - before, 4)
            outcome.lines.append(Line(adjustment.exercise, after - before, adjustment.reason))
        if self.policy is not None:
            self._apply_late(report, outcome)
        return outcome

    def _apply_late(self, report: dict, outcome: Outcome) -> None:
        name = report["submission"]
        submitted, outcome.time_note = self._submitted(report)
        extension = self.late.extensions.get(name, (None, None))[0]
        lateness = assess(self.policy, submitted, extension)
        outcome.lateness = lateness
        if lateness.days:
            subtotal = sum(outcome.exercises.values())
            penalty = round(min(self.max_points * lateness.percent / 100, subtotal), 4)
            outcome.late_penalty = penalty
            if penalty > 0:  # late with nothing to take (0 points): no "+0" line
                outcome.lines.append(Line("", -penalty, self._late_reason(lateness)))

    def _late_reason(self, lateness: Lateness) -> str:
        def local(moment: dt.datetime) -> str:
            return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")

        days = f"{lateness.days} day{'s' if lateness.days > 1 else ''}"
        return (f"Late penalty: handed in {local(lateness.submitted)}, due {local(lateness.due)}; {days} late, "
                f"{lateness.percent:g}% of {points(self.max_points)} points")

    def _submitted(self, report: dict) -> tuple[dt.datetime | None, str]:
        given = self.late.times.get(report["submission"])
        if given is not None:
            return given[0], f"time from {given[1].path.name}:{given[1].line}"
        if report.get("submitted_at"):
            return parse_moment(report["submitted_at"], dt.timezone.utc), report.get("submitted_via", "")
        return None, report.get("submitted_via") or "submission time unknown"


def graded_reports(out: Path, assignment: str) -> dict[str, dict]:
    """The report.json files of ``assignment`` in ``out``, by submission."""
    reports = {}
    for path in sorted(out.glob(f"*/{REPORT_FILE}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("assignment") == assignment:
            reports[data["submission"]] = data
    return reports


def check_corrections(course: Course, assignment: str, out: Path, names: list[str], all_names: bool = True) -> None:
    """Raise (with file:line) on any bad row, and, when ``names`` are the whole class, on one naming
    neither these submissions nor a graded one (a shard sees only its share; `course merge` checks then)."""
    corrections = Corrections(course, assignment)
    if all_names:
        known = set(names) | set(graded_reports(out, assignment))
        corrections.check_submissions(known, f"{out} or the submissions given")


def unknown_late_times(course: Course, assignment: str, out: Path, names: list[str]) -> list[str]:
    """Submissions among ``names`` that got no late penalty only because their time is unknown,
    each as "name (why)"; empty without a late policy."""
    corrections = Corrections(course, assignment)
    if corrections.policy is None:
        return []
    reports = graded_reports(out, assignment)
    return [f"{name} ({outcome.time_note})" for name in names if name in reports
            for outcome in [corrections.apply(reports[name])]
            if outcome.lateness is not None and not outcome.lateness.known and outcome.time_note != CANVAS_ON_TIME]


def corrected_report(report: dict, outcome: Outcome) -> dict:
    """``report`` with its points after corrections, the autograded ones kept under ``corrections``."""
    exercises = [e | {"score": outcome.exercises[e["name"]]} for e in report["exercises"]]
    late_days, submitted_at = lateness_cells(outcome.lateness)
    return report | {"score": outcome.total, "exercises": exercises, "corrections": {
        "autograded": outcome.autograded, "adjustment": outcome.adjustment,
        "late_penalty": outcome.late_penalty, "late_days": late_days, "submitted_at": submitted_at,
        "corrections": outcome.summary()}}
