"""Architectures as data, and a student's model read into the same form.

The expected networks are written below as lists of :class:`Layer` (what the
spec says: kinds, units, windows, activations); their output shapes and
parameter counts come from Keras itself, by building the reference in the
judge (:func:`reference`). A student's model is read through its proxy
(class names, ``get_config()``, output shapes, ``count_params()``) and
normalized the same way, so that equally correct spellings compare equal:

- ``Dense(64, activation="relu")`` and ``Dense(64)`` + ``Activation("relu")``
  (or a ``ReLU()`` layer) are one ``Dense(64, activation='relu')``;
- an ``InputLayer`` (present in Functional models, absent in Sequential ones)
  and ``Activation("linear")`` are left out;
- layer names, ``add()`` vs a list, and aliases (``Convolution2D``) do not matter.

The first layer that differs is named in the feedback, with both descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable

from graders.engine.grading.compare import CheckFailed, expect
from graders.engine.core.errors import StudentCrash, StudentError, StudentTimeout
from graders.engine.isolation.student import StudentObject

from .oracles import judge_keras


@dataclass(frozen=True)
class Layer:
    """One layer, activation folded in. Shape and parameter count are Keras' answers."""

    kind: str                               # Dense, Conv2D, MaxPooling2D, Flatten, Dropout, Activation, ...
    size: int | None = None                 # units of a Dense, filters of a Conv2D
    window: tuple[int, ...] | None = None   # kernel_size of a Conv2D, pool_size of a MaxPooling2D
    activation: str = "linear"
    rate: float | None = None               # of a Dropout
    options: tuple[tuple[str, Any], ...] = ()  # settings that differ from Keras' defaults (strides, padding)
    output_shape: tuple | None = None
    params: int | None = None
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class Architecture:
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]


@dataclass(frozen=True)
class Compiled:
    optimizer: str   # a keras.optimizers class name
    loss: str        # canonical name, see canonical_loss
    metric: str = "accuracy"


def dense_net(input_dim: int = 5, hidden: int = 20) -> Architecture:
    """Seed 000: Input(input_dim) -> Dense(hidden, tanh) -> Dense(1, tanh)."""
    return Architecture((input_dim,), (Layer("Dense", hidden, activation="tanh"),
                                       Layer("Dense", 1, activation="tanh")))


CNN = Architecture((28, 28, 1), (
    Layer("Conv2D", 16, (3, 3), "relu"),
    Layer("MaxPooling2D", window=(2, 2)),
    Layer("Conv2D", 32, (3, 3), "relu"),
    Layer("MaxPooling2D", window=(2, 2)),
    Layer("Flatten"),
    Layer("Dense", 64, activation="relu"),
    Layer("Dropout", rate=0.2),
    Layer("Dense", 10, activation="softmax"),
))

DENSE_COMPILE = Compiled("Adam", "hinge")
CNN_COMPILE = Compiled("Adam", "categorical_crossentropy")


# -- the reference: Keras builds the spec -------------------------------------

def keras_model(architecture: Architecture) -> Any:
    """The architecture as a (judge-side, uncompiled) keras.Sequential model."""
    keras = judge_keras()
    return keras.Sequential([keras.Input(shape=architecture.input_shape),
                             *(_to_keras(keras, layer) for layer in architecture.layers)])


@lru_cache(maxsize=16)
def reference(architecture: Architecture) -> tuple[tuple[Layer, ...], int]:
    """The expected layers with Keras' output shapes and parameter counts, and the total."""
    model = keras_model(architecture)
    layers = tuple(replace(layer, output_shape=tuple(built.output.shape), params=int(built.count_params()))
                   for layer, built in zip(architecture.layers, model.layers))
    return layers, int(model.count_params())


def _to_keras(keras: Any, layer: Layer) -> Any:
    activation = None if layer.activation == "linear" else layer.activation
    return {
        "Dense": lambda: keras.layers.Dense(layer.size, activation=activation),
        "Conv2D": lambda: keras.layers.Conv2D(layer.size, layer.window, activation=activation),
        "MaxPooling2D": lambda: keras.layers.MaxPooling2D(layer.window),
        "Flatten": lambda: keras.layers.Flatten(),
        "Dropout": lambda: keras.layers.Dropout(layer.rate),
    }[layer.kind]()


# -- reading a student's model ------------------------------------------------

def keras_class(obj: StudentObject) -> str:
    """The Keras class of a student object: the first keras.* class along its MRO."""
    for name in obj.type_names():
        module, _, cls = name.rpartition(".")
        if module == "keras" or module.startswith("keras."):
            return cls
    return obj.type_names()[0].rpartition(".")[2]


def expect_model(model: Any, what: str, kind: str) -> None:
    """``model`` is a Keras model made with the ``kind`` API ("Sequential" or "Functional")."""
    expect(isinstance(model, StudentObject), f"{what} should return a Keras model, got "
                                             f"{'None' if model is None else type(model).__name__}.")
    names = [n.rpartition(".")[2] for n in model.type_names()]
    expect("Model" in names, f"{what} should return a Keras model, got a {keras_class(model)}.")
    if kind == "Sequential":
        expect("Sequential" in names, f"{what} should return a keras.Sequential model, got a {names[0]}.")
    else:
        expect("Functional" in names and "Sequential" not in names,
               f"{what} should use the Functional API: keras.Model(inputs=..., outputs=...) from a "
               f"keras.Input; got a {names[0]} model.")


def read_layers(model: StudentObject) -> list[Layer]:
    """The student's layers in normalized form (activations folded, InputLayer left out)."""
    found: list[Layer] = []
    layers = model.layers
    expect(isinstance(layers, list), "model.layers should be a list of layers.")
    for index, layer in enumerate(layers):
        kind = keras_class(layer)
        if kind == "InputLayer":
            continue
        config = layer.get_config()
        expect(isinstance(config, dict), f"model.layers[{index}].get_config() should be a dict.")
        where = f"model.layers[{index}] ({config.get('name')!r})"
        alone = _standalone_activation(kind, config)
        if alone == "linear":
            continue
        if alone is not None and found and found[-1].kind in ("Dense", "Conv2D") \
                and found[-1].activation == "linear":
            found[-1] = replace(found[-1], activation=alone)
            continue
        found.append(Layer(
            kind="Activation" if alone is not None else kind,
            size=config.get("units", config.get("filters")),
            window=_tuple(config.get("kernel_size", config.get("pool_size"))),
            activation=alone or _activation_name(config.get("activation", "linear")),
            rate=config.get("rate"),
            options=_options(kind, config),
            output_shape=_probe(lambda: tuple(layer.output.shape), where),
            params=_probe(lambda: int(layer.count_params()), where),
            where=where,
        ))
    return found


def input_shape(model: StudentObject, what: str) -> tuple:
    inputs = _probe(lambda: model.inputs, what)
    expect(isinstance(inputs, list) and len(inputs) == 1, "The model should have exactly one input.")
    return tuple(inputs[0].shape)


def _probe(read: Callable[[], Any], where: str) -> Any:
    """Read something Keras can only tell about a built model; explain if it is not built."""
    try:
        return read()
    except (StudentTimeout, StudentCrash):
        raise
    except StudentError as error:
        said = "" if error.kind == "AttributeError" else f" (Keras: {error.message[:200]})"
        raise CheckFailed(
            f"{where}: Keras cannot tell the shapes or parameter counts of a model made without an input "
            f"shape{said}. Start the model with keras.Input(shape=...).") from None


def _standalone_activation(kind: str, config: dict) -> str | None:
    """The activation an activation layer applies; None for other layers."""
    if kind == "Activation":
        return _activation_name(config.get("activation"))
    if kind == "ReLU":
        plain = not config.get("max_value") and not config.get("negative_slope") and not config.get("threshold")
        return "relu" if plain else "relu (with options)"
    if kind == "Softmax":
        return "softmax" if config.get("axis", -1) in (-1, [-1]) else "softmax (other axis)"
    if kind in ("LeakyReLU", "ELU", "PReLU"):
        return kind.lower()
    return None


def _activation_name(value: Any) -> str:
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, dict) and isinstance(value.get("config"), str):
        return value["config"].lower()  # a serialized function, e.g. {"class_name": "function", "config": "relu"}
    return "a custom function"


def _tuple(value: Any) -> tuple | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


_DEFAULTS = {
    "Conv2D": {"strides": (1, 1), "padding": "valid", "dilation_rate": (1, 1), "use_bias": True, "groups": 1},
    "Dense": {"use_bias": True},
    "MaxPooling2D": {"padding": "valid"},
}


def _options(kind: str, config: dict) -> tuple[tuple[str, Any], ...]:
    options = []
    for key, default in _DEFAULTS.get(kind, {}).items():
        value = config.get(key, default)
        value = _tuple(value) if isinstance(value, list) else value
        if value != default:
            options.append((key, value))
    if kind == "MaxPooling2D":
        strides = _tuple(config.get("strides"))
        if strides is not None and strides != _tuple(config.get("pool_size")):
            options.append(("strides", strides))
    return tuple(options)


# -- comparing ----------------------------------------------------------------

def describe(layer: Layer, details: bool = True) -> str:
    args: list[str] = []
    if layer.size is not None:
        args.append(str(layer.size))
    if layer.window is not None:
        args.append(str(layer.window))
    if layer.rate is not None:
        args.append(f"{layer.rate:g}")
    if layer.kind == "Activation" or layer.activation != "linear":
        args.append(f"'{layer.activation}'" if layer.kind == "Activation" else f"activation='{layer.activation}'")
    args += [f"{key}={value!r}" for key, value in layer.options]
    text = f"{layer.kind}({', '.join(args)})"
    if details and layer.output_shape is not None:
        text += f" with output {layer.output_shape}"
        if layer.params:
            text += f" and {layer.params:,} parameters"
    return text


def expect_layers(found: list[Layer], expected: tuple[Layer, ...]) -> None:
    """The student's normalized layers must be the expected ones, in order."""
    for index, want in enumerate(expected):
        if index >= len(found):
            last = found[-1].where if found else "the first layer"
            raise CheckFailed(f"The model ends after {last}; expected next: {describe(want)}.")
        got = found[index]
        if got != want:
            following = expected[index + 1] if index + 1 < len(expected) else None
            raise CheckFailed(f"{got.where}: expected {describe(want)}, got {describe(got)}. "
                              + _difference(got, want, following))
    if len(found) > len(expected):
        extra = found[len(expected)]
        raise CheckFailed(f"{extra.where}: {describe(extra)} comes after the last expected layer, "
                          f"{describe(expected[-1], details=False)}; the model should end there.")


def _difference(got: Layer, want: Layer, following: Layer | None) -> str:
    if got.kind != want.kind:
        if following is not None and got.kind == following.kind:
            return f"Is a {describe(want, details=False)} missing before this layer?"
        return f"This should be a {want.kind} layer."
    if got.size != want.size:
        noun = ("unit" if want.kind == "Dense" else "filter") + ("" if got.size == 1 else "s")
        return f"It has {got.size} {noun} instead of {want.size}."
    if got.window != want.window:
        noun = "kernel_size" if want.kind == "Conv2D" else "pool_size"
        return f"Its {noun} is {got.window} instead of {want.window}."
    if got.activation != want.activation:
        if got.activation == "linear":
            return (f"It has no activation: add activation='{want.activation}' or an "
                    f"Activation('{want.activation}') layer right after it.")
        return f"Its activation is {got.activation} instead of {want.activation}."
    if got.rate != want.rate:
        return f"Its rate is {got.rate} instead of {want.rate}."
    if got.options != want.options:
        text = "Leave " + ", ".join(key for key, _ in got.options) + " at Keras' default."
        if want.kind == "Conv2D" and "strides" in dict(got.options):
            text += (" Keras 1's Convolution2D(16, 3, 3) meant a 3x3 kernel; in Keras 3 the third "
                     "argument is strides: write Conv2D(16, (3, 3)).")
        return text
    return "Its output shape or parameter count differs: check the model's input shape and the layers before it."


def expect_architecture(model: StudentObject, architecture: Architecture, what: str) -> None:
    """Input shape, then every layer (kind, size, activation, output shape, parameters)."""
    expected, _ = reference(architecture)
    shape = input_shape(model, what)
    want = (None, *architecture.input_shape)
    expect(shape[1:] == want[1:], f"{what}: the model's input has shape {shape}; expected {want}.")
    expect_layers(read_layers(model), expected)


def expect_parameter_count(model: StudentObject, architecture: Architecture, what: str) -> None:
    _, total = reference(architecture)
    got = _probe(lambda: int(model.count_params()), what)
    expect(got == total, f"{what}: the model has {got:,} parameters; the specified network has {total:,}. "
                         "model.summary() lists them per layer.")


# -- compile settings ---------------------------------------------------------

_LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "bce": "binary_crossentropy"}


def canonical_loss(value: Any) -> str:
    """'hinge', 'categorical_crossentropy', ...: one name for a string, class or function loss."""
    if value is None:
        return "none"
    if isinstance(value, dict):  # a serialized Loss object or function
        name = value.get("config") if value.get("class_name") == "function" else value.get("class_name")
        config = value.get("config") if isinstance(value.get("config"), dict) else {}
        if config.get("from_logits"):
            return f"{_snake(str(name))} with from_logits=True"
        value = name
    key = re.sub(r"[^a-z]", "", str(value).lower())
    return _snake(_LOSS_ALIASES.get(key, str(value)))


def _snake(name: str) -> str:
    """CategoricalCrossentropy -> categorical_crossentropy; hinge stays hinge."""
    if "_" in name or name.islower():
        return name.lower()
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def expect_compiled(model: StudentObject, compiled: Compiled, what: str) -> None:
    """The model was compiled with the expected optimizer, loss and metric."""
    config = model.get_compile_config() if model.compiled is True else None
    expect(isinstance(config, dict) and config, f"{what}: the model is not compiled. Call "
                                                "model.compile(optimizer=..., loss=..., metrics=[...]) before returning it.")
    optimizer = model.optimizer
    got_optimizer = keras_class(optimizer) if isinstance(optimizer, StudentObject) else str(optimizer)
    expect(got_optimizer == compiled.optimizer,
           f"{what}: compiled with the {got_optimizer} optimizer; expected {compiled.optimizer} "
           f"(optimizer='{compiled.optimizer.lower()}' or keras.optimizers.{compiled.optimizer}()).")
    loss = canonical_loss(config.get("loss"))
    expect(loss == compiled.loss, f"{what}: compiled with loss {loss}; expected {compiled.loss}.")
    metrics = config.get("metrics") or []
    metrics = metrics if isinstance(metrics, list) else [metrics]
    names = [str(m.get("class_name", "")) if isinstance(m, dict) else str(m) for m in metrics]
    expect(any(n.lower() in ("accuracy", "acc") or n.endswith("Accuracy") for n in names),
           f"{what}: compile with metrics=['{compiled.metric}'] (got metrics {names}).")
