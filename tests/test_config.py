"""course.toml: a mistake is reported with the file, line and key, and what is expected."""

import re
from pathlib import Path

import pytest

from graders.engine.core.config import CourseConfigError, load_course
from graders.engine.core.config_schema import grader_keys, reference
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
    assert f"course.toml:{line}: assignments.a1_backprop.exercises.Relu.points: must be a number, got 'two'" in str(err.value)


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
    with pytest.raises(CourseConfigError, match=r"limits.memry_mb: unknown key; did you mean `memory_mb`\?"):
        load_course(write_course(tmp_path, text))


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(CourseConfigError) as err:
        load_course(write_course(tmp_path, text))
    return str(err.value)


def line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


@pytest.mark.parametrize("old, new, wanted", [
    ("grad_rtol = 1e-5      #", "grad_rtl = 1e-5      #", "grad_rtol"),
    ("train_min_accuracy = 0.90 #", "train_min_acuracy = 0.90 #", "train_min_accuracy"),
])
def test_a_misspelt_tolerance_or_setting_is_refused_with_did_you_mean(tmp_path, old, new, wanted):
    text = a1_with(old, new)
    typo = new.split(" =")[0]
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith(f"{typo} ="))
    message = refusal(tmp_path, text)
    assert f"course.toml:{line}: assignments.a1_backprop." in message
    assert f".{typo}: unknown key; did you mean `{wanted}`?" in message


def test_a_misspelt_table_name_is_refused_rather_than_ignored(tmp_path):
    text = (ROOT / "course.toml").read_text() + '\n[assignments.a1_backprop.lat]\ndue = "2026-03-01T23:59:00"\n'
    message = refusal(tmp_path, text)
    line = line_of(text, "[assignments.a1_backprop.lat]")
    assert message.endswith(f"course.toml:{line}: assignments.a1_backprop.lat: unknown key; did you mean `late`?")


def test_a_misspelt_course_key_is_refused(tmp_path):
    text = a1_with("[course]\n", '[course]\ntimezon = "Europe/Berlin"\n')
    assert "course.toml:5: course.timezon: unknown key; did you mean `timezone`?" in refusal(tmp_path, text)


def test_a_tolerance_the_graders_read_must_be_written(tmp_path):
    text = a1_with("grad_atol = 1e-8\n", "")
    assert "assignments.a1_backprop.tolerances.grad_atol: is required but missing" in refusal(tmp_path, text)


def test_a_setting_of_the_wrong_kind_is_refused(tmp_path):
    text = a1_with("train_iters = 1000", 'train_iters = "1000"')
    assert "settings.train_iters: must be an integer, got '1000'" in refusal(tmp_path, text)


def test_a_negative_tolerance_is_refused(tmp_path):
    text = a1_with("grad_rtol = 1e-5      #", "grad_rtol = -1e-5      #")
    assert "tolerances.grad_rtol: must be a non-negative number" in refusal(tmp_path, text)


def test_a_value_of_the_wrong_kind_is_refused(tmp_path):
    text = a1_with('preload = ["numpy"]\n', 'preload = "numpy"\n')
    assert "a1_backprop.preload: must be a list of strings, got 'numpy'" in refusal(tmp_path, text)


def test_every_tolerance_and_setting_a_grader_reads_is_declared_and_every_declared_one_is_read():
    """The declarations in graders/<assignment>/__init__.py match what the grader modules read."""
    for folder in sorted(p for p in (ROOT / "graders").iterdir() if (p / "__init__.py").is_file() and p.name != "engine"):
        keys = grader_keys(folder.name, ROOT / "graders")
        source = "\n".join(p.read_text() for p in folder.glob("*.py") if p.name != "__init__.py")
        read = {(table, name) for table, name in re.findall(r"\b(tol|settings)(?:\[|\.get\()[\"']([a-z0-9_]+)", source)}
        declared = {("tol", name) for name in keys.tolerances} | {("settings", name) for name in keys.settings}
        assert read == declared, folder.name


def test_the_reference_lists_every_key_with_kind_default_and_description():
    course = load_course(ROOT)
    entries = {path: (kind, default, text) for path, kind, default, text in
               reference({name: grader_keys(name, ROOT / "graders") for name in course.assignments})}
    assert entries["course.timezone"] == ("string", "UTC", entries["course.timezone"][2])
    assert entries["assignments.<name>.exercises.<name>.points"][:2] == ("number", "required")
    assert entries["assignments.a1_backprop.tolerances.grad_rtol"][:2] == ("number", "required")
    assert entries["assignments.a3_keras_models.settings.cnn_epochs"][0] == "integer"
    assert all(text for _kind, _default, text in entries.values())


def test_negative_points_are_refused(tmp_path):
    text = a1_with('title = "Tanh forward and backward"\npoints = 2', 'title = "Tanh forward and backward"\npoints = -2')
    with pytest.raises(CourseConfigError, match=r"Tanh.points: must be zero or more"):
        load_course(write_course(tmp_path, text))


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(CourseConfigError, match=r"unknown assignment 'a9'; course.toml defines: .*a1_backprop"):
        load_course(ROOT).assignment("a9")
