"""build_perfect_classifier(): a compiled Functional model that is right without training.

The student's model lives in their worker. The judge reads its type, compile
settings, structure (model.to_json()) and weights (model.get_weights())
through the proxy, rebuilds the same model in its own process and measures
that copy's accuracy by the sign of its output -- never with Keras' "accuracy"
metric, which thresholds at 0.5 and under-reports ±1 labels.
"""

import json

import pytest

from graders.engine.grading.compare import CheckFailed, expect
from graders.engine.isolation.student import StudentObject

from . import keras_ref, rules
from .hints import explain_known
from .threshold_checks import near_boundary, uniform

pytestmark = pytest.mark.exercise("build_perfect_classifier")

WHAT = "build_perfect_classifier()"
RECIPE = ("inputs = keras.Input(shape=(2,)); outputs = keras.layers.Dense(1, activation='tanh')(inputs); "
          "model = keras.Model(inputs=inputs, outputs=outputs)")


def build(student):
    known = {r"shape \(2, 1\) is not compatible with provided weight shape \(1, 2\)":
             "W of shape (1, 2); a Dense kernel is (inputs, units) = (2, 1)",
             r"'(list|tuple)' object has no attribute 'shape'":
             "set_weights was given Python lists; Keras needs NumPy arrays (np.array(...))"}
    with explain_known("the Dense(1) layer on 2 inputs takes set_weights([W, b]) with W of shape (2, 1) "
                       "and b of shape (1,).", known):
        model = student.set_weights.build_perfect_classifier()
    if not isinstance(model, StudentObject):
        raise CheckFailed(f"{WHAT} should return a Keras model, got {model!r:.60}.")
    names = model.type_names()
    if not any(name.endswith(".Model") for name in names):
        raise CheckFailed(f"{WHAT} should return a Keras model, got a {names[0]}.")
    return model


def judge_copy(model):
    """The student's model rebuilt in the judge from its JSON structure and its weights."""
    return keras_ref.rebuild(model.to_json(), model.get_weights(), WHAT)


def check_signs(copy, x, where):
    outputs = keras_ref.predict(copy, x)
    diagnosis = None
    weights = copy.get_weights()
    if len(weights) == 2 and weights[0].shape == (2, 1):  # a single Dense(1): name what is wrong with it
        diagnosis = rules.diagnose_threshold(weights[0], weights[1], 2, 0.5, rules.threshold_mistakes(2, 0.5))
    rules.expect_signs(outputs, x, 0.5, f"{WHAT} (rebuilt by the grader) on {where}", diagnosis)


def test_is_a_functional_model_from_two_inputs_to_one_output(student):
    """A Functional Model (not Sequential) with input shape (None, 2) and output shape (None, 1)"""
    model = build(student)
    names = model.type_names()
    if not any(name.endswith(".Functional") for name in names):
        kind = names[0].rsplit(".", 1)[-1]
        raise CheckFailed(f"{WHAT} returned a {kind} model; build it with the Functional API: {RECIPE}.")
    copy = judge_copy(model)
    expect(len(copy.inputs) == 1 and tuple(copy.inputs[0].shape) == (None, 2),
           f"{WHAT}: the model's input should have shape (None, 2), got "
           f"{[tuple(t.shape) for t in copy.inputs]}. Use keras.Input(shape=(2,)).")
    expect(len(copy.outputs) == 1 and tuple(copy.outputs[0].shape) == (None, 1),
           f"{WHAT}: the model's output should have shape (None, 1), got "
           f"{[tuple(t.shape) for t in copy.outputs]}. End with Dense(1, activation='tanh').")


def test_is_compiled_with_adam_hinge_and_accuracy(student):
    """Compiled with the adam optimizer, the hinge loss and metrics=['accuracy'], as in the seed"""
    model = build(student)
    config = model.get_compile_config() if model.compiled else {}
    expect(bool(config), f"{WHAT}: the model is not compiled. Call "
                         "model.compile('adam', 'hinge', metrics=['accuracy']) before returning it.")
    loss, optimizer = config.get("loss"), config.get("optimizer")
    expect(_names(loss) & {"hinge"}, f"{WHAT}: the loss is {_short(loss)}; the seed compiles with 'hinge' "
                                     "(made for ±1 labels and tanh outputs).")
    expect(_names(optimizer) & {"adam"}, f"{WHAT}: the optimizer is {_short(optimizer)}; use 'adam' as the seed does.")
    expect("acc" in json.dumps(config.get("metrics")).lower(),
           f"{WHAT}: compile with metrics=['accuracy'] (the seed does). The grader itself measures accuracy by "
           "the sign of the output, because that metric thresholds at 0.5.")


def test_output_layer_applies_tanh(student):
    """Its output layer applies tanh, like sum_threshold_weights' Input(2) -> Dense(1, tanh)"""
    copy = judge_copy(build(student))
    last = copy.layers[-1]
    name = getattr(getattr(last, "activation", None), "__name__", "none")
    expect(name == "tanh", f"{WHAT}: the output layer's activation is {name}; the rule's network ends with "
                           "Dense(1, activation='tanh') (or a Dense(1) followed by Activation('tanh')), "
                           "whose output lies in (-1, 1) like the hinge loss's ±1 labels.")


@pytest.mark.weight(2)
def test_right_on_uniform_points_without_training(student, rng, settings):
    """Its copy in the grader is right by sign on 10,000 random points of [0, 1)^2, untrained"""
    copy = judge_copy(build(student))
    check_signs(copy, uniform(rng, settings, 2), "random points of [0, 1)^2")


def test_right_next_to_the_boundary(student, rng, settings):
    """Its copy in the grader is right by sign within 1e-3 of the line x1 + x2 = 0.5"""
    copy = judge_copy(build(student))
    check_signs(copy, near_boundary(rng, settings, 2, 0.5), "points next to the boundary")


@pytest.mark.hidden
def test_right_on_fresh_points(student, rng, settings):
    """Fresh random and near-boundary points, seeded per submission"""
    copy = judge_copy(build(student))
    check_signs(copy, uniform(rng, settings, 2), "fresh random points")
    check_signs(copy, near_boundary(rng, settings, 2, 0.5), "fresh points next to the boundary")


def _names(serialized) -> set[str]:
    """Lower-case names in a serialized loss/optimizer: 'hinge', {'class_name': 'Hinge'}, {'config': 'hinge'}, ..."""
    if isinstance(serialized, str):
        return {serialized.lower()}
    if isinstance(serialized, dict):
        found = {str(serialized.get("class_name", "")).lower()}
        inner = serialized.get("config")
        if isinstance(inner, str):
            found.add(inner.lower())
        elif isinstance(inner, dict):
            found.add(str(inner.get("name", "")).lower().rstrip("_0123456789"))
        return found
    return set()


def _short(serialized) -> str:
    if isinstance(serialized, dict):
        return repr(serialized.get("class_name") if serialized.get("class_name") != "function"
                    else serialized.get("config"))
    return repr(serialized)
