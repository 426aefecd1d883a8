"""Answers: the expected values that only an exercise's own solution could compute.

A public test's expected value sometimes has no oracle but the answer itself
(softmax of fixed logits, an Affine layer's output, a net's forward pass), and
so do the wrong answers used to name known mistakes. Such oracles live in the
assignment's private module ``graders/<assignment>/answers.py``; a test asks
for them by name::

    answers = Answers.of(__name__)
    expected = answers.softmax(x)

In the instructor's course the call runs the oracle. ``course release
--student`` runs the public tests on the solution while :func:`recording`,
and ships only the values, keyed by the oracle's name and a digest of its
inputs, as ``answers.npz`` beside the graders (never ``answers.py``). In the
student course the same call reads the value back: one test, two courses.

So ask with inputs the student's code never touched (hand the student
copies): an input a submission changed in place has no recorded value.
Inputs that come from the student's own code go to :meth:`Answers.full_course_only`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import sys
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..core.errors import GraderFailure

PRIVATE_MODULE = "answers"     # graders/<assignment>/answers.py: instructor's course only
VALUES_FILE = "answers.npz"    # what the student course has instead

_recording: dict[str, dict[str, Any]] | None = None  # package -> key -> value, while recording


class Answers:
    """The answer oracles of one assignment package: computed, or read from its released values."""

    _instances: dict[str, "Answers"] = {}

    def __init__(self, package: str) -> None:
        self.package = package
        self._values: dict[str, Any] | None = None

    @classmethod
    def of(cls, module_name: str) -> "Answers":
        """The answers of the assignment a grader module (``graders.<assignment>.test_x``) belongs to."""
        package = module_name.rpartition(".")[0] or module_name
        if package not in cls._instances:
            cls._instances[package] = cls(package)
        return cls._instances[package]

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return partial(self.value, name)

    def value(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``name(*args, **kwargs)`` of the private module, or its released value."""
        found = self._lookup(name, args, kwargs)
        if found is _MISSING:
            raise GraderFailure(f"the expected value of this check ({name}) was not released for these inputs; "
                                "the course's student release is out of date")
        return found

    def full_course_only(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``name(*args, **kwargs)`` in the instructor's course; None in the student course.

        For inputs that come from the student's own code (their net's initial
        weights, the weights their training found), which no release can
        foresee: the test must then do without (skip naming a mistake, or use
        an oracle that reveals nothing). Never recorded.
        """
        module = self._private_module()
        return None if module is None else getattr(module, name)(*args, **kwargs)

    def _lookup(self, name: str, args: tuple, kwargs: dict) -> Any:
        key = f"{name}:{digest((args, kwargs))}"
        module = self._private_module()
        if module is None:
            return self._released().get(key, _MISSING)
        result = getattr(module, name)(*args, **kwargs)
        if _recording is not None:
            _recording.setdefault(self.package, {})[key] = result
        return result

    def _private_module(self) -> Any:
        name = f"{self.package}.{PRIVATE_MODULE}"
        if name in sys.modules:
            return sys.modules[name]
        if importlib.util.find_spec(name) is None:
            return None
        return importlib.import_module(name)

    def _released(self) -> dict[str, Any]:
        if self._values is None:
            spec = importlib.util.find_spec(self.package)
            folder = Path(next(iter(spec.submodule_search_locations or []))) if spec else None
            path = folder / VALUES_FILE if folder else None
            self._values = load_values(path) if path is not None and path.is_file() else {}
        return self._values


_MISSING = object()  # no released value for these inputs


@contextmanager
def recording() -> Iterator[dict[str, dict[str, Any]]]:
    """Collect every answer computed inside the block: ``{package: {key: value}}``."""
    global _recording
    saved, _recording = _recording, {}
    try:
        yield _recording
    finally:
        _recording = saved


# -- keys: a digest of the inputs --------------------------------------------------------

def digest(value: Any) -> str:
    """A stable digest of plain inputs (arrays, numbers, strings, and lists, tuples, dicts of them)."""
    hasher = hashlib.sha256()
    _feed(hasher, value)
    return hasher.hexdigest()[:24]


def _feed(hasher: Any, value: Any) -> None:
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.ascontiguousarray(value)
        hasher.update(f"a{array.dtype.str}{array.shape}".encode())
        hasher.update(array.tobytes())
    elif value is None or isinstance(value, (bool, int, str)):
        hasher.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, float):
        hasher.update(f"f:{value.hex()};".encode())
    elif isinstance(value, (list, tuple)):
        hasher.update(f"{type(value).__name__}[{len(value)}".encode())
        for item in value:
            _feed(hasher, item)
    elif isinstance(value, dict):
        hasher.update(f"d[{len(value)}".encode())
        for key in sorted(value, key=str):
            _feed(hasher, str(key))
            _feed(hasher, value[key])
    else:
        raise TypeError(f"an answer's input must be plain data, got {type(value).__name__}")


# -- values: an .npz of arrays plus a JSON index (no pickles) ----------------------------

def save_values(values: dict[str, Any], path: Path) -> None:
    arrays: list[np.ndarray] = []
    index = {key: _pack(value, arrays) for key, value in sorted(values.items())}
    # dicts keep their order (no sort_keys): of several matching mistakes, the first is the one named
    np.savez_compressed(path, index=np.array(json.dumps(index)),
                        **{f"a{i}": array for i, array in enumerate(arrays)})


def load_values(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    index = json.loads(str(arrays.pop("index")))
    return {key: _unpack(packed, arrays) for key, packed in index.items()}


def _pack(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, (np.ndarray, np.generic)):
        arrays.append(np.asarray(value))
        return {"array": len(arrays) - 1, "scalar": isinstance(value, np.generic)}
    if isinstance(value, dict):
        return {"dict": {str(k): _pack(v, arrays) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [_pack(v, arrays) for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    raise TypeError(f"an answer must be plain data, got {type(value).__name__}")


def _unpack(packed: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    if "array" in packed:
        array = arrays[f"a{packed['array']}"]
        return array[()] if packed["scalar"] else array
    if "dict" in packed:
        return {k: _unpack(v, arrays) for k, v in packed["dict"].items()}
    if "list" in packed:
        return [_unpack(v, arrays) for v in packed["list"]]
    if "tuple" in packed:
        return tuple(_unpack(v, arrays) for v in packed["tuple"])
    return packed["value"]
