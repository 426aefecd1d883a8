"""The a1 graders give the solution full marks and the released stubs zero, in both isolation modes."""

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_solution_gets_full_marks_with_hidden_tests(grade, isolation):
    report = grade(ROOT / "solutions" / "a1_backprop", visibility="all", isolation=isolation)
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert (report.score, lost) == (report.max_score, {})
    assert any(t.hidden for t in report.tests), "hidden tests should run when grading"


def test_self_check_runs_public_tests_only(grade):
    report = grade(ROOT / "solutions" / "a1_backprop", visibility="public")
    assert report.tests and not any(t.hidden for t in report.tests)
    assert report.score == report.max_score


def test_every_exercise_of_course_toml_has_public_tests(grade, course):
    report = grade(ROOT / "exercises" / "a1_backprop", visibility="public")
    assert {t.exercise for t in report.tests} == set(course.assignment("a1_backprop").exercises)


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_stubs_score_zero_and_say_not_implemented(grade, isolation):
    report = grade(ROOT / "exercises" / "a1_backprop", isolation=isolation)
    assert report.score == 0
    assert all(t.status == "not-implemented" for t in report.tests), \
        {t.title: t.feedback for t in report.tests if t.status != "not-implemented"}
    assert all("Not implemented yet" in t.feedback for t in report.tests)


def test_hidden_cases_depend_on_the_submission_seed(grade, make_submission):
    """Hidden tests are randomized per submission, and reproducible for the same one."""
    import json

    folder = make_submission("a1_backprop")
    runs = [grade(folder, visibility="all", seed=s) for s in (1, 1, 2)]
    as_json = [json.dumps([(t.title, t.status) for t in r.tests]) for r in runs]
    assert as_json[0] == as_json[1]
    assert all(r.score == r.max_score for r in runs)


def test_feedback_never_shows_grader_source(grade, make_submission):
    from tests.catalog.a1_backprop import MISTAKES

    report = grade(make_submission("a1_backprop", MISTAKES[0].patches), visibility="all")
    for test in report.tests:
        assert "def test_" not in test.feedback and "oracles." not in test.feedback
