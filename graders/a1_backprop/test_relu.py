"""Relu: forward max(x, 0); backward passes the gradient only where x > 0.

At exactly x = 0 the spec's convention (relu'(0) = 0) is checked by one test
of its own, with a small weight: `>=` there is a valid subgradient choice, so it
costs that one small amount. Every other test uses inputs away from 0, where
all masks agree.
"""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_unchanged

pytestmark = pytest.mark.exercise("Relu")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course
MASK_MISTAKE = ("the gradient also passes where x == 0 (relu'(0) is 0 here): "
                "the positions where it is zeroed must include x == 0")
# The shape kinds and dtypes every student's hidden tests cover; only the values are drawn per student.
HIDDEN_SHAPES = {"1-D": (7,), "2-D": (4, 5), "N-d": (2, 3, 4)}


def away_from_zero(rng, shape):
    """Random values with |x| >= 0.1: no test but the one at exactly 0 depends on the mask's convention."""
    x = rng.normal(size=shape)
    return np.where(x < 0, x - 0.1, x + 0.1)


def check_backward(relu, x, dout, what):
    expect_close(relu.backward(dout.copy()), answers.relu_backward(x, dout), what, rtol=0, atol=0,
                 mistakes=answers.relu_backward_mistakes(x, dout, MASK_MISTAKE))


def test_forward_is_max_of_x_and_zero(student, rng, tol):
    """forward(x) is max(x, 0) and leaves x unchanged"""
    x = away_from_zero(rng, (4, 5))
    before = x.copy()
    got = student.layers.Relu().forward(x)
    expect_close(got, answers.relu_forward(before), "Relu().forward(x)", rtol=0, atol=0)
    expect_unchanged(before, x, "The input x of forward")


def test_backward_passes_gradient_only_where_x_positive(student, rng, tol):
    """backward(dout) is dout where x > 0 and 0 where x < 0"""
    x = away_from_zero(rng, (4, 5))
    dout = rng.normal(size=(4, 5))
    relu = student.layers.Relu()
    relu.forward(x.copy())
    check_backward(relu, x, dout, "Relu backward dx")


@pytest.mark.weight(0.25)
def test_backward_is_zero_at_exactly_zero(student, rng):
    """At x == 0 exactly, backward gives 0 (the spec's convention relu'(0) = 0)"""
    x = away_from_zero(rng, (3, 4))
    x.flat[::3] = 0.0
    dout = rng.normal(size=(3, 4))
    relu = student.layers.Relu()
    relu.forward(x.copy())
    check_backward(relu, x, dout, "Relu backward dx where some x are exactly 0")


def test_backward_leaves_dout_unchanged(student, rng):
    """backward must not modify the dout it is given"""
    x = away_from_zero(rng, (3, 4))
    dout = rng.normal(size=(3, 4))
    before = dout.copy()
    relu = student.layers.Relu()
    relu.forward(x)
    relu.backward(dout)
    expect_unchanged(before, dout, "dout (modified in place: `dout[mask] = 0` changes the caller's array)",
                     name="dout")


def hidden_case(rng, shape_kind, dtype):
    shape = HIDDEN_SHAPES[shape_kind]
    return shape, away_from_zero(rng, shape).astype(dtype), rng.normal(size=shape).astype(dtype)


@pytest.mark.hidden
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape_kind", list(HIDDEN_SHAPES))
def test_random_forward(student, rng, shape_kind, dtype):
    """Random 1-D, 2-D and N-d inputs in float64 and float32: forward"""
    shape, x, _ = hidden_case(rng, shape_kind, dtype)
    got = student.layers.Relu().forward(x.copy())
    expect_close(got, answers.relu_forward(x), f"Relu forward, shape {shape}, {dtype}", rtol=0, atol=0)


@pytest.mark.hidden
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape_kind", list(HIDDEN_SHAPES))
def test_random_backward(student, rng, shape_kind, dtype):
    """Random 1-D, 2-D and N-d inputs in float64 and float32: backward"""
    shape, x, dout = hidden_case(rng, shape_kind, dtype)
    relu = student.layers.Relu()
    relu.forward(x.copy())
    check_backward(relu, x, dout, f"Relu backward, shape {shape}, {dtype}")
