"""Independent oracles for a3: Keras and TensorFlow in the judge's own process.

Nothing here reuses the student's code or the solution: expected predictions
come from Keras models the judge builds (or rebuilds from a student's
``to_json()``), gradients from ``tf.GradientTape``, labels from the rule's
definition. Student models are read through their proxies; a model the
student's code must receive (``keras_to_params``, ``train``) is built in the
student's process from the judge's JSON and weights (:func:`worker_copy`).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from graders.common.data import digits
from graders.engine.grading.compare import CheckFailed, expect
from graders.engine.isolation.student import StudentObject


_early_import: threading.Thread | None = None


def judge_keras() -> ModuleType:
    """Keras in the judge (imported quietly; waits for the plugin's background import)."""
    from graders.engine.grading.tf_oracle import keras

    return keras()


# -- seed 000's data ----------------------------------------------------------

def sum_labels(data: np.ndarray) -> np.ndarray:
    """+1 where a row sums to more than half its length, -1 elsewhere (seed 000's rule)."""
    return np.where(data.sum(axis=1) > data.shape[1] / 2, 1, -1)


def sign_accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of +1/-1 predictions read as the sign of the outputs."""
    return float(np.mean(np.where(np.asarray(outputs).reshape(-1) > 0, 1, -1) == labels))


# -- digits for the CNN ----------------------------------------------------------

@lru_cache(maxsize=1)
def digits_28x28(train: int = 1300) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits as 28x28x1 images in [0, 1], split with a fixed seed.

    Each pixel becomes a 3x3 block (24x24), padded by 2 on every side: the
    seed's CNN needs inputs of at least 10x10, and MNIST's size keeps the
    model unchanged. The digits come from graders/common/data.py.
    """
    pixels, labels = digits()
    images = np.kron(pixels.reshape(-1, 8, 8), np.ones((1, 3, 3)))
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32)
    return images[:train], labels[:train], images[train:], labels[train:]


# -- Dense stacks for the bridge ----------------------------------------------

def dense_stack(rng: np.random.Generator, sizes: list[int], activation: str, *, functional: bool = False,
                activation_layers: bool = False, dropout: bool = False) -> Any:
    """A Keras net sizes[0] -> ... -> sizes[-1] (last layer linear) with random weights.

    Biases are non-zero so that a forgotten bias shows; weights are scaled so
    logits stay moderate and float32 agrees with float64 to ~1e-7.
    ``functional`` / ``activation_layers`` / ``dropout`` vary how the same
    network is written, for the keras_to_params tests.
    """
    keras = judge_keras()
    layers = keras.layers
    inputs = keras.Input(shape=(sizes[0],))
    stack = []
    for i, units in enumerate(sizes[1:], start=1):
        hidden = i < len(sizes) - 1
        if hidden and activation_layers:
            stack += [layers.Dense(units), layers.Activation(activation)]
        else:
            stack.append(layers.Dense(units, activation=activation if hidden else None))
        if hidden and dropout:
            stack.append(layers.Dropout(0.25))
    if functional:
        x = inputs
        for layer in stack:
            x = layer(x)
        model = keras.Model(inputs=inputs, outputs=x)
    else:
        model = keras.Sequential([inputs, *stack])
    weights = []
    for kernel, bias in zip(model.get_weights()[::2], model.get_weights()[1::2]):
        scale = 1.5 / np.sqrt(kernel.shape[0])
        weights += [scale * rng.standard_normal(kernel.shape), 0.3 * rng.standard_normal(bias.shape)]
    model.set_weights([w.astype(np.float32) for w in weights])
    return model


def layer_weights(model: Any) -> list[list[np.ndarray]]:
    """Each layer's get_weights(), in order (empty for layers without weights): plain data to ask answers about."""
    return [[np.asarray(w) for w in layer.get_weights()] for layer in model.layers]


def predict(model: Any, x: np.ndarray) -> np.ndarray:
    """Keras' forward pass in inference mode (what model.predict computes, without its overhead)."""
    return np.asarray(model(np.asarray(x, dtype=np.float32), training=False), dtype=np.float64)


def tape_gradients(model: Any, x: np.ndarray, labels: np.ndarray, classes: int) -> dict[str, np.ndarray]:
    """Gradients of Keras' mean softmax cross-entropy (from logits) by tf.GradientTape."""
    keras = judge_keras()
    from graders.engine.grading.tf_oracle import tensorflow

    tf = tensorflow()
    dense = [layer for layer in model.layers if layer.weights]
    variables = [v for layer in dense for v in (layer.kernel, layer.bias)]
    loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        logits = model(np.asarray(x, dtype=np.float32), training=False)
        loss = loss_fn(np.eye(classes, dtype=np.float32)[labels], logits)
    grads = tape.gradient(loss, variables)
    names = [f"{kind}{i}" for i in range(1, len(dense) + 1) for kind in ("W", "b")]
    return {name: np.asarray(g, dtype=np.float64) for name, g in zip(names, grads)}


# -- models across the judge / student boundary -------------------------------

def worker_copy(student: Any, model: Any) -> StudentObject:
    """The judge's ``model`` rebuilt where the student's code runs, with the same weights.

    Keras objects cannot be sent as data, but their JSON and weights can: the
    student's process makes the model with its own Keras.
    """
    worker_keras = student.module("keras")
    copy = worker_keras.models.model_from_json(model.to_json())
    copy.set_weights([np.asarray(w) for w in model.get_weights()])
    return copy


def rebuild(student_model: Any, what: str) -> Any:
    """A judge-side copy of a student's model: its architecture from to_json(), its weights.

    Keras deserializes in safe mode and only from keras modules, so a JSON
    text cannot make the judge run code.
    """
    expect(isinstance(student_model, StudentObject),
           f"{what} should return a Keras model, got {type(student_model).__name__}.")
    text = student_model.to_json()
    expect(isinstance(text, str), f"{what}: model.to_json() did not return a string.")
    keras = judge_keras()
    try:
        model = keras.models.model_from_json(text)
    except Exception as err:  # noqa: BLE001 - any failure means "not rebuildable from its config"
        raise CheckFailed(f"{what}: the model could not be rebuilt from model.to_json() "
                          f"({type(err).__name__}: {str(err)[:300]}). Use Keras' built-in layers.") from None
    set_weights_checked(model, student_model.get_weights(), what)
    return model


def set_weights_checked(model: Any, weights: Any, what: str) -> None:
    """model.set_weights(weights), after checking they are arrays of the model's shapes."""
    shapes = [tuple(w.shape) for w in model.weights]
    expect(isinstance(weights, list) and all(isinstance(w, np.ndarray) for w in weights),
           f"{what}: get_weights() should give a list of arrays.")
    got = [tuple(w.shape) for w in weights]
    expect(got == shapes, f"{what}: the weights have shapes {got}; the model needs {shapes}.")
    model.set_weights(weights)


def copy_weights(source: Any, target: Any, source_name: str, target_name: str) -> None:
    """target.set_weights(source.get_weights()), with a message if the two do not line up."""
    got = [tuple(w.shape) for w in source.get_weights()]
    need = [tuple(w.shape) for w in target.get_weights()]
    expect(got == need, f"The weights of {source_name} (shapes {got}) do not fit {target_name} "
                        f"(shapes {need}); the two should be the same network.")
    target.set_weights(source.get_weights())
