"""From test outcomes to points.

course.toml gives each exercise its points; the tests of an exercise share
them in proportion to their ``weight`` marker (default 1). Only the tests that
ran count, so a self-check (public tests only) and a full grading (public and
hidden) both add up to the exercise's points.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .config import Assignment

NOT_GRADED = "not-graded"  # the grader could not run the check: never the student's fault, never final
UNREADABLE = "unreadable"  # the student's files could not be read (corrupt, empty, misnamed): their zero, final
# The one word each outcome without points per check is shown as, everywhere (CLI, gradebook, reports, LMS).
STATUS_WORDS = {NOT_GRADED: "not graded", UNREADABLE: "unreadable"}
GRADER_FAILURE_NOTE = "grader failure"  # a report's note when some of it is not graded (kept from students)


@dataclass
class TestRecord:
    """One grader test's outcome for one submission."""

    nodeid: str
    title: str
    exercise: str
    hidden: bool
    weight: float
    status: str  # passed | failed | not-implemented | timeout | crash | not-graded | unreadable
    feedback: str = ""
    score: float = 0.0
    max_score: float = 0.0
    plots: list[dict] = field(default_factory=list)  # figures for the feedback report (see plugin.plot)
    called: list[str] | None = None  # the submission's functions/classes the check ran (None: not known)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class ExerciseScore:
    name: str
    title: str
    score: float
    max_score: float
    passed: int
    total: int


@dataclass
class Report:
    assignment: str
    submission: str
    score: float
    max_score: float
    exercises: list[ExerciseScore]
    tests: list[TestRecord]
    notes: list[str] = field(default_factory=list)
    submitted_at: str = ""   # ISO 8601 UTC, when the inputs tell (see late.found_time)
    submitted_via: str = ""  # where that time came from

    @property
    def graded(self) -> bool:
        """False when any check could not run: the report is not final."""
        return all(t.status != NOT_GRADED for t in self.tests)

    @property
    def status_word(self) -> str | None:
        """"not graded" or "unreadable" when the whole report is one of those; None when it has points."""
        return status_word(t.status for t in self.tests)

    def to_dict(self) -> dict:
        return asdict(self)


def status_word(statuses) -> str | None:
    """The word for checks with these statuses: not graded wins (a rerun may fix it), then unreadable."""
    found = set(statuses)
    return next((word for status, word in STATUS_WORDS.items() if status in found), None)


def score_records(assignment: Assignment, submission: str, records: list[TestRecord]) -> Report:
    """Fill in each record's points and add them up per exercise."""
    exercises: list[ExerciseScore] = []
    for name, exercise in assignment.exercises.items():
        mine = [r for r in records if r.exercise == name]
        total_weight = sum(r.weight for r in mine)
        passed_weight = sum(r.weight for r in mine if r.passed)
        for record in mine:
            record.max_score = _round(exercise.points * record.weight / total_weight)
        if mine:  # rounding must not make the tests add up to 23.0001
            mine[-1].max_score = _round(exercise.points - sum(r.max_score for r in mine[:-1]))
        for record in mine:
            record.score = record.max_score if record.passed else 0.0
        failing_uses = [u for u in exercise.uses if any(r.exercise == u and not r.passed for r in records)]
        for record in mine:
            # only what this check's code ran: a net that never builds a Tanh is not sent to fix Tanh
            suspects = [u for u in failing_uses if record.called is None or u in record.called]
            if suspects and not record.passed:
                record.feedback += uses_note(name, suspects)
        exercises.append(ExerciseScore(
            name=name,
            title=exercise.title,
            # from the weights, not the rounded test scores: full marks add up exactly
            score=_round(exercise.points * passed_weight / total_weight) if total_weight else 0.0,
            max_score=exercise.points,
            passed=sum(r.passed for r in mine),
            total=len(mine),
        ))
    order = {name: i for i, name in enumerate(assignment.exercises)}
    return Report(
        assignment=assignment.name,
        submission=submission,
        score=_round(sum(e.score for e in exercises)),
        max_score=_round(sum(e.max_score for e in exercises)),
        exercises=exercises,
        # in the course's exercise order (course.toml), not the graders' file names' alphabetical one
        tests=sorted(records, key=lambda r: order.get(r.exercise, len(order))),
    )


def uses_note(name: str, failing: list[str]) -> str:
    """The note on a failed check of ``name`` whose code relies on exercises that fail their own checks."""
    listed = failing[0] if len(failing) == 1 else f"{', '.join(failing[:-1])} and {failing[-1]}"
    verb = "fails its" if len(failing) == 1 else "fail their"
    return (f"\nNote: {name} uses your {listed}, which {verb} own checks; "
            "fixing that first may fix this too.")


def _round(value: float) -> float:
    return round(value, 4)
