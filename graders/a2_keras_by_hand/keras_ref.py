"""The judge's Keras: reference models built and run in the grader's own process.

Expected values always come from Keras itself. A fresh model of the
exercise's architecture gets the weights -- the seed's, seeded random ones, or
the student's -- through ``set_weights``, and ``predict_on_batch`` (the
one-batch form of ``model.predict``: the same compiled predict step, without
the per-call data pipeline that makes ``predict`` 5-10x slower) gives the
reference. Student code never touches these models.

Keras is imported lazily, so collecting the graders stays fast; in worker
isolation the package's conftest starts that import in a background thread
while the first test waits for the student's worker.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from types import ModuleType
from typing import Any, Sequence

import numpy as np

from graders.engine.grading.compare import CheckFailed
from graders.engine.isolation.student import StudentObject


def keras() -> ModuleType:
    """The judge's Keras (imported quietly; waits for the plugin's background import)."""
    from graders.engine.grading.tf_oracle import keras as judge_keras

    return judge_keras()


@lru_cache(maxsize=64)
def dense_model(sizes: tuple[int, ...], activations: tuple[str, ...], every_layer: bool = False) -> Any:
    """Functional Input(sizes[0]) -> Dense(sizes[1], activations[0]) -> ...

    Cached per architecture: callers always ``set_weights`` before use, so a
    model never carries one submission's weights into another's check.
    With ``every_layer`` the model outputs each Dense layer's activations.
    """
    k = keras()
    k.utils.set_random_seed(0)  # initial weights are always overwritten; builds stay reproducible anyway
    inputs = k.Input(shape=(sizes[0],))
    outputs, h = [], inputs
    for units, activation in zip(sizes[1:], activations):
        h = k.layers.Dense(units, activation=activation)(h)
        outputs.append(h)
    return k.Model(inputs=inputs, outputs=outputs if every_layer else h)


def predict(model: Any, x: np.ndarray) -> Any:
    """The model's prediction(s) for x as float64 arrays; a 1-D x is one sample (and so is the result)."""
    x = np.asarray(x)
    batch = x.reshape(1, -1) if x.ndim == 1 else x
    out = model.predict_on_batch(batch.astype(np.float32))
    arrays = [np.asarray(o, dtype=np.float64) for o in (out if isinstance(out, list) else [out])]
    if x.ndim == 1:
        arrays = [a[0] for a in arrays]
    return arrays if isinstance(out, list) else arrays[0]


def float32_exact(values: np.ndarray) -> np.ndarray:
    """float64 values that float32 represents exactly: Keras and NumPy then see the same input."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def reference_dense(x: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str) -> np.ndarray:
    model = dense_model((W.shape[0], W.shape[1]), (activation,))
    model.set_weights([W, b])
    return predict(model, x)


def reference_stack(weights: Sequence[np.ndarray], x: np.ndarray, activations: Sequence[str],
                    every_layer: bool = False) -> Any:
    sizes = (weights[0].shape[0], *(W.shape[1] for W in weights[0::2]))
    model = dense_model(sizes, tuple(activations), every_layer)
    model.set_weights(list(weights))
    return predict(model, x)


# -- the student's weights in the judge's model ------------------------------------------

def as_weight_list(got: Any, what: str, names: Sequence[str]) -> list[np.ndarray]:
    """The student's returned weights as float arrays, or feedback on what came back instead."""
    if got is None:
        raise CheckFailed(f"{what} returned None. Did you forget a `return`?")
    if not isinstance(got, (list, tuple)):
        kind = got.type_name if isinstance(got, StudentObject) else type(got).__name__
        raise CheckFailed(f"{what} should return a list [{', '.join(names)}], got a {kind}.")
    if len(got) != len(names):
        raise CheckFailed(f"{what} returned a list of {len(got)} item(s); expected {len(names)}: "
                          f"[{', '.join(names)}].")
    arrays = []
    for name, item in zip(names, got):
        if isinstance(item, StudentObject):  # a tf.Variable or tensor: read its value where it lives
            try:
                item = item.numpy()
            except Exception:  # noqa: BLE001 - any failure means: not an array-like
                raise CheckFailed(f"{what}: {name} is a {item.type_name}; return NumPy arrays.") from None
        try:
            array = np.asarray(item, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckFailed(f"{what}: {name} should be a NumPy array of numbers, got {item!r:.80}.") from None
        if not np.all(np.isfinite(array)):
            raise CheckFailed(f"{what}: {name} contains nan or inf.")
        arrays.append(array)
    return arrays


def load_student_weights(model: Any, arrays: list[np.ndarray], what: str, names: Sequence[str],
                         architecture: str) -> None:
    """``model.set_weights(arrays)``; a refusal by Keras becomes a hint naming the array and its shape."""
    expected = [tuple(w.shape) for w in model.get_weights()]
    wrong = [(n, a.shape, e) for n, a, e in zip(names, arrays, expected) if a.shape != e]
    try:
        model.set_weights([a.astype(np.float32) for a in arrays])
    except ValueError as err:
        raise CheckFailed(shape_feedback(what, architecture, wrong, str(err))) from None
    if wrong:  # Keras accepted it (it never should); be strict anyway
        raise CheckFailed(shape_feedback(what, architecture, wrong, ""))


def shape_feedback(what: str, architecture: str, wrong: list, keras_message: str) -> str:
    # "Layer functional_7 weight shape ...": the judge's model name means nothing to students
    keras_message = re.sub(r"^Layer \S+ weight", "Weight", keras_message)
    lines = [f"Keras refused the weights of {what} for {architecture}"
             + (f": {keras_message}" if keras_message else ".")]
    for name, got, want in wrong:
        lines.append(f"- {name} has shape {got}; Keras expects {want}.")
        if len(want) == 2 and got == want[::-1]:
            lines.append(f"  {name} is transposed: a Dense kernel is (inputs, units), "
                         "one row per input -- the transpose of the W in 'y = W x'.")
        elif len(want) == 1 and got in ((), (1, want[0]), (want[0], 1)):
            lines.append(f"  a bias is a 1-D array with one value per unit, e.g. np.array([...]) of shape {want}.")
    return "\n".join(lines)


# -- a student's model, rebuilt in the judge ----------------------------------------------

ALLOWED_LAYERS = {"InputLayer", "Dense", "Activation"}


def rebuild(model_json: str, weights: list[np.ndarray], what: str) -> Any:
    """A judge-side copy of a student's Functional model: same structure, same weights.

    The JSON is checked before Keras reads it: only Input, Dense and
    Activation layers from Keras itself are rebuilt.
    """
    if not isinstance(model_json, str):
        raise CheckFailed(f"{what}: model.to_json() did not return text.")
    try:
        config = json.loads(model_json)
        layers = config["config"]["layers"]
        kinds = [(layer["class_name"], str(layer.get("module", ""))) for layer in layers]
    except (ValueError, KeyError, TypeError):
        raise CheckFailed(f"{what}: the model's structure (model.to_json()) could not be read; "
                          "build it with keras.Input, keras.layers.Dense and keras.Model.") from None
    odd = sorted({name for name, module in kinds if name not in ALLOWED_LAYERS or not module.startswith("keras")})
    if odd:
        raise CheckFailed(f"{what}: the model uses {', '.join(odd)}; this exercise needs only "
                          "keras.Input and Dense layers (an Activation layer is fine too).")
    try:
        arrays = [np.asarray(w, dtype=np.float32) for w in weights]
    except (TypeError, ValueError):
        raise CheckFailed(f"{what}: model.get_weights() did not return a list of NumPy arrays.") from None
    key = (model_json, tuple((a.shape, a.tobytes()) for a in arrays))
    if key not in _rebuilt:
        try:
            copy = keras().models.model_from_json(model_json)
            copy.set_weights(arrays)
        except (ValueError, TypeError) as err:
            raise CheckFailed(f"{what}: the grader could not rebuild your model from model.to_json() "
                              f"and model.get_weights() ({err}).") from None
        if len(_rebuilt) >= 8:
            _rebuilt.pop(next(iter(_rebuilt)))
        _rebuilt[key] = copy
    return _rebuilt[key]


# Copies by (structure, weights): the tests of one submission share one copy (and its compiled predict step).
_rebuilt: dict = {}
