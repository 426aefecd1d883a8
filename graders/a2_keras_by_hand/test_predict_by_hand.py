"""predict_by_hand(weights, x, activations): any stack of Dense layers, against Keras."""

import numpy as np
import pytest

from graders.engine.grading.compare import expect_close

from . import keras_ref
from .hints import explain_known
from .seed_model import random_weights

pytestmark = pytest.mark.exercise("predict_by_hand")

ACT = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}
HINT = ("weights is [W1, b1, W2, b2, ...]; layer i computes activations[i](out @ Wi + bi), "
        "where out is the previous layer's output (x for the first layer).")


def numpy_stack(weights, x, activations):
    out = np.asarray(x, dtype=np.float64)
    for W, b, name in zip(weights[0::2], weights[1::2], activations):
        out = ACT[name](out @ W + b)
    return out


def mistakes(weights, x, activations):
    """Wrong outputs students compute, by NumPy, for naming only."""
    found = {}
    W_last, b_last = weights[-2], weights[-1]
    if x.shape[1] == W_last.shape[0]:
        found["every layer was fed x instead of the previous layer's output"] = \
            ACT[activations[-1]](x @ W_last + b_last)
    depth = len(activations)
    found["used the first activation for every layer"] = numpy_stack(weights, x, [activations[0]] * depth)
    found["applied tanh in every layer, whatever activations says"] = numpy_stack(weights, x, ["tanh"] * depth)
    found["no activation after the last layer"] = numpy_stack(weights, x, [*activations[:-1], "linear"])
    no_biases = [w if i % 2 == 0 else 0 * w for i, w in enumerate(weights)]
    found["forgot the biases"] = numpy_stack(no_biases, x, activations)
    if len(activations) > 1:
        found["only the first layer was applied"] = numpy_stack(weights[:2], x, activations[:1])
    return found


def check(student, tol, weights, x, activations, what):
    with explain_known(HINT):
        got = student.by_hand.predict_by_hand([w.copy() for w in weights], x.copy(), list(activations))
    expected = keras_ref.reference_stack(weights, x, activations)
    expect_close(got, expected, what, rtol=tol["keras_rtol"], atol=tol["keras_atol"],
                 mistakes=mistakes(weights, x, activations))


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
