"""a1 feedback points the right way: hints that match what the code got wrong, each said once."""

import pytest

from tests.catalog.a1_backprop import MISTAKES
from tests.conftest import Patch, feedback_of

L, N = "layers.py", "network.py"


def mistake(name):
    return next(m for m in MISTAKES if m.name == name).patches


def test_code_for_integer_labels_only_is_not_told_to_make_one_hot_rows(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("softmax-with-loss for integer labels only")), "a1_backprop")
    text = feedback_of(report, "SoftmaxWithLoss")
    assert "may be one-hot rows" in text
    assert "turn them into one-hot rows" not in text


def test_code_for_one_hot_labels_only_is_told_about_integer_labels(make_submission, grade):
    patch = Patch(L, "        if self.t.shape == self.y.shape:\n            onehot = self.t\n        else:\n"
                     "            onehot = np.zeros_like(self.y)\n            onehot[np.arange(batch_size), self.t] = 1",
                  "        onehot = self.t")
    report = grade(make_submission("a1_backprop", (patch,)), "a1_backprop")
    text = feedback_of(report, "SoftmaxWithLoss")
    assert "may be integer labels of shape (N,)" in text


def test_a_hint_is_printed_once_per_failed_check(make_submission, grade):
    crash = Patch(L, "self.loss = cross_entropy_error(self.y, t)", "self.loss = cross_entropy_error(self.y, t[:, 0])")
    report = grade(make_submission("a1_backprop", (crash,)), "a1_backprop")
    failed = [t for t in report.tests if t.exercise == "SoftmaxWithLoss" and not t.passed]
    assert failed
    assert all(t.feedback.count("Hint:") == 1 for t in failed), [t.feedback for t in failed]


def test_rebound_params_are_not_asked_about_adding_the_gradient(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("params rebound instead of updated in place")), "a1_backprop")
    text = feedback_of(report, "train")
    assert "update in place" in text
    assert "subtracting (not adding)" not in text


def test_dout_written_in_place_is_told_to_copy_dout(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("relu backward writes into dout")), "a1_backprop")
    text = feedback_of(report, "Relu")
    assert "dout.copy()" in text and "x.copy()" not in text


def test_affine_for_2d_input_only_gets_the_flatten_hint_not_a_bare_error(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("affine without N-d input")), "a1_backprop")
    nd = [t for t in report.tests if t.exercise == "Affine" and not t.passed]
    assert nd and all("flatten it to (N, -1)" in t.feedback for t in nd), [t.feedback for t in nd]


def test_the_uses_note_names_a_failing_exercise_the_check_ran(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("tanh backward uses the input")), "a1_backprop")
    tanh_net = [t for t in report.tests if t.exercise == "MultiLayerNet" and not t.passed]
    assert tanh_net and all("uses your Tanh, which fails its own checks" in t.feedback for t in tanh_net)


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_the_uses_note_leaves_out_what_the_check_never_called(make_submission, grade, isolation):
    patches = mistake("tanh backward uses the input") + mistake("tanh requested, relu used")
    report = grade(make_submission("a1_backprop", patches), "a1_backprop", isolation=isolation)
    net = [t for t in report.tests if t.exercise == "MultiLayerNet" and not t.passed]
    assert net and not any("Tanh" in t.feedback for t in net), [t.feedback for t in net]


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_a_layer_instance_shared_by_two_layers_is_named(make_submission, grade, isolation):
    report = grade(make_submission("a1_backprop", mistake("one Relu instance shared by every hidden layer")),
                   "a1_backprop", isolation=isolation)
    text = feedback_of(report, "MultiLayerNet")
    assert "net.layers uses one Relu object twice, as 'Activation1' and 'Activation2'" in text
