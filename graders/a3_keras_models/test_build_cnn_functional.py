"""build_cnn_functional: the same CNN with the Functional API, fed 28x28x1 images."""

import pytest

from graders.engine.grading.compare import expect_close

from . import oracles
from .structure import CNN, CNN_COMPILE, expect_architecture, expect_compiled, expect_model, expect_parameter_count

pytestmark = pytest.mark.exercise("build_cnn_functional")


def build(student):
    model = student.models.build_cnn_functional()
    expect_model(model, "build_cnn_functional()", "Functional")
    return model


def test_returns_a_functional_model(student):
    """build_cnn_functional() returns a model made with keras.Model(inputs=..., outputs=...)"""
    build(student)


@pytest.mark.weight(2)
def test_layers_units_activations_and_output_shapes(student):
    """The same layers as build_cnn, from a (28, 28, 1) input, and the same parameter count"""
    model = build(student)
    expect_architecture(model, CNN, "build_cnn_functional()")
    expect_parameter_count(model, CNN, "build_cnn_functional()")


def test_compiled_with_adam_categorical_crossentropy_and_accuracy(student):
    """Compiled with Adam, categorical cross-entropy and the accuracy metric"""
    expect_compiled(build(student), CNN_COMPILE, "build_cnn_functional()")


@pytest.mark.weight(2)
def test_same_predictions_as_build_cnn_with_its_weights(student, rng, tol):
    """With build_cnn's weights copied in, it predicts exactly the same on random images"""
    functional = oracles.rebuild(build(student), "build_cnn_functional()")
    sequential = oracles.rebuild(student.models.build_cnn(), "build_cnn()")
    oracles.copy_weights(sequential, functional, "build_cnn()", "build_cnn_functional()")
    images = rng.random((8, 28, 28, 1))
    expect_close(oracles.predict(functional, images), oracles.predict(sequential, images),
                 "class probabilities of build_cnn_functional() with build_cnn()'s weights",
                 rtol=0.0, atol=tol["equal_atol"])
