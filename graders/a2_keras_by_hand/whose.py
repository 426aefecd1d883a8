"""Whose hand numbers: the input a submission is graded at, and naming numbers worked for another.

The grader derives the student's input from the identity it grades under
(``identity`` fixture: the submission's name, the Gradescope users, the
nbgrader student), never from what hand_numbers.py claims. The file's
``STUDENT_ID`` only picks among those ids (a Gradescope user is known by
email and by user id; a group by each member) and, in a self-check, where
nothing else says who the student is, it is the identity.

Numbers that are right for some other input -- the worked example, the X the
file names, the input of the STUDENT_ID it names, or the input recovered from
the student's H itself -- are named as such, kindly, so nobody gets a silent
zero for work done on the wrong x.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from graders.engine.grading.compare import CheckFailed

from .hand import Claim, read_claim
from .seed_model import SEED_WEIGHTS, SEED_X
from .variant import ASK_FOR_ID, ID_NAME, X_NAME, HandVariant, format_x, normalize_id, salt_of, variant_for


# Named like the other known mistakes, so the class report counts them (the names hold no '.').
WORKED_EXAMPLE = "the worked example's numbers instead of your own input's"
ANOTHER_INPUT = "numbers worked for another input than your own"


@dataclass(frozen=True)
class Assigned:
    variant: HandVariant      # the input this submission is graded at
    claim: Claim              # what hand_numbers.py says
    graded_as: tuple[str, ...]  # the grader's identity; empty in a self-check

    @property
    def x(self) -> np.ndarray:
        return np.array(self.variant.x)

    def whose(self) -> str:
        """Where the input comes from, in the student's words."""
        if self.graded_as:
            return f"the input of {self.variant.student_id!r}, the id this submission is graded under"
        return f"the input of {ID_NAME} = {self.variant.student_id!r} in your hand_numbers.py"

    def id_mismatch(self) -> str:
        """A note when the file names someone other than the one graded, else ''."""
        claimed = self.claim.student_id
        if not self.graded_as or not claimed or normalize_id(claimed) in {normalize_id(i) for i in self.graded_as}:
            return ""
        return (f"\nYour hand_numbers.py says {ID_NAME} = {claimed!r}, but this submission is graded as "
                f"{self.variant.student_id!r}. Use the id your instructor grades you under; "
                f"`course variant a2_keras_by_hand --student ID` shows its input.")


def assigned_input(directory: str | Path, identity: tuple[str, ...], settings: Mapping[str, Any]) -> Assigned:
    """The input this submission is graded at; CheckFailed (asking for an id) when nobody says who."""
    claim = read_claim(Path(directory))
    if identity:
        known = {normalize_id(i) for i in identity}
        chosen = claim.student_id if claim.student_id and normalize_id(claim.student_id) in known else identity[0]
    elif claim.student_id:
        chosen = claim.student_id
    else:
        raise CheckFailed(ASK_FOR_ID)
    return Assigned(variant_for(chosen, salt_of(settings)), claim, tuple(identity))


def forward(x: Any, weights: list[np.ndarray] = SEED_WEIGHTS) -> dict[str, Any]:
    """The seed's network at x and what known slips give, all by Keras (naming mistakes and other inputs).

    Keras, not NumPy: a NumPy forward pass here would be forward_by_hand's answer, and this module
    ships in the student course.
    """
    from .keras_ref import reference_stack

    W1, b1, W2, b2 = weights
    x = np.asarray(x, dtype=np.float64)
    h, y = reference_stack(weights, x, ("tanh", "tanh"), every_layer=True)
    return {"z1": reference_stack([W1, b1], x, ("linear",)), "h": h,
            "z2": float(reference_stack(weights, x, ("tanh", "linear"))[0]), "y": float(y[0]),
            "y_no_b2": float(reference_stack([W1, b1, W2, 0 * b2], x, ("tanh", "tanh"))[0]),
            "no_b1": reference_stack([W1, 0 * b1], x, ("tanh",))}


def input_behind(h: Any, atol: float) -> np.ndarray | None:
    """The x whose hidden activations H are (to ``atol``), solved from arctanh(H) = x @ W1 + b1; else None."""
    try:
        h = np.asarray(h, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    if h.shape != (5,) or not np.all(np.abs(h) < 1):
        return None
    W1, b1 = (w.astype(np.float64) for w in SEED_WEIGHTS[:2])
    x, *_ = np.linalg.lstsq(W1.T, np.arctanh(h) - b1, rcond=None)
    if not np.all(np.abs(forward(x)["h"] - h) <= atol):
        return None
    on_grid = np.round(x, 2)
    return on_grid if np.all(np.abs(on_grid - x) <= 2e-3) else x


def other_inputs(assigned: Assigned, settings: Mapping[str, Any], h: Any = None,
                 atol: float = 5e-4) -> list[tuple[str, np.ndarray]]:
    """(how to name it, x) for inputs numbers may have been worked for instead of the student's own."""
    found = [(f"the worked example x = {format_x(SEED_X)} from the notes", SEED_X)]
    claim = assigned.claim
    if claim.x is not None:
        found.append((f"x = {format_x(claim.x)}, the {X_NAME} your hand_numbers.py names", np.array(claim.x)))
    if claim.student_id and normalize_id(claim.student_id) != normalize_id(assigned.variant.student_id):
        theirs = variant_for(claim.student_id, salt_of(settings))
        found.append((f"x = {theirs.x_text}, the input of {ID_NAME} = {claim.student_id!r} your file names",
                      np.array(theirs.x)))
    behind = input_behind(h, atol) if h is not None else None
    if behind is not None:
        found.append((f"x = {format_x(behind)}", behind))
    return [(name, x) for name, x in found if not np.allclose(x, assigned.x, rtol=0, atol=1e-9)]


def worked_for_another_input(what: str, got: Any, value_at, assigned: Assigned, settings: Mapping[str, Any],
                             atol: float, h: Any = None) -> None:
    """CheckFailed naming the other input when ``got`` is ``value_at(x)`` for one; else nothing."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return
    for name, x in other_inputs(assigned, settings, h, atol):
        expected = np.asarray(value_at(x), dtype=np.float64)
        if expected.shape == got.shape and np.all(np.abs(got - expected) <= atol):
            kind = WORKED_EXAMPLE if np.allclose(x, SEED_X) else ANOTHER_INPUT
            raise CheckFailed(
                f"{what} is right for {name} -- but that is not your input. Yours is x = "
                f"{assigned.variant.x_text} ({assigned.whose()}); every student works the network through "
                f"at their own x. Redo {what} for x = {assigned.variant.x_text}.\n"
                f"This looks like a known mistake: {kind}.{assigned.id_mismatch()}")


def input_for(student: Any, identity: tuple[str, ...], settings: Mapping[str, Any], what: str, got: Any,
              value_at, atol: float) -> Assigned:
    """``assigned_input``; when nobody says who, and the numbers are the worked example's, say so kindly."""
    try:
        return assigned_input(student.directory, identity, settings)
    except CheckFailed as ask:
        try:
            example = np.all(np.abs(np.asarray(got, dtype=np.float64) - np.asarray(value_at(SEED_X))) <= atol)
        except (TypeError, ValueError):
            example = False
        if example:
            raise CheckFailed(f"{what} is right for the worked example x = {format_x(SEED_X)} -- your method "
                              f"works. Now to your own input. {ask}") from None
        raise
