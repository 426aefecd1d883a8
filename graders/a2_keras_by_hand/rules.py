"""Classifiers judged by behaviour: where does sign(output) say +1?

Points are drawn in float64, then rounded to float32 (what Keras computes
with), and labelled from those rounded values, so a correct model can never
lose a point to rounding. Points near the boundary lie between 2e-5 and
``boundary_distance`` (in the sum) from it: far enough for float32, close
enough to catch a boundary that is slightly off.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from graders.engine.grading.compare import CheckFailed

from .keras_ref import float32_exact
from .seed_model import true_label

MIN_DISTANCE = 2e-5


def uniform_points(rng: np.random.Generator, count: int, n: int) -> np.ndarray:
    return float32_exact(rng.random((count, n)))


def boundary_points(rng: np.random.Generator, count: int, n: int, threshold: float,
                    max_distance: float) -> np.ndarray:
    """Points of [0, 1)^n whose coordinates sum to threshold ± d, half on each side.

    d is log-uniform in [MIN_DISTANCE, max_distance]: as many points at 1e-5
    scale as at 1e-3, so a boundary off by 1e-4 is found too.
    """
    found, total = [], 0
    while total < count:
        u = rng.random((4 * count, n))
        side = np.where(np.arange(len(u)) % 2 == 0, 1.0, -1.0)
        d = side * np.exp(rng.uniform(np.log(MIN_DISTANCE), np.log(max_distance), len(u)))
        x = float32_exact(u + ((threshold + d - u.sum(axis=1)) / n)[:, None])
        gap = x.sum(axis=1) - threshold
        keep = np.all((x >= 0) & (x < 1), axis=1) & (np.abs(gap) >= MIN_DISTANCE / 2) & (np.sign(gap) == side)
        found.append(x[keep])
        total += int(keep.sum())
    return np.concatenate(found)[:count]


def expect_signs(outputs: np.ndarray, x: np.ndarray, threshold: float, what: str,
                 diagnosis: str | None = None) -> None:
    """sign(output) must be the ±1 label of "sum(x) > threshold" for every row of x."""
    labels = true_label(x, threshold)
    predicted = np.sign(np.asarray(outputs, dtype=np.float64).reshape(len(x), -1)[:, 0])
    wrong = np.flatnonzero(predicted != labels)
    if not len(wrong):
        return
    i = wrong[0]
    point = ", ".join(f"{v:.5f}" for v in x[i])
    should = "positive" if labels[i] > 0 else "negative"
    detail = (f"{what}: sign(output) is wrong for {len(wrong):,} of {len(x):,} points "
              f"(accuracy {1 - len(wrong) / len(x):.2%} by sign; 100% is expected). "
              f"For example x = ({point}), sum {x[i].sum():.6f}: the output is {float(outputs.ravel()[i]):.3g}, "
              f"it should be {should}.")
    raise CheckFailed(detail + (f"\nThis looks like a known mistake: {diagnosis}." if diagnosis else ""))


def threshold_mistakes(n: int, threshold: float) -> dict[str, tuple[np.ndarray, float]]:
    """Known wrong answers for Input(n) -> Dense(1): name -> (W, b), compared up to a positive scale."""
    ones = np.ones(n)
    mistakes = {
        "the threshold weight b has the wrong sign (the unit switches at sum = "
        f"{-threshold:g} instead of {threshold:g}; b should be -{threshold:g} times the input weight)":
            (ones, +threshold),
        "W and b both have the wrong sign, so the output is positive when the sum is BELOW the threshold":
            (-ones, +threshold),
        "b is 0: without a threshold the unit switches at sum = 0": (ones, 0.0),
    }
    if n > 1:
        mistakes["the inputs are averaged (W = 1/n) while b is the threshold of the sum"] = (ones, -n * threshold)
    return mistakes


NEAR = 0.01  # a switch this close to the threshold (relative to the sum's range n) errs only near it


def misplaced_switch(switch: float, threshold: float, n: int) -> str:
    """Where and how a unit that switches at the wrong sum is wrong: the band between the two sums."""
    low, high = sorted((switch, threshold))
    called = "negative" if switch > threshold else "positive"
    where = ("right away from the boundary, wrong near it" if high - low <= NEAR * n
             else f"wrong for every x whose sum lies between {max(low, 0.0):.4g} and {min(high, float(n)):.4g}")
    return (f"the unit switches at sum = {switch:.7g} instead of exactly {threshold:g}: {where} "
            f"(those points get a {called} output)")


def diagnose_threshold(W: np.ndarray, b: np.ndarray, n: int, threshold: float,
                       mistakes: Mapping[str, tuple[np.ndarray, float]]) -> str | None:
    """Name what is wrong with (W, b) for "sum > threshold", if it is a known mistake."""
    w, c = np.asarray(W, dtype=np.float64).reshape(-1), float(np.asarray(b, dtype=np.float64).reshape(-1)[0])
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    if scale == 0:
        return "all input weights are 0, so the output cannot depend on x"
    for name, (cw, cc) in mistakes.items():
        cscale = float(np.max(np.abs(cw)))
        if np.allclose(np.append(w, c) / scale, np.append(cw, cc) / cscale, rtol=1e-5, atol=1e-7):
            return name
    if np.allclose(w, w[0], rtol=1e-6) and w[0] > 0:
        switch = -c / w[0]
        if not np.isclose(switch, threshold, rtol=0, atol=1e-7 * max(1.0, threshold)):
            return misplaced_switch(switch, threshold, n)
    elif not np.allclose(np.abs(w), np.abs(w[0]), rtol=1e-6):
        return "the inputs have different weights, but the rule adds them all up with the same weight"
    return None
