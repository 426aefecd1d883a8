"""What only a3 needs beyond tests/test_assignments.py: the reference architectures match the spec,
Keras 1/2 spellings from the seeds get feedback naming the Keras 3 form, bridge.py may not use Keras."""

import pytest

from tests.catalog.a3_keras_models import ASSIGNMENT, graders_of
from tests.conftest import ROOT, Patch, exercise_scores, feedback_of

SOLUTION = ROOT / "solutions" / ASSIGNMENT
STUBS = ROOT / "exercises" / ASSIGNMENT


def test_reference_architectures_have_the_spec_parameter_counts():
    """The graders' expected networks, built by Keras, match the numbers the spec quotes."""
    from graders.a3_keras_models.structure import CNN, dense_net, reference

    dense_layers, dense_total = reference(dense_net())
    cnn_layers, cnn_total = reference(CNN)
    assert dense_total == 141 and [layer.params for layer in dense_layers] == [120, 21]
    assert cnn_total == 56_714
    assert [layer.params for layer in cnn_layers if layer.params] == [160, 4_640, 51_264, 650]
    assert cnn_layers[1].output_shape == (None, 13, 13, 16)


M = "models.py"
KERAS1 = [
    ("Model(input=..., output=...)", "build_functional",
     Patch(M, "model = keras.Model(inputs=inputs, outputs=outputs)\n    model.compile(optimizer=\"adam\"",
           "model = keras.Model(input=inputs, output=outputs)\n    model.compile(optimizer=\"adam\""),
     "write keras.Model(inputs=..., outputs=...)"),
    ("fit(nb_epoch=...)", "train",
     Patch(M, "epochs=epochs, batch_size=32", "nb_epoch=epochs, batch_size=32"), "fit now takes epochs="),
    ("from keras.utils import np_utils", "build_cnn",
     Patch(M, "from keras import layers\n", "from keras import layers\nfrom keras.utils import np_utils\n"),
     "use keras.utils.to_categorical(labels, num_classes)"),
    ("Input(shape=(784,)) into Conv2D", "build_cnn_functional",
     Patch(M, "    inputs = keras.Input(shape=(28, 28, 1))\n    x = layers.Conv2D(16",
           "    inputs = keras.Input(shape=(784,))\n    x = layers.Conv2D(16"),
     "start the model with keras.Input(shape=(28, 28, 1))"),
    ("Adam(lr=...)", "build_cnn",
     Patch(M, "optimizer=keras.optimizers.Adam(), metrics=[\"accuracy\"])\n    return model\n    ### END SOLUTION\n\n\n"
              "def build_cnn_functional",
           "optimizer=keras.optimizers.Adam(lr=0.001), metrics=[\"accuracy\"])\n    return model\n"
           "    ### END SOLUTION\n\n\ndef build_cnn_functional"),
     "optimizers take learning_rate="),
]


CNN_GRADED = {"Input(shape=(784,)) into Conv2D", "Adam(lr=...)"}  # ~20 s each: in CI's long run


@pytest.mark.parametrize("spelling, exercise, patch, phrase",
                         [pytest.param(*k, id=k[0], marks=[pytest.mark.long] if k[0] in CNN_GRADED else [])
                          for k in KERAS1])
def test_keras1_spelling_gets_the_keras3_form_in_feedback(make_submission, grade, course, monkeypatch,
                                                          spelling, exercise, patch, phrase):
    trains = ("train",) if exercise == "train" else ()  # nb_epoch fails before any training starts
    monkeypatch.setenv("PYTEST_ADDOPTS", f"-k '{graders_of(course, {exercise}, trains)}'")
    report = grade(make_submission(ASSIGNMENT, (patch,)), ASSIGNMENT)
    score, max_score = exercise_scores(report)[exercise]
    assert score < max_score
    feedback = feedback_of(report, exercise)
    assert phrase in feedback
    # one hint per failed test, even when the same import error is reported again and again
    failed = [t for t in report.tests if t.exercise == exercise and not t.passed]
    assert all(t.feedback.count("Keras 1/2 -> 3:") == 1 for t in failed)


def test_keras_in_bridge_py_is_refused(make_submission, grade, course, monkeypatch):
    """bridge.py recomputes Keras with NumPy: a framework import there costs its exercises, not models.py's."""
    patch = Patch("bridge.py", "import numpy as np\n", "import numpy as np\nimport tensorflow as tf\n")
    monkeypatch.setenv("PYTEST_ADDOPTS", f"-k '{graders_of(course, {'numpy_gradients', 'build_sequential'})}'")
    report = grade(make_submission(ASSIGNMENT, (patch,)), ASSIGNMENT)
    scores = exercise_scores(report)
    assert scores["numpy_gradients"][0] == 0 and scores["build_sequential"] == (3, 3)
    assert "bridge.py line 17 uses tensorflow: this file must use NumPy only" in feedback_of(report, "numpy_gradients")
