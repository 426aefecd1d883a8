"""MultiLayerNet: params, predict, loss, accuracy and gradient by backpropagation."""

from contextlib import contextmanager

import numpy as np
import pytest

from graders.engine.core.errors import StudentCrash, StudentError, StudentTimeout
from graders.engine.grading.compare import CheckFailed, expect, expect_close, expect_gradient, expect_scalar
from graders.engine.grading.answers import Answers
from graders.engine.isolation.student import StudentObject, same_object, set_inplace

from . import oracles

pytestmark = pytest.mark.exercise("MultiLayerNet")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course

SHAPES = [(4, [5], 3), (4, [5, 3], 3), (3, [4, 3, 5], 2)]
SHAPE_IDS = ["1-hidden", "2-hidden", "3-hidden"]


def build(student, sizes, activation, rng):
    """A student net whose params are overwritten in place with known random values."""
    input_size, hidden, output_size = sizes
    net = student.network.MultiLayerNet(input_size, hidden, output_size, activation=activation, seed=0)
    initial = net.params
    params = oracles.random_params(rng, [input_size, *hidden, output_size])
    check_param_shapes(initial, params)
    for key, value in params.items():
        set_inplace(net, "params", key, value)
    return net, params, initial


def shared_layers(net):
    """Feedback when net.layers holds one layer object twice, else None."""
    try:
        layers = net.layers
    except StudentError:
        return None
    items = list(layers.items()) if isinstance(layers, dict) else \
        list(enumerate(layers)) if isinstance(layers, (list, tuple)) else []
    for i, (first, layer) in enumerate(items):
        for second, other in items[i + 1:]:
            if isinstance(layer, StudentObject) and same_object(layer, other):
                return (f"net.layers uses one {layer.type_name.rpartition('.')[2]} object twice, as {first!r} and "
                        f"{second!r}. A layer keeps what its forward pass saw for its backward pass, so each "
                        "layer of the net needs an instance of its own.")
    return None


@contextmanager
def naming_shared_layers(net):
    """A failure of a net that shares a layer instance between two layers names that cause."""
    try:
        yield
    except (StudentTimeout, StudentCrash):
        raise  # the worker is gone: nothing left to inspect
    except (StudentError, CheckFailed):
        shared = shared_layers(net)
        if shared:
            raise CheckFailed(shared + "\nThis looks like a known mistake: one layer instance shared by two "
                                       "layers.") from None
        raise


def check_param_shapes(got, expected):
    expect(isinstance(got, dict), f"net.params should be a dict, got {type(got).__name__}.")
    expect(sorted(got) == sorted(expected),
           f"net.params has keys {sorted(got)}; expected {sorted(expected)}.")
    for key, value in expected.items():
        shape = getattr(got[key], "shape", None)
        expect(shape == value.shape, f"net.params[{key!r}] has shape {shape}; expected {value.shape} "
                                     "(W{i} is (fan_in, fan_out), b{i} is (fan_out,)).")


def forward_mistakes(params, initial, x, activation):
    found = answers.mlp_forward_mistakes(params, x, activation)
    # initial comes from the student's own constructor: only the full course can name this one
    found["the layers keep copies of the initial weights, not the arrays in params"] = \
        answers.full_course_only("mlp_scores", initial, x, activation)
    return found


@pytest.mark.parametrize("sizes", SHAPES, ids=SHAPE_IDS)
def test_params_have_the_spec_keys_and_shapes(student, sizes):
    """params holds W1, b1, ..., WL, bL with (fan_in, fan_out) weights"""
    input_size, hidden, output_size = sizes
    net = student.network.MultiLayerNet(input_size, hidden, output_size)
    expected = oracles.random_params(np.random.default_rng(0), [input_size, *hidden, output_size])
    check_param_shapes(net.params, expected)


def test_weight_init_std_and_seed(student):
    """Weights scale with weight_init_std; the same seed gives the same weights"""
    a = student.network.MultiLayerNet(100, [80], 10, weight_init_std=0.5, seed=7).params
    b = student.network.MultiLayerNet(100, [80], 10, weight_init_std=0.5, seed=7).params
    c = student.network.MultiLayerNet(100, [80], 10, weight_init_std=0.5, seed=8).params
    std = float(np.std(a["W1"]))
    expect(0.4 < std < 0.6, f"W1 has standard deviation {std:.3g} with weight_init_std=0.5; "
                            "draw weights as weight_init_std * (standard normal).")
    expect(all(np.array_equal(a[k], b[k]) for k in a), "Two nets built with seed=7 have different weights; "
           "draw them from np.random.default_rng(seed).")
    expect(not np.array_equal(a["W1"], c["W1"]), "seed=7 and seed=8 gave the same weights; use the seed.")


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("sizes", SHAPES, ids=SHAPE_IDS)
def test_predict_returns_scores_of_the_forward_pass(student, rng, tol, sizes, activation):
    """predict(x) is the forward pass through every layer, without softmax"""
    net, params, initial = build(student, sizes, activation, rng)
    x = rng.normal(size=(6, sizes[0]))
    got = net.predict(x.copy())
    expect_close(got, answers.mlp_scores(params, x, activation), f"predict(x), {activation}, sizes {sizes}",
                 rtol=tol["value_rtol"], atol=tol["value_atol"],
                 mistakes=forward_mistakes(params, initial, x, activation))


@pytest.mark.parametrize("labels_as", ["one-hot", "integers"])
def test_loss_is_softmax_cross_entropy_of_the_scores(student, rng, tol, labels_as):
    """loss(x, t) is the mean softmax cross-entropy of predict(x)"""
    net, params, _ = build(student, SHAPES[1], "relu", rng)
    x, labels = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    t = oracles.onehot(labels, 3) if labels_as == "one-hot" else labels
    got = expect_scalar(net.loss(x.copy(), t.copy()), f"loss(x, t) with {labels_as} t")
    expected = answers.mlp_loss(params, x, labels, "relu")
    expect_close(got, expected, f"loss(x, t) with {labels_as} t", rtol=tol["value_rtol"], atol=tol["value_atol"])


@pytest.mark.parametrize("labels_as", ["one-hot", "integers"])
def test_accuracy_is_the_fraction_of_correct_rows(student, rng, labels_as):
    """accuracy(x, t) is the fraction of rows whose top score is the label"""
    net, params, _ = build(student, SHAPES[0], "tanh", rng)
    x = rng.normal(size=(20, 4))
    predicted = np.argmax(answers.mlp_scores(params, x, "tanh"), axis=1)
    labels = np.where(np.arange(20) < 13, predicted, (predicted + 1) % 3)  # 13 of 20 correct
    t = oracles.onehot(labels, 3) if labels_as == "one-hot" else labels
    got = expect_scalar(net.accuracy(x, t), f"accuracy(x, t) with {labels_as} t")
    if got == 13:
        raise CheckFailed("accuracy returned 13, the number of correct rows; return the fraction (13 / 20).")
    expect_close(got, 0.65, f"accuracy(x, t) with {labels_as} t (13 of 20 rows correct)", rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("sizes", SHAPES, ids=SHAPE_IDS)
def test_gradient_matches_finite_differences(student, rng, tol, sizes, activation, plot):
    """gradient(x, t) matches the numerical gradient of the loss for every parameter"""
    net, params, _ = build(student, sizes, activation, rng)
    x, labels = rng.normal(size=(5, sizes[0])), rng.integers(0, sizes[2], size=5)
    with naming_shared_layers(net):
        grads = net.gradient(x.copy(), labels.copy())
    expect(isinstance(grads, dict) and sorted(grads) == sorted(params),
           f"gradient should return a dict with keys {sorted(params)}, got "
           f"{sorted(grads) if isinstance(grads, dict) else type(grads).__name__}.")
    numerical = answers.mlp_numerical_gradients(params, x, labels, activation)
    for key in params:
        try:
            expect_gradient(grads[key], numerical[key], f"gradient[{key!r}] ({activation}, sizes {sizes})",
                            rtol=tol["grad_rtol"], atol=tol["grad_atol"])
        except CheckFailed:
            if np.shape(grads[key]) == numerical[key].shape:  # show how far off, entry by entry
                plot("scatter", f"gradient[{key!r}]: yours vs finite differences", x=numerical[key],
                     y=grads[key], xlabel="finite differences", ylabel="your backprop")
            raise


# The same sizes for every student; only weights, inputs and labels are drawn per student.
HIDDEN_SIZES = {"relu": (6, [5, 4], 3), "tanh": (5, [3, 6, 4], 2)}


@pytest.mark.hidden
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_random_network_against_tensorflow(student, rng, tol, activation):
    """Random weights for a 2- and a 3-hidden-layer net; gradients against TensorFlow's autodiff"""
    from graders.engine.grading.tf_oracle import tensorflow

    sizes = HIDDEN_SIZES[activation]
    net, params, _ = build(student, sizes, activation, rng)
    x = rng.normal(size=(7, sizes[0]))
    labels = rng.integers(0, sizes[2], size=len(x))
    with naming_shared_layers(net):
        grads = net.gradient(x, labels)  # first: unfinished code needs no TensorFlow
    tf = tensorflow()
    variables = {k: tf.Variable(v) for k, v in params.items()}
    act = tf.nn.relu if activation == "relu" else tf.tanh
    with tf.GradientTape() as tape:
        h = tf.constant(x)
        for i in range(1, len(params) // 2 + 1):
            h = h @ variables[f"W{i}"] + variables[f"b{i}"]
            if i < len(params) // 2:
                h = act(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, h))
    expected = dict(zip(variables, (g.numpy() for g in tape.gradient(loss, list(variables.values())))))
    for key in params:
        expect_close(grads[key], expected[key], f"gradient[{key!r}], sizes {sizes}, {activation}",
                     rtol=tol["grad_rtol"], atol=tol["grad_atol"])
