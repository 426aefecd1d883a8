"""course.toml says what judges import ahead and what a notebook installs; `course release --check`
reports an assignment whose files need more than its settings say."""

from __future__ import annotations

import dataclasses
import shutil

from graders.engine.authoring.settings_check import disagreements
from graders.engine.cli import main
from tests.conftest import ROOT

A1 = "a1_backprop"


def with_assignment(course, name, **changes):
    changed = dataclasses.replace(course.assignments[name], **changes)
    return dataclasses.replace(course, assignments={name: changed})


def graders_folder(tmp_path, name, text):
    folder = tmp_path / "graders" / name
    folder.mkdir(parents=True)
    (folder / "test_x.py").write_text(text, encoding="utf-8")
    return tmp_path / "graders"


def test_the_course_s_settings_agree_with_its_files(course):
    assert disagreements(course, ROOT / "graders") == []


def test_a_grader_using_the_tf_oracle_needs_a_framework_in_judge_preload(course, tmp_path):
    graders = graders_folder(tmp_path, A1, "def test_x():\n    from graders.engine.grading.tf_oracle import tensorflow\n")
    [line] = disagreements(with_assignment(course, A1, judge_preload=()), graders)
    assert "test_x.py uses the TensorFlow oracle" in line and 'judge_preload = ["tensorflow"]' in line


def test_a_mention_of_tf_oracle_in_a_comment_needs_nothing(course, tmp_path):
    graders = graders_folder(tmp_path, A1, "# the judges import TensorFlow (tf_oracle) when told\n")
    assert disagreements(with_assignment(course, A1, judge_preload=()), graders) == []


def test_workers_preloading_keras_need_the_notebook_to_install_it(course, tmp_path):
    graders = graders_folder(tmp_path, A1, "")
    changed = with_assignment(course, A1, preload=("numpy", "keras"), install_extras=())
    [line] = disagreements(changed, graders)
    assert "preload keras" in line and 'install_extras = ["keras"]' in line


def test_release_check_reports_a_disagreement_and_exits_1(tmp_path, capsys):
    root = tmp_path / "course"
    (root / "graders").mkdir(parents=True)
    text = (ROOT / "course.toml").read_text(encoding="utf-8").replace('judge_preload = ["tensorflow"]', "")
    (root / "course.toml").write_text(text, encoding="utf-8")
    (root / "graders" / A1).mkdir()
    (root / "graders" / A1 / "test_affine.py").write_text(
        "def test_x():\n    from graders.engine.grading.tf_oracle import tensorflow\n", encoding="utf-8")
    (root / "graders" / "course.toml").write_text(text, encoding="utf-8")  # the packaged copy, fresh
    for name in ("solutions", "exercises"):  # a fresh release: only the settings disagree
        shutil.copytree(ROOT / name / A1, root / name / A1, ignore=shutil.ignore_patterns("__pycache__"))
    status = main(["--root", str(root), "release", "--check", A1])
    output = capsys.readouterr().out
    assert status == 1 and "course.toml disagrees with the files: [assignments.a1_backprop]" in output
    assert "Out of date" not in output
