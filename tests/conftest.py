"""Shared helpers: build submissions from the solutions, grade them, read reports."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from graders.engine.core.config import Course, load_course
from graders.engine.grading.runner import RunOptions, run_graders
from graders.engine.core.scoring import Report

ROOT = Path(__file__).resolve().parent.parent


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The package's tests run on every core: ``-n auto --dist loadgroup`` unless ``-n`` is given.

    Here rather than in pyproject's addopts, which every pytest run in the checkout reads: a
    student's ``pytest graders/a1_backprop`` with the base install (no pytest-xdist) would stop at an
    unknown ``-n``. Tests that must not overlap each other share ``@pytest.mark.xdist_group("serial")``.
    Runs before pytest-xdist's own hook, which turns these two options into workers.
    """
    if hasattr(config, "workerinput"):  # a worker's own options say -n none: it must not start workers
        # It parses the command line, not the options set below: without this it would not tag grouped
        # tests' ids with their group, and pytest-xdist would spread a group over all workers.
        config.option.loadgroup = getattr(config.option, "loadgroup", False) or \
            config.workerinput.get("loadgroup", False)
        return
    if getattr(config.option, "numprocesses", 0) is None:  # pytest-xdist is there, -n not given
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "loadgroup"


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent with the base install
def pytest_configure_node(node) -> None:
    """Tell each worker whether tests are grouped, which its own command line may not say."""
    node.workerinput["loadgroup"] = node.config.option.dist == "loadgroup"


@dataclass(frozen=True)
class Patch:
    """Replace ``old`` (which must occur exactly once) by ``new`` in ``file``."""

    file: str
    old: str
    new: str


def apply_patches(folder: Path, patches: tuple[Patch, ...]) -> None:
    for patch in patches:
        path = folder / patch.file
        text = path.read_text()
        count = text.count(patch.old)
        assert count == 1, f"patch target occurs {count} times in {patch.file}: {patch.old!r}"
        path.write_text(text.replace(patch.old, patch.new))


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT)


@pytest.fixture
def make_submission(tmp_path: Path):
    """make_submission("a1_backprop", patches=(...), name="alice") -> a patched copy of the solution."""

    def make(assignment: str, patches: tuple[Patch, ...] = (), name: str = "student",
             source: str = "solutions") -> Path:
        folder = tmp_path / name
        # the .py files only: a submission of the solution notebook is tested in test_notebooks
        shutil.copytree(ROOT / source / assignment, folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
        apply_patches(folder, patches)
        return folder

    return make


@pytest.fixture
def grade(course: Course):
    """grade(folder, assignment, visibility="public", isolation="local") -> Report (no default assignment:
    a folder graded by another assignment's graders would pass or fail for the wrong reason)."""

    def run(folder: Path, assignment: str, visibility: str = "public",
            isolation: str = "local", seed: int | None = None) -> Report:
        return run_graders(course, assignment, folder, RunOptions(visibility, isolation, seed))

    return run


def exercise_scores(report: Report) -> dict[str, tuple[float, float]]:
    return {e.name: (e.score, e.max_score) for e in report.exercises}


def feedback_of(report: Report, exercise: str) -> str:
    return "\n".join(t.feedback for t in report.tests if t.exercise == exercise and not t.passed)


def downstream(course: Course, assignment: str, exercise: str) -> set[str]:
    """``exercise`` and every exercise that uses it, directly or not."""
    uses = {name: set(e.uses) for name, e in course.assignment(assignment).exercises.items()}
    found = {exercise}
    while True:
        more = {name for name, used in uses.items() if used & found} - found
        if not more:
            return found
        found |= more


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now (Linux: read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found
