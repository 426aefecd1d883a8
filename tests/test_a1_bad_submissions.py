"""Broken submissions get a clear message on each affected test, zero there, full grading elsewhere."""

import ast

import pytest

from tests.conftest import Patch, exercise_scores, feedback_of

L, N = "layers.py", "network.py"
LAYERS_ONLY = {"softmax", "cross_entropy_error", "Relu", "Tanh", "Affine", "SoftmaxWithLoss"}


def test_missing_file_costs_only_its_exercises(make_submission, grade):
    folder = make_submission("a1_backprop")
    (folder / N).unlink()
    report = grade(folder, "a1_backprop")
    scores = exercise_scores(report)
    assert all(scores[name][0] == scores[name][1] for name in LAYERS_ONLY)
    assert scores["MultiLayerNet"][0] == 0 and scores["train"][0] == 0
    assert "network.py is missing from your submission" in feedback_of(report, "MultiLayerNet")


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_syntax_error_is_reported_with_its_line(make_submission, grade, isolation):
    folder = make_submission("a1_backprop", (Patch(N, "def predict(self, x):", "def predict(self, x)"),))
    report = grade(folder, "a1_backprop", isolation=isolation)
    scores = exercise_scores(report)
    assert all(scores[name][0] == scores[name][1] for name in LAYERS_ONLY)
    message = feedback_of(report, "MultiLayerNet")
    assert "network.py has a syntax error (line" in message and "Fix it" in message


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_module_that_raises_on_import(make_submission, grade, isolation):
    folder = make_submission("a1_backprop", (Patch(N, "from layers import", "1 / 0\nfrom layers import"),))
    report = grade(folder, "a1_backprop", isolation=isolation)
    assert "Importing network.py failed: ZeroDivisionError" in feedback_of(report, "train")
    assert exercise_scores(report)["Affine"] == (4, 4)


@pytest.mark.parametrize("isolation", ["local", "worker"])
def test_missing_function_is_named(make_submission, grade, isolation):
    folder = make_submission("a1_backprop", (Patch(L, "def cross_entropy_error(y, t):", "def cross_entropy(y, t):"),
                                             Patch(L, "cross_entropy_error(self.y, t)", "cross_entropy(self.y, t)")))
    report = grade(folder, "a1_backprop", isolation=isolation)
    assert "has no attribute 'cross_entropy_error'" in feedback_of(report, "cross_entropy_error")
    assert exercise_scores(report)["SoftmaxWithLoss"] == (3, 3)


def test_framework_import_is_refused(make_submission, grade):
    folder = make_submission("a1_backprop", (Patch(L, "import numpy as np", "import numpy as np\nimport tensorflow as tf"),))
    report = grade(folder, "a1_backprop")
    assert report.score == 0
    assert "layers.py line 13 uses tensorflow: this file must use NumPy only" in feedback_of(report, "Relu")


def test_framework_import_through_a_helper_module_is_refused(make_submission, grade):
    folder = make_submission("a1_backprop", (Patch(L, "import numpy as np", "import numpy as np\nimport helpers"),))
    (folder / "helpers.py").write_text("from torch import nn\n")
    report = grade(folder, "a1_backprop")
    assert "helpers.py line 1 uses torch" in feedback_of(report, "softmax")


@pytest.mark.parametrize("returned, phrase", [
    ("None", "got None. Did you forget a `return`?"),
    ("[0.5, 0.5]", "expected a NumPy array, got a list"),
    ("np.full(x.shape, np.nan)", "contains nan"),
    ("np.ones((2, 2))", "expected shape (4, 6), got (2, 2)"),
])
def test_wrong_return_type_shape_or_nan(make_submission, grade, returned, phrase):
    folder = make_submission("a1_backprop", (Patch(L, "    return exp / np.sum(exp, axis=-1, keepdims=True)",
                                                   f"    return {returned}"),))
    report = grade(folder, "a1_backprop")
    assert phrase in feedback_of(report, "softmax")
    assert exercise_scores(report)["Relu"] == (2, 2)


def test_student_exception_shows_their_line_not_the_graders(make_submission, grade):
    folder = make_submission("a1_backprop", (Patch(L, "        return np.tanh(x)" if False else "        self.out = np.tanh(x)",
                                                   "        self.out = np.tanh(x) + undefined_name"),))
    report = grade(folder, "a1_backprop")
    message = feedback_of(report, "Tanh")
    assert "NameError" in message and "layers.py, line" in message and "graders/" not in message


class _EveryReturn(ast.NodeTransformer):
    def __init__(self, value: str) -> None:
        self.value = value

    def visit_Return(self, node: ast.Return) -> ast.Return:
        return ast.Return(value=ast.parse(self.value, mode="eval").body)


@pytest.mark.parametrize("returned", ['"oops"', "None", "{'a': 1}"])
def test_wrong_types_everywhere_lose_points_and_are_never_a_grader_error(make_submission, grade, returned):
    """Student values are checked where they cross into the grader, so what fails after that is the grader's."""
    folder = make_submission("a1_backprop")
    for name in ("layers.py", "network.py"):
        tree = _EveryReturn(returned).visit(ast.parse((folder / name).read_text()))
        (folder / name).write_text(ast.unparse(ast.fix_missing_locations(tree)))
    report = grade(folder, "a1_backprop", visibility="all")
    assert report.graded, [t.feedback for t in report.tests if t.status == "not-graded"]
    assert report.score < report.max_score / 5
