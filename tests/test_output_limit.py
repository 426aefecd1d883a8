"""Printing past the output limit is named as such, and never blamed on a call the code did not make."""

from tests.conftest import Patch, exercise_scores, feedback_of

PRINT_IN_TRAINING_LOOP = Patch("network.py", "        grads = network.gradient(x[batch], t[batch])\n",
                               "        grads = network.gradient(x[batch], t[batch])\n        print(grads)\n")


def test_printing_past_the_limit_names_the_output_not_sys_exit(make_submission, grade):
    report = grade(make_submission("a1_backprop", (PRINT_IN_TRAINING_LOOP,)), "a1_backprop", isolation="worker")
    text = feedback_of(report, "train")
    assert "printed more than 256 KB" in text and "remove print calls in loops" in text
    assert "sys.exit" not in text


def test_printing_past_the_limit_costs_nothing_elsewhere(make_submission, grade):
    report = grade(make_submission("a1_backprop", (PRINT_IN_TRAINING_LOOP,)), "a1_backprop", isolation="worker")
    lost = {name for name, (score, most) in exercise_scores(report).items() if score < most}
    assert lost <= {"train"}


def test_printing_a_little_keeps_full_marks(make_submission, grade):
    every_100_steps = Patch("network.py", "        losses.append(float(network.loss(x[batch], t[batch])))\n",
                            "        losses.append(float(network.loss(x[batch], t[batch])))\n"
                            "        if len(losses) % 100 == 0:\n            print(len(losses), losses[-1])\n")
    report = grade(make_submission("a1_backprop", (every_100_steps,)), "a1_backprop", isolation="worker")
    assert report.score == report.max_score
