"""What only a1 needs beyond tests/test_assignments.py: hidden cases seeded per submission, feedback
that never shows grader source, known mistakes that cost every student the same and cost only the tests
that see them, and whole independent solutions in other styles."""

import json

import pytest

from tests.catalog.a1_backprop import MISTAKES
from tests.catalog.a1_independent import INDEPENDENT, fill_stubs
from tests.conftest import ROOT


def test_hidden_cases_depend_on_the_submission_seed(grade, make_submission):
    """Hidden tests are randomized per submission, and reproducible for the same one."""
    folder = make_submission("a1_backprop")
    runs = [grade(folder, "a1_backprop", visibility="all", seed=s) for s in (1, 1, 2)]
    as_json = [json.dumps([(t.title, t.status) for t in r.tests]) for r in runs]
    assert as_json[0] == as_json[1]
    assert all(r.score == r.max_score for r in runs)


def test_feedback_never_shows_grader_source(grade, make_submission):
    report = grade(make_submission("a1_backprop", MISTAKES[0].patches), "a1_backprop", visibility="all")
    for test in report.tests:
        assert "def test_" not in test.feedback and "oracles." not in test.feedback


@pytest.mark.parametrize("name", sorted(INDEPENDENT))
def test_independent_solution_gets_full_marks_including_hidden_tests(name, tmp_path, grade):
    """The honest class of the similarity tests: whole solutions written in other styles."""
    folder = fill_stubs(ROOT / "exercises" / "a1_backprop", INDEPENDENT[name], tmp_path / name)
    report = grade(folder, "a1_backprop", visibility="all")
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert report.score == report.max_score, lost


def failed_tests(report):
    return [t for t in report.tests if not t.passed]


def test_relu_mask_at_zero_costs_only_the_test_at_zero(make_submission, grade):
    """`>=` is a valid subgradient choice at 0: it loses the one small test of the spec's convention, named."""
    mistake = next(m for m in MISTAKES if m.name == "relu mask >= 0")
    report = grade(make_submission("a1_backprop", mistake.patches), "a1_backprop", visibility="all")
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
    report = grade(make_submission("a1_backprop", mistake.patches), "a1_backprop", visibility="all")
    mine = [t for t in report.tests if t.exercise == "SoftmaxWithLoss"]
    forward = [t for t in mine if "forward" in t.nodeid]
    assert forward and all(t.passed for t in forward), [t.feedback for t in forward if not t.passed]
    assert any(not t.passed for t in mine if t not in forward)
