"""nbgrader's solution markers, and the check that a solution's markers pair up.

Its own module so that release (stubs) and notebooks (solution cells) both use
it without importing each other.
"""

from __future__ import annotations

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


class ReleaseError(Exception):
    """A solution file whose markers do not pair up."""


def check_markers(source: str, name: str) -> None:
    """Raise :class:`ReleaseError` (with ``name``:line) unless every BEGIN is closed by an END, unnested."""
    depth = 0
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN in line:
            if depth:
                raise ReleaseError(f"{name}:{number}: BEGIN SOLUTION inside another solution block")
            depth = 1
        elif END in line:
            if not depth:
                raise ReleaseError(f"{name}:{number}: END SOLUTION without a BEGIN SOLUTION")
            depth = 0
    if depth:
        raise ReleaseError(f"{name}: a BEGIN SOLUTION block is never closed with END SOLUTION")
