"""Gradebook CSV for an LMS import: Canvas, Moodle, or plain columns of your choice.

``course lms OUT --roster roster.csv --format canvas -o grades.csv`` joins the
reports ``course grade`` wrote (``OUT/<submission>/report.json``) with a roster
that says who each submission is: the submission's name (its folder or zip
name) and the student's id, email and display name.

- ``canvas``: ``Student,ID,SIS User ID,SIS Login ID,Section,<title>``. Canvas
  matches a row to a student by ID, SIS User ID or SIS Login ID; a column whose
  header is not an existing assignment becomes a new one.
- ``moodle``: ``Email address,<title>``. Moodle's CSV import then asks which
  column identifies users (map "Email address" to "useremail") and which grade
  item each other column fills.
- ``plain``: exactly the ``--columns`` given.

Nobody gets lost quietly: a roster student without a graded submission gets an
empty score, a submission the roster does not know is left out of the file,
and both are listed as warnings (``--strict`` turns warnings into exit code 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import Course, CourseConfigError
from ..classbook.corrections import Corrections, corrected_report
from ..core.results import load_graded, write_atomic
from ..core.scoring import STATUS_WORDS, UNREADABLE, status_word  # one word per outcome

FORMATS = ("canvas", "moodle", "plain")
ROSTER_FIELDS = ("submission", "student_id", "email", "name", "canvas_id", "sis_login_id", "section")
SCORE_KEYS = ("total", "max", "percent")
CORRECTION_KEYS = ("autograded", "adjustment", "late_penalty", "late_days", "submitted_at",
                   "corrections")  # the gradebook's correction columns, see corrections.py
GRADER_FAILURE_NOTE = "grader failure"  # batch.py's note on a report whose zero is the grader's fault


@dataclass(frozen=True)
class Column:
    header: str
    keys: tuple[str, ...]  # a roster field or score key; the first one the roster has gives the value


# Identity columns each LMS needs before the grade columns, and the roster fields behind them.
IDENTITY = {
    "canvas": (Column("Student", ("name",)), Column("ID", ("canvas_id",)), Column("SIS User ID", ("student_id",)),
               Column("SIS Login ID", ("sis_login_id", "email")), Column("Section", ("section",))),
    "moodle": (Column("Email address", ("email",)),),
    "plain": (),
}
# The roster fields an import cannot do without: one of each group.
REQUIRED = {
    "canvas": (("name",), ("canvas_id", "student_id", "sis_login_id", "email")),
    "moodle": (("email",),),
    "plain": (),
}


@dataclass(frozen=True)
class Roster:
    path: Path
    rows: tuple[dict[str, str], ...]
    fields: frozenset[str]  # the roster fields (and other column headers) this file has


@dataclass
class Export:
    text: str
    assignment: str
    missing: list[str] = field(default_factory=list)    # in the roster, no graded submission: empty score
    unmatched: list[str] = field(default_factory=list)  # graded, not in the roster: not in the file
    not_graded: list[str] = field(default_factory=list)  # the grader failed: empty score, not a zero
    unreadable: list[str] = field(default_factory=list)  # the student's files could not be read: a zero

    def warnings(self) -> list[str]:
        found = []
        if self.missing:
            found.append(f"{len(self.missing)} student(s) in the roster have no graded submission "
                         f"(empty score): {', '.join(self.missing)}")
        if self.unmatched:
            found.append(f"{len(self.unmatched)} graded submission(s) are not in the roster and are NOT in the "
                         f"file; add them to the roster: {', '.join(self.unmatched)}")
        if self.not_graded:
            found.append(f"not graded: the grader failed on {', '.join(self.not_graded)} (empty score, not a zero); "
                         "regrade them before importing")
        if self.unreadable:
            found.append(f"unreadable: {', '.join(self.unreadable)} (0 in the file; their feedback says why)")
        return found


def read_roster(path: Path, rename: dict[str, str] | None = None) -> Roster:
    """Rows keyed by roster field; ``rename`` maps a field to the roster's own header for it."""
    headers, raw = _read_csv(path)
    column_of = {name: (rename or {}).get(name, name) for name in ROSTER_FIELDS}
    for header in [*(rename or {}).values(), column_of["submission"]]:
        if header not in headers:
            raise CourseConfigError(f"{path} has no column {header!r}; its columns: {', '.join(headers)}. The "
                                    "submission column holds the folder or zip names `course grade` used; name "
                                    "columns with --roster-columns FIELD=HEADER")
    fields = {name for name, header in column_of.items() if header in headers}
    others = {h for h in headers if h not in column_of.values() and h not in SCORE_KEYS}  # usable by their header
    rows = tuple({**{h: row.get(h, "") for h in others}, **{name: row.get(column_of[name], "") for name in fields}}
                 for row in raw)
    named = [row["submission"] for row in rows if row["submission"]]
    duplicates = sorted({n for n in named if named.count(n) > 1})
    if duplicates:
        raise CourseConfigError(f"{path}: submission {duplicates[0]!r} appears more than once")
    return Roster(path, rows, frozenset(fields | others))


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: spreadsheets often add a BOM
            reader = csv.DictReader(handle)
            rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
            return [h.strip() for h in reader.fieldnames or []], rows
    except OSError as err:
        raise CourseConfigError(f"cannot read the roster {path}: {err.strerror}") from None


def parse_rename(spec: str | None) -> dict[str, str]:
    """``"submission=Username,email=Mail"`` -> ``{"submission": "Username", "email": "Mail"}``."""
    rename = {}
    for item in _items(spec):
        name, _, header = item.partition("=")
        if name not in ROSTER_FIELDS or not header:
            raise CourseConfigError(f"--roster-columns: {item!r} must be FIELD=HEADER with FIELD one of "
                                    f"{', '.join(ROSTER_FIELDS)}")
        rename[name] = header
    return rename


def grade_columns(fmt: str, spec: str | None, title: str, exercises: list[str], roster: Roster,
                  corrected: bool = False) -> list[Column]:
    """The columns after the LMS's identity columns (for ``plain``: all of them).

    ``spec`` is ``KEY[=Header],...``; a key is a roster field, another roster
    column, ``total``, ``max``, ``percent``, an exercise name, or one of
    CORRECTION_KEYS (plain's default has those when the assignment has corrections).
    """
    if spec is None:
        if fmt != "plain":
            return [Column(title, ("total",))]
        people = [name for name in ("student_id", "email", "name") if name in roster.fields]
        spec = ",".join([*people, "total", "max", *exercises, *(CORRECTION_KEYS if corrected else ())])
    known = [*SCORE_KEYS, *exercises, *CORRECTION_KEYS, *sorted(roster.fields)]
    columns = []
    for item in _items(spec):
        key, _, header = item.partition("=")
        if key not in known:
            raise CourseConfigError(f"--columns: unknown column {key!r}; choose from {', '.join(known)}")
        columns.append(Column(header or _default_header(fmt, key, title, exercises), (key,)))
    return columns


def _default_header(fmt: str, key: str, title: str, exercises: list[str]) -> str:
    """In an LMS, a grade column's header names the grade item: the assignment's title."""
    if fmt == "plain":
        return key
    if key == "total":
        return title
    return f"{title}: {key}" if key in exercises else key


def export(course: Course, out: Path, roster: Roster, fmt: str = "plain", columns: str | None = None,
           assignment: str | None = None, title: str | None = None) -> Export:
    """The gradebook CSV text and what the instructor must be told about it."""
    if fmt not in FORMATS:
        raise CourseConfigError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    assignment, reports = load_graded(out, assignment)
    spec = course.assignment(assignment)
    exercises = list(spec.exercises)
    corrections = Corrections(course, assignment)
    corrections.check_submissions(set(reports), str(out))
    reports = {name: corrected_report(report, corrections.apply(report)) for name, report in reports.items()}
    layout = [*IDENTITY[fmt], *grade_columns(fmt, columns, title or spec.title, exercises, roster,
                                             corrections.any())]
    _check_roster_has(roster, fmt, layout)
    result = Export(text="", assignment=assignment)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in layout])
    for student in roster.rows:
        report = reports.get(student["submission"]) if student["submission"] else None
        label = student["submission"] or student.get("name") or student.get("email") or "?"
        if report is None:
            result.missing.append(label)
        elif any(note.startswith(GRADER_FAILURE_NOTE) for note in report.get("notes", [])):
            result.not_graded.append(label)
            report = None
        elif _outcome(report) == STATUS_WORDS[UNREADABLE]:
            result.unreadable.append(label)
        writer.writerow([_value(column, student, report, roster) for column in layout])
    listed = {row["submission"] for row in roster.rows}
    result.unmatched = [f"{name} ({_outcome(r)})" for name, r in sorted(reports.items()) if name not in listed]
    result.text = buffer.getvalue()
    return result


def _outcome(report: dict) -> str:
    """Points, or the status word of a report without them (the same word as everywhere)."""
    return status_word(t["status"] for t in report["tests"]) or f"{report['score']:g}/{report['max_score']:g}"


def write_export(result: Export, target: Path) -> None:
    write_atomic(target, result.text)


def _check_roster_has(roster: Roster, fmt: str, layout: list[Column]) -> None:
    for group in REQUIRED[fmt]:
        if not roster.fields & set(group):
            raise CourseConfigError(f"a {fmt} gradebook needs a roster column for {' or '.join(group)}; "
                                    f"{roster.path} has {', '.join(sorted(roster.fields))} "
                                    "(use --roster-columns FIELD=HEADER when it is named differently)")


def _value(column: Column, student: dict[str, str], report: dict | None, roster: Roster) -> str:
    key = next((k for k in column.keys if k in roster.fields), column.keys[0])
    if key in roster.fields and key not in SCORE_KEYS:
        return student.get(key, "")
    if report is None:
        return ""
    if key == "total":
        return f"{report['score']:g}"
    if key == "max":
        return f"{report['max_score']:g}"
    if key == "percent":
        return f"{round(100 * report['score'] / report['max_score'], 2):g}" if report["max_score"] else ""
    if key in CORRECTION_KEYS:
        value = report["corrections"][key]
        return value if isinstance(value, str) else f"{value:g}"
    scores = {e["name"]: e["score"] for e in report["exercises"]}
    return f"{scores[key]:g}" if key in scores else ""


def _items(spec: str | None) -> list[str]:
    return [item.strip() for item in (spec or "").split(",") if item.strip()]


# --- the `course lms` subcommand ----------------------------------------------------------------

def register(commands) -> None:
    """Adds ``course lms`` to the CLI's subcommands."""
    parser = commands.add_parser("lms", help="gradebook CSV for a Canvas or Moodle import, from OUT and a roster")
    parser.add_argument("out", help="the folder `course grade` wrote")
    parser.add_argument("--roster", required=True,
                        help="CSV with columns submission,student_id,email,name (canvas also: canvas_id, "
                             "sis_login_id, section)")
    parser.add_argument("--roster-columns", metavar="FIELD=HEADER,...",
                        help="the roster's own headers, e.g. submission=Username,email=Mail")
    parser.add_argument("--format", choices=FORMATS, default="plain")
    parser.add_argument("--columns", metavar="KEY[=Header],...",
                        help="plain: every column (default student_id,email,name,total,max,<exercises>); "
                             "canvas/moodle: the grade columns (default total, headed with the title). "
                             "Keys: roster columns, total, max, percent, exercise names")
    parser.add_argument("--assignment", "-a", help="needed when OUT holds several assignments")
    parser.add_argument("--title", help="the grade column's header (default: the assignment's title)")
    parser.add_argument("--output", "-o", required=True, help="the CSV to write")
    parser.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    parser.set_defaults(handler=_cli)


def _cli(course: Course, args, console) -> int:
    from rich.console import Console

    roster = read_roster(Path(args.roster), parse_rename(args.roster_columns))
    result = export(course, Path(args.out), roster, args.format, args.columns, args.assignment, args.title)
    errors = Console(stderr=True)
    for warning in result.warnings():
        errors.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if args.strict and result.warnings():  # a refused export leaves no file that could be uploaded by mistake
        errors.print(f"error: --strict: {args.output} not written; fix the warnings above or drop --strict",
                     highlight=False, soft_wrap=True)
        return 1
    write_export(result, Path(args.output))
    console.print(f"Wrote {args.output}: {args.format} gradebook for {result.assignment}, "
                  f"{len(roster.rows)} student(s).", highlight=False)
    return 0
