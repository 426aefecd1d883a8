"""The `course` command as instructors and students run it."""

import csv
import json
import os
import shutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SOLUTION = ROOT / "solutions" / "a1_backprop"
STUBS = ROOT / "exercises" / "a1_backprop"


def course(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "graders.engine.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.long  # the CLI's `release --check` (~7 s); test_assignments checks in this process that it is fresh
def test_release_check_passes_on_the_repository():
    result = course("release", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_check_on_stubs_shows_zero_and_what_is_not_implemented():
    result = course("check", "a1_backprop")
    assert result.returncode == 0, result.stderr
    assert "0 / 23" in result.stdout
    assert "Relu: not implemented yet." in result.stdout


def test_check_on_the_solution_shows_full_marks():
    result = course("check", "a1_backprop", "--submission", str(SOLUTION))
    assert "23 / 23" in result.stdout and "Every check passed" in result.stdout


def test_check_shows_the_feedback_of_a_failure(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(SOLUTION, folder)
    layers = folder / "layers.py"
    layers.write_text(layers.read_text().replace("self.mask = x <= 0", "self.mask = x < 0"))
    result = course("check", "a1_backprop", "--submission", str(folder), "--local")
    assert "also passes where x == 0" in result.stdout


def test_grade_writes_gradescope_results_and_a_gradebook_and_regrades_only_what_changed(tmp_path):
    subs = tmp_path / "submissions"
    shutil.copytree(SOLUTION, subs / "alice")
    shutil.copytree(STUBS, subs / "bob")
    out = tmp_path / "out"
    result = course("grade", str(subs / "alice"), str(subs / "bob"), "-a", "a1_backprop", "-o", str(out), "-j", "2")
    assert result.returncode == 0, result.stderr

    alice = json.loads((out / "alice" / "results.json").read_text())
    assert alice["score"] == 23
    for test in alice["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility", "tags"}
        assert test["visibility"] in {"visible", "hidden", "after_due_date", "after_published"}
    assert {"Affine", "softmax", "train"} <= {tag for t in alice["tests"] for tag in t["tags"]}
    assert any(t["visibility"] == "after_published" for t in alice["tests"]), "hidden tests are graded too"

    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [(r["submission"], r["total"], r["max"]) for r in rows] == [("alice", "23", "23"), ("bob", "0", "23")]
    assert rows[0]["Affine"] == "4" and rows[1]["Affine"] == "0"
    assert "Not implemented yet" in (out / "bob" / "feedback.md").read_text()

    graded_at = (out / "alice" / "report.json").stat().st_mtime_ns
    again = course("grade", str(subs / "alice"), str(subs / "bob"), "-a", "a1_backprop", "-o", str(out), "-q")
    assert again.returncode == 0 and again.stdout == ""
    assert json.loads((out / "alice" / "results.json").read_text()) == alice

    shutil.copy(SOLUTION / "layers.py", subs / "bob" / "layers.py")  # bob hands in a new layers.py
    changed = course("grade", str(subs / "alice"), str(subs / "bob"), "-a", "a1_backprop", "-o", str(out))
    assert changed.returncode == 0, changed.stderr
    assert any("alice" in line and "skipped (unchanged)" in line for line in changed.stdout.splitlines())
    assert (out / "alice" / "report.json").stat().st_mtime_ns == graded_at
    assert json.loads((out / "bob" / "results.json").read_text())["score"] > 0


@pytest.mark.parametrize("args, message", [
    (("check", "a9"), "unknown assignment 'a9'"),
    (("grade", "/nonexistent", "-a", "a1_backprop", "-o", "/tmp/x"), "not a folder or a zip file: /nonexistent"),
    (("check", "a1_backprop", "--submission", "/nonexistent"), "/nonexistent is not a folder"),
])
def test_bad_arguments_exit_2_with_a_message(args, message):
    result = course(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_malformed_course_toml_is_reported_with_its_line(tmp_path):
    (tmp_path / "course.toml").write_text("[course]\ntitle = 'x'\n[assignments.a1_backprop]\nfiles = 3\n")
    result = course("--root", str(tmp_path), "check", "a1_backprop")
    assert result.returncode == 2
    assert "course.toml:4: assignments.a1_backprop.files: must be a list of strings" in result.stderr


@pytest.mark.parametrize("command", [
    ("check", "a1_backprop", "--submission", str(ROOT / "solutions" / "a1_backprop")),
    ("grade", str(ROOT / "solutions" / "a1_backprop"), "-a", "a1_backprop", "-o", "OUT"),
    ("release", "--check"),
])
def test_a_course_toml_typo_stops_every_command_before_grading(tmp_path, command):
    text = (ROOT / "course.toml").read_text().replace("grad_rtol = 1e-5      #", "grad_rtl = 1e-5      #")
    (tmp_path / "course.toml").write_text(text)
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("grad_rtl ="))
    result = course("--root", str(tmp_path), *command, cwd=tmp_path)
    assert result.returncode == 2
    assert f"course.toml:{line}: assignments.a1_backprop.tolerances.grad_rtl: unknown key; did you mean `grad_rtol`?" \
        in result.stderr.replace("\n", "")
    assert not (tmp_path / "OUT").exists()


def test_outside_a_course_folder_the_package_s_own_course_is_used_and_named(tmp_path):
    result = course("check", "a1_backprop", "--submission", str(SOLUTION), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "23 / 23" in result.stdout
    assert f"using the course at {ROOT / 'course.toml'}" in result.stderr


def test_inside_a_course_folder_its_course_is_used_without_a_note():
    result = course("check", "a1_backprop", "--submission", str(SOLUTION), "--local", cwd=ROOT / "exercises")
    assert result.returncode == 0 and "using the course" not in result.stderr


def test_with_no_course_anywhere_the_error_says_what_to_do(tmp_path, monkeypatch, capsys):
    from graders.engine import cli
    from graders.engine.core import config

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(config, "GRADERS_DIR", tmp_path / "site-packages" / "graders")  # a package without one
    assert cli.main(["check", "a1_backprop"]) == 2
    assert "no course.toml found" in capsys.readouterr().err


def test_plain_pytest_self_check_works_in_a_checkout():
    """Students may run the graders with pytest directly; stubs fail with 'Not implemented yet'."""
    result = subprocess.run([sys.executable, "-m", "pytest", "graders/a1_backprop/test_relu.py", "-q",
                             "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    summary = result.stdout.strip().splitlines()[-1]
    assert re.match(r"\d+ failed, \d+ deselected in ", summary), summary  # every public Relu test fails; hidden ones deselected
    assert "Not implemented yet" in result.stdout
    solved = subprocess.run([sys.executable, "-m", "pytest", "graders/a1_backprop", "-q", "-p", "no:cacheprovider",
                             "--submission", str(SOLUTION)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert solved.returncode == 0, solved.stdout[-2000:]


@pytest.mark.long  # a class with hidden tests through the CLI; exit 1 and the line: test_unreadable.py, fast
def test_grade_exits_1_when_a_submission_could_not_be_read(tmp_path):
    subs = tmp_path / "submissions"
    shutil.copytree(SOLUTION, subs / "alice")
    (subs / "bob.zip").write_bytes(b"not a zip")
    result = course("grade", str(subs / "alice"), str(subs / "bob.zip"), "-a", "a1_backprop",
                    "-o", str(tmp_path / "out"), "-j", "1", "-q")
    assert result.returncode == 1
    assert "1 submission(s) unreadable (bob: " in " ".join(result.stderr.split())
    assert json.loads((tmp_path / "out" / "alice" / "results.json").read_text())["score"] == 23


def test_a_quiet_grade_still_says_on_stderr_what_student_code_can_reach(tmp_path):
    folder = tmp_path / "dee"
    shutil.copytree(STUBS, folder)
    env = {**os.environ, "COURSE_SANDBOX": "none", "COURSE_CONFINE": "none"}
    result = subprocess.run([sys.executable, "-m", "graders.engine.cli", "grade", str(folder), "-a", "a1_backprop",
                             "-o", str(tmp_path / "out"), "-q", "-j", "1"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and result.stdout == ""
    assert "Isolation:" in result.stderr and "hidden tests too" in result.stderr.replace("\n", " ")


def test_plain_pytest_self_check_reports_a_course_toml_typo_in_one_line(tmp_path):
    text = (ROOT / "course.toml").read_text().replace("grad_rtol = 1e-5      #", "grad_rtl = 1e-5      #")
    (tmp_path / "course.toml").write_text(text)
    result = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "graders" / "a1_backprop" / "test_relu.py"),
                             "-q", "-p", "no:cacheprovider", "-n", "0", f"--course-root={tmp_path}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert "ERROR: " in output and "grad_rtl: unknown key; did you mean `grad_rtol`?" in output
    assert "INTERNALERROR" not in output and "Traceback" not in output
