"""train: seeded fitting of the model it is given, reaching 90% accuracy by sign on fresh points.

The grader passes its own copy of seed 000's 5-20-1 net, made in the student's
process from weights the judge drew, and compiled by the grader with a larger
learning rate than Adam's default so that a dozen epochs suffice (course.toml
[settings]). Accuracy is judged in the judge: the trained weights are copied
into the judge's own model, whose sign is compared with the rule on fresh points.
"""

import math

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import CheckFailed, expect
from graders.engine.isolation.student import StudentObject

from . import oracles
from .structure import dense_net, keras_class, keras_model

pytestmark = pytest.mark.exercise("train")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course


def initial_weights(seed: int, sizes=(5, 20, 1)) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases, like Keras' defaults, from the judge's own seed."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
                    np.zeros(fan_out, np.float32)]
    return weights


def grader_model(student, settings):
    """(judge's model, the student-side copy compiled by the grader), both with the same start."""
    judge = keras_model(dense_net())
    judge.set_weights(initial_weights(int(settings["train_seed"])))
    copy = oracles.worker_copy(student, judge)
    worker_keras = student.module("keras")
    rate = float(settings["train_learning_rate"])
    copy.compile(optimizer=worker_keras.optimizers.Adam(learning_rate=rate), loss="hinge",
                 metrics=["accuracy"])
    return judge, copy


def expect_history(history, epochs, what):
    expect(isinstance(history, StudentObject) and keras_class(history) == "History",
           f"{what} should return the History object that model.fit returns, got "
           f"{history.type_name if isinstance(history, StudentObject) else type(history).__name__}.")
    losses = history.history.get("loss") if isinstance(history.history, dict) else None
    expect(isinstance(losses, list) and len(losses) == epochs,
           f"{what}: the History records {len(losses) if isinstance(losses, list) else 'no'} epochs of loss; "
           f"fit for exactly `epochs` ({epochs}) epochs.")
    return losses


@pytest.mark.weight(3)
def test_reaches_90_percent_by_sign_on_fresh_points(student, settings):
    """Trained on 250 points, the model labels 200 fresh points right at least 90% of the time"""
    epochs, seed = int(settings["train_epochs"]), int(settings["train_seed"])
    data, labels = answers.sum_data(int(settings["train_points"]), 5, seed)
    test_data, test_labels = answers.sum_data(int(settings["test_points"]), 5, seed + 1)
    judge, model = grader_model(student, settings)
    what = f"train(model, data, labels, epochs={epochs}, seed={seed})"
    history = student.models.train(model, data, labels, epochs=epochs, seed=seed)
    expect_history(history, epochs, what)
    rate = model.optimizer.get_config().get("learning_rate")
    expect(rate is not None and np.isclose(rate, settings["train_learning_rate"], rtol=1e-3),
           f"{what}: the model was compiled again inside train (its learning rate is now {rate}). "
           "The model arrives compiled: fit it as it is.")
    trained = model.get_weights()
    if all(np.array_equal(a, b) for a, b in zip(trained, judge.get_weights())):
        raise CheckFailed(f"{what}: the model passed to train still has its initial weights. "
                          "Fit the model you are given; do not build a new one.")
    oracles.set_weights_checked(judge, trained, what)
    accuracy = oracles.sign_accuracy(oracles.predict(judge, test_data), test_labels)
    expect(accuracy >= settings["train_min_accuracy"],
           f"{what}: on {len(test_labels)} fresh points the sign of the output is right for "
           f"{accuracy:.1%}; at least {settings['train_min_accuracy']:.0%} is expected. Fit on data and "
           "labels (+1/-1) with batch size 32 for `epochs` epochs.")


def one_epoch(student, settings):
    """(History, what, number of points) of train(...) for one epoch on the graded data."""
    seed = int(settings["train_seed"])
    data, labels = answers.sum_data(int(settings["train_points"]), 5, seed)
    _, model = grader_model(student, settings)
    what = f"train(model, data, labels, epochs=1, seed={seed})"
    history = student.models.train(model, data, labels, epochs=1, seed=seed)
    expect_history(history, 1, what)
    return history, what, len(data)


def fit_params(history) -> dict:
    params = history.params
    return params if isinstance(params, dict) else {}


@pytest.mark.weight(0.5)
def test_fits_with_keras_default_batch_size(student, settings):
    """One epoch on 250 points takes 8 steps: Keras' default batch size, 32"""
    history, what, n = one_epoch(student, settings)
    steps = fit_params(history).get("steps")
    validated = isinstance(history.history, dict) and "val_loss" in history.history
    # With a validation split (seed 000 holds out 0.2) fewer points are fitted: up to half of them.
    allowed = range(math.ceil(n / 2 / 32), math.ceil(n / 32) + 1) if validated else [math.ceil(n / 32)]
    expect(isinstance(steps, int) and steps in allowed,
           f"{what}: one epoch took {steps} steps for {n} points"
           + (f", a batch size of about {n / steps:.0f}" if isinstance(steps, int) and steps else "")
           + "; fit with Keras' default batch size, 32 (leave batch_size out, or pass 32).")


@pytest.mark.weight(0.5)
def test_fits_quietly(student, settings):
    """train fits with verbose=0: no progress bar in the output"""
    history, what, _ = one_epoch(student, settings)
    verbose = fit_params(history).get("verbose")
    expect(verbose == 0, f"{what}: model.fit ran with verbose={verbose!r}; pass verbose=0, as the exercise "
                         "asks, so training prints no progress bar.")


@pytest.mark.hidden
def test_same_seed_same_training(student, settings, rng):
    """Two runs with the same seed give the same losses, whatever the random state before"""
    data, labels = answers.sum_data(100, 5, int(rng.integers(0, 2**31)))
    seed = int(rng.integers(0, 1000))
    runs = []
    for before in rng.integers(0, 2**31, size=2):
        _, model = grader_model(student, settings)
        # Leave Keras' random state different before each run: only train's own seeding can equalize them.
        student.module("keras").utils.set_random_seed(int(before))
        history = student.models.train(model, data, labels, epochs=2, seed=seed)
        runs.append(expect_history(history, 2, f"train(model, data, labels, epochs=2, seed={seed})"))
    expect(np.allclose(runs[0], runs[1], rtol=1e-6, atol=1e-7),
           f"two runs of train(..., seed={seed}) on the same model and data gave the losses {runs[0]} and "
           f"{runs[1]}; call keras.utils.set_random_seed(seed) before fitting.")
