"""Each test of a Keras assignment starts the student's Keras afresh, seeded by the test.

Without it, unseeded initial weights and Keras' per-process layer numbering
(dense_109 / dense_114) made the same submission's feedback depend on what the
process graded before (graders/engine/grading/keras_state.py).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from graders.engine.grading.keras_state import seed_of_test, start_afresh
from graders.engine.isolation.student import LocalBackend, Submission
from tests.catalog.a2_keras_by_hand import MISTAKES

A2 = "a2_keras_by_hand"


def test_each_test_has_its_own_fixed_seed():
    first, other = "graders/a2/test_x.py::test_a", "graders/a2/test_x.py::test_b"
    assert seed_of_test(first) == seed_of_test(first) != seed_of_test(other)
    assert type(seed_of_test(first)) is int and 0 <= seed_of_test(first) < 2**31  # Keras wants a Python int


@pytest.mark.slow  # imports TensorFlow
def test_a_layer_built_in_a_test_is_the_same_whatever_ran_before(tmp_path):
    submission = Submission(LocalBackend(tmp_path), tmp_path, (), ())

    def layer_built_in_the_test() -> tuple[str, np.ndarray]:
        start_afresh(submission, "graders/a2_keras_by_hand/test_x.py::test_y")
        keras = importlib.import_module("keras")
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        return layer.name, np.asarray(layer.get_weights()[0])

    name, kernel = layer_built_in_the_test()
    keras = importlib.import_module("keras")
    for _ in range(3):  # what the process ran before: more layers, another seed
        keras.layers.Dense(4).build((None, 3))
    keras.utils.set_random_seed(12345)
    again_name, again_kernel = layer_built_in_the_test()
    assert name == again_name == "dense"
    assert np.array_equal(kernel, again_kernel)


@pytest.mark.slow  # grades a2's public tests twice, TensorFlow in the process
@pytest.mark.parametrize("mistake", ["W of shape (1, 2)", "perfect classifier left with its random initial weights"])
def test_the_same_submission_gets_the_same_feedback_twice_in_one_process(mistake, make_submission, grade,
                                                                           monkeypatch):
    """Keras' error names a layer (W of shape (1, 2)); random initial weights decide the outputs (left unset)."""
    entry = next(m for m in MISTAKES if m.name == mistake)
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k build_perfect_classifier")
    folder = make_submission(A2, entry.patches)
    first, second = grade(folder, A2), grade(folder, A2)
    feedback = [(t.nodeid, t.feedback) for t in first.tests if t.feedback]
    assert feedback, "the mistake should fail some checks"
    assert feedback == [(t.nodeid, t.feedback) for t in second.tests if t.feedback]
