"""Catalogs of known mistakes and correct variants, one module per assignment.

Each entry is a small patch to the solution, written the way students write it.
"""

import ast
import re
from dataclasses import dataclass

from graders.engine.core.config import GRADERS_DIR, Course
from tests.conftest import ROOT, Patch, downstream


@dataclass(frozen=True)
class Mistake:
    """Must lose points on ``exercise`` (and only on what uses it), with feedback containing ``feedback``."""

    name: str
    exercise: str
    feedback: str
    patches: tuple[Patch, ...]
    trains: tuple[str, ...] = ()  # a3: training checks its grading must include
    hidden: bool = False          # only hidden tests can see it


@dataclass(frozen=True)
class Variant:
    """A correct alternative: must get full marks, hidden tests included."""

    name: str
    patches: tuple[Patch, ...]
    trains: tuple[str, ...] = ()


def touched_exercises(course: Course, assignment: str, patches: tuple[Patch, ...]) -> set[str]:
    """The exercises whose functions or classes the patches change (all of a file's for a module-level change)."""
    exercises = course.assignment(assignment).exercises
    touched: set[str] = set()
    sources = {patch.file: (ROOT / "solutions" / assignment / patch.file).read_text() for patch in patches}
    for patch in patches:  # in order, as apply_patches does: a patch may edit what another wrote
        source = sources[patch.file]
        first = source.count("\n", 0, source.index(patch.old)) + 1
        last = first + patch.old.count("\n")
        spans = {node.name: (node.lineno, node.end_lineno) for node in ast.parse(source).body
                 if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in exercises}
        inside = {name for name, (begin, end) in spans.items() if begin <= last and first <= end}
        touched |= inside or {name for name, e in exercises.items() if e.file == patch.file}
        sources[patch.file] = source.replace(patch.old, patch.new)
    return touched


def related_exercises(course: Course, assignment: str, exercises: set[str]) -> set[str]:
    """``exercises``, those using them (``uses`` in course.toml) and those they use: all whose graders can see them."""
    table = course.assignment(assignment).exercises
    related = set(exercises)
    for name in exercises:
        related |= downstream(course, assignment, name) | set(table[name].uses)
    return related


def grader_files(assignment: str) -> dict[str, set[str]]:
    """Exercise -> the grader modules that grade it (by their ``exercise(...)`` marks)."""
    files: dict[str, set[str]] = {}
    for path in sorted((GRADERS_DIR / assignment).glob("test_*.py")):
        for name in re.findall(r"exercise\(\"(\w+)\"\)", path.read_text(encoding="utf-8")):
            files.setdefault(name, set()).add(path.name)
    return files


def hidden_tested(assignment: str) -> set[str]:
    """The exercises with hidden tests: only those can score differently under different names."""
    return {name for name, files in grader_files(assignment).items()
            if any("pytest.mark.hidden" in (GRADERS_DIR / assignment / f).read_text(encoding="utf-8") for f in files)}


def graders_expression(assignment: str, exercises: set[str]) -> str:
    """A pytest -k expression selecting the grader modules of ``exercises``."""
    files = grader_files(assignment)
    return "(" + " or ".join(sorted({f for name in exercises for f in files.get(name, ())})) + ")"


def exercises_seeing(course: Course, assignment: str, entry: Mistake | Variant) -> set[str]:
    """The exercises whose graders can run the entry's changed code: the changed ones and those using them."""
    if not entry.patches:
        return set(course.assignment(assignment).exercises)
    touched = touched_exercises(course, assignment, entry.patches)
    return set().union(*(downstream(course, assignment, name) for name in touched))


def training_filter(assignment: str, entry: Mistake | Variant) -> str:
    """A -k suffix leaving out a3's training checks unless the entry concerns them."""
    from tests.catalog.a3_keras_models import ASSIGNMENT, TRAINING_TESTS

    if assignment != ASSIGNMENT:
        return ""
    return "".join(f" and not {keyword}" for name, keyword in TRAINING_TESTS.items() if name not in entry.trains)
