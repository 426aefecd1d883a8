"""make_sum_data: seed 000's points in [0, 1) and their +1/-1 labels by "sum > dim / 2"."""

import numpy as np
import pytest

from graders.engine.grading.compare import CheckFailed, expect, expect_array

from . import oracles

pytestmark = pytest.mark.exercise("make_sum_data")


def draw(student, n, dim, seed):
    """The student's (data, labels), checked for types and shapes."""
    what = f"make_sum_data({n}, dim={dim}, seed={seed})"
    result = student.models.make_sum_data(n, dim=dim, seed=seed)
    expect(isinstance(result, tuple) and len(result) == 2,
           f"{what} should return a tuple (data, labels), got {type(result).__name__}.")
    data = expect_array(result[0], f"{what}: data", shape=(n, dim))
    labels = expect_array(result[1], f"{what}: labels")
    if labels.shape == (n, 1):
        raise CheckFailed(f"{what}: labels have shape (n, 1); return a flat array of shape ({n},).")
    expect(labels.shape == (n,), f"{what}: labels should have shape ({n},), got {labels.shape}.")
    return data, labels, what


def expect_rule(data, labels, what):
    values = set(np.unique(labels).tolist())
    if values <= {0, 1} and values != {1}:
        raise CheckFailed(f"{what}: labels are 0 and 1; the hinge loss needs +1 and -1 "
                          "(seed 000: (sum > 2.5) * 2 - 1).")
    expect(values <= {-1, 1}, f"{what}: labels should be +1 and -1 only, got the values {sorted(values)}.")
    expected = oracles.sum_labels(data)
    if np.array_equal(labels, -expected):
        raise CheckFailed(f"{what}: every label has the wrong sign; +1 is for points whose sum is "
                          "greater than dim / 2.")
    dim = data.shape[1]
    if dim != 5 and np.array_equal(labels, np.where(data.sum(axis=1) > 2.5, 1, -1)):
        raise CheckFailed(f"{what}: the labels use the threshold 2.5 for dim={dim}; the threshold is dim / 2.")
    wrong = int(np.sum(labels != expected))
    expect(wrong == 0, f"{what}: {wrong} of {len(labels)} labels disagree with the rule "
                       "+1 if the row's sum > dim / 2 else -1.")


def test_shapes_and_values_in_the_unit_interval(student):
    """data has shape (n, dim) with values in [0, 1); labels shape (n,)"""
    data, _, what = draw(student, 50, 5, 0)
    expect(data.min() >= 0.0 and data.max() < 1.0,
           f"{what}: data should lie in [0, 1), got values from {data.min():.3g} to {data.max():.3g}.")


@pytest.mark.weight(2)
@pytest.mark.parametrize("dim", [5, 3, 8])
def test_labels_are_plus_minus_one_by_the_sum_rule(student, dim):
    """labels[i] is +1 exactly when data[i].sum() > dim / 2, else -1"""
    data, labels, what = draw(student, 300, dim, 1)
    expect_rule(data, labels, what)


def test_data_looks_uniform(student):
    """The values are spread evenly over [0, 1) (uniform, not normal or rounded)"""
    data, _, what = draw(student, 2000, 5, 2)
    counts = np.histogram(data, bins=10, range=(0.0, 1.0))[0] / data.size
    expect(np.all(np.abs(counts - 0.1) < 0.02),
           f"{what}: the fraction of values in each tenth of [0, 1) is {np.round(counts, 3).tolist()}; "
           "uniform data puts about 0.1 in each. Draw with rng.random((n, dim)).")
    expect(len(np.unique(data)) > 0.99 * data.size, f"{what}: many values repeat; draw continuous values.")


def test_same_seed_same_data_other_seed_other_data(student):
    """The seed makes the data reproducible"""
    first, _, what = draw(student, 20, 5, 7)
    again, _, _ = draw(student, 20, 5, 7)
    other, _, _ = draw(student, 20, 5, 8)
    expect(np.array_equal(first, again), f"{what} gave different data on two calls; "
                                         "draw from np.random.default_rng(seed).")
    expect(not np.array_equal(first, other), "seed=7 and seed=8 gave the same data; use the seed.")


@pytest.mark.hidden
def test_random_seed(student, rng):
    """n = 137 and dim = 7 with a seed drawn per submission follow the rule"""
    n, dim, seed = 137, 7, int(rng.integers(0, 2**31))  # sizes fixed for every student: only the seed varies
    data, labels, what = draw(student, n, dim, seed)
    expect(data.min() >= 0.0 and data.max() < 1.0, f"{what}: data should lie in [0, 1).")
    expect_rule(data, labels, what)
