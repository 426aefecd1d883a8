"""Each student's own input for the hand computation, derived from who they are.

One posted copy of H and Y must not answer the exercise for a whole class, so
every student works the seed's network through by hand at an input x of
their own. x is derived from the student's id with SHA-256 (never Python's
``hash()``, which changes from run to run), so a resubmission, the notebook,
``course check``, ``course variant`` and the grader all see the same x.

Variants keep the lesson of the seed's example x = [0.3, 0.1]:

- x has two decimals in [0.01, 0.99]: a size for pen and calculator;
- x1 + x2 is at least 0.02 away from the rule's threshold 0.5, so the true
  label is plain to see, and the network's output is at least 0.05 away from
  0, so its sign survives rounding to 4 decimals;
- half of the ids (by the first bit of the hash) get a point the seed network
  **misclassifies**, as it does the worked example; the other half a point it
  gets right. (The seed network answers +1 on the whole unit square, so the
  misclassified points are those with x1 + x2 < 0.5.)

The worked example itself is nobody's variant: its numbers are in the notes.
Changing ``variant_salt`` in course.toml (e.g. each term) gives everyone a new
input. This module needs only NumPy: the CLI and the notebook import it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from graders.engine.grading.answers import Answers

from .seed_model import SEED_THRESHOLD

ASSIGNMENT = "a2_keras_by_hand"
ID_NAME, X_NAME = "STUDENT_ID", "X"   # what hand_numbers.py records: who, and for which input
GRID = np.round(np.arange(1, 100) / 100, 2)  # 0.01, 0.02, ..., 0.99
LABEL_MARGIN = 0.02   # |x1 + x2 - threshold| at least this
OUTPUT_MARGIN = 0.05  # |network output| at least this


@dataclass(frozen=True)
class HandVariant:
    student_id: str
    x: tuple[float, float]
    misclassified: bool  # does the seed network get the label of x wrong?

    @property
    def x_text(self) -> str:
        return format_x(self.x)


def normalize_id(student_id: str) -> str:
    """Ids compare without case and surrounding or repeated spaces: 'Ada ' is 'ada'."""
    return " ".join(str(student_id).split()).casefold()


def format_x(x: Any) -> str:
    return "[" + ", ".join(f"{float(v):.2f}" for v in np.asarray(x, dtype=np.float64).ravel()) + "]"


def pools() -> tuple[np.ndarray, np.ndarray]:
    """(misclassified, classified right): the grid points a variant may be, in a fixed order.

    Choosing them takes the seed network's output on the whole grid: a forward pass, so an
    answer (answers.py); the student course carries the two pools it gives. Not cached here:
    a release records what each call asks for (and the computation takes milliseconds).
    """
    misclassified, right = Answers.of(__name__).variant_pools(GRID, SEED_THRESHOLD, LABEL_MARGIN, OUTPUT_MARGIN)
    return np.asarray(misclassified), np.asarray(right)


def variant_for(student_id: str, salt: str = "") -> HandVariant:
    """The input x of ``student_id``: the same on every machine, every run, every resubmission."""
    key = normalize_id(student_id)
    if not key:
        raise ValueError("a student id cannot be empty")
    digest = hashlib.sha256(f"{ASSIGNMENT}|{salt}|{key}".encode("utf-8")).digest()
    misclassified = digest[0] < 128
    pool = pools()[0 if misclassified else 1]
    x = pool[int.from_bytes(digest[1:9], "big") % len(pool)]
    return HandVariant(str(student_id).strip(), (float(x[0]), float(x[1])), misclassified)


def salt_of(settings: Mapping[str, Any]) -> str:
    return str(settings.get("variant_salt", ""))


# -- what the CLI and the notebook show (the engine's variants protocol) -----------------

ASK_FOR_ID = (f"Your input x for the hand computation depends on who you are: write your id in "
              f"hand_numbers.py, e.g. {ID_NAME} = \"jdoe42\" (the name your work is graded under; your "
              "instructor says which). `course check`, the notebook and "
              f"`course variant {ASSIGNMENT} --student ID` then show your x.")


def describe(student_id: str, settings: Mapping[str, Any]) -> str:
    """What a student reads: their input, and where it goes."""
    variant = variant_for(student_id, salt_of(settings))
    return (f"Your input for the hand computation (student id {variant.student_id!r}): x = {variant.x_text}.\n"
            f"In hand_numbers.py, write {ID_NAME} = {json.dumps(variant.student_id)} and {X_NAME} = {variant.x_text}, "
            "then work out H and Y for this x. (The worked example x = [0.30, 0.10] in the notes is not yours.)")


def claimed_id(folder: Path) -> str | None:
    """The id hand_numbers.py in ``folder`` names, read from its source (it is never run)."""
    from .hand import read_claim

    return read_claim(folder).student_id
