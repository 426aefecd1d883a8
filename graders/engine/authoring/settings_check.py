"""Whether an assignment's explicit settings in course.toml agree with its files.

What judges import ahead (``judge_preload``) and what a notebook installs
(``install_extras``) are said in course.toml, never guessed from file text.
This check, run by ``course release --check``, reports an assignment whose
graders or workers need a framework its settings leave out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..core.config import Assignment, Course

FRAMEWORKS = ("keras", "tensorflow")
TF_ORACLE = "graders.engine.grading.tf_oracle"
KERAS_EXTRA = "keras"  # pyproject.toml's extra that adds TensorFlow


def disagreements(course: Course, graders: Path) -> list[str]:
    """One line per assignment setting that its files contradict, saying what to write."""
    return [line for assignment in course.assignments.values() for line in _of(assignment, graders / assignment.name)]


def _of(assignment: Assignment, folder: Path) -> list[str]:
    where = f"[assignments.{assignment.name}]"
    found = []
    users = sorted(path.name for path in folder.glob("*.py") if _imports_tf_oracle(path))
    if users and not set(assignment.judge_preload) & set(FRAMEWORKS):
        found.append(f"{where}: graders/{assignment.name}/{users[0]} uses the TensorFlow oracle, but judge_preload "
                     'names no framework; add judge_preload = ["tensorflow"] (or ["keras"] if its oracles are Keras models)')
    if set(assignment.preload) & set(FRAMEWORKS) and KERAS_EXTRA not in assignment.install_extras:
        found.append(f"{where}: its workers preload {', '.join(sorted(set(assignment.preload) & set(FRAMEWORKS)))}, "
                     'but its notebook would not install TensorFlow; add install_extras = ["keras"]')
    return found


def _imports_tf_oracle(path: Path) -> bool:
    """An import of the TensorFlow oracle anywhere in the file (a mention in a comment does not count)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.startswith(TF_ORACLE) for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module is not None and (
                node.module.startswith(TF_ORACLE) or (node.module == "graders.engine.grading"
                                                      and any(a.name == "tf_oracle" for a in node.names))):
            return True
    return False
