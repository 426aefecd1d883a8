"""SoftmaxWithLoss: forward gives the loss; backward gives dout * (softmax(x) - onehot(t)) / N."""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_gradient, explain

from . import oracles

pytestmark = pytest.mark.exercise("SoftmaxWithLoss")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course

# What to check when the code breaks on one label form: each points from that form to the other.
LABEL_HINTS = {
    "integers": "t may be integer labels of shape (N,); turn them into one-hot rows before subtracting.",
    "one-hot": "t may be one-hot rows of shape (N, C), the shape of x; check t's shape and use such rows "
               "as they are (np.argmax(t, axis=1) gives their integer labels).",
}


def case(rng, n, c):
    return rng.normal(0, 1.5, size=(n, c)), rng.integers(0, c, size=n)


def labels_in(labels_as, labels, c):
    return oracles.onehot(labels, c) if labels_as == "one-hot" else labels


def label_hint(t):
    return explain(LABEL_HINTS["one-hot" if t.ndim == 2 else "integers"])


def run_forward(student, x, t):
    """The loss forward(x, t) returns, and the layer (for a backward test)."""
    layer = student.layers.SoftmaxWithLoss()
    with label_hint(t):
        return layer.forward(x.copy(), t.copy()), layer


def run_backward(student, x, t, dout=None):
    """dx from backward() after forward(x, t): forward only prepares it, its loss is graded on its own."""
    _, layer = run_forward(student, x, t)
    with label_hint(t):
        return layer.backward() if dout is None else layer.backward(dout)


def check_loss(loss, x, labels, what, tol):
    """The loss with cross_entropy_error's + 1e-7, or without it (exact log-softmax): both are right.

    Whether the 1e-7 shows at rtol 1e-6 depends on the drawn probabilities;
    accepting both keeps the points the same for every student.
    """
    got = np.reshape(loss, ()) if np.size(loss) == 1 else loss
    kw = dict(rtol=tol["value_rtol"], atol=tol["value_atol"])
    # Every answer is asked for before the early return: a student release records only the
    # answers its solution run asks for, and a wrong loss needs the other two.
    exact = answers.softmax_with_loss_exact(x, labels)
    expected = answers.softmax_with_loss(x, labels)
    mistakes = answers.softmax_with_loss_forward_mistakes(x, labels)
    if np.shape(got) == () and np.isclose(float(got), exact, rtol=kw["rtol"], atol=kw["atol"]):
        return
    expect_close(got, expected, what, **kw, mistakes=mistakes)


@pytest.mark.parametrize("labels_as", ["one-hot", "integers"])
def test_forward_is_mean_cross_entropy_of_softmax(student, rng, tol, labels_as):
    """forward(x, t) is the mean cross-entropy of softmax(x)"""
    x, labels = case(rng, 5, 4)
    loss, _ = run_forward(student, x, labels_in(labels_as, labels, 4))
    check_loss(loss, x, labels, f"SoftmaxWithLoss forward ({labels_as} t)", tol)


@pytest.mark.parametrize("labels_as", ["one-hot", "integers"])
def test_backward_matches_finite_differences(student, rng, tol, labels_as):
    """backward() matches the numerical gradient of the loss (N=5, C=4)"""
    x, labels = case(rng, 5, 4)
    t = labels_in(labels_as, labels, 4)
    dx = run_backward(student, x, t)
    numerical = answers.softmax_with_loss_numerical_gradient(x, labels)
    expect_gradient(dx, numerical, f"SoftmaxWithLoss dx ({labels_as} t)", rtol=tol["grad_rtol"],
                    atol=tol["grad_atol"], mistakes=answers.softmax_with_loss_mistakes(x, labels))


def test_backward_scales_by_dout(student, rng, tol):
    """backward(dout=2.5) is 2.5 times the gradient"""
    x, labels = case(rng, 3, 5)
    dx = run_backward(student, x, oracles.onehot(labels, 5), dout=2.5)
    numerical = answers.softmax_with_loss_numerical_gradient(x, labels, 2.5)
    expect_gradient(dx, numerical, "SoftmaxWithLoss backward(dout=2.5)", rtol=tol["grad_rtol"],
                    atol=tol["grad_atol"], mistakes=answers.softmax_with_loss_mistakes(x, labels, 2.5))


# Fixed sizes with N != C and N >= 2 (a missing / N and integer-vs-one-hot confusion always show);
# only the values are drawn per student.
HIDDEN_N, HIDDEN_C = 7, 4


@pytest.mark.hidden
@pytest.mark.parametrize("labels_as", ["one-hot", "integers"])
def test_random_forward(student, rng, tol, labels_as):
    """Random scores and labels: the loss forward returns"""
    x, labels = case(rng, HIDDEN_N, HIDDEN_C)
    loss, _ = run_forward(student, x, labels_in(labels_as, labels, HIDDEN_C))
    check_loss(loss, x, labels, f"SoftmaxWithLoss forward for N={HIDDEN_N}, C={HIDDEN_C}, {labels_as} t", tol)


@pytest.mark.hidden
@pytest.mark.parametrize("labels_as", ["one-hot", "integers"])
def test_random_backward(student, rng, tol, labels_as):
    """Random scores and labels: gradient against finite differences"""
    x, labels = case(rng, HIDDEN_N, HIDDEN_C)
    dx = run_backward(student, x, labels_in(labels_as, labels, HIDDEN_C))
    numerical = answers.softmax_with_loss_numerical_gradient(x, labels)
    expect_gradient(dx, numerical, f"SoftmaxWithLoss dx for N={HIDDEN_N}, C={HIDDEN_C}, {labels_as} t",
                    rtol=tol["grad_rtol"], atol=tol["grad_atol"],
                    mistakes=answers.softmax_with_loss_mistakes(x, labels))
