"""Failed checks grouped by cause, so one mistake is explained once.

A syntax error fails every check that imports the file, with the same
message; a known mistake fails several checks of its exercise. Students see
one explanation per cause, with how many checks it cost, in the course's
exercise order (course.toml), not one box per check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.scoring import Report, TestRecord

MISTAKE = re.compile(r"This looks like a known mistake: (?P<name>.+?)\.(\n|$)")
NOTE = re.compile(r"\nNote: .*$", re.S)  # notes the scoring adds (which other exercises fail)
IMPORTING = re.compile(r"^Importing \S+\.py failed: ")  # network.py failing because layers.py does: one cause


@dataclass
class Cause:
    """One reason for one or more failed checks; ``records[0]`` tells it."""

    records: list[TestRecord]

    @property
    def first(self) -> TestRecord:
        return self.records[0]

    @property
    def exercises(self) -> list[str]:
        return list(dict.fromkeys(r.exercise for r in self.records))

    def heading(self) -> str:
        if len(self.exercises) > 1:
            return ", ".join(self.exercises)
        return f"{self.first.exercise}: {self.first.title}"

    def feedback(self) -> str:
        text = self.first.feedback.strip() or "failed"
        if len(self.records) > 1 and len(self.exercises) > 1:
            text += f"\nSame cause in {len(self.records)} checks ({', '.join(self.exercises)})."
        elif len(self.records) > 1:  # name each check: one-hot and integer variants differ only in their titles
            text += f"\nSame cause in {len(self.records)} checks:" + "".join(
                f"\n  - {r.title}" for r in self.records)
        return text


def causes(report: Report) -> list[Cause]:
    """The failed checks of ``report`` by cause, in exercise order; exercises not started are left out."""
    order = {e.name: i for i, e in enumerate(report.exercises)}
    skip = set(not_started(report))
    failed = sorted((t for t in report.tests if not t.passed and t.exercise not in skip),
                    key=lambda t: order.get(t.exercise, len(order)))
    grouped: dict[tuple[str, ...], Cause] = {}
    for record in failed:
        grouped.setdefault(_key(record), Cause([])).records.append(record)
    return list(grouped.values())


def not_started(report: Report) -> list[str]:
    """Exercises whose every failed check is 'not implemented yet', in exercise order."""
    names = []
    for exercise in report.exercises:
        mine = [t for t in report.tests if t.exercise == exercise.name and not t.passed]
        if mine and all(t.status == "not-implemented" for t in mine):
            names.append(exercise.name)
    return names


def _key(record: TestRecord) -> tuple[str, ...]:
    known = MISTAKE.search(record.feedback)
    if known:
        return ("mistake", record.exercise, known.group("name"))
    # the same words everywhere (an import problem) are one cause, whichever exercise they cost
    text = NOTE.sub("", record.feedback.strip())
    if IMPORTING.match(text):  # the error and where it happened, whichever file's import ran into it
        return ("import", IMPORTING.sub("", text).splitlines()[0])
    return ("text", record.status, text)
