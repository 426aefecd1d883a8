"""Checks name known mistakes at the answer's own precision, and add each hint once."""

import numpy as np
import pytest

from graders.engine.core.errors import StudentError
from graders.engine.grading.compare import CheckFailed, expect_close, explain

# relu where tanh was requested: small outputs, so an absolute error of 1.1e-7 is large relative to them
WRONG = np.array([[0.9, 0.001], [-0.4, 0.0002]])
RIGHT = np.array([[0.7, 0.003], [-0.5, 0.0004]])
MISTAKES = {"used relu instead of the requested tanh": WRONG}


def feedback(got: np.ndarray) -> str:
    with pytest.raises(CheckFailed) as failed:
        expect_close(got, RIGHT, "predict(x)", rtol=1e-6, atol=1e-8, mistakes=MISTAKES)
    return str(failed.value)


def test_float32_answer_off_by_its_rounding_is_named():
    got = (WRONG + np.array([[0.0, 1.1e-7], [0.0, -1.1e-7]])).astype(np.float32)
    assert "used relu instead of the requested tanh" in feedback(got)


def test_float64_answer_off_by_as_much_is_not_named():
    got = WRONG + np.array([[0.0, 1.1e-7], [0.0, -1.1e-7]])
    assert "known mistake" not in feedback(got)


def test_float32_answer_far_from_the_mistake_is_not_named():
    got = (WRONG + np.array([[0.0, 1e-3], [0.0, 0.0]])).astype(np.float32)
    assert "known mistake" not in feedback(got)


def test_nested_blocks_with_the_same_hint_add_it_once():
    hint = "t may be integer labels of shape (N,)"
    with pytest.raises(StudentError) as raised:
        with explain(hint):
            with explain(hint):
                raise StudentError("IndexError", "too many indices", "layers.py, line 3")
    assert raised.value.feedback().count(hint) == 1


def test_nested_blocks_with_different_hints_add_both():
    with pytest.raises(StudentError) as raised:
        with explain("outer hint"):
            with explain("inner hint"):
                raise StudentError("IndexError", "too many indices", "layers.py, line 3")
    assert "outer hint" in raised.value.feedback() and "inner hint" in raised.value.feedback()


@pytest.mark.parametrize("name", ["dW transposed", "dW transposed."])
def test_a_mistake_s_name_ends_its_sentence_with_one_full_stop(name):
    with pytest.raises(CheckFailed) as failed:
        expect_close(np.ones((2, 3)).T, np.ones((2, 3)) * 2, "dW", rtol=0, atol=1e-9,
                     mistakes={name: np.ones((2, 3)).T})
    assert "This looks like a known mistake: dW transposed.\n" in str(failed.value) + "\n"
    assert ".." not in str(failed.value)

