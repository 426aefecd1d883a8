"""hand_numbers.py must hold numbers, not code: a check of its source with ``ast``.

The point of the exercise is the arithmetic itself. A value computed in the
file (``H = np.tanh(...)``) is refused with a kind message before anything
runs; an unfilled stub is reported as "not implemented", like a function.
Literals are Python's (numbers, lists, tuples, True/False, unary minus), also
wrapped in ``np.array(...)``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.engine.grading.compare import CheckFailed
from graders.engine.core.errors import StudentError

FILE = "hand_numbers.py"

EXAMPLES = {
    "H": "H = [0.1234, -0.5678, 0.9012, -0.3456, 0.7890]",
    "Y": "Y = 0.1234",
    "PREDICTED_LABEL": "PREDICTED_LABEL = -1",
    "PREDICTION_CORRECT": "PREDICTION_CORRECT = True",
}


def require_literal(student: Any, name: str) -> Any:
    """The value of ``name`` in the student's hand_numbers.py, once its source shows a literal."""
    path = Path(student.directory) / FILE
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return getattr(student.hand_numbers, name)  # the engine explains a missing or broken file
    value = _last_assignment(tree, name)
    if value is None:
        stub = next((node for node in tree.body if _raises_not_implemented(node)), None)
        if stub is not None:
            raise StudentError("NotImplementedError", f"{name} is not filled in yet",
                               f"{FILE}, line {stub.lineno}")
        raise CheckFailed(f"{FILE} does not define {name}. Write it at the top level of the file, "
                          f"e.g. `{EXAMPLES[name]}`.")
    try:
        ast.literal_eval(_unwrap_np_array(value))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        code = ast.unparse(value)
        code = code if len(code) <= 60 else code[:57] + "..."
        raise CheckFailed(
            f"{FILE} line {value.lineno} computes {name} (`{code}`). This exercise asks for the numbers "
            "themselves, worked out by hand or with a calculator, written as plain values, e.g. "
            f"`{EXAMPLES[name]}`. Code that computes them belongs in by_hand.py -- you can use it "
            "to check your arithmetic, then copy the numbers here."
        ) from None
    stub = next((node for node in tree.body if _raises_not_implemented(node)), None)
    if stub is not None:  # the file raises when run: say where, not "H is not implemented"
        raise CheckFailed(f"{name} is filled in, but {FILE} line {stub.lineno} is still a stub "
                          "(`raise NotImplementedError()`), so the file cannot run. Fill in that part too "
                          "(your STUDENT_ID and X go there, if that is the first stub) and remove the raise.")
    return getattr(student.hand_numbers, name)


@dataclass(frozen=True)
class Claim:
    """Who hand_numbers.py says it was worked for (``STUDENT_ID``) and at which input (``X``); None if unsaid."""

    student_id: str | None = None
    x: tuple[float, float] | None = None


def read_claim(folder: Path) -> Claim:
    """The file's own record of whose numbers these are, from its source (never run, never trusted to grade)."""
    try:
        tree = ast.parse((Path(folder) / FILE).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return Claim()
    student_id, x = _literal(tree, "STUDENT_ID"), _literal(tree, "X")
    if isinstance(student_id, int) and not isinstance(student_id, bool):
        student_id = str(student_id)  # a numeric id (a Gradescope user id) written without quotes
    if not isinstance(student_id, str) or not student_id.strip():
        student_id = None
    try:
        pair = tuple(float(v) for v in x) if isinstance(x, (list, tuple)) and len(x) == 2 else None
    except (TypeError, ValueError):
        pair = None
    return Claim(student_id, pair)  # type: ignore[arg-type]


def _literal(tree: ast.Module, name: str) -> Any:
    value = _last_assignment(tree, name)
    try:
        return None if value is None else ast.literal_eval(_unwrap_np_array(value))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _last_assignment(tree: ast.Module, name: str) -> ast.expr | None:
    """The expression last assigned to ``name`` by a top-level statement (plain or unpacking)."""
    found = None
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name:
                found = value
            elif isinstance(target, (ast.Tuple, ast.List)):
                names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                if name in names:
                    same_length = isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(names)
                    found = value.elts[names.index(name)] if same_length else value
    return found


def _unwrap_np_array(value: ast.expr) -> ast.expr:
    """``np.array([...])`` of literal numbers is still a literal: look inside it."""
    if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords \
            and isinstance(value.func, ast.Attribute) and value.func.attr in ("array", "asarray") \
            and isinstance(value.func.value, ast.Name) and value.func.value.id in ("np", "numpy"):
        return value.args[0]
    return value


def _raises_not_implemented(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
