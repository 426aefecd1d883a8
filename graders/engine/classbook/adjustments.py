"""Manual adjustments: points an instructor or TA adds, subtracts or sets, with a reason.

They live in ``adjustments.csv`` in the course folder, one row each::

    assignment,submission,exercise,action,points,reason,by
    a1_backprop,ada,Relu,add,1,"mask was right; the hidden test's tolerance was too tight",TA Kim

``action`` is ``add``, ``subtract`` or ``set`` (the exercise's points become
``points``). Rows of one student and exercise apply in file order. Students
see the reason; ``by`` (optional) is for the staff's own record. Grading
never writes this file, so adjustments survive every regrade, ``--force``
included; the gradebook, the LMS export, the feedback pages and the class
report apply them to the autograded points and show both, with the reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..core.config import Assignment, Course
from ..core.results import write_atomic
from ..core.tables import Row, read_rows

ADJUSTMENTS_FILE = "adjustments.csv"
COLUMNS = ("assignment", "submission", "exercise", "action", "points", "reason", "by")
ACTIONS = ("add", "subtract", "set")


@dataclass(frozen=True)
class Adjustment:
    submission: str
    exercise: str
    action: str
    points: float
    reason: str
    by: str
    row: Row

    def apply(self, score: float) -> float:
        """The exercise's points after this adjustment (never below zero)."""
        if self.action == "set":
            return self.points
        if self.action == "add":
            return score + self.points
        return max(0.0, score - self.points)


def adjustments_path(course: Course) -> Path:
    return course.root / ADJUSTMENTS_FILE


def load_adjustments(course: Course, assignment: str) -> list[Adjustment]:
    """``assignment``'s adjustments in file order; every row of the file is checked."""
    found = []
    for row in read_rows(adjustments_path(course), COLUMNS[:-1]):
        adjustment = _parse(row, course)
        if row["assignment"] == assignment:
            found.append(adjustment)
    return found


def _parse(row: Row, course: Course) -> Adjustment:
    if row["assignment"] not in course.assignments:
        raise row.fail(f"unknown assignment {row['assignment']!r}; course.toml defines "
                       f"{', '.join(sorted(course.assignments))}")
    spec: Assignment = course.assignments[row["assignment"]]
    if not row["submission"]:
        raise row.fail("the submission column is empty; name the submission as in the gradebook")
    if row["exercise"] not in spec.exercises:
        raise row.fail(f"unknown exercise {row['exercise']!r} of {spec.name}; choose one of "
                       f"{', '.join(spec.exercises)}")
    if row["action"] not in ACTIONS:
        raise row.fail(f"action {row['action']!r} must be one of {', '.join(ACTIONS)}")
    try:
        points = float(row["points"])
    except ValueError:
        raise row.fail(f"points {row['points']!r} is not a number; write e.g. 1 or 0.5") from None
    maximum = spec.exercises[row["exercise"]].points
    if not 0 <= points < float("inf"):
        raise row.fail(f"points must be zero or more, got {row['points']}; to take points away use "
                       "action subtract")
    if row["action"] == "set" and points > maximum:
        raise row.fail(f"cannot set {row['exercise']} to {points:g}: it is worth {maximum:g}; "
                       "to give extra credit use action add")
    if not row["reason"]:
        raise row.fail("the reason is empty; students see it next to the change, so say why")
    return Adjustment(row["submission"], row["exercise"], row["action"], points, row["reason"], row["by"], row)


def check_submissions(adjustments: list[Adjustment], known: set[str], where: str) -> None:
    """An adjustment for a submission nobody graded is most likely a typo: say which line."""
    for adjustment in adjustments:
        if adjustment.submission not in known:
            close = ", ".join(sorted(known)[:8]) + (" ..." if len(known) > 8 else "")
            raise adjustment.row.fail(f"no graded submission {adjustment.submission!r} in {where}; "
                                      f"fix the name (graded: {close or 'none'})")


def append_adjustment(course: Course, values: dict[str, str]) -> Row:
    """Add one row to adjustments.csv (created with its header if missing); checked before it is written."""
    path = adjustments_path(course)
    load_adjustments(course, values["assignment"])  # a file broken already is reported, not appended to
    existing = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not existing:
        writer.writerow(COLUMNS)
    writer.writerow([values.get(column, "") for column in COLUMNS])
    line = existing.count("\n") + buffer.getvalue().count("\n")
    row = Row(path, line, {column: values.get(column, "").strip() for column in COLUMNS})
    _parse(row, course)
    write_atomic(path, existing + buffer.getvalue())
    return row
