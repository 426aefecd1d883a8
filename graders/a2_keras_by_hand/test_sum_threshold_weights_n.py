"""sum_threshold_weights_n(n, threshold): the sum rule for n inputs (seed 000: n = 5, threshold 2.5)."""

import pytest

from .threshold_checks import check_points, near_boundary, uniform

pytestmark = pytest.mark.exercise("sum_threshold_weights_n")


@pytest.mark.parametrize("n, threshold", [(2, 0.5), (5, 2.5)])
def test_right_on_uniform_points(student, rng, settings, n, threshold):
    """sign(output) is right on 10,000 random points of [0, 1)^n"""
    got = student.set_weights.sum_threshold_weights_n(n, threshold)
    check_points(got, n, threshold, uniform(rng, settings, n), f"sum_threshold_weights_n({n}, {threshold})",
                 f"random points of [0, 1)^{n}")


@pytest.mark.parametrize("n, threshold", [(2, 0.5), (5, 2.5)])
def test_right_next_to_the_boundary(student, rng, settings, n, threshold):
    """sign(output) is right within 1e-3 of the boundary sum = threshold, on both sides"""
    got = student.set_weights.sum_threshold_weights_n(n, threshold)
    check_points(got, n, threshold, near_boundary(rng, settings, n, threshold),
                 f"sum_threshold_weights_n({n}, {threshold})", "points next to the boundary")


@pytest.mark.hidden
@pytest.mark.parametrize("n", [3, 4, 7])
def test_random_threshold(student, rng, settings, n):
    """n = 3, 4 and 7 with a threshold between 0.3 n and 0.7 n, seeded per submission"""
    threshold = round(float(rng.uniform(0.3 * n, 0.7 * n)), 3)
    got = student.set_weights.sum_threshold_weights_n(n, threshold)
    what = f"sum_threshold_weights_n({n}, {threshold})"
    check_points(got, n, threshold, uniform(rng, settings, n), what, f"random points of [0, 1)^{n}")
    check_points(got, n, threshold, near_boundary(rng, settings, n, threshold), what, "points next to the boundary")
