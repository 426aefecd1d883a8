"""dense_forward(x, W, b, activation): one Keras Dense layer, by hand.

The reference is a Keras Dense layer with the same weights (set_weights),
run by Keras' predict in the judge.
"""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_unchanged

from . import keras_ref
from .hints import explain_known, matmul_mismatch

pytestmark = pytest.mark.exercise("dense_forward")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course

ACTIVATIONS = ("tanh", "relu", "linear")
HINT = ("x has shape (N, inputs) or (inputs,), and W has Keras' shape (inputs, units): "
        "x @ W + b has one row per sample and one column per unit.")


def make_case(rng, x_shape, units):
    x = keras_ref.float32_exact(rng.normal(size=x_shape))
    W = rng.normal(size=(x_shape[-1], units)).astype(np.float32)
    b = (0.5 * rng.normal(size=units) + 0.3).astype(np.float32)
    return x, W, b


def check(student, tol, x, W, b, activation, what, pass_activation=True):
    args = (x, W, b, activation) if pass_activation else (x, W, b)
    with explain_known(HINT):
        got = student.by_hand.dense_forward(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
    expected = keras_ref.reference_dense(x, W, b, activation)
    expect_close(got, expected, what, rtol=tol["keras_rtol"], atol=tol["keras_atol"],
                 mistakes=answers.dense_forward_mistakes(x, W, b, activation))


def test_default_activation_is_tanh(student, rng, tol):
    """dense_forward(x, W, b) is tanh(x @ W + b), like Dense(units, activation='tanh')"""
    x, W, b = make_case(rng, (4, 3), 2)
    check(student, tol, x, W, b, "tanh", "dense_forward(x, W, b) for x (4, 3), W (3, 2)", pass_activation=False)


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_each_activation_matches_keras(student, rng, tol, activation):
    """Each activation matches a Keras Dense layer with the same weights"""
    x, W, b = make_case(rng, (6, 3), 4)
    check(student, tol, x, W, b, activation, f"dense_forward(x, W, b, {activation!r}) for x (6, 3), W (3, 4)")


def test_square_shapes_tell_x_at_w_from_w_at_x(student, rng, tol):
    """With N = inputs = units, W @ x gives wrong numbers instead of an error"""
    x, W, b = make_case(rng, (3, 3), 3)
    check(student, tol, x, W, b, "tanh", "dense_forward for x (3, 3), W (3, 3)")


def test_one_sample_as_a_1d_array(student, rng, tol):
    """A 1-D x of shape (inputs,) gives a 1-D result of shape (units,)"""
    x, W, b = make_case(rng, (3,), 4)
    with explain_known(HINT, {matmul_mismatch(3, 4): "computed W @ x instead of x @ W"}):
        got = student.by_hand.dense_forward(x.copy(), W.copy(), b.copy(), "tanh")
    expected = keras_ref.reference_dense(x, W, b, "tanh")
    known = {**answers.dense_forward_mistakes(x, W, b, "tanh"),
             "returned a batch of one, shape (1, 4), for a 1-D x": expected[None]}
    expect_close(got, expected, "dense_forward for a 1-D x of shape (3,), W (3, 4)", rtol=tol["keras_rtol"],
                 atol=tol["keras_atol"], mistakes=known,
                 hint="for x of shape (inputs,), x @ W already has shape (units,).")


def test_leaves_its_inputs_unchanged(student, rng):
    """x, W and b are not modified"""
    x, W, b = make_case(rng, (5, 2), 3)
    before = [a.copy() for a in (x, W, b)]
    student.by_hand.dense_forward(x, W, b, "relu")
    for name, old, new in zip("xWb", before, (x, W, b)):
        expect_unchanged(old, new, f"The argument {name}", name=name)


# The same shapes and activations for every student (each activation, a 1-D x, non-square W);
# only the values are drawn per student.
HIDDEN_CASES = {"1-D x, tanh": ((5,), 3, "tanh"), "batch, relu": ((9, 4), 6, "relu"),
                "batch, linear": ((7, 6), 2, "linear")}


@pytest.mark.hidden
@pytest.mark.parametrize("case", list(HIDDEN_CASES))
def test_random_layers_match_keras(student, rng, tol, case):
    """Random weights and inputs for each activation, 1-D and 2-D inputs, against Keras"""
    x_shape, units, activation = HIDDEN_CASES[case]
    x, W, b = make_case(rng, x_shape, units)
    check(student, tol, x, W, b, activation,
          f"dense_forward(x, W, b, {activation!r}) for x {x_shape}, W {W.shape}")
