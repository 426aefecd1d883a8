"""The student's submission as graders see it: modules, objects, calls.

Graders write ``student.layers.Relu().forward(x)`` and get a NumPy array back,
whatever runs underneath:

- :class:`LocalBackend` imports the submission into this process (self-check
  with plain ``pytest``: fast, debuggable);
- :class:`~graders.engine.isolation.worker_backend.WorkerBackend` runs it in a separate,
  limited process and exchanges only plain data (batch grading).

Both raise :class:`~graders.engine.core.errors.StudentError` for anything the
student's code does wrong, so graders and feedback do not care which one ran.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any, Protocol

from .calls import CallRecorder
from .codec import is_plain, map_leaves, type_names
from ..core.errors import StudentError, SubmissionProblem, import_problem, missing_attribute, student_error_from
from .static_checks import check_submission_file


class Backend(Protocol):
    """What a place that runs student code must offer."""

    def import_module(self, name: str) -> Any: ...
    def getattr(self, target: Any, name: str) -> Any: ...
    def call(self, target: Any, args: tuple, kwargs: dict) -> Any: ...
    def set_inplace(self, target: Any, attr: str, key: str, value: Any) -> None: ...
    def type_names(self, target: Any) -> list[str]: ...
    def set_deadline(self, seconds: float | None) -> None: ...
    def take_calls(self) -> list[str]: ...
    def same(self, a: Any, b: Any) -> bool: ...
    def close(self) -> None: ...


class StudentObject:
    """A value that lives with the student's code; use it like the real object."""

    __slots__ = ("_backend", "_target", "_label")

    def __init__(self, backend: Backend, target: Any, label: str) -> None:
        object.__setattr__(self, "_backend", backend)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._backend.getattr(self._target, name)
        return _wrap(self._backend, value, f"{self._label}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = tuple(_unwrap(a) for a in args)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        value = self._backend.call(self._target, args, kwargs)
        return _wrap(self._backend, value, f"{self._label}(...)")

    def __repr__(self) -> str:
        return f"<student {self._label}: {self.type_name}>"

    @property
    def type_name(self) -> str:
        return self.type_names()[0]

    def type_names(self) -> list[str]:
        """Qualified class names along the MRO, e.g. ['keras.src.models.functional.Functional', ...]."""
        return self._backend.type_names(self._target)


def set_inplace(obj: StudentObject, attr: str, key: str, value: Any) -> None:
    """``obj.<attr>[key][...] = value`` where the object lives.

    Networks in the style of "Deep Learning from Scratch" let their layers hold
    references to ``params`` arrays: rebinding ``params[key]`` would leave the
    layers on the old weights, so graders always write in place.
    """
    obj._backend.set_inplace(obj._target, attr, key, value)


def same_object(a: Any, b: Any) -> bool:
    """Are two of the student's values one and the same object (``a is b`` where they live)?"""
    return (isinstance(a, StudentObject) and isinstance(b, StudentObject) and a._backend is b._backend
            and a._backend.same(a._target, b._target))


class Submission:
    """The modules of one submission; ``sub.layers`` is the student's layers.py."""

    def __init__(self, backend: Backend, directory: Path, files: tuple[str, ...],
                 numpy_only: tuple[str, ...]) -> None:
        self._backend = backend
        self.directory = directory
        self._files = files
        self._numpy_only = numpy_only
        self._modules: dict[str, tuple[int, StudentObject]] = {}
        self._problems: dict[str, SubmissionProblem] = {}

    def module(self, name: str) -> StudentObject:
        if name in self._problems:
            # a fresh exception each time: re-raising one object would grow its traceback
            raise SubmissionProblem(self._problems[name].message)
        generation = getattr(self._backend, "generation", 0)
        cached = self._modules.get(name)
        if cached is None or cached[0] != generation:  # a restarted worker imports anew
            try:
                self._check_file(f"{name}.py")
                target = self._backend.import_module(name)
            except SubmissionProblem as problem:
                self._problems[name] = problem
                raise
            cached = (getattr(self._backend, "generation", 0), StudentObject(self._backend, target, name))
            self._modules[name] = cached
        return cached[1]

    def __getattr__(self, name: str) -> StudentObject:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.module(name)

    def _check_file(self, filename: str) -> None:
        if filename not in self._files:
            return
        path = self.directory / filename
        if not path.is_file():
            found = same_name_but_case(self.directory, filename)
            # no folder path: feedback is the student's, the path is the grader's
            raise SubmissionProblem(f"{filename} is missing from your submission"
                                    + (f"; it has {found}: did you mean {filename}? File names are case-sensitive."
                                       if found else ". Keep the file name exactly as in the exercise folder."))
        check_submission_file(path, numpy_only=filename in self._numpy_only)


def same_name_but_case(folder: Path, filename: str) -> str | None:
    """A file in ``folder`` named ``filename`` but for upper/lower case (Layers.py for layers.py)."""
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return None
    return next((name for name in sorted(names) if name != filename and name.lower() == filename.lower()), None)


class LocalBackend:
    """Imports the submission into the grading process itself (self-check only)."""

    def __init__(self, directory: Path) -> None:
        self.directory = str(directory.resolve())
        self._saved_modules: dict[str, Any] = {}  # same-named modules we displaced, put back on close
        self._calls = CallRecorder(self.directory)

    def import_module(self, name: str) -> Any:
        # A fresh import: sibling modules (network.py imports layers) must be
        # this submission's, not a module of the same name imported earlier.
        own = {p.stem for p in Path(self.directory).glob("*.py")} | {name}
        for mod_name in own & set(sys.modules):
            module = sys.modules[mod_name]
            if not (getattr(module, "__file__", None) or "").startswith(self.directory + os.sep):
                self._saved_modules.setdefault(mod_name, module)
                del sys.modules[mod_name]
        sys.path.insert(0, self.directory)
        try:
            return importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - a student's import may raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise import_problem(name, student_error_from(exc, self.directory)) from None
        finally:
            sys.path.remove(self.directory)

    def getattr(self, target: Any, name: str) -> Any:
        try:
            return getattr(target, name)
        except AttributeError:
            raise missing_attribute(target, name) from None
        except Exception as exc:
            raise student_error_from(exc, self.directory) from None

    def call(self, target: Any, args: tuple, kwargs: dict) -> Any:
        try:
            with self._calls:
                return target(*args, **kwargs)
        except (KeyboardInterrupt, StudentError):
            raise
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit from student code
            raise student_error_from(exc, self.directory) from None

    def set_inplace(self, target: Any, attr: str, key: str, value: Any) -> None:
        try:
            getattr(target, attr)[key][...] = value
        except Exception as exc:
            raise student_error_from(exc, self.directory) from None

    def type_names(self, target: Any) -> list[str]:
        return type_names(target)

    def set_deadline(self, seconds: float | None) -> None:
        """In-process code cannot be stopped safely; self-check relies on Ctrl-C."""

    def take_calls(self) -> list[str]:
        """The submission's functions and classes that ran since the last take (see isolation.calls)."""
        return self._calls.take()

    def same(self, a: Any, b: Any) -> bool:
        return a is b

    def close(self) -> None:
        for name in [n for n, m in sys.modules.items()
                     if (getattr(m, "__file__", None) or "").startswith(self.directory + os.sep)]:
            del sys.modules[name]
        sys.modules.update(self._saved_modules)


def _wrap(backend: Backend, value: Any, label: str) -> Any:
    if is_plain(value):
        return value
    if isinstance(value, (list, tuple)):
        items = [_wrap(backend, v, f"{label}[{i}]") for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _wrap(backend, v, f"{label}[{k!r}]") for k, v in value.items()}
    return StudentObject(backend, value, label)


def _unwrap(value: Any) -> Any:
    return map_leaves(lambda leaf: leaf._target if isinstance(leaf, StudentObject) else leaf, value)
