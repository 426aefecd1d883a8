"""Judges forked from one warm process: what happens when that process dies."""

from graders.engine.classbook.inputs import SubmissionInput
from graders.engine.classbook.judges import grade_in_judges
from graders.engine.grading.runner import RunOptions
from tests.conftest import ROOT

SAMPLES = ROOT / "tests" / "samples" / "a1_backprop"


def test_if_the_judges_parent_dies_every_submission_left_is_reported_not_graded(tmp_path):
    todo = [(SubmissionInput(name, SAMPLES / name), "print") for name in ("ada", "ben")]
    # a course folder that does not exist: the hub fails before forking any judge
    results = list(grade_in_judges(str(tmp_path / "no-course"), "a1_backprop", todo, str(tmp_path / "out"),
                                   RunOptions(visibility="all", isolation="worker"), jobs=2))
    assert sorted(name for name, _, _ in results) == ["ada", "ben"]
    assert all(status is None and "exited with code 1" in note for _, status, note in results)
    assert not (tmp_path / "out").exists()  # nothing written that would look graded
