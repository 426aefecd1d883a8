"""scikit-learn's bundled 8x8 digits, read from the CSV it ships: no download, and no sklearn import
(which would cost a self-check about a second)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 images as rows of 64 pixels in [0, 1] and their labels, shuffled with a fixed seed."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise RuntimeError("scikit-learn is not installed; `pip install scikit-learn` (it ships the digits data)")
    table = np.loadtxt(Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz", delimiter=",")
    order = np.random.default_rng(2024).permutation(len(table))
    return table[order, :-1] / 16.0, table[order, -1].astype(int)
