"""Read and validate ``course.toml``.

A mistake in course.toml is reported with the file, the line and the key, and
what to write instead, so an instructor never has to read a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config_schema import LIMIT_DEFAULTS, check

COURSE_FILE = "course.toml"
GRADERS_DIR = Path(__file__).resolve().parents[2]  # the graders package: engine + one folder per assignment


class CourseConfigError(Exception):
    """course.toml is missing, unreadable or has a bad value."""


@dataclass(frozen=True)
class Limits:
    test_seconds: float = LIMIT_DEFAULTS["test_seconds"]
    submission_seconds: float = LIMIT_DEFAULTS["submission_seconds"]
    memory_mb: int = LIMIT_DEFAULTS["memory_mb"]
    output_kb: int = LIMIT_DEFAULTS["output_kb"]
    processes: int = LIMIT_DEFAULTS["processes"]  # processes and threads the worker may run (sandboxed workers only)


@dataclass(frozen=True)
class LatePolicy:
    """``[assignments.NAME.late]``: when work is due and what lateness costs (see late.py)."""

    due: dt.datetime              # timezone-aware
    grace_minutes: float = 0.0    # this late or less costs nothing
    penalty_per_day: float = 0.0  # percent of the assignment's points, per started day after the due date
    max_penalty: float = 100.0    # percent; the penalty never exceeds it


@dataclass(frozen=True)
class Exercise:
    name: str
    points: float
    file: str
    title: str = ""
    uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    files: tuple[str, ...]
    numpy_only: tuple[str, ...]
    preload: tuple[str, ...]
    exercises: dict[str, Exercise]
    tolerances: dict[str, float]
    settings: dict[str, Any]
    limits: Limits
    late: LatePolicy | None = None  # no due date: nothing is late
    judge_preload: tuple[str, ...] = ()   # frameworks the graders' oracles use: judges import them ahead
    install_extras: tuple[str, ...] = ()  # extras a notebook's first cell installs (e.g. "keras")

    @property
    def max_points(self) -> float:
        return sum(e.points for e in self.exercises.values())


@dataclass(frozen=True)
class Course:
    root: Path
    title: str
    assignments: dict[str, Assignment] = field(default_factory=dict)
    timezone: str = "UTC"  # due dates and extension dates written without an offset are in this zone
    install: str = "dl-course-graders"  # what pip installs the course from (a notebook's setup cell)
    use_gpu: bool = False  # TensorFlow may see GPUs while grading (isolation/devices.py)

    def assignment(self, name: str) -> Assignment:
        if name not in self.assignments:
            known = ", ".join(sorted(self.assignments)) or "none"
            raise CourseConfigError(
                f"unknown assignment {name!r}; course.toml defines: {known}"
            )
        return self.assignments[name]

    def released_notebook(self, name: str) -> Path:
        """The student notebook that submitted notebooks are read against.

        A checkout has it in exercises/; the installed package (a course root
        of graders/, as in a Kubernetes image) carries the copy `course release`
        writes beside the assignment's graders.
        """
        packaged = self.root / name / f"{name}.ipynb"
        return packaged if packaged.is_file() else self.root / "exercises" / name / f"{name}.ipynb"


def find_course_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding course.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    raise CourseConfigError(
        f"no {COURSE_FILE} found in {here} or any folder above it; "
        "run the command inside the course folder or pass --root DIR"
    )


def locate_course_root() -> Path:
    """The course of a checkout (from cwd, then from the package), else the copy inside the package.

    ``course release`` copies course.toml into the package, so an installed
    package without a checkout (a notebook in Colab) still knows its course.
    """
    for start in (Path.cwd(), GRADERS_DIR.parent):
        try:
            return find_course_root(start)
        except CourseConfigError:
            continue
    if (GRADERS_DIR / COURSE_FILE).is_file():
        return GRADERS_DIR
    return find_course_root()  # raises with the usual message


def load_course(root: Path) -> Course:
    path = root / COURSE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CourseConfigError(f"cannot read {path}: {err.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CourseConfigError(f"{path}: not valid TOML: {err}") from None
    parser = _Parser(path, text)
    problem = check(data, GRADERS_DIR)  # every table and key known, every type right, before any use
    if problem:
        raise parser.fail(problem.keys, problem.text)
    return parser.course(root, data)


class _Parser:
    """Turns the TOML tree into dataclasses; every error names key and line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, keys: list[str], problem: str) -> CourseConfigError:
        dotted = ".".join(keys)
        line = _line_of(self.lines, keys)
        where = f"{self.path}:{line}" if line else str(self.path)
        return CourseConfigError(f"{where}: {dotted}: {problem}")

    def get(self, table: dict, keys: list[str], kind: type | tuple, default: Any = ...) -> Any:
        key = keys[-1]
        if key not in table:
            if default is ...:
                raise self.fail(keys, "is required but missing")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise self.fail(keys, f"must be {wanted}, got {value!r}")
        return value

    def strings(self, table: dict, keys: list[str], default: tuple = ()) -> tuple[str, ...]:
        value = self.get(table, keys, list, list(default))
        if not all(isinstance(v, str) for v in value):
            raise self.fail(keys, "must be a list of strings")
        return tuple(value)

    def course(self, root: Path, data: dict) -> Course:
        head = self.get(data, ["course"], dict)
        title = self.get(head, ["course", "title"], str)
        self.zone = self.timezone(head)
        install = self.install_spec(head)
        limits = self.limits(data.get("limits", {}), ["limits"], Limits())
        assignments = self.get(data, ["assignments"], dict)
        parsed = {
            name: self.assignment(name, table, limits)
            for name, table in assignments.items()
        }
        return Course(root=root, title=title, assignments=parsed, timezone=self.zone.key, install=install,
                      use_gpu=self.get(head, ["course", "use_gpu"], bool, Course.use_gpu))

    def install_spec(self, head: dict) -> str:
        """A requirement pip can install, e.g. 'dl-course-graders @ git+https://host/org/course.git'."""
        from packaging.requirements import InvalidRequirement, Requirement

        spec = self.get(head, ["course", "install"], str, Course.install)
        try:
            Requirement(spec)
        except InvalidRequirement as err:
            raise self.fail(["course", "install"], f"is not a requirement pip can install ({err}); write e.g. "
                                                   "'dl-course-graders @ git+https://github.com/ORG/COURSE.git'") from None
        return spec

    def timezone(self, head: dict) -> zoneinfo.ZoneInfo:
        name = self.get(head, ["course", "timezone"], str, "UTC")
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise self.fail(["course", "timezone"], f"unknown time zone {name!r}; write an IANA name such as "
                                                    "'UTC' or 'Europe/Berlin'") from None

    def late(self, table: Any, keys: list[str]) -> LatePolicy | None:
        if table is None:
            return None
        due = self.get(table, [*keys, "due"], (dt.datetime, str))
        if isinstance(due, str):
            try:
                due = dt.datetime.fromisoformat(due)
            except ValueError:
                raise self.fail([*keys, "due"], f"{due!r} is not a date and time; write e.g. "
                                                "2026-03-01T23:59:00") from None
        number = (int, float)
        values = {key: float(self.get(table, [*keys, key], number, default))
                  for key, default in (("grace_minutes", 0.0), ("penalty_per_day", 0.0), ("max_penalty", 100.0))}
        for key, value in values.items():
            if value < 0 or (key != "grace_minutes" and value > 100):
                bounds = "zero or more" if key == "grace_minutes" else "a percent between 0 and 100"
                raise self.fail([*keys, key], f"must be {bounds}, got {value:g}")
        return LatePolicy(due=due if due.tzinfo else due.replace(tzinfo=self.zone), **values)

    def limits(self, table: dict, keys: list[str], base: Limits) -> Limits:
        number = (int, float)
        values = {
            "test_seconds": float(self.get(table, [*keys, "test_seconds"], number, base.test_seconds)),
            "submission_seconds": float(self.get(table, [*keys, "submission_seconds"], number, base.submission_seconds)),
            "memory_mb": self.get(table, [*keys, "memory_mb"], int, base.memory_mb),
            "output_kb": self.get(table, [*keys, "output_kb"], int, base.output_kb),
            "processes": self.get(table, [*keys, "processes"], int, base.processes),
        }
        for key, value in values.items():
            if value <= 0:
                raise self.fail([*keys, key], f"must be positive, got {value}")
        return Limits(**values)

    def assignment(self, name: str, table: Any, course_limits: Limits) -> Assignment:
        keys = ["assignments", name]
        if not isinstance(table, dict):
            raise self.fail(keys, "must be a table")
        files = self.strings(table, [*keys, "files"], default=())
        if not files:
            raise self.fail([*keys, "files"], "must list the files students edit")
        exercises_table = self.get(table, [*keys, "exercises"], dict)
        exercises = {
            ex: self.exercise(ex, ex_table, [*keys, "exercises", ex], files)
            for ex, ex_table in exercises_table.items()
        }
        for ex in exercises.values():
            for used in ex.uses:
                if used not in exercises:
                    raise self.fail([*keys, "exercises", ex.name, "uses"], f"names unknown exercise {used!r}")
        tolerances = self.get(table, [*keys, "tolerances"], dict, {})  # names and kinds: config_schema
        return Assignment(
            name=name,
            title=self.get(table, [*keys, "title"], str),
            files=files,
            numpy_only=self.strings(table, [*keys, "numpy_only"]),
            preload=self.strings(table, [*keys, "preload"], default=("numpy",)),
            exercises=exercises,
            tolerances={k: float(v) for k, v in tolerances.items()},
            settings=self.get(table, [*keys, "settings"], dict, {}),
            limits=self.limits(table.get("limits", {}), [*keys, "limits"], course_limits),
            late=self.late(table.get("late"), [*keys, "late"]),
            judge_preload=self.strings(table, [*keys, "judge_preload"]),
            install_extras=self.strings(table, [*keys, "install_extras"]),
        )

    def exercise(self, name: str, table: Any, keys: list[str], files: tuple[str, ...]) -> Exercise:
        if not isinstance(table, dict):
            raise self.fail(keys, "must be a table")
        points = self.get(table, [*keys, "points"], (int, float))
        if points < 0:
            raise self.fail([*keys, "points"], f"must be zero or more, got {points}")
        file = self.get(table, [*keys, "file"], str)
        if file not in files:
            raise self.fail([*keys, "file"], f"{file!r} is not one of the assignment's files {list(files)}")
        return Exercise(
            name=name,
            points=float(points),
            file=file,
            title=self.get(table, [*keys, "title"], str, ""),
            uses=self.strings(table, [*keys, "uses"]),
        )


def _line_of(lines: list[str], keys: list[str]) -> int | None:
    """Best-effort line number (1-based) where a dotted key is written.

    tomllib reports positions only for syntax errors, so schema errors find
    their line here: the deepest table header that is a prefix of ``keys``,
    then the key assigned below it.
    """
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    best_line, best_depth, current = None, -1, []
    for number, raw in enumerate(lines, start=1):
        match = header.match(raw)
        if match:
            current = [part.strip().strip('"') for part in match.group(1).split(".")]
            if current == keys[: len(current)] and len(current) > best_depth:
                best_line, best_depth = number, len(current)
            continue
        if current == keys[: len(current)] and len(keys) > len(current):
            rest = keys[len(current)]
            if re.match(rf"^\s*\"?{re.escape(rest)}\"?\s*=", raw) and len(current) + 1 > best_depth:
                best_line, best_depth = number, len(current) + 1
    return best_line
