"""Catalogs of known mistakes and correct variants, one module per assignment.

Each entry is a small patch to the solution, written the way students write it.
"""

from dataclasses import dataclass

from tests.conftest import Patch


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
