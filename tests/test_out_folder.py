"""An output folder belongs to one assignment: another one is refused before anything is written."""

import shutil
from pathlib import Path

import pytest

from graders.engine.classbook.shards import merge
from graders.engine.core.out_folder import OWNER_FILE, OutFolderError, claim_out, out_assignment
from tests.conftest import ROOT
from tests.test_cli import STUBS, course


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_grading_another_assignment_into_an_out_is_refused_naming_both_and_changes_nothing(tmp_path):
    kim = tmp_path / "a1" / "kim"
    shutil.copytree(STUBS, kim)
    out = tmp_path / "OUT"
    assert course("grade", str(kim), "-a", "a1_backprop", "-o", str(out), "-q", "-j", "1").returncode == 0
    before = contents(out)
    assert (out / OWNER_FILE).read_text().strip() == "a1_backprop"

    kim_a2 = tmp_path / "a2" / "kim"
    shutil.copytree(ROOT / "exercises" / "a2_keras_by_hand", kim_a2)
    result = course("grade", str(kim_a2), "-a", "a2_keras_by_hand", "-o", str(out), "-j", "1")
    assert result.returncode == 2
    assert f"error: {out} holds a1_backprop results, not a2_keras_by_hand; use another folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert contents(out) == before


def test_an_out_from_before_records_is_known_by_its_reports(tmp_path):
    (tmp_path / "kim").mkdir()
    (tmp_path / "kim" / "report.json").write_text('{"assignment": "a1_backprop"}')
    assert out_assignment(tmp_path) == "a1_backprop"
    with pytest.raises(OutFolderError, match="holds a1_backprop results, not a2_keras_by_hand"):
        claim_out(tmp_path, "a2_keras_by_hand")


def test_merging_folders_of_two_assignments_is_refused(tmp_path, course):
    first, second = tmp_path / "first", tmp_path / "second"
    claim_out(first, "a1_backprop")
    claim_out(second, "a2_keras_by_hand")
    with pytest.raises(OutFolderError, match=r"hold different assignments \(a1_backprop, a2_keras_by_hand\)"):
        merge(course, [first, second])
    assert list(first.iterdir()) == [first / OWNER_FILE]


def test_adjusting_another_assignment_in_an_out_is_refused_before_the_adjustment_is_written(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "course.toml", root / "course.toml")
    out = tmp_path / "OUT"
    claim_out(out, "a1_backprop")
    result = course("--root", str(root), "adjust", "kim", "H", "-a", "a2_keras_by_hand", "--add", "1",
                    "--reason", "x", "--out", str(out))
    assert result.returncode == 2 and "holds a1_backprop results, not a2_keras_by_hand" in result.stderr
    assert not (root / "adjustments.csv").exists()
