"""`course lms`: the graded folder and a roster become a gradebook Canvas or Moodle imports.

The graded folder is written by real grading runs (public tests, in-process,
for speed) through the same writer `course grade` uses: alice hands in the
solution, bob the stubs, zed is graded but missing from the roster, the grader
failed on carl, and dora never handed anything in.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from graders.engine.classbook.one_submission import GRADER_FAILED, record_zero
from graders.engine.cli import main
from graders.engine.core.config import CourseConfigError
from graders.engine.platforms.lms import export, parse_rename, read_roster
from graders.engine.core.results import write_submission_results
from graders.engine.grading.runner import RunOptions, run_graders
from tests.conftest import ROOT

SOLUTION = ROOT / "solutions" / "a1_backprop"
STUBS = ROOT / "exercises" / "a1_backprop"
TITLE = "Backpropagation: NumPy layers from scratch"
ROSTER = """submission,student_id,email,name,section
alice,s001,alice@uni.edu,"Liddell, Alice",A
bob,s002,bob@uni.edu,"Builder, Bob",A
carl,s003,carl@uni.edu,"Sagan, Carl",B
dora,s004,dora@uni.edu,"Explorer, Dora",B
"""


@pytest.fixture(scope="module")
def out(course, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("graded")
    for name, submission in (("alice", SOLUTION), ("bob", STUBS), ("zed", SOLUTION)):
        report = run_graders(course, "a1_backprop", submission, RunOptions("public", "local"), name=name)
        write_submission_results(folder, report, fingerprint="")
    record_zero(course, "a1_backprop", "carl", folder, GRADER_FAILED, note="Traceback: the judge died")
    return folder


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return read_roster(path)


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_canvas_gradebook_has_canvas_identity_columns_then_the_assignment(course, out, roster):
    assert rows(export(course, out, roster, "canvas").text)[0] == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section", TITLE]


def test_canvas_rows_identify_students_by_sis_ids_and_carry_the_total(course, out, roster):
    assert rows(export(course, out, roster, "canvas").text)[1:3] == [
        ["Liddell, Alice", "", "s001", "alice@uni.edu", "A", "23"],
        ["Builder, Bob", "", "s002", "bob@uni.edu", "A", "0"]]


def test_moodle_gradebook_is_email_address_and_the_assignment(course, out, roster):
    assert rows(export(course, out, roster, "moodle").text)[:2] == [["Email address", TITLE], ["alice@uni.edu", "23"]]


def test_plain_gradebook_defaults_to_ids_total_max_and_every_exercise(course, out, roster):
    header, alice = rows(export(course, out, roster, "plain").text)[:2]
    assert header == ["student_id", "email", "name", "total", "max", *course.assignment("a1_backprop").exercises]
    assert alice[:6] == ["s001", "alice@uni.edu", "Liddell, Alice", "23", "23", "2"]


def test_columns_are_chosen_and_renamed_with_key_equals_header(course, out, roster):
    text = export(course, out, roster, "plain", columns="student_id=Matrikel,percent,Affine=Affine (4)").text
    assert rows(text)[:3] == [["Matrikel", "percent", "Affine (4)"], ["s001", "100", "4"], ["s002", "0", "0"]]


def test_lms_grade_columns_can_add_exercises_named_after_the_assignment(course, out, roster):
    header = rows(export(course, out, roster, "canvas", columns="total,Relu").text)[0]
    assert header[-2:] == [TITLE, f"{TITLE}: Relu"]


def test_a_student_without_a_submission_gets_an_empty_score_and_a_warning(course, out, roster):
    result = export(course, out, roster, "moodle")
    assert ["dora@uni.edu", ""] in rows(result.text)
    assert any("no graded submission" in w and "dora" in w for w in result.warnings())


def test_a_submission_missing_from_the_roster_is_left_out_but_warned_about_with_its_score(course, out, roster):
    result = export(course, out, roster, "canvas")
    assert "zed" not in result.text
    assert any("not in the roster" in w and "zed (23/23)" in w for w in result.warnings())


def test_a_grader_failure_leaves_the_score_empty_instead_of_zero(course, out, roster):
    result = export(course, out, roster, "moodle")
    assert ["carl@uni.edu", ""] in rows(result.text)
    assert any("grader failed on carl" in w for w in result.warnings())


def test_roster_headers_of_another_lms_are_mapped_with_roster_columns(course, out, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Username,Mail\nalice,a@x.org\n")
    roster = read_roster(path, parse_rename("submission=Username,email=Mail"))
    assert rows(export(course, out, roster, "moodle").text)[1] == ["a@x.org", "23"]


def test_a_roster_without_the_column_an_lms_needs_is_refused(course, out, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("submission,name\nalice,Alice\n")
    with pytest.raises(CourseConfigError, match="moodle gradebook needs a roster column for email"):
        export(course, out, read_roster(path), "moodle")


def test_an_unknown_column_is_refused_naming_the_choices(course, out, roster):
    with pytest.raises(CourseConfigError, match="unknown column 'grade'; choose from total, max, percent"):
        export(course, out, roster, "plain", columns="student_id,grade")


def test_a_roster_without_a_submission_column_is_refused_saying_what_it_is(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,email\ns001,a@x.org\n")
    with pytest.raises(CourseConfigError, match="no column 'submission'.*folder or zip names"):
        read_roster(path)


def test_a_roster_listing_a_submission_twice_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("submission,email\nalice,a@x.org\nalice,b@x.org\n")
    with pytest.raises(CourseConfigError, match="'alice' appears more than once"):
        read_roster(path)


def test_course_lms_writes_the_file_and_prints_the_warnings(out, tmp_path, capsys):
    (tmp_path / "roster.csv").write_text(ROSTER)
    target = tmp_path / "grades.csv"
    code = main(["--root", str(ROOT), "lms", str(out), "--roster", str(tmp_path / "roster.csv"),
                 "--format", "canvas", "-o", str(target)])
    assert code == 0 and rows(target.read_text())[1][-1] == "23"
    assert "dora" in capsys.readouterr().err


def test_course_lms_strict_exits_1_and_writes_nothing_when_anything_was_warned_about(out, tmp_path, capsys):
    (tmp_path / "roster.csv").write_text(ROSTER)
    code = main(["--root", str(ROOT), "lms", str(out), "--roster", str(tmp_path / "roster.csv"),
                 "--strict", "-o", str(tmp_path / "grades.csv")])
    assert code == 1
    assert not (tmp_path / "grades.csv").exists()
    assert "grades.csv not written" in capsys.readouterr().err


def test_out_with_several_assignments_needs_the_assignment_named(course, out, roster, tmp_path):
    mixed = tmp_path / "mixed"
    shutil.copytree(out, mixed)
    other = mixed / "alice" / "report.json"
    other.write_text(other.read_text().replace('"assignment": "a1_backprop"', '"assignment": "a2_keras_by_hand"'))
    with pytest.raises(CourseConfigError, match="several assignments"):
        export(course, mixed, roster, "plain")
