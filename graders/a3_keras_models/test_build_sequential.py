"""build_sequential: seed 000's 5-20-1 tanh network with the Sequential API, compiled."""

import pytest

from .structure import (DENSE_COMPILE, dense_net, expect_architecture, expect_compiled, expect_model,
                        expect_parameter_count)

pytestmark = pytest.mark.exercise("build_sequential")


def build(student, *args):
    model = student.models.build_sequential(*args)
    expect_model(model, f"build_sequential{args or '()'}", "Sequential")
    return model


def test_returns_a_sequential_model(student):
    """build_sequential() returns a keras.Sequential model"""
    build(student)


@pytest.mark.weight(2)
def test_layers_units_activations_and_output_shapes(student):
    """Input(5) -> Dense(20, tanh) -> Dense(1, tanh), layer by layer"""
    expect_architecture(build(student), dense_net(), "build_sequential()")


def test_parameter_count(student):
    """The default network has Keras' parameter count for 5-20-1 (141)"""
    expect_parameter_count(build(student), dense_net(), "build_sequential()")


def test_compiled_with_adam_hinge_and_accuracy(student):
    """Compiled with adam, hinge loss and the accuracy metric"""
    expect_compiled(build(student), DENSE_COMPILE, "build_sequential()")


@pytest.mark.parametrize("input_dim, hidden", [(3, 7), (8, 4)])
def test_input_dim_and_hidden_are_used(student, input_dim, hidden):
    """build_sequential(input_dim, hidden) sizes the input and the hidden layer"""
    what = f"build_sequential({input_dim}, {hidden})"
    expect_architecture(build(student, input_dim, hidden), dense_net(input_dim, hidden), what)


@pytest.mark.hidden
def test_other_sizes(student):
    """build_sequential(11, 33): structure and parameter count"""
    input_dim, hidden = 11, 33  # the same for every student: neither the defaults nor the public sizes
    what = f"build_sequential({input_dim}, {hidden})"
    model = build(student, input_dim, hidden)
    expect_architecture(model, dense_net(input_dim, hidden), what)
    expect_parameter_count(model, dense_net(input_dim, hidden), what)
