"""build_cnn: seed 003's MNIST CNN with the Sequential API, compiled."""

import numpy as np
import pytest

from graders.engine.grading.compare import expect

from . import oracles
from .structure import CNN, CNN_COMPILE, expect_architecture, expect_compiled, expect_model, expect_parameter_count

pytestmark = pytest.mark.exercise("build_cnn")


def build(student):
    model = student.models.build_cnn()
    expect_model(model, "build_cnn()", "Sequential")
    return model


def test_returns_a_sequential_model(student):
    """build_cnn() returns a keras.Sequential model"""
    build(student)


@pytest.mark.weight(3)
def test_layers_units_activations_and_output_shapes(student):
    """Conv2D(16) relu, MaxPooling, Conv2D(32) relu, MaxPooling, Flatten, Dense(64) relu, Dropout, Dense(10) softmax"""
    expect_architecture(build(student), CNN, "build_cnn()")


def test_parameter_count(student):
    """The CNN has Keras' parameter count for seed 003's network (56,714)"""
    expect_parameter_count(build(student), CNN, "build_cnn()")


def test_compiled_with_adam_categorical_crossentropy_and_accuracy(student):
    """Compiled with Adam, categorical cross-entropy and the accuracy metric"""
    expect_compiled(build(student), CNN_COMPILE, "build_cnn()")


@pytest.mark.hidden
def test_learns_digits_as_compiled(student, settings):
    """As compiled, it learns scikit-learn's digits (upsampled to 28x28) in two epochs"""
    x_train, y_train, x_test, y_test = oracles.digits_28x28()
    student.module("keras").utils.set_random_seed(int(settings["cnn_seed"]))
    model = build(student)
    epochs = int(settings["cnn_epochs"])
    model.fit(x_train, np.eye(10, dtype=np.float32)[y_train], epochs=epochs, batch_size=32, verbose=0)
    trained = oracles.rebuild(model, "build_cnn() after training")
    accuracy = float(np.mean(np.argmax(oracles.predict(trained, x_test), axis=1) == y_test))
    expect(accuracy >= settings["cnn_min_accuracy"],
           f"After model.fit on {len(x_train)} digits for {epochs} epochs (batch 32), build_cnn()'s model "
           f"classifies {accuracy:.1%} of {len(x_test)} other digits right; at least "
           f"{settings['cnn_min_accuracy']:.0%} is expected. Check the optimizer's settings and the loss.")
