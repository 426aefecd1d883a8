"""Weights chosen by hand, so a Keras model is right without any training.

A Dense layer computes activation(x @ W + b), and `layer.set_weights([W, b])`
(or `model.set_weights([W1, b1, W2, b2, ...])`) wants the arrays in Keras'
layout:
    W: shape (inputs, units)     e.g. (2, 1) for Dense(1) on 2 inputs
    b: shape (units,)            e.g. (1,)
A row vector np.array([[1.0, 1.0]]) has shape (1, 2): that is the wrong way round.

The classifiers here use tanh outputs and ±1 labels, and are judged by the SIGN
of the output: sign +1 means "label +1". (Keras' "accuracy" metric thresholds
at 0.5 and reports about 0.30 for a perfect ±1 classifier: do not trust it here.)
Points exactly on a decision boundary, where the output is 0, are not graded.
"""

import keras
import numpy as np


def sum_threshold_weights():
    """[W, b] for Input(2) -> Dense(1, tanh), seed 001's rule.

    sign(output) must be +1 exactly when x1 + x2 > 0.5, and -1 otherwise, for
    every x in [0, 1)^2 -- also for points very close to the line x1 + x2 = 0.5.
    Returns a list of two NumPy arrays: W of shape (2, 1), b of shape (1,).
    """
    ### BEGIN SOLUTION
    return [np.array([[1.0], [1.0]]), np.array([-0.5])]
    ### END SOLUTION


def sum_threshold_weights_n(n, threshold):
    """[W, b] for Input(n) -> Dense(1, tanh): +1 exactly when x1 + ... + xn > threshold.

    Seed 000's task is n = 5, threshold = 2.5; the graders try other n and
    thresholds too, for x in [0, 1)^n.
    Returns a list of two NumPy arrays: W of shape (n, 1), b of shape (1,).
    """
    ### BEGIN SOLUTION
    return [np.ones((n, 1)), np.array([-float(threshold)])]
    ### END SOLUTION


def xor_weights():
    """[W1, b1, W2, b2] for Input(2) -> Dense(2, tanh) -> Dense(1, tanh) computing XOR.

    On the four points of {0, 1}^2 the output must be >= 0.9 where exactly one
    input is 1, and <= -0.9 where both are 0 or both are 1.
    Returns a list of four NumPy arrays: W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,).
    Hint: let one hidden unit say "at least one input is 1" and the other
    "both are 1"; large weights push tanh close to ±1.
    """
    ### BEGIN SOLUTION
    W1 = np.array([[10.0, 10.0], [10.0, 10.0]])
    b1 = np.array([-5.0, -15.0])    # unit 1: x1 + x2 > 0.5; unit 2: x1 + x2 > 1.5
    W2 = np.array([[3.0], [-3.0]])
    b2 = np.array([-3.0])           # +1 only when unit 1 is on and unit 2 is off
    return [W1, b1, W2, b2]
    ### END SOLUTION


def build_perfect_classifier():
    """A model that is always right on x1 + x2 > 0.5, with no training at all.

    Build it with the Functional API, as in seed 001:
        inputs = keras.Input(shape=(2,))  ->  one Dense(1, tanh) layer  ->
        keras.Model(inputs=..., outputs=...)
    compile it with the "adam" optimizer, the "hinge" loss and metrics=["accuracy"],
    then give its Dense layer your sum_threshold_weights() with set_weights.
    Returns the compiled model. Do not call fit.
    """
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(2,))
    output = keras.layers.Dense(1, activation="tanh")
    model = keras.Model(inputs=inputs, outputs=output(inputs))
    model.compile("adam", "hinge", metrics=["accuracy"])
    output.set_weights(sum_threshold_weights())
    return model
    ### END SOLUTION
