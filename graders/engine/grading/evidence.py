"""What a graded run keeps of its failed checks, for mistake mining later.

While a grader test runs, the plugin opens a :class:`TestEvidence`: the arrays
the test passed to the student's code (its inputs) and every value check
(label, the student's array, the oracle's, the tolerances, the known mistake
it matched). Afterwards ``course grade`` keeps the failed checks in
``OUT/<name>/evidence.json`` for ``course mistakes``; nothing of it reaches the
student. Arrays are capped (:data:`MAX_VALUES` each, :data:`MAX_FILE_BYTES` a
submission), so a class of 1,000 stays small on disk.
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

EVIDENCE_FILE = "evidence.json"
MAX_VALUES = 1024          # values kept of one array; a larger one keeps only its shape
MAX_INPUTS = 8             # arrays kept of one test's inputs
MAX_FILE_BYTES = 256_000   # a submission's evidence file; checks beyond it are left out


@dataclass
class Check:
    """One value check: what was compared and how it came out."""

    label: str
    got: np.ndarray | None       # the student's value as float64, None when it was not numeric
    expected: np.ndarray
    rtol: float
    atol: float
    passed: bool
    known: str | None = None     # the known mistake it matched (graders' or mined), if any

    @property
    def family(self) -> str:
        return check_family(self.label)


@dataclass
class TestEvidence:
    """The evidence of one grader test while it runs."""

    nodeid: str
    exercise: str
    hidden: bool
    inputs: list[np.ndarray] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    mined: tuple = ()            # mined mistakes that apply to this test (see mined.py)

    def add_inputs(self, values: Any) -> None:
        for leaf in _array_leaves(values):
            if len(self.inputs) < MAX_INPUTS:
                self.inputs.append(leaf)

    @property
    def test(self) -> str:
        """The test function, without pytest's parameters: the same for every student."""
        return self.nodeid.split("[")[0]


CURRENT: ContextVar[TestEvidence | None] = ContextVar("course_check_evidence", default=None)


def current() -> TestEvidence | None:
    """The evidence of the grader test now running, or None (plain use of the checks)."""
    return CURRENT.get()


_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?\d+(\.\d+)?(e[-+]?\d+)?")
_TUPLE = re.compile(r"\((#, )*#,?\)")
_LIST = re.compile(r"\[(#, )*#\]")


def check_family(label: str) -> str:
    """A check's label without the numbers that vary per student: 'dW for W of shape (…)'."""
    return _TUPLE.sub("(…)", _LIST.sub("[…]", _NUMBER.sub("#", label)))


def as_float_array(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array, or None when it is not numbers (never raises)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return array if array.dtype.kind == "f" else None


def _array_leaves(value: Any) -> Iterator[np.ndarray]:
    for array in _array_leaves_shallow(value):
        if array.dtype.kind in "biuf" and array.size:
            yield np.array(array, dtype=np.float64)


# -- on disk ---------------------------------------------------------------------
def encode_array(array: np.ndarray | None) -> dict | None:
    if array is None:
        return None
    kept = array.size <= MAX_VALUES and bool(np.all(np.isfinite(array)))
    return {"shape": list(array.shape), "values": array.ravel().tolist() if kept else None}


def decode_array(data: dict | None) -> np.ndarray | None:
    if data is None or data.get("values") is None:
        return None
    return np.asarray(data["values"], dtype=np.float64).reshape(data["shape"])


def decode_inputs(data: list[dict | None]) -> list[np.ndarray]:
    """A test's inputs, in order; one kept by shape only is NaNs of that shape (sizes, never values)."""
    inputs = []
    for item in data:
        array = decode_array(item)
        if array is None and item is not None:
            array = np.full(item["shape"], np.nan)
        if array is not None:
            inputs.append(array)
    return inputs


def failed_checks_document(tests: list[TestEvidence], passed: bool = False) -> dict:
    """The evidence file: every test with a failed check, capped at MAX_FILE_BYTES.

    ``passed``: the passed checks too, under "passed" (to test a relation on correct code).
    """
    kept: list[dict] = []
    size = 0
    for test in tests:
        failed = [c for c in test.checks if not c.passed]
        if not failed and not passed:
            continue
        entry = {
            "test": test.test, "nodeid": test.nodeid, "exercise": test.exercise, "hidden": test.hidden,
            "inputs": [encode_array(a) for a in test.inputs],
            "others": [{"label": c.label, "expected": encode_array(c.expected)}
                       for c in test.checks if c.passed],
            "failed": [{"label": c.label, "family": c.family, "got": encode_array(c.got),
                        "expected": encode_array(c.expected), "rtol": c.rtol, "atol": c.atol,
                        "known": c.known} for c in failed],
        }
        if passed:
            entry["passed"] = [{"label": c.label, "family": c.family, "got": encode_array(c.got),
                                "expected": encode_array(c.expected), "rtol": c.rtol, "atol": c.atol}
                               for c in test.checks if c.passed]
        size += len(json.dumps(entry))
        if size > MAX_FILE_BYTES:
            break
        kept.append(entry)
    return {"version": 1, "tests": kept}


MAX_RECORDED_INPUT = 65_536  # values; a larger input (a training set) names no dimension worth a copy


class RecordingBackend:
    """Wraps the backend that runs student code: notes the arrays each call is given.

    Only what the test itself passes in is recorded (plain data, in the judge);
    the student's code is not involved.
    """

    def __init__(self, backend: Any) -> None:
        self._inner = backend

    def call(self, target: Any, args: tuple, kwargs: dict) -> Any:
        test = current()
        if test is not None:
            test.add_inputs((args, kwargs))
        return self._inner.call(target, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _array_leaves_shallow(value: Any) -> Iterator[np.ndarray]:
    if isinstance(value, np.ndarray):
        if value.size <= MAX_RECORDED_INPUT:
            yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _array_leaves_shallow(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _array_leaves_shallow(item)
