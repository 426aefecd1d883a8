"""Independent oracles for a1 that give no exercise away: finite differences, data, inputs.

Gradients come only from centered finite differences of forward computations
(float64) -- or, in hidden tests, from TensorFlow's autodiff -- so a mistake
shared by the student's code and a reference backward pass cannot hide. The
reference forward computations themselves are answers: they live in the
private answers.py, which the student course replaces by their values.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np


def onehot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centered differences of the scalar f at x (float64), one entry at a time."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        plus = f(x)
        x[index] = saved - h
        minus = f(x)
        x[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def random_params(rng: np.random.Generator, sizes: list[int], scale: float = 0.5) -> dict[str, np.ndarray]:
    """Weights and non-zero biases, so a forgotten bias cannot go unnoticed."""
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = scale * rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = 0.3 * rng.standard_normal(fan_out)
    return params


@lru_cache(maxsize=1)
def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits, scaled to [0, 1], split 1300 / 497 with a fixed seed.

    The CSV shipped inside scikit-learn is read directly: importing sklearn
    would cost the self-check about a second.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise RuntimeError("scikit-learn is not installed; `pip install scikit-learn` (it ships the digits data)")
    table = np.loadtxt(Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz", delimiter=",")
    x, t = table[:, :-1] / 16.0, table[:, -1].astype(int)
    order = np.random.default_rng(2024).permutation(len(x))
    x, t = x[order], t[order]
    return x[:1300], t[:1300], x[1300:], t[1300:]
