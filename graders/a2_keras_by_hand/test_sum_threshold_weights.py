"""sum_threshold_weights(): [W, b] for Input(2) -> Dense(1, tanh) deciding x1 + x2 > 0.5 (seed 001).

Graded by behaviour: the weights go into a Keras model in the judge, and the
sign of its output must be the rule's label everywhere in [0, 1)^2.
"""

import pytest

from .threshold_checks import boundary_figure, check_points, near_boundary, uniform

pytestmark = pytest.mark.exercise("sum_threshold_weights")

WHAT = "sum_threshold_weights()"


def test_right_on_uniform_points(student, rng, settings, plot):
    """sign(output) is right on 10,000 random points of [0, 1)^2"""
    got = student.set_weights.sum_threshold_weights()
    try:
        plot("field", "Your model's output over the unit square", **boundary_figure(got, WHAT))
    except Exception:  # noqa: BLE001 - a figure is a bonus: unusable weights get their message below
        pass
    check_points(got, 2, 0.5, uniform(rng, settings, 2), WHAT, "random points of [0, 1)^2")


def test_right_next_to_the_boundary(student, rng, settings):
    """sign(output) is right within 1e-3 of the line x1 + x2 = 0.5, on both sides"""
    got = student.set_weights.sum_threshold_weights()
    check_points(got, 2, 0.5, near_boundary(rng, settings, 2, 0.5), WHAT, "points next to the boundary")


@pytest.mark.hidden
def test_right_on_fresh_points(student, rng, settings):
    """Fresh random and near-boundary points, seeded per submission"""
    got = student.set_weights.sum_threshold_weights()
    check_points(got, 2, 0.5, uniform(rng, settings, 2), WHAT, "fresh random points")
    check_points(got, 2, 0.5, near_boundary(rng, settings, 2, 0.5), WHAT, "fresh points next to the boundary")
