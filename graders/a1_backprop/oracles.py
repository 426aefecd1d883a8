"""Independent oracles for a1 that give no exercise away: finite differences, data, inputs.

Gradients come only from centered finite differences of forward computations
(float64) -- or, in hidden tests, from TensorFlow's autodiff -- so a mistake
shared by the student's code and a reference backward pass cannot hide. The
reference forward computations themselves are answers: they live in the
private answers.py, which the student course replaces by their values.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# Shared with every assignment (graders/common); a1's graders reach them through this module.
from graders.common.arrays import onehot, random_params
from graders.common.data import digits
from graders.common.gradients import numerical_gradient

__all__ = ["digits_split", "numerical_gradient", "onehot", "random_params"]


@lru_cache(maxsize=1)
def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits (graders/common/data.py) split 1300 / 497."""
    x, t = digits()
    return x[:1300], t[:1300], x[1300:], t[1300:]
