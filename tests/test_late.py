"""Late submissions: the policy to the minute, extensions, and where submission times come from."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from graders.engine.core.config import CourseConfigError, LatePolicy, load_course
from graders.engine.classbook.inputs import Inputs
from graders.engine.classbook.late import (assess, days_late, found_time, load_late_records, parse_extension,
                                 parse_nbgrader_timestamp)
from tests.conftest import ROOT

UTC = dt.timezone.utc
DUE = dt.datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
POLICY = LatePolicy(due=DUE, grace_minutes=15, penalty_per_day=10, max_penalty=30)


def at(**delta: float) -> dt.datetime:
    return DUE + dt.timedelta(**delta)


@pytest.mark.parametrize("submitted, days", [
    (at(minutes=-1), 0),                    # early
    (at(), 0),                              # on the minute
    (at(minutes=15), 0),                    # the last minute of the grace
    (at(minutes=15, seconds=1), 1),         # just outside it: a started day
    (at(hours=24), 1),                      # exactly one day late
    (at(hours=24, minutes=1), 2),           # a minute more: the second day has started
    (at(hours=24, minutes=10), 2),          # the grace does not move the day boundaries
    (at(days=2), 2),
])
def test_days_late_count_started_days_after_the_grace(submitted, days):
    assert days_late(submitted, DUE, grace_minutes=15) == days


@pytest.mark.parametrize("submitted, percent", [
    (at(minutes=15), 0), (at(minutes=16), 10), (at(hours=24), 10), (at(hours=24, minutes=1), 20),
    (at(days=3), 30), (at(days=3, minutes=1), 30), (at(days=40), 30),  # the cap
])
def test_penalty_is_per_started_day_up_to_the_cap(submitted, percent):
    assert assess(POLICY, submitted).percent == percent


def test_an_extension_moves_the_due_date_and_the_grace_with_it():
    two_days = dt.timedelta(days=2)
    assert assess(POLICY, at(days=2, minutes=15), two_days).days == 0
    assert assess(POLICY, at(days=2, minutes=16), two_days).days == 1
    assert assess(POLICY, at(days=3), two_days).percent == 10
    assert assess(POLICY, at(days=3, minutes=1), two_days).percent == 20
    new_due = at(hours=36)
    assert assess(POLICY, at(hours=36, minutes=15), new_due).days == 0
    assert assess(POLICY, at(hours=36, minutes=16), new_due).due == new_due


def test_no_known_time_costs_nothing_and_says_so():
    lateness = assess(POLICY, None)
    assert not lateness.known and lateness.percent == 0


@pytest.mark.parametrize("text, expected", [
    ("2d", dt.timedelta(days=2)), ("36h", dt.timedelta(hours=36)), ("1d 12h", dt.timedelta(hours=36)),
    ("90m", dt.timedelta(minutes=90)), ("2026-03-03T23:59", dt.datetime(2026, 3, 3, 23, 59, tzinfo=UTC)),
])
def test_extensions_are_durations_or_a_new_due_date(text, expected):
    assert parse_extension(text, UTC) == expected


def test_nbgrader_timestamps_are_read_with_their_zone():
    assert parse_nbgrader_timestamp("2026-03-02 00:20:00.123456 UTC") == dt.datetime(2026, 3, 2, 0, 20, 0, 123456,
                                                                                     tzinfo=UTC)
    berlin = parse_nbgrader_timestamp("2026-03-02 01:20:00 Europe/Berlin")
    assert berlin.astimezone(UTC) == dt.datetime(2026, 3, 2, 0, 20, tzinfo=UTC)


def test_times_come_from_nbgrader_gradescope_and_canvas_names(tmp_path):
    nbgrader = tmp_path / "submitted" / "ada" / "a1_backprop"
    nbgrader.mkdir(parents=True)
    (nbgrader / "timestamp.txt").write_text("2026-03-02 00:20:00.000000 UTC\n")
    assert found_time(nbgrader, "ada").at == "2026-03-02T00:20:00+00:00"
    autograder = tmp_path / "autograder"
    (autograder / "submission").mkdir(parents=True)
    (autograder / "submission_metadata.json").write_text(json.dumps({"created_at": "2026-03-01T16:22:32.365935-08:00"}))
    gradescope = found_time(autograder / "submission", "submission")
    assert gradescope.at == "2026-03-02T00:22:32.365935+00:00" and "Gradescope" in gradescope.via
    plain = tmp_path / "plain"
    plain.mkdir()
    assert found_time(plain, "doejane_late_12345_67890_layers").via == "Canvas file name: marked late, time unknown"
    assert found_time(plain, "doejane_12345_67890_layers").via == "Canvas file name: on time"
    assert found_time(plain, "doejane").at == ""


def test_a_broken_timestamp_is_unknown_not_a_crash(tmp_path):
    (tmp_path / "timestamp.txt").write_text("yesterday-ish")
    found = found_time(tmp_path, "ada")
    assert found.at == "" and "could not be read" in found.via


def test_nbgrader_layout_carries_its_timestamp_into_the_submission(course, tmp_path):
    folder = tmp_path / "submitted" / "ada" / "a1_backprop"
    folder.mkdir(parents=True)
    (folder / "layers.py").write_text("")
    (folder / "timestamp.txt").write_text("2026-03-02 00:20:00.000000 UTC\n")
    with Inputs(course.assignment("a1_backprop")) as inputs:
        [submission] = inputs.resolve([tmp_path / "submitted"])
    assert submission.name == "ada" and submission.submitted.at == "2026-03-02T00:20:00+00:00"


def course_with(tmp_path: Path, late: str, head: str = "") -> Path:
    text = (ROOT / "course.toml").read_text()
    text = text.replace("[course]\n", f"[course]\n{head}", 1)
    text = text.replace("[assignments.a1_backprop.tolerances]", f"{late}\n[assignments.a1_backprop.tolerances]", 1)
    (tmp_path / "course.toml").write_text(text)
    return tmp_path


def test_due_dates_without_an_offset_are_in_the_course_time_zone(tmp_path):
    root = course_with(tmp_path, "[assignments.a1_backprop.late]\ndue = 2026-03-01T23:59:00\n",
                       head='timezone = "Europe/Berlin"\n')
    late = load_course(root).assignment("a1_backprop").late
    assert late.due.astimezone(UTC) == dt.datetime(2026, 3, 1, 22, 59, tzinfo=UTC)


@pytest.mark.parametrize("late, head, message", [
    ("[assignments.a1_backprop.late]\ngrace_minutes = 5\n", "", "late.due: is required but missing"),
    ("[assignments.a1_backprop.late]\ndue = 'soon'\n", "", "late.due: 'soon' is not a date and time"),
    ("[assignments.a1_backprop.late]\ndue = 2026-03-01T23:59:00\npenalty_per_day = 150\n", "",
     "late.penalty_per_day: must be a percent between 0 and 100, got 150"),
    ("[assignments.a1_backprop.late]\ndue = 2026-03-01T23:59:00\ngrace = 5\n", "", "late.grace: unknown key"),
    ("", 'timezone = "Mars/Olympus"\n', "course.timezone: unknown time zone 'Mars/Olympus'"),
])
def test_a_bad_late_policy_is_reported_with_its_line(tmp_path, late, head, message):
    root = course_with(tmp_path, late, head)
    with pytest.raises(CourseConfigError, match=r"course\.toml:\d+: .*" + message.replace("(", r"\(")):
        load_course(root)


def test_bad_extension_rows_are_reported_with_file_and_line(tmp_path):
    (tmp_path / "extensions.csv").write_text("assignment,submission,extension,reason\n"
                                             "a1_backprop,ada,2d,ill\n"
                                             "a1_backprop,ben,two days,ill\n")
    with pytest.raises(CourseConfigError, match=r"extensions\.csv:3: extension 'two days'"):
        load_late_records(tmp_path, "a1_backprop", {"a1_backprop"}, "UTC")
    (tmp_path / "extensions.csv").write_text("assignment,submission,extension\na1_backprop,ada,2d\n"
                                             "a1_backprop,ada,3d\n")
    with pytest.raises(CourseConfigError, match=r"extensions\.csv:3: 'ada' already has a row .*line 2"):
        load_late_records(tmp_path, "a1_backprop", {"a1_backprop"}, "UTC")


def test_a_canvas_export_is_grouped_by_student_with_original_names_and_its_late_mark(course, tmp_path):
    export = tmp_path / "submissions"
    export.mkdir()
    for name, text in (("doejane_12345_111_layers.py", "# layers"), ("doejane_12345_112_network.py", "# first"),
                       ("doejane_late_12345_113_network-1.py", "# resubmitted"), ("roebob_777_200_layers.py", "#"),
                       ("README.txt", "not a submission")):
        (export / name).write_text(text)
    with Inputs(course.assignment("a1_backprop")) as inputs:
        jane, bob = inputs.resolve([export])
        assert (jane.name, bob.name) == ("doejane_12345", "roebob_777")
        assert sorted(p.name for p in jane.folder.iterdir()) == ["layers.py", "network.py"]
        assert (jane.folder / "network.py").read_text() == "# resubmitted"
    assert jane.submitted.via == "Canvas file name: marked late, time unknown"
    assert bob.submitted.via == "Canvas file name: on time"
