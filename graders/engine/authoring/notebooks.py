"""Notebooks made from the .py solutions, and .py files read back from notebooks.

One truth, two forms. ``course release`` builds ``solutions/<a>/<a>.ipynb``
from the assignment's ``.py`` solutions and its ``narrative.md``: each
top-level function or class becomes one code cell that starts with
``%%writefile`` (so running the notebook writes the very files the graders
import), followed by a check cell per exercise. nbgrader metadata marks
solution cells, locked cells and the check cells with their points, so
nbgrader can release and autograde the notebook as it is. ``course grade``
reads a submitted notebook back into the same ``.py`` files.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# nbformat imports jsonschema, which compiles an RFC 3987 grammar at import when the
# optional rfc3987-syntax is installed: 1.3 s of every `course grade`, for IRI formats
# that no notebook schema uses. None in sys.modules makes that optional import fail.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
import nbformat  # noqa: E402
from nbformat import NotebookNode

from ..core.config import Assignment
from ..core.errors import NotebookError
from .cell_spans import CellSpan
from .markers import BEGIN
from .settings_check import KERAS_EXTRA
from ..grading.variants import VARIANT_ID, has_variants

MAGIC = re.compile(r"^%%writefile(?P<append> -a)? (?P<file>\S+)\s*\n")
CELL_MARK = re.compile(r"^# %%")
BEFORE = re.compile(r"^<!-- before (?P<name>\w+) -->\s*$", re.MULTILINE)
SETUP_HEAD = """# Setup: the course package provides the checks. Colab or a fresh Jupyter may need it installed.
import importlib, importlib.util, subprocess, sys
"""
SETUP_INSTALL = """    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", {spec}])
    importlib.invalidate_caches()
from graders.notebook import check"""


def setup_source(install: str, needs_tensorflow: bool) -> str:
    """The notebook's first cell: install the course (course.toml's [course] install) when it is missing.

    A TensorFlow that is already there (Colab's own) is kept: the course's
    TensorFlow extra is asked for only where there is none, so pip never
    puts tensorflow-cpu on top of tensorflow.
    """
    if not needs_tensorflow:
        return (SETUP_HEAD + 'if importlib.util.find_spec("graders") is None:\n'
                + SETUP_INSTALL.format(spec=repr(install)))
    return (SETUP_HEAD
            + 'has_tensorflow = importlib.util.find_spec("tensorflow") is not None  # e.g. Colab\'s own: kept\n'
            + 'if importlib.util.find_spec("graders") is None or not has_tensorflow:\n'
            + f"    spec = {install!r} if has_tensorflow else {with_extra(install, KERAS_EXTRA)!r}\n"
            + SETUP_INSTALL.format(spec="spec"))


def with_extra(install: str, extra: str) -> str:
    from packaging.requirements import Requirement

    requirement = Requirement(install)
    requirement.extras.add(extra)
    return str(requirement)


@dataclass(frozen=True)
class Chunk:
    file: str
    names: tuple[str, ...]  # top-level names it defines
    source: str
    append: bool

    @property
    def grade_id(self) -> str:
        return f"{Path(self.file).stem}_{self.names[0] if self.names else 'header'}"

    @property
    def is_solution(self) -> bool:
        return BEGIN in self.source


def split_module(file: str, source: str) -> list[Chunk]:
    """The module header, then one chunk per top-level def/class (statements in between stay with it).

    A top-level ``# %%`` line (the cell marker of Jupytext, VS Code and Spyder) starts a chunk too.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts: list[tuple[int, str | None]] = [(i, None) for i, line in enumerate(lines) if CELL_MARK.match(line)]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            starts.append((first - 1, node.name))
    starts.sort(key=lambda start: start[0])
    chunks: list[Chunk] = []
    bounds = [0, *(s for s, _ in starts), len(lines)]
    header_names = _assigned_names(tree.body, 0, bounds[1], tree)
    pieces = [("".join(lines[bounds[0]:bounds[1]]), header_names)]
    for i, (start, name) in enumerate(starts):
        end = bounds[i + 2]
        assigned = _assigned_names(tree.body, start, end, tree)
        pieces.append(("".join(lines[start:end]), (name, *assigned) if name else tuple(assigned)))
    for index, (text, names) in enumerate(pieces):
        if text.strip():
            chunks.append(Chunk(file, tuple(names), text.strip("\n") + "\n", append=bool(chunks)))
    return chunks


def _assigned_names(body: list[ast.stmt], start: int, end: int, tree: ast.Module) -> list[str]:
    """Module-level names assigned between two lines (hand-written constants like H, Y)."""
    names = []
    for node in body:
        if isinstance(node, ast.Assign) and start < node.lineno <= end:
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


def build_solution_notebook(assignment: Assignment, folder: Path, install: str) -> NotebookNode:
    narrative = (folder / "narrative.md").read_text(encoding="utf-8")
    intro, before = _narrative_sections(narrative)
    setup = setup_source(install, needs_tensorflow=KERAS_EXTRA in assignment.install_extras)
    cells = [nbformat.v4.new_markdown_cell(intro.strip()), _code(setup, "setup", locked=True)]
    checked: set[str] = set()
    for file in assignment.files:
        for chunk in split_module(file, (folder / file).read_text(encoding="utf-8")):
            for name in chunk.names:
                if name in before:
                    cells.append(nbformat.v4.new_markdown_cell(before.pop(name).strip()))
            magic = f"%%writefile{' -a' if chunk.append else ''} {file}\n"
            cells.append(_code(magic + chunk.source.rstrip("\n"), chunk.grade_id, solution=chunk.is_solution,
                               locked=not chunk.is_solution))
            if VARIANT_ID in chunk.names and has_variants(assignment.name):
                cells.append(_code(f"from graders.notebook import show_variant\nshow_variant({assignment.name!r})",
                                   "variant", locked=True))
            for name in chunk.names:
                if name in assignment.exercises and name not in checked:
                    cells.append(_check_cell(assignment, name))
                    checked.add(name)
    for name in assignment.exercises:
        if name not in checked:
            cells.append(_check_cell(assignment, name))
    for leftover in before.values():
        cells.append(nbformat.v4.new_markdown_cell(leftover.strip()))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):  # stable ids: a regenerated notebook is byte-identical
        cell["id"] = f"cell-{index:03d}"
    return notebook


def _narrative_sections(text: str) -> tuple[str, dict[str, str]]:
    parts = BEFORE.split(text)
    intro, before = parts[0], {}
    for name, body in zip(parts[1::2], parts[2::2]):
        before[name] = body
    return intro, before


def _code(source: str, grade_id: str, *, solution: bool = False, locked: bool = False,
          points: float | None = None) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def _check_cell(assignment: Assignment, exercise: str) -> NotebookNode:
    points = assignment.exercises[exercise].points
    source = f"# Check {exercise} ({points:g} points): run it after the cells above.\ncheck({assignment.name!r}, {exercise!r})"
    return _code(source, f"check_{exercise}", locked=True, points=points)


def notebook_to_files(path: Path, assignment: Assignment, reference: NotebookNode) -> tuple[dict[str, str], list[str]]:
    """The .py files a submitted notebook writes, and notes on what was missing or odd."""
    files, notes, _ = read_notebook(path, assignment, reference)
    return files, notes


def read_notebook(path: Path, assignment: Assignment,
                  reference: NotebookNode) -> tuple[dict[str, str], list[str], tuple[CellSpan, ...]]:
    """The .py files a submitted notebook writes, notes on what was missing or odd, and which cell wrote which lines.

    Cells are taken by their nbgrader ``grade_id`` in the reference (released)
    notebook's order, so a reordered notebook writes the same files; a missing
    solution cell is replaced by the released stub, with a note.
    """
    try:
        submitted = nbformat.read(path, as_version=4)
    except Exception as err:  # nbformat raises several kinds for broken JSON or schema
        raise NotebookError(f"{path.name} is not a readable notebook ({type(err).__name__}: {err}). "
                            "Download it again from Jupyter (File > Download) and resubmit.") from None
    by_id = {}
    for cell in submitted.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id:
            by_id[grade_id] = cell
    files: dict[str, str] = {}
    notes: list[str] = []
    spans: list[CellSpan] = []
    heading = ""
    for cell in reference.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "markdown":
            heading = next((line.strip() for line in cell.source.splitlines() if line.startswith("#")), heading)
        match = MAGIC.match(cell.source) if cell.cell_type == "code" else None
        if not match:
            continue
        meta = cell.metadata["nbgrader"]
        mine = by_id.get(grade_id)
        source = cell.source
        if meta.get("solution"):
            if mine is None:
                notes.append(f"The cell '{grade_id}' is missing from your notebook (deleted, or its "
                             "nbgrader metadata changed); it was graded as not implemented.")
            else:
                source = mine.source  # the student's answer; locked cells always come from the reference
                if not MAGIC.match(source):
                    source = match.group(0) + source  # a deleted magic line must not lose the code
        body = MAGIC.sub("", source, count=1).rstrip("\n") + "\n"
        name = match.group("file")
        before = files.get(name, "") + ("\n\n" if files.get(name) else "")
        files[name] = before + body
        label = f"the cell under '{heading}'" if heading else f"the cell '{grade_id}'"
        first = before.count("\n") + 1
        spans.append(CellSpan(name, first, first + body.count("\n") - 1, label))
    return files, notes, tuple(spans)
