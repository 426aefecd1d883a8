"""numpy_gradients: backprop in NumPy gives the gradients tf.GradientTape computes for Keras."""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect, expect_close, expect_unchanged

from . import oracles

pytestmark = pytest.mark.exercise("numpy_gradients")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course


def check(student, model, x, labels, classes, activation, onehot, tol, case):
    """Compare every gradient with the tape's, from the last layer back to the first."""
    params = answers.keras_params(oracles.layer_weights(model))
    t = np.eye(classes)[labels] if onehot else labels
    call = f"numpy_gradients(params, x, t, {activation!r})"
    before = x.copy()
    grads = student.bridge.numpy_gradients(params, x, t, activation)
    expect_unchanged(before, x, "x")
    expect(isinstance(grads, dict) and sorted(grads) == sorted(params),
           f"{call} should return a dict with the keys {sorted(params)}, got "
           f"{sorted(grads) if isinstance(grads, dict) else type(grads).__name__}.")
    expected = oracles.tape_gradients(model, x, labels, classes)
    layers = len(params) // 2
    for i in range(layers, 0, -1):
        # Errors flow backwards: when the later layers are right, the step back into this one is not.
        hint = (f"the gradients of the layers after layer {i} are right, so look at the step back into "
                f"layer {i}: dout @ W{i + 1}.T, then the derivative of {activation}.") if i < layers else ""
        for key in (f"W{i}", f"b{i}"):
            expect_close(grads[key], expected[key], f"{call}[{key!r}] ({case})",
                         rtol=tol["grad_rtol"], atol=tol["grad_atol"], hint=hint,
                         mistakes={
                             "the gradient is not averaged over the batch (the loss is the mean; divide by N)":
                                 len(x) * expected[key],
                             "dW transposed; it has the shape of W, (fan_in, fan_out)": expected[key].T,
                         })


@pytest.mark.parametrize("labels_as", ["integers", "one-hot"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_matches_gradient_tape(student, rng, tol, activation, labels_as):
    """Gradients of the mean softmax cross-entropy equal tf.GradientTape's (1e-5)"""
    sizes = [4, 6, 5, 3]
    model = oracles.dense_stack(rng, sizes, activation)
    x, labels = rng.normal(size=(8, 4)), rng.integers(0, 3, size=8)
    check(student, model, x, labels, 3, activation, labels_as == "one-hot", tol, f"4-6-5-3 net, t as {labels_as}")


def test_one_hidden_layer(student, rng, tol):
    """A 1-hidden-layer net (the smallest case: W1, b1, W2, b2)"""
    model = oracles.dense_stack(rng, [3, 5, 4], "tanh")
    x, labels = rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    check(student, model, x, labels, 4, "tanh", False, tol, "3-5-4 net, t as integers")


# The same architectures and batch sizes for every student, each with both label forms;
# only the weights, inputs and labels are drawn per student.
HIDDEN_NETS = {"relu": ([5, 8, 6, 3], 9), "tanh": ([4, 6, 7, 5, 2], 11)}


@pytest.mark.hidden
@pytest.mark.parametrize("labels_as", ["integers", "one-hot"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_random_networks(student, rng, tol, activation, labels_as):
    """Random weights, inputs and labels for a deeper net, integer and one-hot labels"""
    sizes, n = HIDDEN_NETS[activation]
    model = oracles.dense_stack(rng, sizes, activation)
    x, labels = rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n)
    check(student, model, x, labels, sizes[-1], activation, labels_as == "one-hot", tol,
          f"sizes {sizes}, batch {n}, t as {labels_as}")
