"""Late submissions: when each one came in, how late that was, and what it costs.

The policy is ``[assignments.NAME.late]`` in course.toml (``due``,
``grace_minutes``, ``penalty_per_day``, ``max_penalty``):

- Times written without an offset are in ``[course] timezone`` (default UTC);
  everything is compared as aware datetimes and stored in UTC.
- A student's extension (``extensions.csv``) moves their due date.
- Up to ``grace_minutes`` after the due date is on time. Beyond it, every
  started 24 hours after the due date counts as a day: one second to 24 h
  late is 1 day, 24 h and one second is 2 days. The grace forgives the first
  minutes; it does not move the day boundaries.
- The penalty is ``min(days × penalty_per_day, max_penalty)`` percent of the
  assignment's points, taken from the total (after manual adjustments) as a
  line of its own, never below zero.
- When no time is known, nothing is taken and the gradebook says so.

Times come from what the inputs carry (see :func:`found_time`) unless
``submission-times.csv`` in the course says otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from .canvas import CANVAS_NAME
from ..core.config import LatePolicy
from ..core.tables import Row, read_rows

EXTENSIONS_FILE = "extensions.csv"
TIMES_FILE = "submission-times.csv"
DAY = dt.timedelta(days=1)
CANVAS_LATE = "Canvas file name: marked late, time unknown"
CANVAS_ON_TIME = "Canvas file name: on time"  # by Canvas' own due date: no time, but nothing to warn about
DURATION = re.compile(r"^\s*(?:(?P<d>\d+(?:\.\d+)?)\s*d)?\s*(?:(?P<h>\d+(?:\.\d+)?)\s*h)?\s*(?:(?P<m>\d+)\s*m)?\s*$")


@dataclass(frozen=True)
class SubmissionTime:
    at: str = ""   # ISO 8601 in UTC; "" when unknown
    via: str = ""  # where it came from, or why it is unknown


@dataclass(frozen=True)
class Lateness:
    due: dt.datetime                 # this student's due date, extension included
    submitted: dt.datetime | None
    days: int
    percent: float                   # of the assignment's points

    @property
    def known(self) -> bool:
        return self.submitted is not None


def days_late(submitted: dt.datetime, due: dt.datetime, grace_minutes: float) -> int:
    """Started days after ``due``; 0 within the grace."""
    late = submitted - due
    if late <= dt.timedelta(minutes=grace_minutes):
        return 0
    return math.ceil(late / DAY)


def assess(policy: LatePolicy, submitted: dt.datetime | None,
           extension: dt.timedelta | dt.datetime | None = None) -> Lateness:
    due = policy.due
    if isinstance(extension, dt.timedelta):
        due = due + extension
    elif isinstance(extension, dt.datetime):
        due = extension
    if submitted is None:
        return Lateness(due, None, 0, 0.0)
    days = days_late(submitted, due, policy.grace_minutes)
    return Lateness(due, submitted, days, min(days * policy.penalty_per_day, policy.max_penalty))


# --- reading times ------------------------------------------------------------------------------

def parse_moment(text: str, zone: dt.tzinfo) -> dt.datetime:
    """An ISO 8601 date and time; without an offset it is in ``zone``. Raises ValueError."""
    moment = dt.datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_nbgrader_timestamp(text: str) -> dt.datetime:
    """nbgrader's timestamp.txt: ``2026-03-01 23:59:00.123456 UTC`` (its default format), or ISO 8601."""
    from dateutil import parser, tz  # nbgrader's own dependency; its format ends in a zone name

    parts = text.strip().split(" ")
    if len(parts) == 3:
        offset = _zone_of(parts[2], tz)
        moment = parser.parse(" ".join(parts[:2]))
        return moment.replace(tzinfo=offset) if moment.tzinfo is None else moment
    moment = parser.parse(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _zone_of(name: str, tz) -> dt.tzinfo:
    if re.fullmatch(r"[+-]\d{4}", name):
        sign = -1 if name[0] == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=int(name[1:3]), minutes=int(name[3:])))
    zone = tz.gettz(name)
    if zone is None:
        raise ValueError(f"unknown time zone {name!r}")
    return zone


def found_time(folder: Path, name: str) -> SubmissionTime:
    """The submission time the inputs carry, if any (nbgrader, Gradescope, Canvas names)."""
    stamp = folder / "timestamp.txt"  # nbgrader: submitted/<student>/<assignment>/timestamp.txt
    if stamp.is_file():
        try:
            return SubmissionTime(_utc(parse_nbgrader_timestamp(stamp.read_text(encoding="utf-8"))),
                                  "nbgrader timestamp.txt")
        except (OSError, ValueError, OverflowError) as err:
            return SubmissionTime("", f"timestamp.txt could not be read ({err})")
    # Gradescope: /autograder/submission_metadata.json next to /autograder/submission/
    for metadata in (folder / "submission_metadata.json", folder.parent / "submission_metadata.json"):
        if metadata.is_file() and (metadata.parent == folder or folder.name == "submission"):
            try:
                created = json.loads(metadata.read_text(encoding="utf-8"))["created_at"]
                return SubmissionTime(_utc(parse_moment(created, dt.timezone.utc)),
                                      "Gradescope submission_metadata.json")
            except (OSError, ValueError, KeyError, TypeError) as err:
                return SubmissionTime("", f"submission_metadata.json could not be read ({err})")
    canvas = CANVAS_NAME.match(name)
    if canvas:
        return SubmissionTime("", CANVAS_LATE if canvas.group("late") else CANVAS_ON_TIME)
    return SubmissionTime()


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


# --- the course's files: extensions and submission times ----------------------------------------

def parse_extension(text: str, zone: dt.tzinfo) -> dt.timedelta | dt.datetime:
    """``2d``, ``36h``, ``1d 12h``, ``90m`` (more time) or a date and time (a new due date)."""
    duration = DURATION.match(text)
    if duration and any(duration.groupdict().values()):
        parts = {k: float(v) for k, v in duration.groupdict().items() if v}
        return dt.timedelta(days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0))
    return parse_moment(text, zone)


@dataclass(frozen=True)
class LateRecords:
    """One assignment's extensions and instructor-given submission times, validated."""

    extensions: dict[str, tuple[dt.timedelta | dt.datetime, Row]]
    times: dict[str, tuple[dt.datetime, Row]]

    def rows(self) -> list[Row]:
        return [row for _, row in [*self.extensions.values(), *self.times.values()]]


def load_late_records(root: Path, assignment: str, known_assignments: set[str], zone_name: str) -> LateRecords:
    zone = zoneinfo.ZoneInfo(zone_name)
    extensions = _by_submission(root / EXTENSIONS_FILE, "extension", lambda text: parse_extension(text, zone),
                                "write more time as 2d, 36h, 1d 12h or 90m, or a new due date as 2026-03-03T23:59",
                                assignment, known_assignments)
    times = _by_submission(root / TIMES_FILE, "submitted_at", lambda text: parse_moment(text, zone),
                           "write a date and time, e.g. 2026-03-01T23:59:00 (course time zone) or "
                           "2026-03-01T22:59:00+00:00", assignment, known_assignments)
    return LateRecords(extensions, times)


def _by_submission(path: Path, column: str, parse, advice: str, assignment: str, known: set[str]) -> dict:
    """``assignment``'s rows of ``path``: submission -> (parsed ``column``, row). Every row is checked."""
    found: dict[str, tuple] = {}
    for row in read_rows(path, ("assignment", "submission", column)):
        if _mine(row, assignment, known, found):
            try:
                found[row["submission"]] = (parse(row[column]), row)
            except ValueError:
                raise row.fail(f"{column} {row[column]!r}: {advice}") from None
    return found


def _mine(row: Row, assignment: str, known: set[str], seen: dict[str, tuple]) -> bool:
    """Is ``row`` about ``assignment``? Rows about others are checked as well, then left alone."""
    if row["assignment"] not in known:
        raise row.fail(f"unknown assignment {row['assignment']!r}; course.toml defines {', '.join(sorted(known))}")
    if not row["submission"]:
        raise row.fail("the submission column is empty; name the submission as in the gradebook")
    if row["assignment"] == assignment and row["submission"] in seen:
        raise row.fail(f"{row['submission']!r} already has a row for {assignment} (line "
                       f"{seen[row['submission']][1].line}); keep one")
    return row["assignment"] == assignment
