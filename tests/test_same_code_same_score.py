"""Same code, same score: the name a submission is graded under changes its hidden values, never its points.

Hidden tests draw their values from the name (the plugin's ``rng``); what they
cover -- shape kinds, label forms, dtypes, sizes, edge cases -- is the same for
every student. So each catalog entry of every assignment, known mistake or
correct variant, graded under five names, gets the same points on every
exercise.

Public tests draw from their own test id only, so a name reaches the points
through hidden tests alone: those are graded here, for the exercises whose
graders can see the entry's patches (the changed ones and those using them);
the rest of the submission is the solution. Training checks run only for entries that
concern them, as in the a3 catalog.

Exempt by design: identity-bound exercises. a2's hand numbers are worked out
at the student's own input x, derived from the name, so the right numbers
differ per name (test_a2_variants tests them per student).
"""

from __future__ import annotations

import pytest

from graders.engine.core.config import load_course
from tests import catalog
from tests.catalog import a1_backprop, a2_keras_by_hand, a3_keras_models
from tests.conftest import ROOT, exercise_scores

# Every catalog entry five times over takes minutes: out of the default run, CI runs it (pytest -m long).
pytestmark = pytest.mark.long

NAMES = ("ada", "bo", "chen", "dmitri", "eve")
IDENTITY_BOUND = {"a2_keras_by_hand": {"H", "Y", "PREDICTED_LABEL", "PREDICTION_CORRECT"}}
CATALOGS = {"a1_backprop": a1_backprop, "a2_keras_by_hand": a2_keras_by_hand, "a3_keras_models": a3_keras_models}
SOLUTION = catalog.Variant("the solution itself", ())


# Hidden tests that draw nothing from the name: a3's check that the compiled CNN learns (seeded by
# course.toml), build_cnn's only hidden test. Left out, with the exercise it alone would bring in.
NAME_FREE = {"a3_keras_models": ("learns_digits", {"build_cnn"})}


def graded_exercises(course, assignment: str, entry) -> set[str]:
    """The exercises whose hidden tests can see the entry, identity-bound ones left out."""
    seeing = catalog.exercises_seeing(course, assignment, entry) & catalog.hidden_tested(assignment)
    return seeing - IDENTITY_BOUND.get(assignment, set()) - NAME_FREE.get(assignment, ("", set()))[1]


def entries() -> list:
    course = load_course(ROOT)
    return [pytest.param(assignment, entry, id=f"{assignment}: {entry.name}",
                         marks=[pytest.mark.slow] if entry.trains else [])
            for assignment, module in CATALOGS.items()
            for entry in (SOLUTION, *module.MISTAKES, *module.VARIANTS)
            if graded_exercises(course, assignment, entry)]  # else no name-dependent test can see it


def hidden_graders(course, assignment: str, entry) -> str:
    """-m/-k options: the hidden tests that can see the entry."""
    expression = catalog.graders_expression(assignment, graded_exercises(course, assignment, entry))
    skip = catalog.training_filter(assignment, entry)
    if assignment in NAME_FREE and NAME_FREE[assignment][0] not in skip:
        skip += f" and not {NAME_FREE[assignment][0]}"
    return f"-m hidden -k '{expression}{skip}'"


@pytest.mark.parametrize("assignment, entry", entries())
def test_catalog_entry_gets_the_same_points_under_five_names(assignment, entry, make_submission, grade, course,
                                                             monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", hidden_graders(course, assignment, entry))
    scores = {}
    for name in NAMES:
        report = grade(make_submission(assignment, entry.patches, name=name), assignment, visibility="all")
        assert report.tests, "no hidden test can see this entry"
        scores[name] = {exercise: score for exercise, (score, total) in exercise_scores(report).items() if total}
    differing = {exercise for exercise in scores[NAMES[0]] if len({s[exercise] for s in scores.values()}) > 1}
    assert not differing, {exercise: {name: s[exercise] for name, s in scores.items()} for exercise in differing}
