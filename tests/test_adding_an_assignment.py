"""docs/adding-an-assignment.md is enough: a small NumPy assignment, added to a temporary copy of the
course by the page's steps only (its solution, graders, catalog and course.toml entry; no engine
change), releases, self-checks, holds its catalog, grades a class and grades inside its Gradescope
bundle. Its graders use the shared helpers of graders/common, which the bundle must carry.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, apply_patches
from tests.test_gradescope import autograder_tree, start

NEW = "a9_scale"

SOLUTION = '''"""A layer that scales each feature by a learned weight: y = x * w."""

import numpy as np


class Scale:
    """x has shape (N, D); w has shape (D,). backward stores dw (shape (D,)) and returns dx (shape (N, D))."""

    def __init__(self, w):
        self.w = w
        self.x = None
        self.dw = None

    def forward(self, x):
        ### BEGIN SOLUTION
        self.x = x
        return x * self.w
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        self.dw = np.sum(dout * self.x, axis=0)
        return dout * self.w
        ### END SOLUTION
'''

GRADERS_INIT = '''"""Graders for a9_scale: one NumPy layer, forward and backward."""

# The tolerances these graders read; course.toml gives their values.
TOLERANCES = {"grad_rtol": "backward vs centered finite differences: relative"}
'''

ANSWERS = '''"""a9_scale's answers: values only the solution could give (the student course ships the values)."""

import numpy as np


def scale_forward(x, w):
    return x * w


def dw_mistakes(x, dout):
    return {"dw averaged over the batch instead of summed": np.mean(dout * x, axis=0)}
'''

TEST_SCALE = '''"""Scale: forward multiplies each feature by w; backward against finite differences."""

import numpy as np
import pytest

from graders.common.gradients import numerical_gradient
from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close

pytestmark = pytest.mark.exercise("Scale")
answers = Answers.of(__name__)


def test_forward_scales_each_feature(student, rng):
    """forward(x) is x * w"""
    x, w = rng.normal(size=(4, 3)), rng.normal(size=3)
    expect_close(student.scale.Scale(w).forward(x), answers.scale_forward(x, w), "Scale(w).forward(x)",
                 rtol=1e-12, atol=1e-12)


def test_backward_dx_matches_finite_differences(student, rng, tol):
    """backward(dout) returns dx, the gradient of sum(forward(x) * dout) with respect to x"""
    x, w, dout = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(4, 3))
    layer = student.scale.Scale(w)
    layer.forward(x)
    expected = numerical_gradient(lambda v: float(np.sum(v * w * dout)), x)
    expect_close(layer.backward(dout), expected, "Scale backward dx", rtol=tol["grad_rtol"], atol=1e-8,
                 mistakes={"dx = dout * x: the gradient flows through w, not x": dout * x})


def test_backward_dw_sums_over_the_batch(student, rng, tol):
    """backward(dout) stores dw, the gradient with respect to w, summed over the batch"""
    x, w, dout = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(4, 3))
    layer = student.scale.Scale(w)
    layer.forward(x)
    layer.backward(dout)
    expected = numerical_gradient(lambda v: float(np.sum(x * v * dout)), w)
    expect_close(layer.dw, expected, "Scale backward dw", rtol=tol["grad_rtol"], atol=1e-8,
                 mistakes=answers.dw_mistakes(x, dout))


@pytest.mark.hidden
def test_backward_on_a_larger_batch(student, rng, tol):
    """dx and dw on a batch of 32 with 10 features"""
    x, w, dout = rng.normal(size=(32, 10)), rng.normal(size=10), rng.normal(size=(32, 10))
    layer = student.scale.Scale(w)
    layer.forward(x)
    dx = layer.backward(dout)
    expect_close(dx, numerical_gradient(lambda v: float(np.sum(v * w * dout)), x), "Scale backward dx",
                 rtol=tol["grad_rtol"], atol=1e-8)
    expect_close(layer.dw, numerical_gradient(lambda v: float(np.sum(x * v * dout)), w), "Scale backward dw",
                 rtol=tol["grad_rtol"], atol=1e-8)
'''

CATALOG = '''"""The a9_scale catalogs: known mistakes (each must lose points, named) and correct variants (full marks)."""

from tests.catalog import Mistake, Variant
from tests.conftest import Patch

S = "scale.py"

MISTAKES = [
    Mistake("dx uses x", "Scale", "the gradient flows through w, not x",
            (Patch(S, "return dout * self.w", "return dout * self.x"),)),
    Mistake("dw averaged", "Scale", "dw averaged over the batch instead of summed",
            (Patch(S, "np.sum(dout * self.x, axis=0)", "np.mean(dout * self.x, axis=0)"),)),
]

VARIANTS = [
    Variant("dw by einsum", (Patch(S, "np.sum(dout * self.x, axis=0)", "np.einsum('nd,nd->d', dout, self.x)"),)),
]
'''

COURSE_ENTRY = '''
[assignments.a9_scale]
title = "Scale: one NumPy layer"
files = ["scale.py"]
numpy_only = ["scale.py"]
preload = ["numpy"]

[assignments.a9_scale.tolerances]
grad_rtol = 1e-6

[assignments.a9_scale.exercises.Scale]
title = "Scale forward and backward"
points = 3
file = "scale.py"
'''

# What the page says a new assignment writes, and nothing else.
WRITTEN = {f"solutions/{NEW}/scale.py": SOLUTION, f"graders/{NEW}/__init__.py": GRADERS_INIT,
           f"graders/{NEW}/answers.py": ANSWERS, f"graders/{NEW}/test_scale.py": TEST_SCALE,
           f"tests/catalog/{NEW}.py": CATALOG}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A copy of the course with the new assignment added by the page's steps, and released."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "graders", root / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("course.toml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name, text in WRITTEN.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    with (root / "course.toml").open("a", encoding="utf-8") as toml:
        toml.write(COURSE_ENTRY)
    released = course(root, "release", NEW)
    assert released.returncode == 0, released.stdout + released.stderr
    return root


def course(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`course` as the copy's own engine runs it (PYTHONPATH: its graders package, not the checkout's)."""
    env = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "graders.engine.cli", "--root", str(root), *args], cwd=root,
                          env=env, capture_output=True, text=True, timeout=600)


def checked(root: Path, folder: Path, *options: str) -> dict:
    result = course(root, "check", NEW, "--submission", str(folder), "--json", str(folder / "report.json"), *options)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def submission(root: Path, target: Path, patches=()) -> Path:
    shutil.copytree(root / "solutions" / NEW, target)
    apply_patches(target, tuple(patches))
    return target


@pytest.mark.xdist_group("adding_an_assignment")  # one worker builds the course copy once
def test_release_writes_stubs_and_is_then_fresh(root):
    stub = (root / "exercises" / NEW / "scale.py").read_text(encoding="utf-8")
    assert "raise NotImplementedError()" in stub and "np.sum(dout * self.x" not in stub
    assert course(root, "release", "--check", NEW).returncode == 0


@pytest.mark.xdist_group("adding_an_assignment")  # one worker builds the course copy once
def test_the_solution_gets_full_marks_and_the_stubs_zero(root, tmp_path):
    solved = checked(root, submission(root, tmp_path / "solution"), "--hidden")
    assert solved["score"] == solved["max_score"] == 3 and any(t["hidden"] for t in solved["tests"])
    shutil.copytree(root / "exercises" / NEW, tmp_path / "stubs")
    stubs = checked(root, tmp_path / "stubs")
    assert stubs["score"] == 0 and all("Not implemented yet" in t["feedback"] for t in stubs["tests"])


@pytest.mark.xdist_group("adding_an_assignment")  # one worker builds the course copy once
def test_the_catalog_holds(root, tmp_path):
    spec = importlib.util.spec_from_file_location("new_catalog", root / "tests" / "catalog" / f"{NEW}.py")
    catalog = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalog)
    for number, mistake in enumerate(catalog.MISTAKES):
        report = checked(root, submission(root, tmp_path / f"mistake{number}", mistake.patches), "--local")
        assert report["score"] < report["max_score"], mistake.name
        assert any(mistake.feedback in t["feedback"] for t in report["tests"]), mistake.name
    for number, variant in enumerate(catalog.VARIANTS):
        report = checked(root, submission(root, tmp_path / f"variant{number}", variant.patches), "--local", "--hidden")
        assert report["score"] == report["max_score"], variant.name


@pytest.mark.xdist_group("adding_an_assignment")  # one worker builds the course copy once
def test_a_class_is_graded_and_the_gradescope_bundle_grades_with_the_shared_helpers(root, tmp_path):
    submission(root, tmp_path / "class" / "ada")
    shutil.copytree(root / "exercises" / NEW, tmp_path / "class" / "bob")
    graded = course(root, "grade", str(tmp_path / "class" / "ada"), str(tmp_path / "class" / "bob"),
                    "-a", NEW, "-o", str(tmp_path / "out"), "-j", "1", "-q")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    book = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[:3] for row in book[1:]] == [["ada", "3", "3"], ["bob", "0", "3"]]

    bundle = tmp_path / "autograder.zip"
    built = course(root, "gradescope", NEW, "-o", str(bundle))
    assert built.returncode == 0, built.stdout + built.stderr
    tree = autograder_tree(bundle, tmp_path / "autograder", root / "solutions" / NEW)
    assert (tree / "source" / "course" / "graders" / "common" / "gradients.py").is_file()
    other = tree / "source" / "course" / "graders" / "a1_backprop"  # only its declarations, never its tests
    assert [p.name for p in other.iterdir()] == ["__init__.py"]
    process = start(tree)
    stdout, _ = process.communicate(timeout=600)
    assert process.returncode == 0, stdout
    results = json.loads((tree / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 3, results
