"""``course release --student DIR``: the student course, which holds no answers.

The instructor's course (private) keeps solutions/, hidden tests and the
answer oracles (``graders/<assignment>/answers.py``). The student course is
what students install and read: the exercises, the engine, the public
graders, and instead of the answer oracles only their values for the public
tests' fixed inputs (``answers.npz``, see engine/grading/answers.py), recorded
by running the public tests on the solution. DIR is its own git repository;
releasing again (a new term, a fixed test) commits the new state on top.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import COURSE_FILE, GRADERS_DIR, Course
from ..grading.answers import PRIVATE_MODULE, VALUES_FILE, recording, save_values
from .release import ReleaseError, plan_release

# course.toml tables that only grading reads: worker limits and late-work penalties
GRADING_ONLY_TABLES = (re.compile(r"limits"), re.compile(r"assignments\.[^.]+\.(limits|late)(\..*)?"))
MARKER = ".student-course"  # says "this folder is a student course": releasing may replace its files


@dataclass
class StudentRelease:
    """What a student release wrote."""

    target: Path
    files: list[Path] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)  # assignment -> values recorded
    hidden_tests_left_out: int = 0
    committed: bool = False


def release_student_course(course: Course, target: Path, recorded: list[str] | None = None) -> StudentRelease:
    """Write the student course into ``target`` (a new folder, or an earlier student release).

    ``recorded``: the assignments whose answers are recorded (default: all; tests
    of one assignment leave the others out, whose public tests then cannot run).
    """
    target = target.resolve()
    _check_target(course, target)
    plan = plan_release(course)
    values = record_answers(course, list(course.assignments) if recorded is None else recorded)
    _clear(target)
    result = StudentRelease(target)
    exercises = course.root / "exercises"
    for path, text in plan.written.items():
        if path.is_relative_to(exercises):
            result.files.append(_write(target / path.relative_to(course.root), text))
    for path, source in plan.copied.items():
        if path.is_relative_to(exercises):
            result.files.append(_copy(source, target / path.relative_to(course.root)))
    result.hidden_tests_left_out = _copy_graders(target / "graders", result.files)
    for path, text in plan.written.items():  # the package's copies of the released notebooks, fresh
        if path.is_relative_to(GRADERS_DIR) and path.suffix == ".ipynb":
            result.files.append(_write(target / "graders" / path.relative_to(GRADERS_DIR), text))
    for assignment, recorded in values.items():
        path = target / "graders" / assignment / VALUES_FILE
        save_values(recorded, path)
        result.files.append(path)
        result.answers[assignment] = len(recorded)
    student_toml = public_course_toml((course.root / COURSE_FILE).read_text(encoding="utf-8"))
    result.files.append(_write(target / COURSE_FILE, student_toml))
    result.files.append(_write(target / "graders" / COURSE_FILE, student_toml))
    result.files.append(_write(target / "pyproject.toml", student_pyproject(course.root / "pyproject.toml")))
    result.files.append(_write(target / "README.md", student_readme(course)))
    result.files.append(_write(target / ".gitignore", "__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n"))
    result.files.append(_write(target / MARKER, "Written by `course release --student`; edit the private course "
                                                "instead: the next release replaces every file here.\n"))
    result.committed = _commit(target)
    return result


def record_answers(course: Course, assignments: list[str]) -> dict[str, dict]:
    """Run each assignment's public tests on its solution; keep every answer they asked for."""
    from ..grading.runner import RunOptions, run_graders

    recorded: dict[str, dict] = {}
    for name in assignments:
        if not (GRADERS_DIR / name).is_dir():
            continue
        with recording() as book:
            report = run_graders(course, name, course.root / "solutions" / name, RunOptions("public", "local"))
        if report.score < report.max_score:
            lost = [t.title for t in report.tests if not t.passed]
            raise ReleaseError(f"the solution of {name} does not pass its own public tests ({', '.join(lost[:3])}); "
                               "fix it before releasing")
        recorded[name] = book.get(f"{GRADERS_DIR.name}.{name}", {})
    return recorded


# -- what is copied ----------------------------------------------------------------------

def _copy_graders(target: Path, files: list[Path]) -> int:
    """The graders package without private modules and hidden tests; returns how many tests were left out."""
    left_out = 0
    for source in sorted(GRADERS_DIR.rglob("*")):
        relative = source.relative_to(GRADERS_DIR)
        if not source.is_file() or _skipped(relative):
            continue
        if source.name.startswith("test_") and source.suffix == ".py":
            text, removed = public_test_source(source.read_text(encoding="utf-8"))
            left_out += removed
            if text is not None:
                files.append(_write(target / relative, text))
            continue
        files.append(_copy(source, target / relative))
    return left_out


def _skipped(relative: Path) -> bool:
    parts = relative.parts
    return (any(p == "__pycache__" or p.startswith(".") for p in parts) or relative.suffix == ".pyc"
            or relative.name in (COURSE_FILE, VALUES_FILE)
            or (len(parts) == 2 and parts[0] != "engine" and relative.stem == PRIVATE_MODULE))


def public_test_source(source: str) -> tuple[str | None, int]:
    """A grader module without its hidden tests: (new source or None if nothing public is left, tests removed)."""
    tree = ast.parse(source)
    if any(_assigns_pytestmark(node) and _mentions_hidden(node.value) for node in tree.body):
        return None, sum(isinstance(n, ast.FunctionDef) and n.name.startswith("test") for n in tree.body)
    lines = source.splitlines(keepends=True)
    hidden = [node for node in tree.body if isinstance(node, ast.FunctionDef)
              and any(_mentions_hidden(d) for d in node.decorator_list)]
    for node in reversed(hidden):
        start = min(d.lineno for d in node.decorator_list) - 1
        del lines[start:node.end_lineno]
    text = re.sub(r"\n{3,}(?=\S|\Z)", "\n\n\n", "".join(lines)).rstrip("\n") + "\n"
    public = any(isinstance(n, ast.FunctionDef) and n.name.startswith("test") for n in ast.parse(text).body)
    return (text if public else None), len(hidden)


def _assigns_pytestmark(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark"
                                                for t in node.targets)


def _mentions_hidden(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "hidden" for n in ast.walk(node))


def public_course_toml(text: str) -> str:
    """course.toml without the tables only grading reads (kept line for line otherwise, comments too)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            skipping = any(p.fullmatch(header.group(1)) for p in GRADING_ONLY_TABLES)
        if not skipping:
            kept.append(line)
    tomllib.loads("".join(kept))  # still valid TOML
    return "".join(kept)


def student_pyproject(instructor: Path) -> str:
    """The student course's pyproject.toml: the same package, without the instructor's extras."""
    settings = tomllib.loads(instructor.read_text(encoding="utf-8"))
    project = settings["project"]
    extras = project.get("optional-dependencies", {})
    package_data = settings.get("tool", {}).get("setuptools", {}).get("package-data", {}).get("graders", [])

    def strings(values: list[str], indent: str = "    ") -> str:
        return "[\n" + "".join(f"{indent}{_toml_string(v)},\n" for v in values) + "]"

    lines = [
        "# Written by `course release --student` from the instructor's course; do not edit here.",
        "[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
        "[project]",
        f"name = {_toml_string(project['name'])}",
        f"version = {_toml_string(project['version'])}",
        f"description = {_toml_string(project.get('description', ''))}",
        'readme = "README.md"',
        f"requires-python = {_toml_string(project.get('requires-python', '>=3.11'))}",
        f"dependencies = {strings(project.get('dependencies', []))}", "",
        "[project.optional-dependencies]",
        "# a2 and a3 need TensorFlow (Keras): pip install \"<this course>[keras]\"",
        f"keras = {strings(extras.get('keras', []))}", "",
        "[project.scripts]", *(f"{k} = {_toml_string(v)}" for k, v in project.get("scripts", {}).items()), "",
        "[tool.setuptools.packages.find]", 'include = ["graders*"]', "",
        "[tool.setuptools.package-data]",
        f"graders = {strings([*package_data, f'*/{VALUES_FILE}'])}", "",
    ]
    return "\n".join(lines)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def student_readme(course: Course) -> str:
    assignments = "\n".join(f"- `{a.name}`: {a.title}" for a in course.assignments.values())
    return f"""# {course.title}: exercises and self-check

Your exercises are in `exercises/`, one folder per assignment, each as `.py` files and as a notebook.
Fill in the parts marked `# YOUR CODE HERE`, then run the self-check: it runs the public tests on
your files and says, for each one, what is right, what is wrong and a hint why.

    pip install -e .              # a1 (NumPy only)
    pip install -e ".[keras]"     # a2 and a3 (TensorFlow)
    course check a1_backprop      # your exercises/a1_backprop
    course check a1_backprop --submission path/to/your/folder

Assignments:
{assignments}

The self-check holds the public tests only; your work is graded with more tests like them
(other shapes, other values), so passing the self-check is a good sign, not the final grade.
"""


# -- the target folder --------------------------------------------------------------------

def _check_target(course: Course, target: Path) -> None:
    root = course.root.resolve()
    if target == root or root.is_relative_to(target) or target.is_relative_to(root):
        raise ReleaseError(f"{target} is inside the course (or holds it); write the student course to a "
                           "folder outside the private course, e.g. ../student-course")
    if target.is_file():
        raise ReleaseError(f"{target} is a file; give a folder for the student course")
    if target.is_dir() and any(p.name != ".git" for p in target.iterdir()) and not (target / MARKER).is_file():
        raise ReleaseError(f"{target} is not empty and is not a student course written by this command; "
                           "give a new folder (or an earlier student release)")


def _clear(target: Path) -> None:
    """Remove an earlier release's files (its git history stays), so deleted files do not linger."""
    target.mkdir(parents=True, exist_ok=True)
    for path in target.iterdir():
        if path.name == ".git":
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _copy(source: Path, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    return path


def _commit(target: Path) -> bool:
    """Commit the release in target's own git repository (made on first release); False if nothing changed."""
    if shutil.which("git") is None:
        return False

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(target), *args], capture_output=True, text=True, check=True)

    if not (target / ".git").exists():
        git("init", "-q")
    git("add", "-A")
    if not git("status", "--porcelain").stdout.strip():
        return False
    git("-c", "user.name=course release", "-c", "user.email=course-release@localhost",
        "commit", "-q", "-m", "Student course released by `course release --student`")
    return True
