"""keras_to_params: a Keras Dense stack's weights as a1's params dict (W1, b1, ...).

The model is built by the judge, then made again in the student's process from
its JSON and weights, so keras_to_params receives a real Keras model.
"""

import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import CheckFailed, expect, expect_close

from . import oracles

pytestmark = pytest.mark.exercise("keras_to_params")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course

HINT = "each layer's get_weights() gives [kernel (fan_in, fan_out), bias (fan_out,)] as NumPy arrays"


def expect_params(got, model, what):
    expected = answers.keras_params(oracles.layer_weights(model))
    expect(isinstance(got, dict), f"{what} should return a dict, got {type(got).__name__}.")
    if sorted(got) != sorted(expected):
        zero_based = {f"{k[0]}{int(k[1:]) + 1}" for k in got if k[1:].isdigit()} == set(expected)
        raise CheckFailed(f"{what} returned the keys {sorted(got)}; expected {sorted(expected)}"
                          + (" (numbering starts at 1: W1, b1, ...)." if zero_based else
                             ", one W/b pair per layer with weights, skipping the others."))
    for key, value in expected.items():
        expect_close(got[key], value, f"{what}[{key!r}]", rtol=0.0, atol=1e-7,
                     mistakes={"the kernel transposed; Keras' kernel is already (fan_in, fan_out)": value.T},
                     hint=HINT)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_sequential_dense_stack(student, rng, activation):
    """A Sequential 4-6-5-3 stack gives W1, b1, W2, b2, W3, b3 with Keras' kernels and biases"""
    model = oracles.dense_stack(rng, [4, 6, 5, 3], activation)
    params = student.bridge.keras_to_params(oracles.worker_copy(student, model))
    expect_params(params, model, f"keras_to_params(Sequential 4-6-5-3, {activation})")


def test_functional_model_with_activation_and_dropout_layers(student, rng):
    """A Functional model with an InputLayer, Activation and Dropout layers: those are skipped"""
    model = oracles.dense_stack(rng, [3, 7, 4], "relu", functional=True, activation_layers=True, dropout=True)
    params = student.bridge.keras_to_params(oracles.worker_copy(student, model))
    expect_params(params, model, "keras_to_params(Functional 3-7-4 with Activation and Dropout layers)")


# The same stacks for every student (each API, activations as layers and as arguments, with and
# without Dropout); only the weights are drawn per student.
HIDDEN_STACKS = {
    "sequential": dict(sizes=[5, 8, 3, 4], activation="relu", functional=False, activation_layers=True,
                       dropout=True),
    "functional": dict(sizes=[3, 6, 7, 2, 5], activation="tanh", functional=True, activation_layers=False,
                       dropout=False),
}


@pytest.mark.hidden
@pytest.mark.parametrize("api", list(HIDDEN_STACKS))
def test_random_stacks(student, rng, api):
    """Deeper stacks with random weights, either API, activations as layers or arguments"""
    stack = HIDDEN_STACKS[api]
    model = oracles.dense_stack(rng, stack["sizes"], stack["activation"], functional=stack["functional"],
                                activation_layers=stack["activation_layers"], dropout=stack["dropout"])
    params = student.bridge.keras_to_params(oracles.worker_copy(student, model))
    expect_params(params, model, f"keras_to_params({'Functional' if stack['functional'] else 'Sequential'} "
                                 f"{'-'.join(map(str, stack['sizes']))})")
