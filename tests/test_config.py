"""course.toml: a mistake is reported with the file, line and key, and what is expected."""

from pathlib import Path

import pytest

from graders.engine.core.config import CourseConfigError, load_course
from tests.conftest import ROOT


def write_course(tmp_path: Path, text: str) -> Path:
    (tmp_path / "course.toml").write_text(text)
    return tmp_path


def a1_with(old: str, new: str) -> str:
    text = (ROOT / "course.toml").read_text()
    assert text.count(old) == 1
    return text.replace(old, new)


def test_the_shipped_course_toml_loads():
    course = load_course(ROOT)
    assert course.assignment("a1_backprop").max_points == 23


def test_invalid_toml_names_the_line(tmp_path):
    with pytest.raises(CourseConfigError, match=r"not valid TOML: .*line 2"):
        load_course(write_course(tmp_path, "[course]\ntitle = \n"))


def test_wrong_type_names_key_and_line(tmp_path):
    text = a1_with('[assignments.a1_backprop.exercises.Relu]\ntitle = "Relu forward and backward"\npoints = 2',
                   '[assignments.a1_backprop.exercises.Relu]\ntitle = "Relu forward and backward"\npoints = "two"')
    line = text.splitlines().index('points = "two"') + 1
    with pytest.raises(CourseConfigError) as err:
        load_course(write_course(tmp_path, text))
    assert f"course.toml:{line}: assignments.a1_backprop.exercises.Relu.points: must be int or float" in str(err.value)


def test_missing_required_key(tmp_path):
    text = a1_with('title = "Deep learning, from NumPy layers to Keras models"\n', "")
    with pytest.raises(CourseConfigError, match=r"course.title: is required but missing"):
        load_course(write_course(tmp_path, text))


def test_exercise_file_must_be_one_of_the_assignment_files(tmp_path):
    text = a1_with('points = 3\nfile = "network.py"\nuses = ["MultiLayerNet"]',
                   'points = 3\nfile = "netwrok.py"\nuses = ["MultiLayerNet"]')
    with pytest.raises(CourseConfigError, match=r"exercises.train.file: 'netwrok.py' is not one of"):
        load_course(write_course(tmp_path, text))


def test_unknown_exercise_in_uses(tmp_path):
    text = a1_with('uses = ["MultiLayerNet"]', 'uses = ["MultiLayerNetwork"]')
    with pytest.raises(CourseConfigError, match=r"train.uses: names unknown exercise 'MultiLayerNetwork'"):
        load_course(write_course(tmp_path, text))


def test_unknown_limit_is_refused(tmp_path):
    text = a1_with("memory_mb = 2048", "memory_mb = 2048\nmemry_mb = 10")
    with pytest.raises(CourseConfigError, match=r"limits.memry_mb: unknown limit"):
        load_course(write_course(tmp_path, text))


def test_negative_points_are_refused(tmp_path):
    text = a1_with('title = "Tanh forward and backward"\npoints = 2', 'title = "Tanh forward and backward"\npoints = -2')
    with pytest.raises(CourseConfigError, match=r"Tanh.points: must be zero or more"):
        load_course(write_course(tmp_path, text))


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(CourseConfigError, match=r"unknown assignment 'a9'; course.toml defines: .*a1_backprop"):
        load_course(ROOT).assignment("a9")
