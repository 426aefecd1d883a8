"""Batch grading as instructors run it: inputs from LMS zips and nbgrader, resumable, deterministic."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from graders.engine.classbook.batch import grade_batch
from graders.engine.core.config import CourseConfigError
from graders.engine.classbook.inputs import Inputs, SubmissionInput
from tests.conftest import ROOT
from tests.test_hostile_submissions import HOSTILE

SOLUTION = ROOT / "solutions" / "a1_backprop"
SAMPLES = ROOT / "tests" / "samples" / "a1_backprop"


def zip_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(folder.glob("*.py")):
            bundle.write(path, prefix + path.name)
    return archive


def resolve(course, paths):
    inputs = Inputs(course.assignment("a1_backprop"))
    return inputs, inputs.resolve(paths)


def test_a_folder_of_lms_zips_gives_one_submission_per_zip(course, tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    zip_folder(SOLUTION, export / "alice.zip")
    zip_folder(SOLUTION, export / "bob.zip", prefix="a1_backprop/")  # zipped with its folder
    with zipfile.ZipFile(export / "bob.zip", "a") as bundle:
        bundle.writestr("__MACOSX/a1_backprop/._layers.py", "junk")
    inputs, found = resolve(course, [export])
    with inputs:
        assert [(s.name, sorted(p.name for p in s.folder.iterdir())) for s in found] == [
            ("alice", ["layers.py", "network.py"]), ("bob", ["layers.py", "network.py"])]


def test_nbgrader_submitted_layout_names_submissions_by_student(course, tmp_path):
    for student in ("s1", "s2"):
        shutil.copytree(SOLUTION, tmp_path / "submitted" / student / "a1_backprop")
    _, found = resolve(course, [tmp_path / "submitted"])
    assert [(s.name, s.folder.name) for s in found] == [("s1", "a1_backprop"), ("s2", "a1_backprop")]


@pytest.mark.parametrize("member, problem", [("../../evil.py", "a path outside the archive"),
                                             ("/etc/evil.py", "a path outside the archive")])
def test_a_zip_escaping_its_folder_is_refused_and_the_rest_graded(course, tmp_path, member, problem):
    with zipfile.ZipFile(tmp_path / "eve.zip", "w") as bundle:
        bundle.writestr(member, "x = 1")
    zip_folder(SOLUTION, tmp_path / "ann.zip")
    inputs, found = resolve(course, [tmp_path / "eve.zip", tmp_path / "ann.zip"])
    assert [s.name for s in found] == ["ann"] and problem in inputs.problems["eve"]


def test_unreadable_zip_gets_a_zero_with_the_reason(course, tmp_path):
    (tmp_path / "zed.zip").write_bytes(b"not a zip")
    inputs, found = resolve(course, [tmp_path / "zed.zip"])
    grade_batch(course, "a1_backprop", found, tmp_path / "out", unreadable=inputs.problems)
    results = json.loads((tmp_path / "out" / "zed" / "results.json").read_text())
    assert results["score"] == 0 and "is not a valid zip file" in results["tests"][0]["output"]


def test_two_submissions_with_one_name_are_refused(course, tmp_path):
    shutil.copytree(SOLUTION, tmp_path / "a" / "sam")
    shutil.copytree(SOLUTION, tmp_path / "b" / "sam")
    with pytest.raises(CourseConfigError, match="both named 'sam'"):
        resolve(course, [tmp_path / "a" / "sam", tmp_path / "b" / "sam"])


@pytest.mark.long  # the class graded twice; the fast suite's attackers beside honest classmates: test_hostile_submissions.py
def test_hostile_classmates_do_not_change_anyone_elses_results(course, tmp_path, make_submission):
    normal = [SubmissionInput(p.name, p) for p in sorted(SAMPLES.iterdir())]
    hostile = [SubmissionInput(f"h{i}", make_submission("a1_backprop", h.patches, name=f"h{i}"))
               for i, h in enumerate(HOSTILE) if h.name in ("os._exit in a method", "100 MB print",
                                                            "segfault through ctypes")]
    grade_batch(course, "a1_backprop", normal, tmp_path / "alone")
    grade_batch(course, "a1_backprop", hostile[:2] + normal + hostile[2:], tmp_path / "mixed", jobs=2)
    for submission in normal:
        alone = (tmp_path / "alone" / submission.name / "results.json").read_bytes()
        mixed = (tmp_path / "mixed" / submission.name / "results.json").read_bytes()
        assert alone == mixed, submission.name


@pytest.mark.long  # ~50 s; test_cli's regrade of changed submissions keeps skipping graded work in the fast run
@pytest.mark.xdist_group("serial")  # killed at a moment it watches for
def test_a_batch_killed_halfway_resumes_with_only_what_is_missing(tmp_path):
    subs = tmp_path / "subs"
    for i in range(6):
        shutil.copytree(SAMPLES / "ada", subs / f"s{i}")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "graders.engine.cli", "grade", str(subs), "-a", "a1_backprop",
               "-o", str(out), "-j", "1", "-q"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    first = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/report.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done = {p.parent.name for p in out.glob("*/report.json")}
    assert 2 <= len(done) < 6
    for report in out.glob("*/report.json"):
        json.loads(report.read_text())  # complete files only: written atomically
    again = subprocess.run([*command[:-1]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0
    skipped = {line.split()[1] for line in again.stdout.splitlines() if "skipped (unchanged)" in line}
    assert skipped == done
    assert len(list(out.glob("*/results.json"))) == 6
    assert len((out / "gradebook.csv").read_text().splitlines()) == 7
