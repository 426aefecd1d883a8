"""hand_numbers.py: the seed's network worked out by hand at the student's own input x.

Each name must be a literal (checked in the source, see hand.py) and is
compared with Keras' own predict on the seed's weights at the student's input
(variant.py, chosen by whose.py from the identity the submission is graded
under), to 5e-4 (4 decimals). Numbers right for another input are named so.
"""

import numpy as np
import pytest

from graders.engine.grading.compare import CheckFailed, expect, expect_close

from . import keras_ref
from .hand import require_literal
from .seed_model import ACTIVATIONS, SEED_WEIGHTS, true_label
from .whose import Assigned, assigned_input, forward, input_for, worked_for_another_input


def keras_h_y(x):
    h, y = keras_ref.reference_stack(SEED_WEIGHTS, np.asarray(x, dtype=np.float64), ACTIVATIONS, every_layer=True)
    return h, float(y[0])


def rounded_weights_forward(x, decimals=2):
    """The network at x with every weight rounded first (naming a mistake only)."""
    at = forward(x, [np.round(w, decimals) for w in SEED_WEIGHTS])
    return at["h"], at["y"]


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


def students_h(student):
    """The student's H when it is a literal list of numbers (to recover the input it was worked for), else None."""
    try:
        return as_numbers(require_literal(student, "H"), "H", 5)
    except Exception:  # noqa: BLE001 - H is graded by its own test; here it is only a clue
        return None


@pytest.mark.exercise("H")
def test_hidden_activations_match_keras(student, identity, settings, tol):
    """H is tanh(x @ W1 + b1) at your input x, to 4 decimals"""
    got = as_numbers(require_literal(student, "H"), "H", 5)
    atol = tol["hand_atol"]
    mine = input_for(student, identity, settings, "H", got, lambda x: forward(x)["h"], atol)
    x = mine.x
    expected, _ = keras_h_y(x)
    if got.shape != expected.shape or np.any(np.abs(got - expected) > atol):
        worked_for_another_input("H", got, lambda other: forward(other)["h"], mine, settings, atol, h=got)
    exact = forward(x)
    expect_close(got, expected, f"H, the 5 hidden activations for x = {mine.variant.x_text}", rtol=0, atol=atol,
                 mistakes={
                     "rounded to 2 decimals; keep 4": np.round(expected, 2),
                     "rounded to 1 decimal; keep 4": np.round(expected, 1),
                     "worked with the weights rounded to 2 decimals; keep 4 decimals throughout":
                         rounded_weights_forward(x)[0],
                     "tanh not applied: these are x @ W1 + b1": exact["z1"],
                     "forgot the bias b1": exact["no_b1"],
                 },
                 hint=f"h_j = tanh({x[0]:.2f} * W1[0, j] + {x[1]:.2f} * W1[1, j] + b1[j]): "
                      "column j of W1 belongs to unit j.")


@pytest.mark.exercise("Y")
def test_output_matches_keras(student, identity, settings, tol):
    """Y is tanh(H @ W2 + b2), Keras' predict at your input x, to 4 decimals"""
    got = as_numbers(require_literal(student, "Y"), "Y", 0)
    if got.size == 1:
        got = got.reshape(())
    atol = tol["hand_atol"]
    mine = input_for(student, identity, settings, "Y", got, lambda x: forward(x)["y"], atol)
    x = mine.x
    _, expected = keras_h_y(x)
    if got.shape != () or abs(float(got) - expected) > atol:
        worked_for_another_input("Y", got, lambda other: forward(other)["y"], mine, settings, atol,
                                 h=students_h(student))
    exact = forward(x)
    expect_close(got, expected, f"Y, the output for x = {mine.variant.x_text}", rtol=0, atol=atol,
                 mistakes={
                     "rounded to 1 decimal; keep 4": round(expected, 1),
                     "worked with the weights rounded to 2 decimals; keep 4 decimals throughout":
                         rounded_weights_forward(x)[1],
                     "no tanh on the output: that is H @ W2 + b2": exact["z2"],
                     "forgot the bias b2": exact["y_no_b2"],
                 },
                 hint="Y = tanh(sum over j of H[j] * W2[j, 0], plus b2[0]); a single number.")


def keras_label(x):
    _, y = keras_h_y(x)
    return int(np.sign(y))


def label_answer(student, name, identity, settings) -> tuple[object, Assigned]:
    got = require_literal(student, name)
    return got, assigned_input(student.directory, identity, settings)


@pytest.mark.exercise("PREDICTED_LABEL")
def test_predicted_label_is_the_sign_of_keras_output(student, identity, settings):
    """PREDICTED_LABEL is the sign of the network's output at your input x"""
    got, mine = label_answer(student, "PREDICTED_LABEL", identity, settings)
    expect(not isinstance(got, (bool, np.bool_)) and isinstance(got, (int, float, np.integer, np.floating)),
           f"PREDICTED_LABEL should be the number +1 or -1, got {got!r}.")
    expect(got in (1, -1), f"PREDICTED_LABEL should be +1 or -1, got {got!r}: a label, the sign of the "
                           "output Y, not the output itself.")
    if got != keras_label(mine.x):
        raise CheckFailed(f"PREDICTED_LABEL is not the label the network predicts for x = {mine.variant.x_text}. "
                          "It is the sign of the network's output Y -- not the true label of x.")


def students_y(student):
    """The student's Y when it is a literal number, else None (a clue only, like students_h)."""
    try:
        return float(as_numbers(require_literal(student, "Y"), "Y", 0).reshape(()))
    except Exception:  # noqa: BLE001 - Y is graded by its own test
        return None


@pytest.mark.exercise("PREDICTION_CORRECT")
def test_prediction_correct_compares_with_the_true_label(student, identity, settings, tol):
    """PREDICTION_CORRECT says whether the network's label is the rule's label at your input x"""
    def worked_at(x):
        """H, Y and PREDICTION_CORRECT at x: one boolean alone cannot tell which input it was worked for."""
        at = forward(x)
        return np.append(at["h"], [at["y"], float(np.sign(at["y"]) == true_label(x))])

    got, mine = label_answer(student, "PREDICTION_CORRECT", identity, settings)
    expect(isinstance(got, (bool, np.bool_)), f"PREDICTION_CORRECT should be True or False, got {got!r}.")
    correct = keras_label(mine.x) == int(true_label(mine.x))
    if bool(got) != correct:
        h, y = students_h(student), students_y(student)
        if h is not None and h.shape == (5,) and y is not None:
            worked_for_another_input("PREDICTION_CORRECT", np.append(h, [y, float(bool(got))]), worked_at, mine,
                                     settings, atol=tol["hand_atol"], h=h)
        raise CheckFailed("PREDICTION_CORRECT does not match: compare the network's label (the sign of its "
                          f"output Y) with the true label of x = {mine.variant.x_text} under the rule "
                          "'+1 when x1 + x2 > 0.5, else -1'.")
