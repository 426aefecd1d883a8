"""Relu: forward max(x, 0); backward passes the gradient only where x > 0."""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_unchanged

pytestmark = pytest.mark.exercise("Relu")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course
MASK_MISTAKE = ("the gradient also passes where x == 0 (relu'(0) is 0 here): "
                "the positions where it is zeroed must include x == 0")


def with_exact_zeros(rng, shape):
    """Random values with some exact zeros: the only place `>` and `>=` differ."""
    x = rng.normal(size=shape)
    x.flat[:: 3] = 0.0
    return x


def test_forward_is_max_of_x_and_zero(student, rng, tol):
    """forward(x) is max(x, 0) and leaves x unchanged"""
    x = with_exact_zeros(rng, (4, 5))
    before = x.copy()
    got = student.layers.Relu().forward(x)
    expect_close(got, answers.relu_forward(before), "Relu().forward(x)", rtol=0, atol=0)
    expect_unchanged(before, x, "The input x of forward")


def test_backward_passes_gradient_only_where_x_positive(student, rng, tol):
    """backward(dout) is dout where x > 0 and 0 where x <= 0"""
    x = with_exact_zeros(rng, (4, 5))
    dout = rng.normal(size=(4, 5))
    relu = student.layers.Relu()
    relu.forward(x)
    got = relu.backward(dout.copy())
    expect_close(got, answers.relu_backward(x, dout), "Relu backward dx", rtol=0, atol=0,
                 mistakes=answers.relu_backward_mistakes(x, dout, MASK_MISTAKE))


def test_backward_leaves_dout_unchanged(student, rng):
    """backward must not modify the dout it is given"""
    x = with_exact_zeros(rng, (3, 4))
    dout = rng.normal(size=(3, 4))
    before = dout.copy()
    relu = student.layers.Relu()
    relu.forward(x)
    relu.backward(dout)
    expect_unchanged(before, dout, "dout (modified in place: `dout[mask] = 0` changes the caller's array)",
                     name="dout")


@pytest.mark.hidden
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_random_nd_inputs(student, rng, dtype):
    """Random N-d inputs in float64 and float32"""
    shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
    x = with_exact_zeros(rng, shape).astype(dtype)
    dout = rng.normal(size=shape).astype(dtype)
    relu = student.layers.Relu()
    expect_close(relu.forward(x.copy()), answers.relu_forward(x), f"Relu forward, shape {shape}", rtol=0, atol=0)
    expect_close(relu.backward(dout.copy()), answers.relu_backward(x, dout), f"Relu backward, shape {shape}",
                 rtol=0, atol=0, mistakes=answers.relu_backward_mistakes(x, dout, MASK_MISTAKE))
