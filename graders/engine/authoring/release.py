"""``course release``: write exercises/ (student stubs) from solutions/.

Solutions mark their answers with nbgrader's ``### BEGIN SOLUTION`` /
``### END SOLUTION``; nbgrader's own ClearSolutions preprocessor replaces each
marked block with ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, so
``.py`` files and notebooks are stubbed by exactly the same rule.
"""

from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import COURSE_FILE, GRADERS_DIR, Course
from .markers import ReleaseError, check_markers

@dataclass
class ReleasePlan:
    """What release would write, and what is out of date."""

    written: dict[Path, str] = field(default_factory=dict)  # target -> text (or "" for copied files)
    copied: dict[Path, Path] = field(default_factory=dict)   # target -> source
    stale: list[Path] = field(default_factory=list)
    extra: list[Path] = field(default_factory=list)          # in exercises/ but not in solutions/


def stub_python(source: str, name: str = "<source>") -> str:
    """The student version of a Python source: every marked block becomes a stub."""
    check_markers(source, name)
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"language": "python", "name": "python3", "display_name": "Python 3"}
    cleared, _ = ClearSolutions(enforce_metadata=False).preprocess(notebook, {})
    return cleared.cells[0].source


def plan_release(course: Course, assignments: list[str] | None = None) -> ReleasePlan:
    plan = ReleasePlan()
    packaged = GRADERS_DIR / COURSE_FILE  # a copy for installs without a checkout
    in_package = packaged.parent.parent == course.root  # this checkout holds the package: keep its copies
    if in_package:
        text = (course.root / "course.toml").read_text(encoding="utf-8")
        plan.written[packaged] = text
        if not packaged.is_file() or packaged.read_text(encoding="utf-8") != text:
            plan.stale.append(packaged)
    for name in assignments or list(course.assignments):
        course.assignment(name)
        source_dir = course.root / "solutions" / name
        target_dir = course.root / "exercises" / name
        if not source_dir.is_dir():
            raise ReleaseError(f"{source_dir} does not exist: write the solution there first")
        notebook_name = f"{name}.ipynb"
        derived = {"narrative.md", notebook_name}  # inputs and outputs of the notebook build
        sources = [p for p in sorted(source_dir.rglob("*"))
                   if p.is_file() and _wanted(p, source_dir) and p.relative_to(source_dir).as_posix() not in derived]
        if (source_dir / "narrative.md").is_file():
            packaged_notebook = GRADERS_DIR / name if in_package else None
            _plan_notebooks(plan, course.assignment(name), source_dir, (target_dir, packaged_notebook), course.install)
            sources += [source_dir / notebook_name]
        for source in sources:
            if source.suffix == ".ipynb":
                continue  # planned by _plan_notebooks
            target = target_dir / source.relative_to(source_dir)
            if source.suffix == ".py":
                text = stub_python(source.read_text(encoding="utf-8"), str(source))
                plan.written[target] = text
                if not target.is_file() or target.read_text(encoding="utf-8") != text:
                    plan.stale.append(target)
            else:
                plan.copied[target] = source
                if not target.is_file() or not filecmp.cmp(source, target, shallow=False):
                    plan.stale.append(target)
        if target_dir.is_dir():
            expected = {target_dir / s.relative_to(source_dir) for s in sources}
            plan.extra += [p for p in sorted(target_dir.rglob("*"))
                           if p.is_file() and _wanted(p, target_dir) and p not in expected]
    return plan


def _plan_notebooks(plan: ReleasePlan, assignment, source_dir: Path, student_dirs: tuple[Path, Path | None],
                    install: str) -> None:
    """solutions/<a>/<a>.ipynb from the .py files and narrative.md; exercises/<a>/<a>.ipynb stubbed from it.

    The package carries a copy of the student notebook (graders/<a>/<a>.ipynb), which
    `course grade` reads submitted notebooks against where there is no checkout.
    """
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    from .notebooks import build_solution_notebook

    notebook = build_solution_notebook(assignment, source_dir, install)
    solution_text = nbformat.writes(notebook) + "\n"
    student, _ = ClearSolutions().preprocess(nbformat.reads(solution_text, as_version=4), {})
    student_text = nbformat.writes(student) + "\n"
    texts = {source_dir: solution_text} | {folder: student_text for folder in student_dirs if folder}
    for folder, text in texts.items():
        target = folder / f"{assignment.name}.ipynb"
        plan.written[target] = text
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            plan.stale.append(target)


def describe_stale(stale: list[Path], root: Path) -> str:
    """What is out of date, in words that say where it comes from (one clause per kind)."""
    kinds: dict[str, list[str]] = {}
    for path in stale:
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        if path.name == COURSE_FILE and path.parent == GRADERS_DIR:
            kind = "the package's copy of course.toml"
        elif path.parent.parent == GRADERS_DIR:
            kind = "the package's copy of the student notebook"
        elif path.is_relative_to(root / "solutions"):
            kind = "the solution notebook (built from solutions/ and narrative.md)"
        else:
            kind = "the student version in exercises/ (made from solutions/)"
        kinds.setdefault(kind, []).append(str(shown))
    return "; ".join(f"{kind}: {', '.join(paths)}" for kind, paths in kinds.items())


def apply_release(plan: ReleasePlan) -> None:
    for target, text in plan.written.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for target, source in plan.copied.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _wanted(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return not any(p == "__pycache__" or p.startswith(".") for p in parts) and path.suffix != ".pyc"
