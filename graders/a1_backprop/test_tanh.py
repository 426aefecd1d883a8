"""Tanh: forward tanh(x); backward dout * (1 - y**2)."""

import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_gradient, expect_unchanged

pytestmark = pytest.mark.exercise("Tanh")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course


def test_forward_is_tanh(student, rng, tol):
    """forward(x) is tanh(x) and leaves x unchanged"""
    x = rng.normal(0, 2, size=(3, 4))
    before = x.copy()
    got = student.layers.Tanh().forward(x)
    expect_close(got, answers.tanh_forward(before), "Tanh().forward(x)", rtol=tol["value_rtol"], atol=tol["value_atol"])
    expect_unchanged(before, x, "The input x of forward")


def test_backward_matches_finite_differences(student, rng, tol):
    """backward(dout) matches the numerical gradient of sum(tanh(x) * dout)"""
    x = rng.normal(0, 1.5, size=(3, 4))
    dout = rng.normal(size=(3, 4))
    layer = student.layers.Tanh()
    layer.forward(x.copy())
    got = layer.backward(dout.copy())
    numerical = answers.tanh_numerical_gradient(x, dout)
    expect_gradient(got, numerical, "Tanh backward dx", rtol=tol["grad_rtol"], atol=tol["grad_atol"],
                    mistakes=answers.tanh_backward_mistakes(x, dout))


def test_backward_leaves_dout_unchanged(student, rng):
    """backward must not modify the dout it is given"""
    dout = rng.normal(size=(2, 3))
    before = dout.copy()
    layer = student.layers.Tanh()
    layer.forward(rng.normal(size=(2, 3)))
    layer.backward(dout)
    expect_unchanged(before, dout, "dout", name="dout")


def test_forward_keeps_a_1d_shape(student, rng, tol):
    """A 1-D x of shape (5,) gives tanh(x) of shape (5,)"""
    x = rng.normal(0, 2, size=5)
    got = student.layers.Tanh().forward(x.copy())
    expected = answers.tanh_forward(x)
    expect_close(got, expected, "Tanh().forward(x) for x of shape (5,)", rtol=tol["value_rtol"],
                 atol=tol["value_atol"],
                 mistakes={"returned a batch of one, shape (1, 5), for a 1-D x": expected[None]},
                 hint="np.tanh works element-wise on any shape; no reshaping is needed.")


# The shape kinds every student's hidden tests cover; only the values are drawn per student.
HIDDEN_SHAPES = {"1-D": (6,), "2-D": (3, 5), "N-d": (2, 3, 4)}


@pytest.mark.hidden
@pytest.mark.parametrize("shape_kind", list(HIDDEN_SHAPES))
def test_random_forward(student, rng, tol, shape_kind):
    """Random 1-D, 2-D and N-d inputs: forward"""
    shape = HIDDEN_SHAPES[shape_kind]
    x = rng.normal(0, 2, size=shape)
    got = student.layers.Tanh().forward(x.copy())
    expect_close(got, answers.tanh_forward(x), f"Tanh forward, shape {shape}", rtol=tol["value_rtol"],
                 atol=tol["value_atol"])


@pytest.mark.hidden
@pytest.mark.parametrize("shape_kind", list(HIDDEN_SHAPES))
def test_random_backward(student, rng, tol, shape_kind):
    """Random 1-D, 2-D and N-d inputs: gradient against finite differences"""
    shape = HIDDEN_SHAPES[shape_kind]
    x, dout = rng.normal(0, 2, size=shape), rng.normal(size=shape)
    layer = student.layers.Tanh()
    layer.forward(x.copy())
    numerical = answers.tanh_numerical_gradient(x, dout)
    expect_gradient(layer.backward(dout.copy()), numerical, f"Tanh backward, shape {shape}",
                    rtol=tol["grad_rtol"], atol=tol["grad_atol"], mistakes=answers.tanh_backward_mistakes(x, dout))
