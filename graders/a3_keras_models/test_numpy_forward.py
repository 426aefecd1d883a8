"""numpy_forward: the forward pass in NumPy gives the logits Keras computes."""

import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_unchanged

from . import oracles

pytestmark = pytest.mark.exercise("numpy_forward")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course

SIZES = {"1-hidden": [4, 6, 3], "2-hidden": [5, 7, 4, 3], "3-hidden": [3, 6, 5, 4, 2]}


def check(student, model, x, activation, tol, what):
    params = answers.keras_params(oracles.layer_weights(model))
    before = x.copy()
    got = student.bridge.numpy_forward({k: v.copy() for k, v in params.items()}, x, activation)
    expect_unchanged(before, x, "x")
    expect_close(got, oracles.predict(model, before), what, rtol=tol["forward_rtol"], atol=tol["forward_atol"],
                 mistakes=answers.numpy_forward_mistakes(params, before, activation))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("name", list(SIZES))
def test_matches_keras_predictions(student, rng, tol, name, activation):
    """numpy_forward(params, x, activation) equals the Keras model's output (1e-5)"""
    model = oracles.dense_stack(rng, SIZES[name], activation)
    x = rng.normal(size=(7, SIZES[name][0]))
    check(student, model, x, activation, tol, f"numpy_forward(params, x, {activation!r}), {name} net")


# The same architectures and batch sizes for every student (a batch of one among them);
# only the weights and inputs are drawn per student.
HIDDEN_NETS = {"relu": ([6, 9, 4, 3], 1), "tanh": ([4, 7, 5, 8, 2], 13)}


@pytest.mark.hidden
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_random_networks(student, rng, tol, activation):
    """Random weights and inputs: a 2-hidden-layer relu net on one sample, a 3-hidden-layer tanh net on 13"""
    sizes, batch = HIDDEN_NETS[activation]
    model = oracles.dense_stack(rng, sizes, activation)
    x = rng.normal(size=(batch, sizes[0]))
    check(student, model, x, activation, tol,
          f"numpy_forward(params, x, {activation!r}), sizes {sizes}, batch {len(x)}")
