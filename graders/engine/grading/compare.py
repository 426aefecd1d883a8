"""Checks that explain themselves.

Every check compares what the student's code returned with a value from an
independent oracle and, on failure, raises :class:`CheckFailed` with feedback:
what was compared, the shapes, the largest error and where it is, and the name
of a known mistake when the wrong answer matches one exactly.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..isolation.student import StudentObject
from . import evidence as evidence_
from .relations import Case


class CheckFailed(AssertionError):
    """A check failed; the message is feedback for the student."""


def expect_array(got: Any, what: str, *, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """``got`` must be a numeric NumPy array (or scalar) of ``shape``, with no nan/inf."""
    if isinstance(got, StudentObject):
        raise CheckFailed(f"{what}: expected a NumPy array, got a {got.type_name}.")
    if got is None:
        raise CheckFailed(f"{what}: got None. Did you forget a `return`?")
    if isinstance(got, (list, tuple)):
        raise CheckFailed(f"{what}: expected a NumPy array, got a {type(got).__name__}; "
                          "wrap it with np.array(...) or compute with NumPy operations.")
    array = np.asarray(got)
    if array.dtype.kind not in "biuf":
        raise CheckFailed(f"{what}: expected numbers, got an array of dtype {array.dtype}.")
    if shape is not None and array.shape != tuple(shape):
        raise CheckFailed(f"{what}: expected shape {tuple(shape)}, got {array.shape}.")
    bad = ~np.isfinite(array)
    if bad.any():
        index = _index(np.argwhere(bad)[0])
        raise CheckFailed(f"{what}: contains {array[tuple(np.argwhere(bad)[0])]} at {index} "
                          f"({int(bad.sum())} of {array.size} values are nan or inf).")
    return array


def expect_scalar(got: Any, what: str) -> float:
    """``got`` must be a single finite number (Python or NumPy scalar, or a size-1 array)."""
    array = expect_array(got, what)
    if array.size != 1:
        raise CheckFailed(f"{what}: expected a single number, got an array of shape {array.shape}.")
    return float(array.reshape(()))


def expect_close(got: Any, expected: Any, what: str, *, rtol: float, atol: float,
                 mistakes: Mapping[str, Any] | None = None, hint: str = "") -> None:
    """``got`` ≈ ``expected`` elementwise: ``|got - expected| <= atol + rtol * |expected|``."""
    expected = np.asarray(expected, dtype=np.float64)
    mistake = _matching_mistake(got, mistakes or {}, rtol, atol)
    check = _keep_evidence(got, expected, what, rtol, atol, mistake)
    try:
        array = expect_array(got, what, shape=expected.shape)
    except CheckFailed as failed:
        mistake, hint = _mined_if_unknown(check, mistake, hint)
        raise CheckFailed(_join(str(failed), mistake, hint)) from None
    error = np.abs(array.astype(np.float64) - expected)
    allowed = atol + rtol * np.abs(expected)
    if np.all(error <= allowed):
        if check is not None:
            check.passed = True
        return
    mistake, hint = _mined_if_unknown(check, mistake, hint)
    worst = np.unravel_index(np.argmax(error - allowed), error.shape) if error.ndim else ()
    detail = (f"{what}: {int(np.sum(error > allowed))} of {error.size} values differ; "
              f"largest error {error[worst]:.3g} at {_index(worst)} "
              f"(got {array[worst]:.6g}, expected {expected[worst]:.6g}; shape {expected.shape}).")
    raise CheckFailed(_join(detail, mistake, hint))


def expect_gradient(got: Any, numerical: Any, what: str, *, rtol: float, atol: float,
                    mistakes: Mapping[str, Any] | None = None, hint: str = "") -> None:
    """Backprop gradient vs a finite-difference one, relative to the gradient's scale."""
    numerical = np.asarray(numerical, dtype=np.float64)
    scale = float(np.max(np.abs(numerical))) if numerical.size else 0.0
    expect_close(got, numerical, what, rtol=0.0, atol=atol + rtol * max(scale, 1e-12),
                 mistakes=mistakes, hint=hint)


def expect_unchanged(before: np.ndarray, after: np.ndarray, what: str, *, name: str = "x") -> None:
    """An input array (called ``name`` in the student's code) must be exactly as it was before the call."""
    if before.shape != after.shape or not np.array_equal(before, after, equal_nan=True):
        raise CheckFailed(f"{what} was modified by your code. Work on a copy "
                          f"(e.g. {name}.copy()) or build a new array instead of writing into the input.")


def expect(condition: bool, message: str) -> None:
    """A plain condition with feedback."""
    if not condition:
        raise CheckFailed(message)


# A known mistake is named when the answer matches it to within this many units of
# the answer's own precision: float32 code is off by ~1e-7 from a float64 candidate.
MISTAKE_ULPS = 16


def _matching_mistake(got: Any, mistakes: Mapping[str, Any], rtol: float, atol: float) -> str | None:
    if isinstance(got, StudentObject) or got is None:
        return None
    try:
        precision = _precision(got)
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    for name, candidate in mistakes.items():
        if candidate is None:
            continue
        candidate = np.asarray(candidate, dtype=np.float64)
        if candidate.shape != array.shape:
            continue
        scale = float(np.max(np.abs(candidate), initial=1.0, where=np.isfinite(candidate)))
        if np.allclose(array, candidate, rtol=max(rtol, 1e-6, MISTAKE_ULPS * precision),
                       atol=max(atol, 1e-9, MISTAKE_ULPS * precision * scale), equal_nan=True):
            return name
    return None


def _precision(got: Any) -> float:
    """Machine epsilon of the answer's float type (float64's for ints and Python numbers)."""
    dtype = np.asarray(got).dtype
    return float(np.finfo(dtype).eps) if dtype.kind == "f" else float(np.finfo(np.float64).eps)


def _keep_evidence(got: Any, expected: np.ndarray, what: str, rtol: float, atol: float,
                   mistake: str | None) -> evidence_.Check | None:
    """Note this check in the running test's evidence (when a graded run keeps it)."""
    test = evidence_.current()
    if test is None:
        return None
    value = None if isinstance(got, StudentObject) or got is None else evidence_.as_float_array(got)
    check = evidence_.Check(what, value, expected, rtol, atol, passed=False, known=mistake)
    test.checks.append(check)
    return check


def _mined_if_unknown(check: evidence_.Check | None, mistake: str | None, hint: str) -> tuple[str | None, str]:
    """A failed check no grader's mistake explains: is it a mistake mined from earlier classes?"""
    test = evidence_.current()
    if mistake or check is None or test is None or check.got is None or not test.mined:
        return mistake, hint
    case = Case(check.rtol, check.atol, test.inputs,
                [(c.family, c.expected) for c in test.checks if c is not check])
    for mined in test.mined:
        if mined.applies_to(test.test, check.family) and mined.matches(check.got, check.expected, case):
            check.known = mined.name
            return mined.name, mined.hint or hint
    return mistake, hint


def _join(detail: str, mistake: str | None, hint: str) -> str:
    parts = [detail]
    if mistake:
        end = "" if mistake.endswith((".", "!", "?")) else "."  # a name ending in "." shows one, not ".."
        parts.append(f"This looks like a known mistake: {mistake}{end}")
    if hint:
        parts.append(f"Hint: {hint}")
    return "\n".join(parts)


def _index(index: Any) -> str:
    return "index " + str(tuple(int(i) for i in index)) if len(index) else "the value"


class explain:
    """Add a hint to any error the student's code raises inside the block.

    ``with explain("t may hold integer labels of shape (N,)"): ...``
    """

    def __init__(self, hint: str) -> None:
        self.hint = hint

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, tb: object) -> bool:
        from ..core.errors import StudentCrash, StudentError, StudentTimeout

        if isinstance(error, StudentError) and not isinstance(error, (StudentTimeout, StudentCrash)) \
                and not error.not_implemented and f"Hint: {self.hint}" not in error.traceback:
            # nested blocks with the same hint (a helper and its caller) add it once
            error.traceback = (error.traceback + "\n" if error.traceback else "") + f"Hint: {self.hint}"
        return False
