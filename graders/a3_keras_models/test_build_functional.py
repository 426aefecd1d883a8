"""build_functional: the same network with the Functional API, and the same function."""

import pytest

from graders.engine.grading.compare import expect_close

from . import oracles
from .structure import (DENSE_COMPILE, dense_net, expect_architecture, expect_compiled, expect_model,
                        expect_parameter_count)

pytestmark = pytest.mark.exercise("build_functional")


def build(student, *args):
    model = student.models.build_functional(*args)
    expect_model(model, f"build_functional{args or '()'}", "Functional")
    return model


def test_returns_a_functional_model(student):
    """build_functional() returns a model made with keras.Model(inputs=..., outputs=...)"""
    build(student)


@pytest.mark.weight(2)
def test_layers_units_activations_and_output_shapes(student):
    """Input(5) -> Dense(20, tanh) -> Dense(1, tanh), layer by layer, and 141 parameters"""
    model = build(student)
    expect_architecture(model, dense_net(), "build_functional()")
    expect_parameter_count(model, dense_net(), "build_functional()")


def test_compiled_with_adam_hinge_and_accuracy(student):
    """Compiled with adam, hinge loss and the accuracy metric"""
    expect_compiled(build(student), DENSE_COMPILE, "build_functional()")


@pytest.mark.weight(2)
@pytest.mark.parametrize("input_dim, hidden", [(5, 20), (3, 7)])
def test_same_predictions_as_the_sequential_model_with_its_weights(student, rng, tol, input_dim, hidden):
    """With the Sequential model's weights copied in, it predicts exactly the same"""
    args = (input_dim, hidden)
    functional = oracles.rebuild(build(student, *args), f"build_functional{args}")
    sequential = oracles.rebuild(student.models.build_sequential(*args), f"build_sequential{args}")
    oracles.copy_weights(sequential, functional, f"build_sequential{args}", f"build_functional{args}")
    x = rng.random((16, input_dim))
    expect_close(oracles.predict(functional, x), oracles.predict(sequential, x),
                 f"predictions of build_functional{args} with build_sequential{args}'s weights",
                 rtol=0.0, atol=tol["equal_atol"])


@pytest.mark.hidden
def test_other_sizes(student, rng, tol):
    """build_functional(6, 25): structure, and the Sequential model's predictions on random points"""
    input_dim, hidden = 6, 25  # the same for every student: neither the defaults nor the public sizes
    args = (input_dim, hidden)
    model = build(student, *args)
    expect_architecture(model, dense_net(*args), f"build_functional{args}")
    functional = oracles.rebuild(model, f"build_functional{args}")
    sequential = oracles.rebuild(student.models.build_sequential(*args), f"build_sequential{args}")
    oracles.copy_weights(sequential, functional, f"build_sequential{args}", f"build_functional{args}")
    x = rng.random((32, input_dim))
    expect_close(oracles.predict(functional, x), oracles.predict(sequential, x),
                 f"predictions of build_functional{args} with build_sequential{args}'s weights",
                 rtol=0.0, atol=tol["equal_atol"])
