"""predict_by_hand(weights, x, activations): any stack of Dense layers, against Keras."""

import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close

from . import keras_ref
from .hints import explain_known
from .seed_model import random_weights

pytestmark = pytest.mark.exercise("predict_by_hand")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course

ACT = ("tanh", "relu", "linear")
HINT = ("weights is [W1, b1, W2, b2, ...]; layer i computes activations[i](out @ Wi + bi), "
        "where out is the previous layer's output (x for the first layer).")


def check(student, tol, weights, x, activations, what):
    with explain_known(HINT):
        got = student.by_hand.predict_by_hand([w.copy() for w in weights], x.copy(), list(activations))
    expected = keras_ref.reference_stack(weights, x, activations)
    expect_close(got, expected, what, rtol=tol["keras_rtol"], atol=tol["keras_atol"],
                 mistakes=answers.predict_by_hand_mistakes(weights, x, list(activations)))


def test_the_seed_architecture(student, rng, tol):
    """Input(2) -> Dense(5, tanh) -> Dense(1, tanh), random weights, batch of 5"""
    weights = random_weights(rng, (2, 5, 1))
    x = keras_ref.float32_exact(rng.random((5, 2)))
    check(student, tol, weights, x, ("tanh", "tanh"), "predict_by_hand for sizes 2-5-1, tanh-tanh")


def test_mixed_activations_three_layers(student, rng, tol):
    """Three layers with relu, tanh and linear, as in a regression head"""
    weights = random_weights(rng, (3, 6, 4, 2))
    x = keras_ref.float32_exact(rng.normal(size=(8, 3)))
    check(student, tol, weights, x, ("relu", "tanh", "linear"), "predict_by_hand for sizes 3-6-4-2, relu-tanh-linear")


def test_equal_widths_show_which_input_each_layer_gets(student, rng, tol):
    """With every layer 4 wide, feeding x to each layer gives numbers, not an error"""
    weights = random_weights(rng, (4, 4, 4, 4))
    x = keras_ref.float32_exact(rng.normal(size=(4, 4)))
    check(student, tol, weights, x, ("tanh", "relu", "tanh"), "predict_by_hand for sizes 4-4-4-4, tanh-relu-tanh")


def test_a_single_layer(student, rng, tol):
    """One Dense layer (a list of two arrays and one activation)"""
    weights = random_weights(rng, (3, 2))
    x = keras_ref.float32_exact(rng.normal(size=(5, 3)))
    check(student, tol, weights, x, ("relu",), "predict_by_hand for one layer 3-2, relu")


# The same architectures and batch sizes for every student (every activation, one to four layers);
# only the weights and inputs are drawn per student.
HIDDEN_CASES = {
    "one layer": ((5, 3), ("tanh",), 1, 1.0),
    "four layers": ((3, 7, 5, 4, 2), ("tanh", "relu", "tanh", "linear"), 11, 0.8),
    "wide relu": ((2, 8, 8, 1), ("relu", "relu", "tanh"), 17, 1.5),
}


@pytest.mark.hidden
@pytest.mark.parametrize("case", list(HIDDEN_CASES))
def test_random_deep_stacks(student, rng, tol, case):
    """Random weights and inputs for stacks of one to four layers, against Keras"""
    sizes, activations, batch, scale = HIDDEN_CASES[case]
    weights = random_weights(rng, sizes, scale=scale)
    x = keras_ref.float32_exact(rng.normal(size=(batch, sizes[0])))
    check(student, tol, weights, x, activations,
          f"predict_by_hand for sizes {'-'.join(map(str, sizes))}, {'-'.join(activations)}")
