"""What only a2 needs beyond tests/test_assignments.py: hidden cases seeded per submission,
by_hand.py may not use Keras, hand_numbers.py must hold numbers, not code, and a boundary off by 1e-4
is caught."""

import re

from tests.catalog.a2_keras_by_hand import MISTAKES
from tests.conftest import Patch, exercise_scores, feedback_of

A2 = "a2_keras_by_hand"
B, HN = "by_hand.py", "hand_numbers.py"
BY_HAND = {"dense_forward", "forward_by_hand", "predict_by_hand"}
HAND_NUMBERS = {"H", "Y", "PREDICTED_LABEL", "PREDICTION_CORRECT"}


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
    for mistake in (MISTAKES[0], MISTAKES[-4]):
        report = grade(make_submission(A2, mistake.patches, name=mistake.name.replace(" ", "_")), A2, visibility="all")
        for test in report.tests:
            assert "def test_" not in test.feedback and "keras_ref." not in test.feedback


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
