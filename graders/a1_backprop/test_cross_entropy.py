"""cross_entropy_error(y, t): mean over the batch, one-hot or integer labels."""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, explain

from . import oracles

pytestmark = pytest.mark.exercise("cross_entropy_error")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course


def probabilities(rng, n, c):
    return answers.softmax(rng.normal(0, 1.5, size=(n, c)))


def check_loss(got, y, labels, what, tol):
    if np.size(got) == 1 and isinstance(got, (np.ndarray, np.generic)):
        got = np.reshape(got, ())  # a (1,)-shaped loss is fine too
    expect_close(got, answers.cross_entropy(y, labels), what, rtol=tol["value_rtol"],
                 atol=tol["value_atol"], mistakes=answers.wrong_losses(y, labels))


def test_one_hot_labels(student, rng, tol):
    """One-hot labels: mean loss over a batch of 4"""
    y, labels = probabilities(rng, 4, 3), np.array([0, 2, 1, 2])
    with explain("t may be one-hot rows of shape (N, C), the shape of y; check t's shape (or ndim) and "
                 "use such rows as they are (np.argmax(t, axis=1) gives their integer labels)."):
        got = student.layers.cross_entropy_error(y.copy(), oracles.onehot(labels, 3))
    check_loss(got, y, labels, "cross_entropy_error(y, t) with one-hot t of shape (4, 3)", tol)


def test_integer_labels(student, rng, tol):
    """Integer labels of shape (N,) give the same loss as one-hot ones"""
    y, labels = probabilities(rng, 5, 3), np.array([2, 0, 1, 1, 0])
    with explain("t may be integer class labels of shape (N,) instead of one-hot (N, C); "
                 "check t's shape (or ndim) and pick y[range(N), t]."):
        got = student.layers.cross_entropy_error(y.copy(), labels.copy())
    check_loss(got, y, labels, "cross_entropy_error(y, t) with integer t of shape (5,)", tol)


def test_integer_labels_square_batch(student, rng, tol):
    """Integer labels when N equals C (where one-hot code silently broadcasts)"""
    y, labels = probabilities(rng, 3, 3), np.array([1, 2, 0])
    got = student.layers.cross_entropy_error(y.copy(), labels.copy())
    check_loss(got, y, labels, "cross_entropy_error(y, t) with integer t, N = C = 3", tol)


def test_zero_probability_stays_finite(student, tol):
    """A probability of exactly 0 for the correct class gives a large finite loss"""
    y = np.array([[0.0, 1.0], [0.5, 0.5]])
    labels = np.array([0, 1])
    got = student.layers.cross_entropy_error(y.copy(), oracles.onehot(labels, 2))
    check_loss(got, y, labels, "cross_entropy_error with y[0, correct] = 0", tol)


def test_one_dimensional_y_is_a_batch_of_one(student, rng, tol):
    """A 1-D y (one example) with a one-hot t of the same shape"""
    y = probabilities(rng, 1, 4)
    got = student.layers.cross_entropy_error(y[0].copy(), oracles.onehot(np.array([3]), 4)[0])
    check_loss(got, y, np.array([3]), "cross_entropy_error(y, t) for 1-D y of shape (4,)", tol)


@pytest.mark.hidden
@pytest.mark.parametrize("labels_as", ["one-hot", "integers"])
def test_random_batches(student, rng, tol, labels_as):
    """Random probabilities for N=7, C=4, one of them 0 for its correct class"""
    n, c = 7, 4  # fixed for every student: N != C and N >= 2, so a missing / N and label confusion show
    y, labels = probabilities(rng, n, c), rng.integers(0, c, size=n)
    y[0] = 1.0 / (c - 1)
    y[0, labels[0]] = 0.0  # the edge case: a zero probability (the + 1e-7 keeps the loss finite)
    t = oracles.onehot(labels, c) if labels_as == "one-hot" else labels
    got = student.layers.cross_entropy_error(y.copy(), t.copy())
    check_loss(got, y, labels, f"cross_entropy_error for N={n}, C={c}, {labels_as} labels", tol)
