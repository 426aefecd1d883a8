"""An unreadable submission (corrupt notebook, empty folder, misnamed files) is 'unreadable' everywhere.

The student's zero, with a reason their feedback gives (and a "did you mean" for a file
named but for case); the same word in the terminal, the gradebook, the class report and
the LMS warnings; listed for the instructor at the end of `course grade`, which exits 1.
"""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.engine.classbook.inputs import Inputs
from tests.conftest import ROOT
from tests.test_cli import STUBS, course

SOLUTION = ROOT / "solutions" / "a1_backprop"


def misnamed(folder: Path) -> Path:
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    (folder / "layers.py").rename(folder / "Layers.py")
    return folder


def truncated_notebook(folder: Path) -> Path:
    folder.mkdir(parents=True)
    text = (ROOT / "exercises" / "a1_backprop" / "a1_backprop.ipynb").read_text()
    (folder / "a1_backprop.ipynb").write_text(text[: len(text) // 2])
    return folder


@pytest.fixture
def class_folder(tmp_path) -> Path:
    folder = tmp_path / "class"
    (folder / "emma").mkdir(parents=True)
    misnamed(folder / "lee")
    truncated_notebook(folder / "nia")
    shutil.copytree(STUBS, folder / "sam", ignore=shutil.ignore_patterns("*.ipynb", "*.md"))
    return folder


def test_inputs_name_why_each_submission_cannot_be_read(course, class_folder):
    inputs = Inputs(course.assignment("a1_backprop"), ROOT / "exercises" / "a1_backprop" / "a1_backprop.ipynb")
    with inputs:
        found = inputs.resolve([class_folder / name for name in ("emma", "lee", "nia", "sam")])
    assert [s.name for s in found] == ["sam"]
    assert inputs.problems["emma"] == "it holds none of the assignment's files (layers.py, network.py); it is empty."
    assert inputs.problems["lee"].startswith("it has Layers.py: did you mean layers.py? File names are case-sensitive")
    assert "a1_backprop.ipynb is not a readable notebook" in inputs.problems["nia"]
    assert str(class_folder) not in json.dumps(inputs.problems)


def test_unreadable_is_one_word_in_terminal_gradebook_report_and_lms(class_folder, tmp_path):
    out = tmp_path / "OUT"
    result = course("grade", *(str(class_folder / n) for n in ("emma", "lee", "nia", "sam")),
                    "-a", "a1_backprop", "-o", str(out), "-j", "1")
    assert result.returncode == 1
    status = {cells[0]: cells[-1] for cells in ([c.strip() for c in line.strip("│ ").split("│")]
                                                for line in result.stdout.splitlines() if line.startswith("│"))}
    assert status == {"emma": "unreadable", "lee": "unreadable", "nia": "unreadable", "sam": "graded"}
    errors = " ".join(result.stderr.split())
    assert "3 submission(s) unreadable (emma: it holds none" in errors and "lee: it has Layers.py: did you mean layers.py?" in errors

    gradebook = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert [gradebook[n]["total"] for n in ("emma", "lee", "nia", "sam")] == ["unreadable"] * 3 + ["0"]
    assert gradebook["lee"]["Relu"] == "unreadable"

    assert course("report", str(out)).returncode == 0
    page = (out / "class-report.html").read_text()
    assert "<strong>unreadable: 3</strong>" in page and "not graded" not in page and "retry" not in page

    (tmp_path / "roster.csv").write_text("submission,student_id\nemma,1\nlee,2\nnia,3\nsam,4\n")
    lms = course("lms", str(out), "--roster", str(tmp_path / "roster.csv"), "-o", str(tmp_path / "lms.csv"))
    assert "unreadable: emma, lee, nia (0 in the file" in " ".join(lms.stderr.split())
    assert "not graded" not in lms.stderr

    feedback = (out / "lee" / "feedback.md").read_text()
    assert "did you mean layers.py?" in feedback and str(tmp_path) not in feedback


def test_a_missing_file_s_feedback_never_shows_the_grader_s_path(tmp_path):
    folder = misnamed(tmp_path / "lee")
    result = course("check", "a1_backprop", "--submission", str(folder), "--local")
    assert "layers.py is missing from your submission; it has Layers.py: did you mean layers.py?" in \
        " ".join(result.stdout.split())
    assert str(tmp_path) not in result.stdout
