"""Corrections after the autograder: manual adjustments, late penalties, and the regrade diff.

The graded folder is written by real grading runs (public tests, in-process,
for speed) through the writer `course grade` uses: ada hands in the solution,
ben the stubs. Corrections live in a copy of the course folder.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from graders.engine.classbook.adjustments import load_adjustments
from graders.engine.classbook.batch import write_gradebook
from graders.engine.cli import main
from graders.engine.core.config import CourseConfigError, load_course
from graders.engine.classbook.corrections import Corrections
from graders.engine.platforms.lms import export, read_roster
from graders.engine.classbook.regrade_diff import TOTAL, Change, changes
from graders.engine.reporting.reports import class_page, load_reports, write_feedback
from graders.engine.core.results import write_submission_results
from graders.engine.grading.runner import RunOptions, run_graders
from tests.conftest import ROOT
from tests.test_cli import course as run_course

SOLUTION = ROOT / "solutions" / "a1_backprop"
STUBS = ROOT / "exercises" / "a1_backprop"
HEADER = "assignment,submission,exercise,action,points,reason,by\n"


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("graded")
    for name, submission in (("ada", SOLUTION), ("ben", STUBS)):
        report = run_graders(course, "a1_backprop", submission, RunOptions("public", "local"), name=name)
        write_submission_results(folder, report, fingerprint="")
    return folder


@pytest.fixture
def root(tmp_path) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    shutil.copy(ROOT / "course.toml", folder / "course.toml")
    return folder


def with_adjustments(root: Path, rows: str):
    (root / "adjustments.csv").write_text(HEADER + rows)
    return load_course(root)


def gradebook_rows(course, out: Path) -> dict[str, dict[str, str]]:
    text = write_gradebook(course, "a1_backprop", out).read_text()
    return {row["submission"]: row for row in csv.DictReader(io.StringIO(text))}


def test_adjustments_add_subtract_and_set_in_file_order(root, graded):
    course = with_adjustments(root, "a1_backprop,ben,Relu,add,1.5,found a grader bug,TA\n"
                                    "a1_backprop,ben,Relu,add,1,second look,\n"
                                    "a1_backprop,ben,Tanh,set,1,partly right,\n"
                                    "a1_backprop,ada,train,subtract,5,hard-coded the accuracy,\n")
    reports = {r["submission"]: r for r in (json.loads(p.read_text()) for p in graded.glob("*/report.json"))}
    corrections = Corrections(course, "a1_backprop")
    ben, ada = corrections.apply(reports["ben"]), corrections.apply(reports["ada"])
    assert (ben.autograded, ben.exercises["Relu"], ben.exercises["Tanh"], ben.total) == (0, 2.5, 1, 3.5)
    assert [(line.exercise, line.change) for line in ben.lines] == [("Relu", 1.5), ("Relu", 1), ("Tanh", 1)]
    assert ada.exercises["train"] == 0 and ada.adjustment == -3 and ada.total == 20  # never below zero


def test_the_gradebook_shows_autograded_points_the_adjustment_and_the_reason(root, graded):
    course = with_adjustments(root, "a1_backprop,ben,Relu,add,1.5,found a grader bug,TA\n")
    ben = gradebook_rows(course, graded)["ben"]
    assert (ben["total"], ben["Relu"], ben["autograded"], ben["adjustment"]) == ("1.5", "1.5", "0", "1.5")
    assert ben["corrections"] == "Relu +1.5 (found a grader bug)"


def test_lms_feedback_and_class_report_show_the_correction(root, graded, tmp_path):
    course = with_adjustments(root, "a1_backprop,ben,Relu,add,1.5,found a grader bug,TA\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,student_id,name\nada,s1,Ada\nben,s2,Ben\n")
    lms = list(csv.DictReader(io.StringIO(export(course, graded, read_roster(roster)).text)))
    assert (lms[1]["total"], lms[1]["autograded"], lms[1]["adjustment"]) == ("1.5", "0", "1.5")
    assert "found a grader bug" in lms[1]["corrections"]
    canvas = export(course, graded, read_roster(roster), "canvas").text
    assert canvas.splitlines()[2] == "Ben,,s2,,,1.5"  # the LMS gets the corrected total

    feedback = tmp_path / "feedback"
    shutil.copytree(graded, feedback)
    write_feedback(feedback, "a1_backprop", course)
    page = (feedback / "ben" / "feedback.html").read_text()
    assert '<span id="total">1.5 / 23</span>' in page and "Relu: found a grader bug" in page
    markdown = (feedback / "ben" / "feedback.md").read_text()
    assert "| Autograded | 0 |" in markdown and "| Relu: found a grader bug | +1.5 |" in markdown
    assert "Corrections" not in (feedback / "ada" / "feedback.md").read_text()

    outcomes = {r["submission"]: Corrections(course, "a1_backprop").apply(r)
                for r in (json.loads(p.read_text()) for p in graded.glob("*/report.json"))}
    report = class_page(load_reports(graded, "a1_backprop"), outcomes=outcomes)
    assert '<button type="button">Adjustment</button>' in report and "Relu +1.5 (found a grader bug)" in report


@pytest.mark.parametrize("row, message", [
    ("a1_backprop,ben,Relux,add,1,x,", r"adjustments\.csv:2: unknown exercise 'Relux' of a1_backprop"),
    ("a1_backprop,ben,Relu,add,two,x,", r"adjustments\.csv:2: points 'two' is not a number"),
    ("a1_backprop,ben,Relu,add,-1,x,", r"adjustments\.csv:2: points must be zero or more.*subtract"),
    ("a1_backprop,ben,Relu,set,3,x,", r"adjustments\.csv:2: cannot set Relu to 3: it is worth 2"),
    ("a1_backprop,ben,Relu,double,1,x,", r"adjustments\.csv:2: action 'double' must be one of add, subtract, set"),
    ("a1_backprop,ben,Relu,add,1,,", r"adjustments\.csv:2: the reason is empty"),
    ("a9,ben,Relu,add,1,x,", r"adjustments\.csv:2: unknown assignment 'a9'"),
])
def test_a_bad_row_is_reported_with_file_and_line(root, row, message):
    course = with_adjustments(root, row + "\n")
    with pytest.raises(CourseConfigError, match=message):
        load_adjustments(course, "a1_backprop")


def test_an_adjustment_for_an_unknown_student_is_an_error_and_nothing_is_written(root, graded, tmp_path):
    course = with_adjustments(root, "a1_backprop,ben,Relu,add,1,ok,\na1_backprop,bne,Relu,add,1,typo,\n")
    out = tmp_path / "out"
    shutil.copytree(graded, out)
    before = (out / "ben" / "feedback.md").read_text()
    with pytest.raises(CourseConfigError, match=r"adjustments\.csv:3: no graded submission 'bne'"):
        write_feedback(out, "a1_backprop", course)
    assert (out / "ben" / "feedback.md").read_text() == before


def with_late_policy(root: Path, submitted: str) -> None:
    """a1 due 2026-03-01T23:59Z, 15 minutes of grace, 10% a day up to 30%; ``submitted``: who handed in 2026-03-03T00:16Z."""
    toml = root / "course.toml"
    toml.write_text(toml.read_text().replace(
        "[assignments.a1_backprop.tolerances]",
        "[assignments.a1_backprop.late]\ndue = 2026-03-01T23:59:00Z\ngrace_minutes = 15\npenalty_per_day = 10\n"
        "max_penalty = 30\n\n[assignments.a1_backprop.tolerances]"))
    (root / "submission-times.csv").write_text("assignment,submission,submitted_at\n"
                                               f"a1_backprop,{submitted},2026-03-03T00:16:00Z\n")


def test_a_late_penalty_is_its_own_line_after_adjustments(root, graded, tmp_path):
    with_late_policy(root, "ada")
    (root / "extensions.csv").write_text("assignment,submission,extension,reason\na1_backprop,ada,1d,ill\n")
    course = with_adjustments(root, "a1_backprop,ada,Relu,subtract,1,shared code,\n")
    row = gradebook_rows(course, graded)["ada"]
    # due + 1 day extension = 2026-03-02T23:59Z, 15 minutes of grace; handed in 17 minutes later: 1 day, 10% of 23
    assert (row["autograded"], row["adjustment"], row["late_penalty"], row["late_days"]) == ("23", "-1", "2.3", "1")
    assert row["total"] == "19.7" and row["Relu"] == "1"
    assert "Late penalty: handed in 2026-03-03 00:16 UTC, due 2026-03-02 23:59 UTC; 1 day late" in row["corrections"]
    assert gradebook_rows(course, graded)["ben"]["late_days"] == "unknown"
    (root / "roster.csv").write_text("submission,student_id\nada,1\nben,2\n")
    plain = {r["student_id"]: r for r in csv.DictReader(io.StringIO(export(course, graded, read_roster(root / "roster.csv")).text))}
    assert list(plain["1"])[-6:] == ["autograded", "adjustment", "late_penalty", "late_days", "submitted_at", "corrections"]
    assert (plain["1"]["late_days"], plain["1"]["submitted_at"]) == ("1", "2026-03-03T00:16:00+00:00")
    assert (plain["1"]["late_days"], plain["1"]["submitted_at"]) == (row["late_days"], row["submitted_at"])


def test_changes_lists_each_moved_exercise_and_the_total():
    before = {"ada": {"Relu": 2, "Tanh": 1, TOTAL: 3}, "ben": {"Relu": 0, TOTAL: 0}}
    after = {"ada": {"Relu": 2, "Tanh": 2, TOTAL: 4}, "ben": {"Relu": 0, TOTAL: 0}, "new": {TOTAL: 1}}
    assert changes(before, after) == [Change("ada", "Tanh", 1, 2), Change("ada", TOTAL, 3, 4)]


@pytest.mark.slow
@pytest.mark.long  # grades a class twice (minutes)
def test_regrade_after_a_tolerance_fix_keeps_adjustments_and_reports_the_exact_diff(tmp_path):
    """grade, adjust, loosen a tolerance, `course grade --force`: adjustments still apply, the diff is exact."""
    root = tmp_path / "course"
    root.mkdir()
    (root / "course.toml").write_text((ROOT / "course.toml").read_text().replace(
        "[assignments.a1_backprop.tolerances]",
        "[assignments.a1_backprop.late]\ndue = 2026-03-01T23:59:00+01:00\npenalty_per_day = 10\n\n"
        "[assignments.a1_backprop.tolerances]"))
    cy = tmp_path / "subs" / "cy"
    shutil.copytree(SOLUTION, cy, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
    (cy / "timestamp.txt").write_text("2026-03-03 22:59:00.000000 UTC\n")  # as nbgrader writes it: 2 days late
    layers = cy / "layers.py"  # a softmax off by one part in 10^4: fails value_rtol = 1e-6, passes 1e-3
    layers.write_text(layers.read_text().replace("return exp / np.sum(exp, axis=-1, keepdims=True)",
                                                 "return exp / np.sum(exp, axis=-1, keepdims=True) * (1 + 1e-4)"))
    out = tmp_path / "out"
    args = ("--root", str(root), "grade", str(cy), "-a", "a1_backprop", "-o", str(out), "-j", "1")
    assert run_course(*args, "-q").returncode == 0
    adjust = run_course("--root", str(root), "adjust", "cy", "Tanh", "-a", "a1_backprop", "--subtract", "0.5",
                        "--reason", "late-night plagiarism check", "--out", str(out))
    assert adjust.returncode == 0, adjust.stderr
    adjustments = (root / "adjustments.csv").read_bytes()
    old = next(csv.DictReader((out / "gradebook.csv").open()))
    assert float(old["softmax"]) < 2, "the faulty softmax must lose points under the strict tolerance"

    toml = root / "course.toml"
    toml.write_text(toml.read_text().replace("value_rtol = 1e-6", "value_rtol = 1e-3", 1))
    regrade = run_course(*args, "--force")
    assert regrade.returncode == 0, regrade.stderr
    assert (root / "adjustments.csv").read_bytes() == adjustments
    new = next(csv.DictReader((out / "gradebook.csv").open()))
    assert (new["Tanh"], new["adjustment"]) == ("1.5", "-0.5")
    assert new["corrections"] == ("Tanh −0.5 (late-night plagiarism check); −4.6 (Late penalty: handed in "
                                  "2026-03-03 22:59 UTC, due 2026-03-01 22:59 UTC; 2 days late, 20% of 23 points)")
    late_penalty = round(23 * 0.20, 4)
    assert (new["late_days"], new["submitted_at"], new["late_penalty"]) == ("2", "2026-03-03T22:59:00+00:00",
                                                                          f"{late_penalty:g}")
    assert float(new["total"]) == pytest.approx(float(new["autograded"]) - 0.5 - late_penalty)

    # The oracle: the autograded points of the gradebooks before and after, column by column.
    exercises = list(load_course(root).assignment("a1_backprop").exercises)
    def autograded(row, exercise):  # the gradebook's exercise columns hold points after adjustments
        return float(row[exercise]) + (0.5 if exercise == "Tanh" else 0)
    expected = [("cy", e, autograded(old, e), autograded(new, e)) for e in exercises
                if autograded(old, e) != autograded(new, e)]
    expected.append(("cy", TOTAL, float(old["autograded"]), float(new["autograded"])))
    diff = [(r["submission"], r["exercise"], float(r["old"]), float(r["new"]))
            for r in csv.DictReader((out / "regrade-diff.csv").open())]
    assert ("cy", "softmax", float(old["softmax"]), 2.0) in diff
    assert diff == expected
    assert "Regrade: points changed for 1 of 1 regraded submission(s)" in regrade.stdout


def test_course_adjust_appends_a_checked_row_and_refuses_an_unknown_student(root, graded, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(graded, out)
    args = ["--root", str(root), "adjust", "-a", "a1_backprop", "--reason", "regrade request", "--out", str(out)]
    assert main([*args, "ben", "Relu", "--add", "1"]) == 0
    assert (root / "adjustments.csv").read_text() == HEADER + "a1_backprop,ben,Relu,add,1,regrade request,\n"
    assert next(r for r in csv.DictReader((out / "gradebook.csv").open()) if r["submission"] == "ben")["total"] == "1"
    assert "| Relu: regrade request | +1 |" in (out / "ben" / "feedback.md").read_text()
    capsys.readouterr()
    assert main([*args, "bne", "Relu", "--add", "1"]) == 2
    assert main([*args, "ben", "Relu", "--set", "9"]) == 2
    said = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "no graded submission 'bne'" in said
    assert "cannot set Relu to 9: it is worth 2" in said
    assert (root / "adjustments.csv").read_text().count("\n") == 2, "a refused adjustment writes nothing"


def test_a_late_submission_with_no_points_gets_no_plus_zero_penalty_line(root, graded):
    with_late_policy(root, "ben")
    course = load_course(root)
    outcome = Corrections(course, "a1_backprop").apply(json.loads((graded / "ben" / "report.json").read_text()))
    assert outcome.lateness.days == 2 and outcome.late_penalty == 0 and outcome.lines == []
    assert gradebook_rows(course, graded)["ben"]["corrections"] == ""
