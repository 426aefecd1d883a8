"""xor_weights(): [W1, b1, W2, b2] for Input(2) -> Dense(2, tanh) -> Dense(1, tanh) computing XOR.

The weights go into that Keras model in the judge; on {0, 1}^2 its output
must be >= 0.9 where XOR is true and <= -0.9 where it is false.
"""

import numpy as np
import pytest

from graders.engine.grading.compare import CheckFailed

from . import keras_ref

pytestmark = pytest.mark.exercise("xor_weights")

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR = np.array([-1, 1, 1, -1])
NAMES = ("W1", "b1", "W2", "b2")


def test_outputs_on_the_four_corners(student, settings):
    """Output >= 0.9 for (0, 1) and (1, 0); <= -0.9 for (0, 0) and (1, 1)"""
    got = student.set_weights.xor_weights()
    arrays = keras_ref.as_weight_list(got, "xor_weights()", NAMES)
    model = keras_ref.dense_model((2, 2, 1), ("tanh", "tanh"))
    keras_ref.load_student_weights(model, arrays, "xor_weights()", NAMES,
                                   "Input(2) -> Dense(2, tanh) -> Dense(1, tanh)")
    y = keras_ref.predict(model, CORNERS)[:, 0]
    margin = float(settings["xor_min_output"])
    wrong = [i for i in range(4) if XOR[i] * y[i] < margin]
    if not wrong:
        return
    table = ", ".join(f"{tuple(int(v) for v in CORNERS[i])} -> {y[i]:+.4f}" for i in range(4))
    detail = (f"xor_weights(): the model's outputs are {table}; XOR needs >= {margin:g} for (0, 1) and (1, 0) "
              f"and <= -{margin:g} for (0, 0) and (1, 1).")
    signs_right = np.all(np.sign(y) == XOR)
    if np.all(np.sign(y) == -XOR):
        detail += ("\nThis looks like a known mistake: every output has the wrong sign -- this network computes "
                   "XNOR. Negate W2 and b2.")
    elif signs_right:
        detail += ("\nThe signs are right but not confident enough: tanh only gets close to ±1 for large inputs. "
                   "Multiply the weights (and biases) by a larger factor.")
    raise CheckFailed(detail)
