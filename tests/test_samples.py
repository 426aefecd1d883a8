"""The sample class under tests/samples (the README's quick start grades it) scores as described."""

from tests.conftest import ROOT, exercise_scores, feedback_of

SAMPLES = ROOT / "tests" / "samples" / "a1_backprop"


def test_ada_wrote_correct_alternatives_and_gets_full_marks(grade):
    report = grade(SAMPLES / "ada", "a1_backprop", visibility="all", isolation="worker")
    assert report.score == report.max_score


def test_ben_made_three_classic_mistakes_and_each_is_named(grade):
    report = grade(SAMPLES / "ben", "a1_backprop", isolation="worker")
    assert "also passes where x == 0" in feedback_of(report, "Relu")
    assert "wrong axis" in feedback_of(report, "Affine")
    assert "divide by the batch size" in feedback_of(report, "SoftmaxWithLoss")
    assert exercise_scores(report)["Tanh"] == (2, 2)


def test_cy_finished_two_exercises(grade):
    scores = exercise_scores(grade(SAMPLES / "cy", "a1_backprop", isolation="worker"))
    assert {name for name, (got, full) in scores.items() if got == full} == {"softmax", "Relu"}


def test_dee_exits_inside_tanh_and_loses_only_what_uses_it(grade):
    report = grade(SAMPLES / "dee", "a1_backprop", isolation="worker")
    assert "sys.exit('done here') was called" in feedback_of(report, "Tanh")
    assert exercise_scores(report)["Affine"] == (4, 4)


def test_eve_has_a_syntax_error_in_network_py(grade):
    report = grade(SAMPLES / "eve", "a1_backprop", isolation="worker")
    assert "network.py has a syntax error" in feedback_of(report, "MultiLayerNet")
    assert exercise_scores(report)["SoftmaxWithLoss"] == (3, 3)
