"""Per-student variants: exercises whose numbers differ from student to student.

An assignment opts in with a module ``graders/<assignment>/variant.py`` that
derives a student's variant from their id, with NumPy at most (the CLI and
notebooks import it), and provides:

- ``describe(student_id, settings) -> str``: the student's variant, in words;
- ``claimed_id(folder) -> str | None``: the id the student wrote in their files
  (``STUDENT_ID``), read from the source, never run;
- ``ASK_FOR_ID``: what to tell a student who has not said who they are.

Its graders derive the variant again from the identity they grade under (the
``identity`` fixture), never from what the files claim. This module only
finds the variant module and shows a variant where students work.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

from ..core.config import Course, CourseConfigError

VARIANT_ID = "STUDENT_ID"  # the name a student's file records their id under


def has_variants(assignment: str) -> bool:
    return importlib.util.find_spec(f"graders.{assignment}.variant") is not None


def variant_module(assignment: str) -> ModuleType | None:
    return importlib.import_module(f"graders.{assignment}.variant") if has_variants(assignment) else None


def describe(course: Course, assignment: str, student_id: str | None, folder: Path | None = None) -> str | None:
    """The student's variant in words (from ``student_id``, else the id in ``folder``); None without variants."""
    module = variant_module(assignment)
    if module is None:
        return None
    student_id = student_id or (module.claimed_id(folder) if folder is not None else None)
    if not student_id or not student_id.strip():
        return module.ASK_FOR_ID
    return module.describe(student_id, course.assignment(assignment).settings)


def require_variants(course: Course, assignment: str) -> ModuleType:
    course.assignment(assignment)  # an unknown name gets the config's own message
    module = variant_module(assignment)
    if module is None:
        with_variants = [a for a in course.assignments if has_variants(a)]
        raise CourseConfigError(f"{assignment} has no per-student variants"
                                + (f" (assignments with variants: {', '.join(with_variants)})" if with_variants else ""))
    return module


# --- the `course variant` subcommand ------------------------------------------------------------

def register(commands) -> None:
    """Adds ``course variant ASSIGNMENT --student ID`` to the CLI's subcommands."""
    parser = commands.add_parser("variant", help="print a student's own variant of an assignment")
    parser.add_argument("assignment")
    parser.add_argument("--student", required=True, metavar="ID",
                        help="the id the student's work is graded under (e.g. a login or email)")
    parser.set_defaults(handler=_cli)


def _cli(course: Course, args, console) -> int:
    module = require_variants(course, args.assignment)
    if not args.student.strip():
        raise CourseConfigError("--student needs an id, e.g. --student jdoe42")
    console.print(module.describe(args.student, course.assignment(args.assignment).settings), highlight=False,
                  markup=False, soft_wrap=True)
    return 0
