"""Notebooks: generated from the .py solutions, runnable, gradable by `course grade` and by real nbgrader."""

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from graders.engine.classbook.batch import grade_batch
from graders.engine.classbook.inputs import Inputs
from graders.engine.authoring.notebooks import notebook_to_files
from graders.engine.core.config import load_course
from tests.conftest import ROOT

NOTEBOOK_ASSIGNMENTS = sorted(p.parent.name for p in ROOT.glob("solutions/*/narrative.md"))


def executed_notebooks() -> list:
    """Every notebook assignment; one that installs TensorFlow runs for minutes, so it is ``long`` (CI runs it)
    and the NumPy-only notebooks keep running top to bottom in the fast suite."""
    course = load_course(ROOT)
    return [pytest.param(a, marks=[pytest.mark.long] if course.assignment(a).install_extras else [])
            for a in NOTEBOOK_ASSIGNMENTS]


def released(assignment: str) -> Path:
    return ROOT / "exercises" / assignment / f"{assignment}.ipynb"


def solution(assignment: str) -> Path:
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def execute(notebook: Path, folder: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    shutil.copy(notebook, folder / notebook.name)
    nb = nbformat.read(folder / notebook.name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def check_outputs(nb: nbformat.NotebookNode) -> dict[str, tuple[float, float, str]]:
    """grade_id -> (points shown, points possible, html shown) for every check cell."""
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            result = next(o for o in cell.outputs if o.output_type == "execute_result")
            found[meta["grade_id"]] = (float(result.data["text/plain"]), meta["points"], result.data["text/html"])
    return found


@pytest.mark.slow
@pytest.mark.parametrize("assignment", executed_notebooks())
def test_solution_notebook_runs_top_to_bottom_with_full_marks(assignment, tmp_path):
    checks = check_outputs(execute(solution(assignment), tmp_path))
    assert checks and all(points == possible for points, possible, _ in checks.values()), checks


@pytest.mark.slow
@pytest.mark.long  # a kernel run; the stubs' "Not implemented yet" (test_assignments) and the solution notebook stay
@pytest.mark.parametrize("assignment", executed_notebooks())
def test_stub_notebook_runs_and_every_check_says_not_implemented(assignment, tmp_path):
    checks = check_outputs(execute(released(assignment), tmp_path))
    assert all(points == 0 for points, _, _ in checks.values())
    assert all("Not implemented yet" in shown or "raises NotImplementedError when imported" in shown
               for _, _, shown in checks.values())


@pytest.mark.parametrize("assignment", NOTEBOOK_ASSIGNMENTS)
def test_the_notebook_writes_exactly_the_solution_files(assignment, course):
    """One truth: the code cells of the solution notebook are the .py solutions."""
    reference = nbformat.read(solution(assignment), as_version=4)
    files, notes = notebook_to_files(solution(assignment), course.assignment(assignment), reference)
    assert notes == []
    for name, text in files.items():
        expected = (ROOT / "solutions" / assignment / name).read_text()
        assert ast.dump(ast.parse(text)) == ast.dump(ast.parse(expected)), name


def grade_notebooks(course, tmp_path, notebooks: dict[str, nbformat.NotebookNode | str]):
    subs = tmp_path / "subs"
    for name, nb in notebooks.items():
        (subs / name).mkdir(parents=True)
        text = nb if isinstance(nb, str) else nbformat.writes(nb)
        (subs / name / "a1_backprop.ipynb").write_text(text)
    inputs = Inputs(course.assignment("a1_backprop"), released("a1_backprop"))
    with inputs:
        found = inputs.resolve([subs])
        grade_batch(course, "a1_backprop", found, tmp_path / "out", unreadable=inputs.problems)
    return {name: json.loads((tmp_path / "out" / name / "report.json").read_text()) for name in notebooks}


def solved() -> nbformat.NotebookNode:
    return nbformat.read(solution("a1_backprop"), as_version=4)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def exercise(report, name):
    return next(e for e in report["exercises"] if e["name"] == name)


def test_course_grade_reads_notebooks_and_survives_bad_ones(course, tmp_path):
    reordered = solved()
    reordered.cells = reordered.cells[:2] + list(reversed(reordered.cells[2:]))
    deleted_locked = solved()
    deleted_locked.cells.remove(cell(deleted_locked, "layers_header"))
    deleted_solution = solved()
    deleted_solution.cells.remove(cell(deleted_solution, "layers_Tanh"))
    renamed = solved()
    cell(renamed, "layers_Relu").metadata["nbgrader"]["grade_id"] = "my_relu"
    syntax = solved()
    relu = cell(syntax, "layers_Relu")
    relu.source = relu.source.replace("def forward(self, x):", "def forward(self, x)")
    reports = grade_notebooks(course, tmp_path, {
        "reordered": reordered, "deleted_locked": deleted_locked, "deleted_solution": deleted_solution,
        "renamed": renamed, "syntax": syntax, "broken": '{"cells": [',
    })
    assert reports["reordered"]["score"] == 23
    assert reports["deleted_locked"]["score"] == 23  # locked cells come from the released notebook
    assert exercise(reports["deleted_solution"], "Tanh")["score"] == 0
    assert exercise(reports["deleted_solution"], "Relu")["score"] == 2
    assert any("'layers_Tanh' is missing" in note for note in reports["deleted_solution"]["notes"])
    assert any("'layers_Relu' is missing" in note for note in reports["renamed"]["notes"])
    syntax_feedback = " ".join(t["feedback"] for t in reports["syntax"]["tests"] if t["exercise"] == "Relu")
    assert "layers.py has a syntax error" in syntax_feedback
    broken = json.loads((tmp_path / "out" / "broken" / "results.json").read_text())
    assert broken["score"] == 0 and "is not a readable notebook" in broken["tests"][0]["output"]


@pytest.mark.slow
@pytest.mark.long  # nbgrader's own release and autograde (minutes)
def test_real_nbgrader_round_trip_agrees_with_course_grade(course, tmp_path):
    nbg = tmp_path / "nbgrader"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

    def run(*args, cwd=nbg):
        result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    run(sys.executable, "-m", "graders.engine.cli", "nbgrader", "export", str(nbg), "a1_backprop", cwd=ROOT)
    run("nbgrader", "generate_assignment", "a1_backprop")
    release = nbg / "release" / "a1_backprop" / "a1_backprop.ipynb"
    for student, notebook in (("alice", nbg / "source" / "a1_backprop" / "a1_backprop.ipynb"), ("bob", release)):
        (nbg / "submitted" / student / "a1_backprop").mkdir(parents=True)
        shutil.copy(notebook, nbg / "submitted" / student / "a1_backprop" / "a1_backprop.ipynb")
    run("nbgrader", "autograde", "a1_backprop")
    run("nbgrader", "generate_feedback", "a1_backprop")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{nbg / 'gradebook.db'}") as gradebook:
        nbgrader_scores = {s: gradebook.find_submission("a1_backprop", s).score for s in ("alice", "bob")}
    assert nbgrader_scores == {"alice": 23, "bob": 0}
    assert "Not implemented yet" in (nbg / "feedback" / "bob" / "a1_backprop" / "a1_backprop.html").read_text()

    inputs = Inputs(course.assignment("a1_backprop"), released("a1_backprop"))
    with inputs:
        found = inputs.resolve([nbg / "submitted"])
        grade_batch(course, "a1_backprop", found, tmp_path / "out")
    ours = {s: json.loads((tmp_path / "out" / s / "results.json").read_text())["score"] for s in ("alice", "bob")}
    assert ours == nbgrader_scores


def course_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graders.engine.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "COLUMNS": "160"})


def notebook_class(tmp_path: Path) -> Path:
    """alice hands in the solution notebook, bob the .py solution."""
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    shutil.copy(solution("a1_backprop"), tmp_path / "subs" / "alice")
    shutil.copytree(ROOT / "solutions" / "a1_backprop", tmp_path / "subs" / "bob",
                    ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    return tmp_path / "subs"


def test_the_package_carries_the_released_notebooks():
    for assignment in NOTEBOOK_ASSIGNMENTS:
        packaged = ROOT / "graders" / assignment / f"{assignment}.ipynb"
        assert packaged.read_bytes() == released(assignment).read_bytes()  # `course release --check` keeps it so


@pytest.mark.slow
@pytest.mark.long  # two notebooks graded from the packaged course; notebooks are graded in the fast run by
# test_course_grade_reads_notebooks_and_survives_bad_ones, the packaged course by test_cli
def test_the_package_s_own_course_grades_notebook_submissions(tmp_path):
    """As a Kubernetes image runs it: the course root is the installed graders/ package, no checkout."""
    subs = notebook_class(tmp_path)
    result = course_cli("--root", str(ROOT / "graders"), "grade", str(subs / "alice"), str(subs / "bob"),
                        "-a", "a1_backprop", "-o", str(tmp_path / "out"), "-j", "1", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("alice", "bob"):
        assert json.loads((tmp_path / "out" / name / "results.json").read_text())["score"] == 23


def test_a_course_without_its_released_notebook_stops_before_grading_anyone(tmp_path):
    subs = notebook_class(tmp_path)
    (tmp_path / "course").mkdir()
    shutil.copy(ROOT / "course.toml", tmp_path / "course")  # the course, without exercises/
    result = course_cli("--root", str(tmp_path / "course"), "grade", str(subs / "alice"), str(subs / "bob"),
                        "-a", "a1_backprop", "-o", str(tmp_path / "out"), "-j", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot read notebook submissions of a1_backprop: its released notebook" in result.stderr
    assert not list((tmp_path / "out").glob("*/results.json"))  # bob, a .py submission, was not graded either
