"""A notebook's check() says what `course check` says, and how to recover a file a re-run cell spoiled."""

import os

from graders import notebook
from graders.engine.classbook.inputs import notebook_beside
from graders.engine.authoring.rerun_notes import rerun_notes
from tests.catalog.a1_backprop import MISTAKES
from tests.conftest import Patch
from tests.test_notebooks import cell, grade_notebooks, solved

BROKEN_THEN_FIXED = Patch("layers.py", "def softmax(x):\n", "def softmax(x)\n    pass\n\n\ndef softmax(x):\n")


def mistake(name):
    return next(m for m in MISTAKES if m.name == name).patches


def test_a_cell_appended_twice_is_found_with_the_way_back(make_submission):
    folder = make_submission("a1_backprop", (BROKEN_THEN_FIXED,))
    (note,) = rerun_notes(folder, ("layers.py", "network.py"))
    assert "layers.py holds softmax more than once" in note
    assert "Re-run the notebook from the `%%writefile layers.py` cell" in note


def test_files_written_once_need_no_note(make_submission):
    assert rerun_notes(make_submission("a1_backprop"), ("layers.py", "network.py")) == []


def test_check_shows_the_rerun_note_above_the_results(make_submission):
    result = notebook.check("a1_backprop", "softmax", make_submission("a1_backprop", (BROKEN_THEN_FIXED,)))
    assert str(result).startswith("layers.py holds softmax more than once")
    assert "more than once" in result._repr_html_()


def test_check_notes_a_used_exercise_that_fails_its_own_checks(make_submission):
    result = notebook.check("a1_backprop", "MultiLayerNet",
                            make_submission("a1_backprop", mistake("tanh backward uses the input")))
    assert result.points < 5
    assert "uses your Tanh, which fails its own checks" in str(result)


def test_a_newer_notebook_beside_the_graded_files_is_pointed_out(make_submission):
    folder = make_submission("a1_backprop")
    notebook_file = folder / "a1_backprop.ipynb"
    notebook_file.write_text("{}")
    for name in ("layers.py", "network.py"):
        os.utime(folder / name, (1_000_000, 1_000_000))
    text = notebook_beside(folder, ("layers.py", "network.py"))
    assert text.startswith("Graded layers.py, network.py; a1_backprop.ipynb beside them was not read")
    assert "was changed after them" in text


def test_an_older_notebook_beside_the_graded_files_is_only_mentioned(make_submission):
    folder = make_submission("a1_backprop")
    (folder / "a1_backprop.ipynb").write_text("{}")
    os.utime(folder / "a1_backprop.ipynb", (1_000_000, 1_000_000))
    text = notebook_beside(folder, ("layers.py", "network.py"))
    assert "not read" in text and "changed after them" not in text


def test_py_files_alone_need_no_note(make_submission):
    assert notebook_beside(make_submission("a1_backprop"), ("layers.py", "network.py")) is None


def test_feedback_on_a_notebook_submission_names_its_cell_not_the_written_file(course, tmp_path):
    crashing = solved()
    relu = cell(crashing, "layers_Relu")
    relu.source = relu.source.replace("dx = dout.copy()", "dx = dout.copy()\n        dx = dx[self.nothing]")
    report = grade_notebooks(course, tmp_path, {"crashing": crashing})["crashing"]
    text = " ".join(t["feedback"] for t in report["tests"] if t["exercise"] == "Relu" and t["status"] != "passed")
    line = relu.source.splitlines().index("        dx = dx[self.nothing]") + 1
    assert f"the cell under '## Relu', line {line}, in backward" in text, text
    assert "layers.py, line" not in text
