"""The shared judge of sum_threshold_weights and sum_threshold_weights_n.

The student's [W, b] go into a fresh Input(n) -> Dense(1, tanh) Keras model
in the judge; its outputs on uniform points and on points just either side of
the boundary must have the sign of the rule "sum(x) > threshold".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import keras_ref, rules


def judge_model(arrays: list[np.ndarray], n: int, what: str) -> Any:
    model = keras_ref.dense_model((n, 1), ("tanh",))
    keras_ref.load_student_weights(model, arrays, what, ("W", "b"), f"Input({n}) -> Dense(1, tanh)")
    return model


def check_points(got: Any, n: int, threshold: float, x: np.ndarray, what: str, where: str) -> None:
    """sign(output) on the points x is right, else feedback naming a known mistake if the weights show one."""
    arrays = keras_ref.as_weight_list(got, what, ("W", "b"))
    model = judge_model(arrays, n, what)
    outputs = keras_ref.predict(model, x)
    diagnosis = rules.diagnose_threshold(arrays[0], arrays[1], n, threshold, rules.threshold_mistakes(n, threshold))
    rule = " + ".join(f"x{i + 1}" for i in range(n)) if n <= 3 else f"x1 + ... + x{n}"
    rules.expect_signs(outputs, x, threshold, f"{what} on {where} (rule: {rule} > {threshold:g})", diagnosis)


def boundary_figure(got: Any, what: str, threshold: float = 0.5, size: int = 60) -> dict:
    """The output the student's weights give over the unit square, and the rule's line, for ``plot``."""
    arrays = keras_ref.as_weight_list(got, what, ("W", "b"))
    model = judge_model(arrays, 2, what)
    ticks = (np.arange(size) + 0.5) / size
    x1, x2 = np.meshgrid(ticks, ticks)
    outputs = keras_ref.predict(model, np.column_stack([x1.ravel(), x2.ravel()]).astype(np.float32))
    return {"z": np.asarray(outputs).reshape(size, size), "extent": [0, 1, 0, 1],
            "boundary": [-1.0, threshold], "xlabel": "x1", "ylabel": "x2"}


def uniform(rng: np.random.Generator, settings: dict, n: int) -> np.ndarray:
    return rules.uniform_points(rng, int(settings["uniform_points"]), n)


def near_boundary(rng: np.random.Generator, settings: dict, n: int, threshold: float) -> np.ndarray:
    return rules.boundary_points(rng, int(settings["boundary_points"]), n, threshold,
                                 float(settings["boundary_distance"]))
