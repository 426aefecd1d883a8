"""softmax(x): row-wise probabilities, stable for very large and very small logits."""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_unchanged

pytestmark = pytest.mark.exercise("softmax")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course


def test_rows_are_probabilities_of_the_logits(student, rng, tol):
    """A batch of logits gives row-wise probabilities"""
    x = rng.normal(0, 2, size=(4, 6))
    before = x.copy()
    got = student.layers.softmax(x)
    expect_close(got, answers.softmax(before), "softmax(x) for x of shape (4, 6)",
                 rtol=tol["value_rtol"], atol=tol["value_atol"], mistakes=answers.wrong_softmaxes(before))
    expect_unchanged(before, x, "The input x")


def test_one_dimensional_input_is_one_row(student, rng, tol):
    """A 1-D vector of logits gives one vector of probabilities"""
    x = rng.normal(0, 2, size=5)
    got = student.layers.softmax(x.copy())
    expect_close(got, answers.softmax(x), "softmax(x) for x of shape (5,)",
                 rtol=tol["value_rtol"], atol=tol["value_atol"], mistakes=answers.wrong_softmaxes(x),
                 hint="for a 1-D x, sum over its only axis (axis=-1 works for both cases).")


def test_stable_for_huge_logits(student, tol):
    """Logits of ±1000 give finite probabilities"""
    x = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1003.0]])
    with np.errstate(all="ignore"):
        got = student.layers.softmax(x.copy())
    expect_close(got, answers.softmax(x), "softmax of logits around ±1000",
                 rtol=tol["value_rtol"], atol=tol["value_atol"], mistakes=answers.wrong_softmaxes(x),
                 hint="softmax(x) equals softmax(x - c) for any constant c in each row; "
                      "choose c so np.exp never sees a large positive number.")


# The same shapes and scales for every student; only the values are drawn per student.
HIDDEN_CASES = {"batch of one": ((1, 7), 1.0), "large": ((5, 9), 30.0), "huge": ((6, 4), 500.0)}


def hidden_logits(rng, case):
    """The same kinds of logits for every student, with values drawn per student.

    "huge": every row's largest logit is +1000 or -1000 (alternating), so a
    softmax without a shift always overflows and one shifted by the whole
    array's maximum always underflows, whatever values were drawn.
    """
    shape, scale = HIDDEN_CASES[case]
    x = rng.normal(0, scale, size=shape)
    if case == "huge":
        tops = np.where(np.arange(shape[0]) % 2 == 0, 1000.0, -1000.0)
        x += (tops - x.max(axis=1))[:, None]
    return x


@pytest.mark.hidden
@pytest.mark.parametrize("case", list(HIDDEN_CASES))
def test_random_shapes_and_scales(student, rng, tol, case):
    """Random logits: a batch of one, scale 30, and rows whose top logit is ±1000"""
    x = hidden_logits(rng, case)
    before = x.copy()
    with np.errstate(all="ignore"):
        got = student.layers.softmax(x)
    expect_close(got, answers.softmax(before), f"softmax(x) for x of shape {x.shape} ({case})",
                 rtol=tol["value_rtol"], atol=tol["value_atol"], mistakes=answers.wrong_softmaxes(before))
    expect_unchanged(before, x, "The input x")
