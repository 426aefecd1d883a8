"""Test inputs: one-hot labels and random dense-network parameters."""

from __future__ import annotations

import numpy as np


def onehot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def random_params(rng: np.random.Generator, sizes: list[int], scale: float = 0.5) -> dict[str, np.ndarray]:
    """Weights ``W1, W2, ...`` of shape (fan_in, fan_out) and non-zero biases ``b1, b2, ...``, so a
    forgotten bias cannot go unnoticed."""
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = scale * rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = 0.3 * rng.standard_normal(fan_out)
    return params
