"""The student course (`course release --student`) holds no answers, and self-checks like the full package.

Built once per module from this repository with a1's answers recorded; a2 and a3 record by
running TensorFlow, so their own releases are made in their long and install tests.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from graders.engine.authoring.student_course import release_student_course
from graders.engine.core.config import load_course
from tests.conftest import ROOT, apply_patches

GRADE_IN_STUDENT_COURSE = """
import json, os, sys
from pathlib import Path
from graders.engine.core.config import load_course, locate_course_root
from graders.engine.grading.runner import RunOptions, run_graders
root, assignment, runs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
course = load_course(Path(root) if root != "-" else locate_course_root())
found = {}
for folder, addopts in runs:
    os.environ["PYTEST_ADDOPTS"] = addopts
    found[folder] = outcomes(run_graders(course, assignment, Path(folder), RunOptions("public", "local")))
print(json.dumps(found))
"""

KERAS_ASSIGNMENTS = ("a2_keras_by_hand", "a3_keras_models")


def outcomes(report) -> dict:
    """What a self-check shows: the score, and each test's status and feedback, word for word.

    (Keras' layer numbers and initial weights too: each test starts Keras afresh, see keras_state.py.)
    """
    return {"score": report.score, "tests": sorted([t.nodeid, t.status, t.feedback] for t in report.tests)}


@pytest.fixture(scope="module")
def student_course(tmp_path_factory, course) -> Path:
    target = tmp_path_factory.mktemp("release") / "student-course"
    release_student_course(course, target, recorded=["a1_backprop"])
    return target


# -- what the scan looks for ----------------------------------------------------------------

def canonical_body(function: ast.FunctionDef) -> str:
    """A function's body with every variable and argument renamed by order of appearance (docstring dropped)."""
    body = copy.deepcopy(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    names: dict[str, str] = {}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.Name:
            node.id = names.setdefault(node.id, f"v{len(names)}")
            return node

        def visit_arg(self, node: ast.arg) -> ast.arg:
            node.arg = names.setdefault(node.arg, f"v{len(names)}")
            return node

    module = Rename().visit(ast.Module(body=body, type_ignores=[]))
    return ast.dump(module, annotate_fields=False)


def functions_in(source: str) -> list[ast.FunctionDef]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a notebook cell with IPython magics
        return []
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def python_sources(folder: Path) -> dict[str, str]:
    """Every .py file and every notebook code cell under folder, by where it is."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        found[str(path.relative_to(folder))] = path.read_text(encoding="utf-8")
    for path in sorted(folder.rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for i, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                found[f"{path.relative_to(folder)}[cell {i}]"] = cell.source
    return found


def answer_bodies() -> dict[str, str]:
    """Canonical bodies of the solutions' functions that the exercises do not give away already."""
    given = {canonical_body(f) for source in python_sources(ROOT / "exercises").values() for f in functions_in(source)}
    answers = {}
    for where, source in python_sources(ROOT / "solutions").items():
        for function in functions_in(source):
            body = canonical_body(function)
            if body not in given:
                answers[body] = f"{where}: {function.name}"
    return answers


def leaked_bodies(folder: Path) -> list[str]:
    answers = answer_bodies()
    return [f"{where}: {function.name} is {answers[canonical_body(function)]}"
            for where, source in python_sources(folder).items() for function in functions_in(source)
            if canonical_body(function) in answers]


def exercise_names() -> set[str]:
    return {node.name for path in (ROOT / "solutions").rglob("*.py")
            for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def grader_modules_defining_exercises(folder: Path) -> list[str]:
    names = exercise_names()
    return [f"{path.relative_to(folder)}: {node.name}" for path in sorted((folder / "graders").rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names]


def hidden_tests(folder: Path) -> list[str]:
    found = []
    for path in sorted((folder / "graders").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "hidden":
                found.append(f"{path.relative_to(folder)}:{node.lineno}")
    return found


# -- the scan ---------------------------------------------------------------------------------

def test_the_scan_sees_solution_code_under_another_name(tmp_path):
    """The scanner can fail: a solution function pasted into a grader, renamed, is found."""
    layers = (ROOT / "solutions" / "a1_backprop" / "layers.py").read_text(encoding="utf-8")
    softmax = next(f for f in functions_in(layers) if f.name == "softmax")
    softmax.name, softmax.args.args[0].arg = "helper", "logits"
    for node in ast.walk(softmax):
        if isinstance(node, ast.Name) and node.id == "x":
            node.id = "logits"
    softmax.body = softmax.body[1:]  # without its docstring
    pasted = ast.unparse(softmax)
    assert "softmax" not in pasted and "(x" not in pasted
    (tmp_path / "graders").mkdir()
    (tmp_path / "graders" / "helpers.py").write_text(pasted + "\n", encoding="utf-8")
    assert leaked_bodies(tmp_path) == ["graders/helpers.py: helper is a1_backprop/layers.py: softmax"]


ASSIGNMENTS = {"a1_backprop", *KERAS_ASSIGNMENTS}


def test_student_course_holds_no_solution_code(student_course):
    scanned = {where.split("/")[0] for where in answer_bodies().values()}
    assert scanned == ASSIGNMENTS, "the scan compares the solutions of every assignment"
    assert leaked_bodies(student_course) == []


def test_student_course_has_no_hidden_test_but_every_public_one(student_course):
    assert {path.split("/")[1] for path in hidden_tests(ROOT)} == ASSIGNMENTS  # the scan sees each one's
    assert hidden_tests(student_course) == []
    public = [p.relative_to(ROOT) for p in (ROOT / "graders").rglob("test_*.py")]
    assert all((student_course / p).is_file() for p in public)


def test_no_grader_module_defines_an_exercise(student_course):
    assert grader_modules_defining_exercises(student_course) == []


def test_student_course_has_no_solutions_or_answer_oracles(student_course):
    assert not (student_course / "solutions").exists()
    assert not list((student_course / "graders").glob("*/answers.py"))
    assert (student_course / "graders" / "a1_backprop" / "answers.npz").is_file()


def test_course_toml_keeps_no_grading_only_tables(student_course):
    import tomllib

    settings = tomllib.loads((student_course / "course.toml").read_text(encoding="utf-8"))
    assert "limits" not in settings
    assert all("limits" not in a and "late" not in a for a in settings["assignments"].values())
    assert settings["course"]["install"]


def test_student_course_is_its_own_git_repository(student_course):
    log = subprocess.run(["git", "-C", str(student_course), "log", "--oneline"], capture_output=True, text=True)
    assert log.returncode == 0 and len(log.stdout.splitlines()) == 1


def test_releasing_again_with_no_change_commits_nothing(student_course, course):
    result = release_student_course(course, student_course, recorded=["a1_backprop"])
    assert not result.committed


def test_release_refuses_a_folder_that_is_not_a_student_course(tmp_path, course):
    from graders.engine.authoring.release import ReleaseError

    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReleaseError, match="not empty"):
        release_student_course(course, tmp_path, recorded=[])
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# -- self-check: the student course scores and explains like the full package -------------------

def submissions(tmp_path: Path, assignment: str = "a1_backprop") -> dict[str, tuple[Path, str]]:
    """The solution, the stubs, every catalog mistake and correct variant, as folders outside the repository.

    Each with the -k expression its catalog grades it with (a3 leaves out training it cannot affect).
    """
    catalog = importlib.import_module(f"tests.catalog.{assignment}")
    entries = [("solution", "solutions", (), None), ("stubs", "exercises", (), None),
               *((entry.name, "solutions", entry.patches, entry) for entry in [*catalog.MISTAKES, *catalog.VARIANTS])]
    found = {}
    for name, source, patches, entry in entries:
        folder = tmp_path / name.replace(" ", "_").replace("/", "_").replace("'", "")
        shutil.copytree(ROOT / source / assignment, folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
        apply_patches(folder, patches)
        found[name] = (folder, selection(catalog, entry))
    return found


def selection(catalog, entry) -> str:
    if not hasattr(catalog, "graders_of"):
        return ""
    course = load_course(ROOT)
    exercises = catalog.touched_exercises(course, entry.patches) if entry else set(course.assignment(
        catalog.ASSIGNMENT).exercises)
    return f"-k '{catalog.graders_of(course, exercises, entry.trains if entry else ())}'"


def grade_in(python: str, course_root: Path | str, assignment: str, runs: dict[str, tuple[Path, str]], cwd: Path,
             env: dict) -> dict:
    """Self-check each folder with ``python`` (course_root "-": the course its package carries)."""
    script = inspect.getsource(outcomes) + GRADE_IN_STUDENT_COURSE
    plan = json.dumps([[str(folder), addopts] for folder, addopts in runs.values()])
    done = subprocess.run([python, "-c", script, str(course_root), assignment, plan],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=3600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def expect_same_self_check(student: dict, runs: dict[str, tuple[Path, str]], grade, assignment: str,
                           monkeypatch) -> None:
    for name, (folder, addopts) in runs.items():
        monkeypatch.setenv("PYTEST_ADDOPTS", addopts)
        full = outcomes(grade(folder, assignment))
        differing = [pair for pair in zip(student[str(folder)]["tests"], full["tests"]) if pair[0] != pair[1]]
        assert student[str(folder)] == full, (name, differing)


@pytest.mark.long  # the whole a1 catalog, graded twice: minutes
def test_self_check_equals_the_full_package_on_the_a1_catalog(student_course, grade, tmp_path, monkeypatch):
    runs = submissions(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(student_course)}
    student = grade_in(sys.executable, student_course, "a1_backprop", runs, tmp_path, env)
    expect_same_self_check(student, runs, grade, "a1_backprop", monkeypatch)


@pytest.mark.long  # a Keras catalog graded twice, TensorFlow in both: many minutes
@pytest.mark.parametrize("assignment", KERAS_ASSIGNMENTS)
def test_self_check_equals_the_full_package_on_the_keras_catalogs(assignment, tmp_path_factory, course, grade,
                                                                   tmp_path, monkeypatch):
    target = tmp_path_factory.mktemp("release") / "student-course"
    release_student_course(course, target, recorded=[assignment])
    runs = submissions(tmp_path, assignment)
    env = {**os.environ, "PYTHONPATH": str(target)}
    student = grade_in(sys.executable, target, assignment, runs, tmp_path, env)
    expect_same_self_check(student, runs, grade, assignment, monkeypatch)


def installed(student_course: Path, tmp_path: Path, extra: str = "") -> tuple[Path, Path, dict]:
    """The student course pip-installed (``extra``: e.g. "[keras]") in a fresh venv: (its bin, a folder
    outside any clone, an environment without this repository on PYTHONPATH)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", f"{student_course}{extra}"], check=True,
                   timeout=1800)
    outside = tmp_path / "outside"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return bin_dir, outside, env


def self_check(bin_dir: Path, assignment: str, folder: Path, outside: Path, env: dict) -> str:
    check = subprocess.run([str(bin_dir / "course"), "check", assignment, "--submission", str(folder)],
                           capture_output=True, text=True, cwd=outside, env=env, timeout=1200)
    return check.stdout + check.stderr


@pytest.mark.install
def test_installed_student_course_self_checks_like_the_full_package(student_course, grade, tmp_path, monkeypatch):
    """A fresh venv, the base install of the student course, checks run from a folder outside any clone."""
    bin_dir, outside, env = installed(student_course, tmp_path)
    python = str(bin_dir / "python")
    where = subprocess.run([python, "-c", "import graders, pathlib; p = pathlib.Path(graders.__file__).parent; "
                            "print(sorted(x.name for x in (p / 'a1_backprop').iterdir()))"],
                           capture_output=True, text=True, cwd=outside, env=env, check=True).stdout
    assert "answers.npz" in where and "answers.py" not in where

    runs = submissions(tmp_path / "submissions")
    assert "23 / 23" in self_check(bin_dir, "a1_backprop", runs["solution"][0], outside, env)
    assert "not implemented" in self_check(bin_dir, "a1_backprop", runs["stubs"][0], outside, env)
    student = grade_in(python, "-", "a1_backprop", runs, outside, env)
    assert student[str(runs["stubs"][0])]["score"] == 0
    expect_same_self_check(student, runs, grade, "a1_backprop", monkeypatch)


@pytest.mark.install
def test_installed_keras_student_course_self_checks_a2_and_a3(course, grade, tmp_path, monkeypatch):
    """``pip install "<student course>[keras]"`` in a fresh venv: the solution and the stubs of a2 and a3
    self-check from a folder outside any clone, as with the full package."""
    target = tmp_path / "release" / "student-course"
    release_student_course(course, target, recorded=list(KERAS_ASSIGNMENTS))
    bin_dir, outside, env = installed(target, tmp_path, "[keras]")
    for assignment in KERAS_ASSIGNMENTS:
        runs = submissions(tmp_path / assignment, assignment)
        runs = {name: runs[name] for name in ("solution", "stubs")}
        assert "Every check passed" in self_check(bin_dir, assignment, runs["solution"][0], outside, env)
        assert "not implemented" in self_check(bin_dir, assignment, runs["stubs"][0], outside, env)
        student = grade_in(str(bin_dir / "python"), "-", assignment, runs, outside, env)
        assert student[str(runs["stubs"][0])]["score"] == 0
        expect_same_self_check(student, runs, grade, assignment, monkeypatch)


def test_released_values_keep_the_order_of_mistakes(tmp_path):
    """Of several matching mistakes the first is named: a round trip through answers.npz keeps dict order."""
    from graders.engine.grading.answers import load_values, save_values

    mistakes = {"z: listed first": np.zeros(2), "a: listed second": np.ones(2), "m": None}
    save_values({"key": (mistakes, 1.5)}, tmp_path / "answers.npz")
    loaded, number = load_values(tmp_path / "answers.npz")["key"]
    assert list(loaded) == list(mistakes) and number == 1.5 and loaded["m"] is None
