"""course release: exercises/ is generated from solutions/ and never stale."""

import shutil

import pytest

from graders.engine.core.config import load_course
from graders.engine.authoring.release import ReleaseError, apply_release, describe_stale, plan_release, stub_python
from tests.conftest import ROOT


def test_committed_exercises_are_up_to_date(course):
    plan = plan_release(course)
    assert [str(p.relative_to(ROOT)) for p in plan.stale] == []


def test_marked_blocks_become_stubs_and_the_rest_is_kept():
    source = ('def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\n'
              'def g():\n    return 2\n')
    assert stub_python(source) == ('def f(x):\n    """Doc."""\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\n'
                                   'def g():\n    return 2\n')


def test_stubs_never_contain_solution_code(course):
    plan = plan_release(course)
    student_files = {t: text for t, text in plan.written.items() if (ROOT / "exercises") in t.parents}
    assert any(t.suffix == ".ipynb" for t in student_files) and any(t.suffix == ".py" for t in student_files)
    for target, text in student_files.items():
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, target
    assert "x.T @ dout" not in plan.written[ROOT / "exercises" / "a1_backprop" / "layers.py"]


@pytest.mark.parametrize("source, problem", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
])
def test_unbalanced_markers_are_reported(source, problem):
    with pytest.raises(ReleaseError, match=problem):
        stub_python(source, "bad.py")


def test_release_check_detects_and_release_fixes_a_stale_exercise(tmp_path):
    for name in ("course.toml", "solutions", "exercises"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    course = load_course(tmp_path)
    layers = tmp_path / "solutions" / "a1_backprop" / "layers.py"
    layers.write_text(layers.read_text().replace("Row-wise softmax.", "Row-wise softmax (edited)."))
    plan = plan_release(course, ["a1_backprop"])
    assert sorted(plan.stale) == sorted([tmp_path / "exercises" / "a1_backprop" / "layers.py",
                                         tmp_path / "solutions" / "a1_backprop" / "a1_backprop.ipynb",
                                         tmp_path / "exercises" / "a1_backprop" / "a1_backprop.ipynb"])
    apply_release(plan)
    assert plan_release(course, ["a1_backprop"]).stale == []


def test_release_check_says_what_is_stale_by_where_it_comes_from(course):
    root, graders = course.root, course.root / "graders"
    stale = [graders / "course.toml", root / "exercises" / "a1_backprop" / "layers.py",
             graders / "a1_backprop" / "a1_backprop.ipynb", root / "solutions" / "a1_backprop" / "a1_backprop.ipynb"]
    assert describe_stale(stale, root) == (
        "the package's copy of course.toml: graders/course.toml; "
        "the student version in exercises/ (made from solutions/): exercises/a1_backprop/layers.py; "
        "the package's copy of the student notebook: graders/a1_backprop/a1_backprop.ipynb; "
        "the solution notebook (built from solutions/ and narrative.md): solutions/a1_backprop/a1_backprop.ipynb")
