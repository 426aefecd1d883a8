"""forward_by_hand(weights, x): the seed's Input(2) -> Dense(5, tanh) -> Dense(1, tanh).

The reference is that Keras model, with the seed's or random weights set by
set_weights, predicting both its hidden layer and its output.
"""

import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import CheckFailed, expect_close

from . import keras_ref
from .hints import explain_known, matmul_mismatch
from .seed_model import ACTIVATIONS, SEED_WEIGHTS, SEED_X, SIZES, random_weights

pytestmark = pytest.mark.exercise("forward_by_hand")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course

HINT = ("h = tanh(x @ W1 + b1) has shape (N, 5) (or (5,) for one sample); the output layer takes h: "
        "y = tanh(h @ W2 + b2), shape (N, 1) (or (1,)).")


def run(student, weights, x):
    n = 2 if x.ndim == 1 else len(x)
    known = {matmul_mismatch(5, 2): "the output layer was fed x instead of h",
             matmul_mismatch(n, 5): "computed W1 @ x instead of x @ W1 (Keras' kernel is (inputs, units))"}
    with explain_known(HINT, known):
        got = student.by_hand.forward_by_hand([w.copy() for w in weights], x.copy())
    wanted = "forward_by_hand should return a pair (h, y): the hidden activations and the output"
    if got is None:
        raise CheckFailed(f"{wanted}; it returned None. Did you forget a `return`?")
    if not isinstance(got, (tuple, list)):
        raise CheckFailed(f"{wanted}; it returned one {type(got).__name__}. Write `return h, y`.")
    if len(got) != 2:
        raise CheckFailed(f"{wanted}; it returned {len(got)} values.")
    return got


def check(student, tol, weights, x, what):
    h, y = run(student, weights, x)
    expected_h, expected_y = keras_ref.reference_stack(weights, x, ACTIVATIONS, every_layer=True)
    hidden, output = answers.forward_by_hand_mistakes(weights, x)
    kw = dict(rtol=tol["keras_rtol"], atol=tol["keras_atol"])
    expect_close(h, expected_h, f"h (hidden activations) {what}", mistakes=hidden, **kw)
    expect_close(y, expected_y, f"y (output) {what}", mistakes=output, **kw,
                 hint="keep the shape x @ W2 gives: (N, 1), or (1,) for one sample -- like model.predict.")


def test_seed_weights_on_the_seed_input(student, tol):
    """The seed's model on x = [[0.3, 0.1]]: h and y as Keras predicts them"""
    check(student, tol, SEED_WEIGHTS, SEED_X[None, :], "for the seed's weights and x = [[0.3, 0.1]]")


def test_seed_weights_on_a_batch(student, rng, tol):
    """The seed's model on a batch of 7 points"""
    x = keras_ref.float32_exact(rng.random((7, 2)))
    check(student, tol, SEED_WEIGHTS, x, "for the seed's weights and a batch x of shape (7, 2)")


def test_one_sample_as_a_1d_array(student, tol):
    """x = [0.3, 0.1] as a 1-D array gives h of shape (5,) and y of shape (1,)"""
    check(student, tol, SEED_WEIGHTS, SEED_X, "for x = [0.3, 0.1] of shape (2,)")


def test_random_weights(student, rng, tol):
    """Random weights with clearly non-zero biases, a batch of 6"""
    weights = random_weights(rng, SIZES)
    x = keras_ref.float32_exact(rng.normal(size=(6, 2)))
    check(student, tol, weights, x, "for random weights and x of shape (6, 2)")


# The same input shapes and weight scales for every student; only the values are drawn per student.
HIDDEN_CASES = {"1-D x": ((2,), 0.5), "batch of one": ((1, 2), 1.5), "batch of 23": ((23, 2), 3.0)}


@pytest.mark.hidden
@pytest.mark.parametrize("case", list(HIDDEN_CASES))
def test_random_weights_and_batches(student, rng, tol, case):
    """Random weights (up to 3x larger) for a 1-D input, a batch of one and a batch of 23"""
    shape, scale = HIDDEN_CASES[case]
    weights = random_weights(rng, SIZES, scale=scale)
    x = keras_ref.float32_exact(rng.uniform(-2, 2, size=shape))
    check(student, tol, weights, x, f"for random weights and x of shape {shape}")
