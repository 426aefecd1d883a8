"""hand_numbers.py: the seed's network worked out by hand for x = [0.3, 0.1].

Each name must be a literal (checked in the source, see hand.py) and is
compared with Keras' own predict on the seed's weights, to 5e-4 (4 decimals).
"""

import numpy as np
import pytest

from graders.engine.compare import CheckFailed, expect, expect_close

from . import keras_ref
from .hand import require_literal
from .seed_model import ACTIVATIONS, SEED_WEIGHTS, SEED_X, true_label


def keras_h_y():
    h, y = keras_ref.reference_stack(SEED_WEIGHTS, SEED_X, ACTIVATIONS, every_layer=True)
    return h, float(y[0])


def numpy_forward(weights, decimals=None):
    """The seed's network in NumPy on SEED_X, optionally with weights rounded first (naming only)."""
    W1, b1, W2, b2 = (np.round(w.astype(np.float64), decimals) if decimals is not None else w.astype(np.float64)
                      for w in weights)
    z1 = SEED_X @ W1 + b1
    return {"z1": z1, "h": np.tanh(z1), "z2": float((np.tanh(z1) @ W2 + b2)[0]),
            "y": float(np.tanh(np.tanh(z1) @ W2 + b2)[0]), "y_no_b2": float(np.tanh(np.tanh(z1) @ W2)[0])}


def as_numbers(value, name, size):
    """A literal list/tuple/number as a float array, or feedback on what it is instead."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise CheckFailed(f"{name} should be {'a list of ' + str(size) + ' numbers' if size else 'a number'}, "
                          f"got {value!r}.")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} should hold only numbers, got {value!r:.80}.") from None
    return array


@pytest.mark.exercise("H")
def test_hidden_activations_match_keras(student, tol):
    """H is tanh(x @ W1 + b1) for x = [0.3, 0.1], to 4 decimals"""
    got = as_numbers(require_literal(student, "H"), "H", 5)
    expected, _ = keras_h_y()
    exact, rounded2 = numpy_forward(SEED_WEIGHTS), numpy_forward(SEED_WEIGHTS, decimals=2)
    expect_close(got, expected, "H, the 5 hidden activations for x = [0.3, 0.1]", rtol=0, atol=tol["hand_atol"],
                 mistakes={
                     "rounded to 2 decimals; keep 4": np.round(expected, 2),
                     "rounded to 1 decimal; keep 4": np.round(expected, 1),
                     "worked with the weights rounded to 2 decimals; keep 4 decimals throughout": rounded2["h"],
                     "tanh not applied: these are x @ W1 + b1": exact["z1"],
                     "forgot the bias b1": np.tanh(SEED_X @ SEED_WEIGHTS[0].astype(np.float64)),
                 },
                 hint="h_j = tanh(0.3 * W1[0, j] + 0.1 * W1[1, j] + b1[j]): column j of W1 belongs to unit j.")


@pytest.mark.exercise("Y")
def test_output_matches_keras(student, tol):
    """Y is tanh(H @ W2 + b2), Keras' predict for x = [0.3, 0.1], to 4 decimals"""
    got = as_numbers(require_literal(student, "Y"), "Y", 0)
    if got.size == 1:
        got = got.reshape(())
    _, expected = keras_h_y()
    exact, rounded2 = numpy_forward(SEED_WEIGHTS), numpy_forward(SEED_WEIGHTS, decimals=2)
    expect_close(got, expected, "Y, the output for x = [0.3, 0.1]", rtol=0, atol=tol["hand_atol"],
                 mistakes={
                     "rounded to 1 decimal; keep 4": round(expected, 1),
                     "worked with the weights rounded to 2 decimals; keep 4 decimals throughout": rounded2["y"],
                     "no tanh on the output: that is H @ W2 + b2": exact["z2"],
                     "forgot the bias b2": exact["y_no_b2"],
                 },
                 hint="Y = tanh(sum over j of H[j] * W2[j, 0], plus b2[0]); a single number.")


def keras_label():
    _, y = keras_h_y()
    return int(np.sign(y))


@pytest.mark.exercise("PREDICTED_LABEL")
def test_predicted_label_is_the_sign_of_keras_output(student):
    """PREDICTED_LABEL is the sign of the network's output for x = [0.3, 0.1]"""
    got = require_literal(student, "PREDICTED_LABEL")
    expect(not isinstance(got, (bool, np.bool_)) and isinstance(got, (int, float, np.integer, np.floating)),
           f"PREDICTED_LABEL should be the number +1 or -1, got {got!r}.")
    expect(got in (1, -1), f"PREDICTED_LABEL should be +1 or -1, got {got!r}: a label, the sign of the "
                           "output Y, not the output itself.")
    if got != keras_label():
        raise CheckFailed("PREDICTED_LABEL is not the label the network predicts for x = [0.3, 0.1]. "
                          "It is the sign of the network's output Y -- not the true label of x.")


@pytest.mark.exercise("PREDICTION_CORRECT")
def test_prediction_correct_compares_with_the_true_label(student):
    """PREDICTION_CORRECT says whether the network's label is the rule's label for x = [0.3, 0.1]"""
    got = require_literal(student, "PREDICTION_CORRECT")
    expect(isinstance(got, (bool, np.bool_)), f"PREDICTION_CORRECT should be True or False, got {got!r}.")
    correct = keras_label() == int(true_label(SEED_X))
    if bool(got) != correct:
        raise CheckFailed("PREDICTION_CORRECT does not match: compare the network's label (the sign of its "
                          "output Y) with the true label of x = [0.3, 0.1] under the rule "
                          "'+1 when x1 + x2 > 0.5, else -1'.")
