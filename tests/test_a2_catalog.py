"""a2 graders are fair both ways: known mistakes lose points with a message naming them,
correct alternative implementations get full marks (public and hidden tests)."""

import re

import pytest

from tests.catalog.a2_keras_by_hand import MISTAKES, VARIANTS
from tests.conftest import downstream, exercise_scores, feedback_of

A2 = "a2_keras_by_hand"


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_known_mistake_loses_points_with_a_message_naming_it(mistake, make_submission, grade, course):
    report = grade(make_submission(A2, mistake.patches), A2)
    scores = exercise_scores(report)
    score, max_score = scores[mistake.exercise]
    assert score < max_score, f"{mistake.name} was not caught by {mistake.exercise}"
    assert mistake.feedback in feedback_of(report, mistake.exercise)
    affected = downstream(course, A2, mistake.exercise)
    unaffected = {name: s for name, s in scores.items() if name not in affected and s[0] < s[1]}
    assert not unaffected, f"{mistake.name} also cost points in {unaffected}"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_correct_variant_gets_full_marks_including_hidden_tests(variant, make_submission, grade):
    report = grade(make_submission(A2, variant.patches), A2, visibility="all")
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert report.score == report.max_score, lost


def test_boundary_points_catch_a_boundary_off_by_1e_4(make_submission, grade):
    """Off by 1e-4, a boundary costs at most a few of 10,000 uniform points, but hundreds of the points next to it."""
    nudged = next(m for m in MISTAKES if m.name.startswith("boundary nudged"))
    report = grade(make_submission(A2, nudged.patches), A2)
    mine = [t for t in report.tests if t.exercise == "sum_threshold_weights_n"]
    uniform = [t for t in mine if "random points" in t.title]
    near = [t for t in mine if "boundary" in t.title]
    assert len(uniform) == len(near) == 2
    assert all(t.passed or accuracy_in(t.feedback) >= 99.9 for t in uniform)
    assert all(not t.passed and accuracy_in(t.feedback) < 90 for t in near)


def accuracy_in(feedback: str) -> float:
    """The accuracy (in %) a failed sign check reports."""
    return float(re.search(r"accuracy ([\d.]+)% by sign", feedback).group(1))
