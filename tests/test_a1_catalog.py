"""a1 graders are fair both ways: known mistakes lose points with a named message,
correct alternative implementations get full marks (public and hidden tests)."""

import pytest

from tests.catalog.a1_backprop import MISTAKES, VARIANTS
from tests.catalog.a1_independent import INDEPENDENT, fill_stubs
from tests.conftest import ROOT, downstream, exercise_scores, feedback_of


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_known_mistake_loses_points_with_a_message_naming_it(mistake, make_submission, grade, course):
    report = grade(make_submission("a1_backprop", mistake.patches))
    scores = exercise_scores(report)
    score, max_score = scores[mistake.exercise]
    assert score < max_score, f"{mistake.name} was not caught by {mistake.exercise}"
    assert mistake.feedback in feedback_of(report, mistake.exercise)
    affected = downstream(course, "a1_backprop", mistake.exercise)
    unaffected = {name: s for name, s in scores.items() if name not in affected and s[0] < s[1]}
    assert not unaffected, f"{mistake.name} also cost points in {unaffected}"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_correct_variant_gets_full_marks_including_hidden_tests(variant, make_submission, grade):
    report = grade(make_submission("a1_backprop", variant.patches), visibility="all")
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert report.score == report.max_score, lost


@pytest.mark.parametrize("name", ["affine db over axis 1", "cross-entropy summed, not averaged",
                                  "softmax-with-loss gradient not divided by N"])
def test_a_mistake_costs_every_student_the_same(name, make_submission, grade):
    """Hidden cases differ per student; none may be too small to show a known mistake."""
    mistake = next(m for m in MISTAKES if m.name == name)
    folder = make_submission("a1_backprop", mistake.patches)
    scores = {grade(folder, visibility="all", seed=seed).score for seed in range(6)}
    assert len(scores) == 1, scores


@pytest.mark.parametrize("name", sorted(INDEPENDENT))
def test_independent_solution_gets_full_marks_including_hidden_tests(name, tmp_path, grade):
    """The honest class of the similarity tests: whole solutions written in other styles."""
    folder = fill_stubs(ROOT / "exercises" / "a1_backprop", INDEPENDENT[name], tmp_path / name)
    report = grade(folder, visibility="all")
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert report.score == report.max_score, lost


def failed_tests(report):
    return [t for t in report.tests if not t.passed]


def test_relu_mask_at_zero_costs_only_the_test_at_zero(make_submission, grade):
    """`>=` is a valid subgradient choice at 0: it loses the one small test of the spec's convention, named."""
    mistake = next(m for m in MISTAKES if m.name == "relu mask >= 0")
    report = grade(make_submission("a1_backprop", mistake.patches), visibility="all")
    failed = failed_tests(report)
    assert [t.nodeid.rsplit("::", 1)[-1] for t in failed] == ["test_backward_is_zero_at_exactly_zero"]
    assert mistake.feedback in failed[0].feedback
    relu = [t for t in report.tests if t.exercise == "Relu"]
    assert 0 < failed[0].max_score < min(t.max_score for t in relu if t.passed)


@pytest.mark.parametrize("name", ["softmax-with-loss backward for one-hot labels only",
                                  "softmax-with-loss gradient not divided by N"])
def test_a_backward_mistake_costs_no_forward_points(name, make_submission, grade):
    """One behaviour per test: forward tests do not call backward, so they keep their points."""
    mistake = next(m for m in MISTAKES if m.name == name)
    report = grade(make_submission("a1_backprop", mistake.patches), visibility="all")
    mine = [t for t in report.tests if t.exercise == "SoftmaxWithLoss"]
    forward = [t for t in mine if "forward" in t.nodeid]
    assert forward and all(t.passed for t in forward), [t.feedback for t in forward if not t.passed]
    assert any(not t.passed for t in mine if t not in forward)
