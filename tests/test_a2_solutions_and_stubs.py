"""The a2 graders give the solution full marks and the released stubs zero, in both isolation modes;
by_hand.py may not use Keras, and hand_numbers.py must hold numbers, not code."""

import pytest

from tests.conftest import ROOT, Patch, exercise_scores, feedback_of

A2 = "a2_keras_by_hand"
B, HN = "by_hand.py", "hand_numbers.py"
BY_HAND = {"dense_forward", "forward_by_hand", "predict_by_hand"}
HAND_NUMBERS = {"H", "Y", "PREDICTED_LABEL", "PREDICTION_CORRECT"}


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_solution_gets_full_marks_with_hidden_tests(grade, isolation):
    report = grade(ROOT / "solutions" / A2, A2, visibility="all", isolation=isolation)
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert (report.score, lost) == (report.max_score, {})
    assert any(t.hidden for t in report.tests), "hidden tests should run when grading"


def test_self_check_runs_public_tests_of_every_exercise(grade, course):
    report = grade(ROOT / "solutions" / A2, A2, visibility="public")
    assert report.tests and not any(t.hidden for t in report.tests)
    assert {t.exercise for t in report.tests} == set(course.assignment(A2).exercises)
    assert report.score == report.max_score


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_stubs_score_zero_and_say_not_implemented(grade, isolation):
    report = grade(ROOT / "exercises" / A2, A2, isolation=isolation)
    assert report.score == 0
    assert all(t.status == "not-implemented" for t in report.tests), \
        {t.title: t.feedback for t in report.tests if t.status != "not-implemented"}
    assert all("Not implemented yet" in t.feedback for t in report.tests)


def test_hidden_cases_depend_on_the_submission_seed(grade, make_submission):
    """Hidden tests are randomized per submission, and reproducible for the same one."""
    folder = make_submission(A2)
    runs = [grade(folder, A2, visibility="all", seed=s) for s in (1, 1, 2)]
    assert [(t.title, t.status) for t in runs[0].tests] == [(t.title, t.status) for t in runs[1].tests]
    assert all(r.score == r.max_score for r in runs)


def test_by_hand_importing_keras_is_refused(make_submission, grade):
    folder = make_submission(A2, (Patch(B, "import numpy as np\n", "import numpy as np\nimport keras\n"),))
    report = grade(folder, A2)
    scores = exercise_scores(report)
    assert all(scores[name][0] == 0 for name in BY_HAND)
    assert "uses keras: this file must use NumPy only" in feedback_of(report, "dense_forward")
    assert all(score == top for name, (score, top) in scores.items() if name not in BY_HAND)


def test_by_hand_reaching_keras_through_a_helper_module_is_refused(make_submission, grade):
    folder = make_submission(A2, (Patch(B, "import numpy as np\n", "import numpy as np\nfrom helpers import dense\n"),))
    (folder / "helpers.py").write_text("from tensorflow import keras\n\ndense = keras.layers.Dense\n")
    report = grade(folder, A2)
    assert "helpers.py line 1 uses tensorflow" in feedback_of(report, "predict_by_hand")
    assert all(exercise_scores(report)[name][0] == 0 for name in BY_HAND)


def test_hand_number_computed_in_the_file_is_refused_kindly(make_submission, grade):
    folder = make_submission(A2, (
        Patch(HN, "H = [-0.5994, 0.3689, 0.4373, 0.2796, -0.1346]",
              "import numpy as np\nH = list(np.tanh(np.array([0.3, 0.1]) @ np.ones((2, 5))))"),))
    report = grade(folder, A2)
    message = feedback_of(report, "H")
    assert exercise_scores(report)["H"] == (0, 2)
    assert "computes H (`list(np.tanh(" in message and "worked out by hand or with a calculator" in message
    assert all(exercise_scores(report)[name][0] > 0 for name in HAND_NUMBERS - {"H"})


def test_hand_number_left_undefined_is_named(make_submission, grade):
    folder = make_submission(A2, (Patch(HN, "PREDICTION_CORRECT = False\n", ""),))
    report = grade(folder, A2)
    assert "hand_numbers.py does not define PREDICTION_CORRECT" in feedback_of(report, "PREDICTION_CORRECT")
    assert exercise_scores(report)["Y"] == (2, 2)


def test_feedback_never_shows_grader_source(grade, make_submission):
    from tests.catalog.a2_keras_by_hand import MISTAKES

    for mistake in (MISTAKES[0], MISTAKES[-4]):
        report = grade(make_submission(A2, mistake.patches, name=mistake.name.replace(" ", "_")), A2, visibility="all")
        for test in report.tests:
            assert "def test_" not in test.feedback and "keras_ref." not in test.feedback
