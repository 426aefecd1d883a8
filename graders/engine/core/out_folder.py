"""An output folder (OUT) belongs to one assignment, recorded in it.

Results live at ``OUT/<student>/``, so grading a second assignment into the same
OUT would overwrite the first one's reports and feedback and replace its
gradebook. The first run that writes into OUT records its assignment; every
later one checks it and refuses another assignment in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

from .config import CourseConfigError

OWNER_FILE = ".course-assignment"  # the assignment whose results OUT holds


class OutFolderError(CourseConfigError):
    """OUT holds another assignment's results (reported like a course.toml mistake: one line, exit 2)."""


def out_assignment(out: Path) -> str | None:
    """Whose results OUT holds: its record, else (a folder from before records) its reports' assignment."""
    try:
        return (out / OWNER_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        pass
    for report in sorted(out.glob("*/report.json")):
        try:
            return str(json.loads(report.read_text(encoding="utf-8"))["assignment"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def claim_out(out: Path, assignment: str) -> None:
    """Record that OUT holds ``assignment``'s results; refuse if it holds another's."""
    check_out(out, assignment)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / OWNER_FILE).is_file():
        (out / OWNER_FILE).write_text(assignment + "\n", encoding="utf-8")


def check_out(out: Path, assignment: str) -> None:
    """Refuse, in one line naming both, an OUT that holds another assignment's results."""
    owner = out_assignment(out)
    if owner is not None and owner != assignment:
        raise OutFolderError(f"{out} holds {owner} results, not {assignment}; "
                             f"use another folder for {assignment} (e.g. -o {out.parent / assignment})")
