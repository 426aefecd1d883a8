"""train(network, x, t): minibatch SGD that really learns the digits."""

import numpy as np
import pytest

from graders.engine.grading.compare import CheckFailed, expect
from graders.engine.isolation.student import set_inplace

from . import oracles

pytestmark = pytest.mark.exercise("train")


def layers_ignore_params(net, params, x):
    """Do the net's layers compute with arrays other than net.params? (Shift the last bias in place and see.)"""
    last = f"b{len(params) // 2}"
    saved = np.array(params[last])
    before = np.asarray(net.predict(x.copy()))
    set_inplace(net, "params", last, saved + 1.0)
    try:
        return np.allclose(np.asarray(net.predict(x.copy())), before)
    finally:
        set_inplace(net, "params", last, saved)


def expect_updates_reach_the_layers(net, initial, x):
    """The layers compute with the trained params, not with arrays left behind by rebinding."""
    params = net.params
    changed = any(not np.array_equal(params[key], initial[key]) for key in params)
    if changed and layers_ignore_params(net, params, x):
        raise CheckFailed(
            "net.params changed, but the network's layers still compute with the initial weights. "
            "`params[key] = params[key] - lr * grad` makes a new array the layers never see; "
            "update in place with `params[key] -= lr * grad`.")


@pytest.mark.weight(2)
def test_reaches_held_out_accuracy_on_digits(student, settings, plot):
    """MultiLayerNet(64, [50], 10) trained on 1300 digits scores well on 497 others"""
    x_train, t_train, x_test, t_test = oracles.digits_split()
    net = student.network.MultiLayerNet(64, [50], 10, seed=0)
    iters = int(settings["train_iters"])
    initial = net.params
    losses = student.network.train(net, x_train, t_train, lr=0.1, batch_size=100, iters=iters, seed=0)
    expect(isinstance(losses, list) and len(losses) == iters,
           f"train should return a list of {iters} minibatch losses, got "
           f"{len(losses) if isinstance(losses, list) else type(losses).__name__}.")
    plot("line", "Your training loss on the digits", y=losses, xlabel="SGD step", ylabel="minibatch loss")
    expect_updates_reach_the_layers(net, initial, x_test)
    # The trained net's own predict: its forward pass is graded on its own by MultiLayerNet's tests, and
    # no reference forward pass can ship to students for weights only their training finds.
    accuracy = float(np.mean(np.argmax(np.asarray(net.predict(x_test.copy())), axis=1) == t_test))
    expect(accuracy >= settings["train_min_accuracy"],
           f"held-out accuracy after {iters} steps is {accuracy:.3f}; at least "
           f"{settings['train_min_accuracy']} is expected. Check that each step subtracts lr * gradient "
           "from every parameter, for a freshly drawn minibatch.")


def test_loss_goes_down_on_an_easy_problem(student, rng):
    """On two well-separated blobs, later losses are lower than the first ones"""
    x = np.vstack([rng.normal(-2, 0.5, size=(50, 2)), rng.normal(2, 0.5, size=(50, 2))])
    t = np.repeat([0, 1], 50)
    net = student.network.MultiLayerNet(2, [8], 2, weight_init_std=0.1, seed=1)
    initial = net.params
    losses = student.network.train(net, x, t, lr=0.5, batch_size=20, iters=60, seed=3)
    expect(isinstance(losses, list) and len(losses) == 60,
           "train(..., iters=60) should return a list of 60 losses.")
    expect_updates_reach_the_layers(net, initial, x)
    first, last = float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
    expect(last < 0.5 * first, f"the mean loss went from {first:.3f} (first 10 steps) to {last:.3f} "
                               "(last 10 steps); SGD should at least halve it here. Is the update "
                               "subtracting (not adding) lr * gradient?")


@pytest.mark.hidden
def test_same_seed_same_training(student, rng):
    """Training twice with the same seeds gives the same losses"""
    x, t = rng.normal(size=(40, 3)), rng.integers(0, 2, size=40)
    runs = []
    for _ in range(2):
        net = student.network.MultiLayerNet(3, [4], 2, seed=5)
        runs.append(student.network.train(net, x, t, lr=0.1, batch_size=10, iters=15, seed=11))
    expect(np.allclose(runs[0], runs[1]), "two runs with seed=11 gave different losses; draw the "
                                          "minibatches from np.random.default_rng(seed).")
