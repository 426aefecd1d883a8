"""Mined mistakes: named by an instructor from a cluster of ``course mistakes``.

``graders/<assignment>/mined_mistakes.toml`` is part of the course (reviewed,
committed, used again next term)::

    [[mistake]]
    exercise = "Affine"
    test = "graders/a1_backprop/test_affine.py::test_backward_matches_finite_differences"
    check = "Affine dW (attribute self.dW)"       # the check's family (numbers masked)
    relation = "factor"
    param = "1/in3.shape[0]"
    name = "dW divided by the batch size"
    hint = "The batch is summed over in dW, not averaged."

A failed check whose test and family match, and whose output has that
relation to the oracle's with the student's own values, is told the name, as
for a grader's known mistake. Naming explains; it never changes a score.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.config import GRADERS_DIR
from . import relations

MINED_FILE = "mined_mistakes.toml"
MINED_DIR_VARIABLE = "COURSE_MINED_MISTAKES_DIR"  # another folder of <assignment>/mined_mistakes.toml (tests, trials)


def mined_file(assignment: str) -> Path:
    """graders/<assignment>/mined_mistakes.toml, or under $COURSE_MINED_MISTAKES_DIR when set."""
    base = os.environ.get(MINED_DIR_VARIABLE)
    return (Path(base) if base else GRADERS_DIR) / assignment / MINED_FILE


@dataclass(frozen=True)
class MinedMistake:
    exercise: str
    test: str
    check: str
    relation: str
    param: str
    name: str
    hint: str = ""

    def applies_to(self, test: str, family: str) -> bool:
        return self.test == test and self.check == family

    def matches(self, got: np.ndarray, expected: np.ndarray, case: relations.Case) -> bool:
        return relations.holds(self.relation, self.param, got, expected, case)


class MinedFileError(ValueError):
    """mined_mistakes.toml cannot be read; the message names the file and what to fix."""


REQUIRED = ("exercise", "test", "check", "relation", "name")


def load(assignment: str) -> tuple[MinedMistake, ...]:
    """The assignment's mined mistakes; none when it has no file."""
    path = mined_file(assignment)
    if not path.is_file():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise MinedFileError(f"{path}: {err}; fix it, or remove the entry and name the cluster again") from None
    mistakes = []
    for number, entry in enumerate(data.get("mistake", []), start=1):
        missing = [key for key in REQUIRED if not str(entry.get(key, "")).strip()]
        if missing:
            raise MinedFileError(f"{path}: mistake {number} has no {', '.join(missing)}")
        if entry["relation"] not in relations.RELATIONS and entry["relation"] != relations.IDENTICAL:
            raise MinedFileError(f"{path}: mistake {number} uses the relation {entry['relation']!r}, which this "
                                 f"version does not know ({', '.join(relations.RELATIONS)})")
        mistakes.append(MinedMistake(**{k: str(entry.get(k, "")) for k in MinedMistake.__dataclass_fields__}))
    return tuple(mistakes)


def save(assignment: str, mistakes: tuple[MinedMistake, ...]) -> Path:
    """Write the file again, entries in the order given (json strings are valid TOML strings)."""
    lines = ["# Mistakes named with `course mistakes name`: reviewed and committed with the course.",
             "# A failed check of `test` whose label reads as `check` (numbers masked) and whose",
             "# output is `relation`(`param`) of the right value is told `name` and `hint`.", ""]
    for mistake in mistakes:
        lines.append("[[mistake]]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in asdict(mistake).items()]
        lines.append("")
    path = mined_file(assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
