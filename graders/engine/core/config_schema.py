"""The one schema of ``course.toml``: every table and key it may hold, as data.

``load_course`` checks a course.toml against it before anything else runs, so
a typo (``grad_rtl``, ``[assignments.a1_backprop.lat]``, ``timezon``) stops
every command with the file, the line and a "did you mean" instead of
silently changing grades. ``reference()`` yields the same entries for the
documentation's reference page.

Tolerances and settings belong to an assignment's graders, not to the engine:
each ``graders/<assignment>/__init__.py`` declares the ones its tests read
(``TOLERANCES`` and ``SETTINGS``, plain dicts, see ``GraderKeys``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

NAME = "<name>"  # a path part that any name matches: an assignment's, an exercise's
REQUIRED = ...   # the default of a key that must be written


@dataclass(frozen=True)
class Key:
    """One key (or table) course.toml may hold."""

    path: str          # dotted; "<name>" matches any assignment or exercise name
    kind: str          # one of KINDS
    default: Any       # REQUIRED when it must be written
    description: str


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


KINDS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _number,
    "boolean": lambda v: isinstance(v, bool),
    "list of strings": _strings,
    "date and time": lambda v: isinstance(v, (dt.datetime, str)),
    "table": lambda v: isinstance(v, dict),
}

_LIMITS = [
    ("test_seconds", "number", 30.0, "one test's wall clock in the isolated worker"),
    ("submission_seconds", "number", 600.0, "all tests of one submission together"),
    ("memory_mb", "integer", 2048, "address space the worker may add"),
    ("output_kb", "integer", 256, "what a submission may print or write to files"),
    ("processes", "integer", 32, "processes and threads the worker may run (sandboxed workers only)"),
]

SCHEMA: tuple[Key, ...] = (
    Key("course", "table", REQUIRED, "the course as a whole"),
    Key("course.title", "string", REQUIRED, "the course's title, on feedback pages and reports"),
    Key("course.install", "string", "dl-course-graders",
        "what students' notebooks pip-install the course from (a pip requirement)"),
    Key("course.timezone", "string", "UTC",
        "IANA time zone of due dates and extension dates written without an offset"),
    Key("course.use_gpu", "boolean", False,
        "let TensorFlow in judges and workers see GPUs (default: hidden; the CPU grades exactly and fast enough)"),
    Key("limits", "table", {}, "defaults for every assignment's limits"),
    *(Key(f"limits.{name}", kind, default, text) for name, kind, default, text in _LIMITS),
    Key("assignments", "table", REQUIRED, "one table per assignment, named like its graders/ folder"),
    Key(f"assignments.{NAME}", "table", REQUIRED, "an assignment"),
    Key(f"assignments.{NAME}.title", "string", REQUIRED, "the assignment's title"),
    Key(f"assignments.{NAME}.files", "list of strings", REQUIRED, "the files students edit"),
    Key(f"assignments.{NAME}.numpy_only", "list of strings", [],
        "files in which tensorflow, keras, torch and jax are refused"),
    Key(f"assignments.{NAME}.preload", "list of strings", ["numpy"],
        "modules each worker process imports once, before grading"),
    Key(f"assignments.{NAME}.judge_preload", "list of strings", [],
        "frameworks the graders' own oracles use, which each judge imports once before grading: "
        "\"keras\" (Keras models as oracles) or \"tensorflow\" (TensorFlow autodiff, graders.engine.grading.tf_oracle)"),
    Key(f"assignments.{NAME}.install_extras", "list of strings", [],
        "extras of the course package the notebook's first cell installs, e.g. [\"keras\"] for TensorFlow"),
    Key(f"assignments.{NAME}.tolerances", "table", {},
        "non-negative numbers the graders compare with; the keys are those graders/<name> declares"),
    Key(f"assignments.{NAME}.settings", "table", {},
        "values the graders use (e.g. a training budget); the keys are those graders/<name> declares"),
    Key(f"assignments.{NAME}.limits", "table", {}, "this assignment's limits; unset ones come from [limits]"),
    *(Key(f"assignments.{NAME}.limits.{name}", kind, f"[limits] {name}", text)
      for name, kind, _default, text in _LIMITS),
    Key(f"assignments.{NAME}.late", "table", None, "when work is due and what lateness costs; none: nothing is late"),
    Key(f"assignments.{NAME}.late.due", "date and time", REQUIRED,
        "the due date, e.g. 2026-03-01T23:59:00 (in [course] timezone unless it has an offset)"),
    Key(f"assignments.{NAME}.late.grace_minutes", "number", 0.0, "this late or less costs nothing"),
    Key(f"assignments.{NAME}.late.penalty_per_day", "number", 0.0,
        "percent of the assignment's points per started day after the due date"),
    Key(f"assignments.{NAME}.late.max_penalty", "number", 100.0, "percent; the penalty never exceeds it"),
    Key(f"assignments.{NAME}.exercises", "table", REQUIRED, "one table per exercise, named as in the spec"),
    Key(f"assignments.{NAME}.exercises.{NAME}", "table", REQUIRED, "an exercise"),
    Key(f"assignments.{NAME}.exercises.{NAME}.title", "string", "", "what the exercise asks, in a few words"),
    Key(f"assignments.{NAME}.exercises.{NAME}.points", "number", REQUIRED, "its points (zero or more)"),
    Key(f"assignments.{NAME}.exercises.{NAME}.file", "string", REQUIRED, "the assignment file it is written in"),
    Key(f"assignments.{NAME}.exercises.{NAME}.uses", "list of strings", [],
        "exercises it builds on, so feedback can say which to fix first"),
)

LIMIT_DEFAULTS: dict[str, Any] = {name: default for name, _kind, default, _text in _LIMITS}


@dataclass(frozen=True)
class GraderKeys:
    """The tolerances and settings one assignment's graders read, declared in its package.

    ``graders/<assignment>/__init__.py`` holds, for example::

        TOLERANCES = {"grad_rtol": "backprop vs centered finite differences"}
        SETTINGS = {"train_iters": ("integer", "SGD steps of the graded training run")}
    """

    tolerances: dict[str, str]            # name -> description (all are non-negative numbers)
    settings: dict[str, tuple[str, str]]  # name -> (kind, description)
    source: str                           # where they are declared, for messages


def grader_keys(assignment: str, graders_dir: Path) -> GraderKeys | None:
    """What ``graders/<assignment>`` declares; None when its graders are not here.

    They are absent for an assignment not written yet, and in a Gradescope bundle,
    which carries only its own assignment's graders: nobody here reads those keys.
    """
    source = f"{graders_dir.name}/{assignment}/__init__.py"
    if not (graders_dir / assignment / "__init__.py").is_file():
        return None
    package = importlib.import_module(f"{graders_dir.name}.{assignment}")  # plain data, imports nothing
    return GraderKeys(dict(getattr(package, "TOLERANCES", {})), dict(getattr(package, "SETTINGS", {})), source)


def reference(assignments: dict[str, GraderKeys] | None = None) -> Iterator[tuple[str, str, Any, str]]:
    """Every key course.toml may hold, as (dotted path, kind, default, description).

    The default is ``"required"`` for keys that must be written. With
    ``assignments`` (name -> its ``GraderKeys``) the tolerances and settings
    each assignment's graders declare follow the engine's own keys.
    """
    for key in SCHEMA:
        yield key.path, key.kind, "required" if key.default is REQUIRED else key.default, key.description
    for name, keys in (assignments or {}).items():
        for tol, text in keys.tolerances.items():
            yield f"assignments.{name}.tolerances.{tol}", "number", "required", text
        for setting, (kind, text) in keys.settings.items():
            yield f"assignments.{name}.settings.{setting}", kind, "required", text


# -- checking a parsed course.toml against the schema ----------------------------------------------

@dataclass(frozen=True)
class Problem:
    keys: list[str]  # where, as path parts
    text: str


def check(data: dict, graders_dir: Path) -> Problem | None:
    """The first problem of ``data`` (parsed course.toml) against the schema, or None."""
    for keys, value in _walk(data, []):
        problem = _check_one(keys, value, graders_dir)
        if problem:
            return problem
    return _missing(data, graders_dir)


def _walk(table: dict, prefix: list[str]) -> Iterator[tuple[list[str], Any]]:
    for name, value in table.items():
        keys = [*prefix, name]
        yield keys, value
        if isinstance(value, dict) and _schema_key(keys) and _schema_key(keys).kind == "table":
            yield from _walk(value, keys)


def _matches(parts: list[str], keys: list[str]) -> bool:
    return len(parts) == len(keys) and all(p in (NAME, k) for p, k in zip(parts, keys))


def _schema_key(keys: list[str]) -> Key | None:
    exact = [key for key in SCHEMA if _matches(key.path.split("."), keys)]
    return min(exact, key=lambda key: key.path.count(NAME), default=None)


def _siblings(keys: list[str]) -> list[str]:
    """The names the schema allows beside ``keys[-1]`` (for "did you mean")."""
    paths = [key.path.split(".") for key in SCHEMA]
    return [parts[-1] for parts in paths if _matches(parts[:-1], keys[:-1]) and parts[-1] != NAME]


def _check_one(keys: list[str], value: Any, graders_dir: Path) -> Problem | None:
    if len(keys) == 4 and keys[0] == "assignments" and keys[2] in ("tolerances", "settings"):
        declared = grader_keys(keys[1], graders_dir)
        return _check_grader_key(keys, value, declared) if declared else None
    key = _schema_key(keys)
    if key is None:
        return Problem(keys, _unknown(keys[-1], _siblings(keys)))
    if not KINDS[key.kind](value):
        return Problem(keys, f"must be {_a(key.kind)}, got {value!r}")
    return None


def _check_grader_key(keys: list[str], value: Any, declared: GraderKeys) -> Problem | None:
    table, name = keys[2], keys[3]
    known = declared.tolerances if table == "tolerances" else declared.settings
    if name not in known:
        if not known:
            return Problem(keys, f"unknown {table[:-1]}: {declared.source} declares no {table.upper()}; "
                                 f"declare the {table} its graders read there")
        return Problem(keys, _unknown(name, list(known)) + f" ({declared.source} declares the {table})")
    kind = "number" if table == "tolerances" else known[name][0]
    if not KINDS[kind](value) or (table == "tolerances" and value < 0):
        wanted = "a non-negative number" if table == "tolerances" else _a(kind)
        return Problem(keys, f"must be {wanted}, got {value!r}")
    return None


def _missing(data: dict, graders_dir: Path) -> Problem | None:
    """A required key that is not written (schema keys, then graders' declared keys)."""
    for name, table in data.get("assignments", {}).items():
        declared = grader_keys(name, graders_dir)
        if declared is None:
            continue
        for group, known in (("tolerances", declared.tolerances), ("settings", declared.settings)):
            written = table.get(group, {})
            for key in known:
                if key not in written:
                    return Problem(["assignments", name, group, key],
                                   f"is required but missing ({declared.source} declares it; its graders read it)")
    return None


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _unknown(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else f"known here: {', '.join(sorted(known)) or 'nothing'}"
    return f"unknown key; {hint}"
