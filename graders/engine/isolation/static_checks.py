"""Checks on a submission's source, done before any of it runs.

"NumPy only" files may not reach a deep-learning framework, directly or
through a helper module of their own: the exercise is to write the maths.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..core.errors import SubmissionProblem

FRAMEWORKS = ("tensorflow", "keras", "torch", "jax", "jaxlib", "tf_keras", "autograd")


def check_submission_file(path: Path, *, numpy_only: bool) -> None:
    """Raise SubmissionProblem for a syntax error or, if numpy_only, a framework import."""
    tree = _parse(path)
    if numpy_only:
        _refuse_frameworks(path, tree, seen=set())


def _parse(path: Path) -> ast.Module:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SubmissionProblem(f"{path.name} is not UTF-8 text; save it as UTF-8.") from None
    try:
        return ast.parse(source, filename=path.name)
    except SyntaxError as err:
        raise SubmissionProblem(
            f"{path.name} has a syntax error (line {err.lineno}): {err.msg}. "
            "Fix it so the file can be imported."
        ) from None


def _refuse_frameworks(path: Path, tree: ast.Module, seen: set[Path]) -> None:
    seen.add(path.resolve())
    for name, line in _imported_names(tree):
        top = name.split(".")[0]
        if top in FRAMEWORKS:
            raise SubmissionProblem(
                f"{path.name} line {line} uses {top}: this file must use NumPy only, "
                "so the graders can see your own forward and backward passes. "
                "Remove the import and write the computation with NumPy."
            )
        local = path.parent / f"{top}.py"
        if local.is_file() and local.resolve() not in seen:
            _refuse_frameworks(local, _parse(local), seen)


def _imported_names(tree: ast.Module) -> list[tuple[str, int]]:
    """Module names imported by statements, __import__(...) and import_module(...)."""
    names: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.module, node.lineno))
        elif isinstance(node, ast.Call) and _calls_importer(node):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.append((node.args[0].value, node.lineno))
    return names


def _calls_importer(node: ast.Call) -> bool:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in ("__import__", "import_module")
