"""a3's answer oracles: reference computations that would give an exercise away.

Private to the instructor's course: ``course release --student`` ships only
their values for the public tests' inputs (answers.npz), never this module.
Tests call them through ``Answers.of(__name__)`` (see engine/grading/answers.py).
"""

from __future__ import annotations

import numpy as np

from .oracles import sum_labels


def sum_data(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The judge's own draw of seed 000's data set (uniform in [0, 1))."""
    data = np.random.default_rng(seed).random((n, dim))
    return data, sum_labels(data)


def keras_params(layer_weights: list[list[np.ndarray]]) -> dict[str, np.ndarray]:
    """A Dense stack's weights (``[layer.get_weights() for layer in model.layers]``) as W1, b1, ..."""
    params: dict[str, np.ndarray] = {}
    for weights in (w for w in layer_weights if w):
        kernel, bias = weights
        index = len(params) // 2 + 1
        params[f"W{index}"], params[f"b{index}"] = kernel, bias
    return params


def numpy_forward_mistakes(params: dict[str, np.ndarray], x: np.ndarray, activation: str) -> dict[str, np.ndarray]:
    """What known mistakes compute for numpy_forward (the expected value itself comes from Keras)."""
    other = "tanh" if activation == "relu" else "relu"
    return {
        f"applied {activation} after the last layer too; it is linear (logits)":
            _scores(params, x, activation, last=True),
        f"used {other} instead of the requested {activation}": _scores(params, x, other),
        "forgot the biases": _scores(params, x, activation, bias=False),
    }


def _scores(params: dict[str, np.ndarray], x: np.ndarray, activation: str, *, last: bool = False,
            bias: bool = True) -> np.ndarray:
    act = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh}[activation]
    layers = len(params) // 2
    h = x
    for i in range(1, layers + 1):
        h = h @ params[f"W{i}"] + (params[f"b{i}"] if bias else 0.0)
        if i < layers or last:
            h = act(h)
    return h
