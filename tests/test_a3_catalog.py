"""a3 graders are fair both ways: known mistakes lose points with a message naming them,
correct variants get full marks, public and hidden tests alike.

Each entry is graded by the graders that can see it: those of the exercises it
patches and of the exercises related to them by ``uses`` (catalog.graders_of);
training checks run only for entries that concern them.
"""

import pytest

from tests.catalog.a3_keras_models import ASSIGNMENT, MISTAKES, VARIANTS, graders_of, touched_exercises
from tests.conftest import downstream, exercise_scores, feedback_of


@pytest.fixture
def grade_entry(make_submission, grade, course, monkeypatch):
    """grade_entry(entry, visibility) -> Report of the entry's own graders on the patched solution."""

    def run(entry, visibility):
        exercises = touched_exercises(course, entry.patches)
        assert not isinstance(entry, type(MISTAKES[0])) or entry.exercise in exercises
        monkeypatch.setenv("PYTEST_ADDOPTS", f"-k '{graders_of(course, exercises, entry.trains)}'")
        return grade(make_submission(ASSIGNMENT, entry.patches), ASSIGNMENT, visibility=visibility)

    return run


def _marks(entry):
    return [pytest.mark.slow] if entry.trains else []


@pytest.mark.parametrize("mistake", [pytest.param(m, id=m.name, marks=_marks(m)) for m in MISTAKES])
def test_known_mistake_loses_points_with_a_message_naming_it(mistake, grade_entry, course):
    report = grade_entry(mistake, "all" if mistake.hidden else "public")
    scores = exercise_scores(report)
    score, max_score = scores[mistake.exercise]
    assert score < max_score, f"{mistake.name} was not caught by {mistake.exercise}"
    assert mistake.feedback in feedback_of(report, mistake.exercise)
    affected = downstream(course, ASSIGNMENT, mistake.exercise)
    graded = {e.name for e in report.exercises if e.total}
    unaffected = {name: s for name, s in scores.items() if name in graded - affected and s[0] < s[1]}
    assert not unaffected, f"{mistake.name} also cost points in {unaffected}"


@pytest.mark.parametrize("variant", [pytest.param(v, id=v.name, marks=_marks(v)) for v in VARIANTS])
def test_correct_variant_gets_full_marks_including_hidden_tests(variant, grade_entry):
    report = grade_entry(variant, "all")
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert report.tests and not lost, lost
