"""Mistake mining: evidence kept while grading, relations, clusters, and naming a cluster."""

import json

import numpy as np
import pytest

from graders.engine.grading.evidence import MAX_VALUES, check_family, failed_checks_document
from graders.engine.grading.runner import RunOptions, run_graders
from tests.catalog.a1_backprop import MISTAKES
from tests.conftest import Patch

L = "layers.py"
DW_OVER_N = Patch(L, "self.dW = self.x.T @ dout", "self.dW = self.x.T @ dout / self.x.shape[0]")


def grade_keeping_evidence(course, folder, tmp_path, visibility="public"):
    kept = tmp_path / "evidence.json"
    report = run_graders(course, "a1_backprop", folder,
                         RunOptions(visibility, "local", evidence=str(kept)), name=folder.name)
    return report, json.loads(kept.read_text(encoding="utf-8"))


# -- evidence ---------------------------------------------------------------------------
def test_a_failed_check_keeps_its_label_arrays_and_input_shapes(course, make_submission, tmp_path):
    report, kept = grade_keeping_evidence(course, make_submission("a1_backprop", (DW_OVER_N,)), tmp_path)
    test = next(t for t in kept["tests"] if t["test"].endswith("test_affine.py::test_backward_matches_finite_differences"))
    (check,) = test["failed"]
    assert check["label"] == "Affine dW (attribute self.dW)" and check["known"] is None
    got, expected = (np.reshape(check[k]["values"], check[k]["shape"]) for k in ("got", "expected"))
    assert np.allclose(got * 4, expected)  # N = 4 in this public test
    assert [a["shape"] for a in test["inputs"]] == [[3, 5], [5], [4, 3], [4, 5]]  # W, b, x, dout


def test_evidence_reaches_no_student_facing_text(course, make_submission, tmp_path):
    report, kept = grade_keeping_evidence(course, make_submission("a1_backprop", (DW_OVER_N,)), tmp_path)
    assert kept["tests"]
    text = json.dumps([t.feedback for t in report.tests])
    assert "evidence" not in text and "in3.shape" not in text


def test_a_correct_submission_keeps_no_evidence(course, make_submission, tmp_path):
    _, kept = grade_keeping_evidence(course, make_submission("a1_backprop"), tmp_path)
    assert kept["tests"] == []


def test_a_known_mistake_is_kept_with_its_name(course, make_submission, tmp_path):
    mistake = next(m for m in MISTAKES if m.name == "affine db over axis 1")
    _, kept = grade_keeping_evidence(course, make_submission("a1_backprop", mistake.patches), tmp_path)
    known = {c["known"] for t in kept["tests"] if t["exercise"] == "Affine" for c in t["failed"]}
    assert known == {"db summed over the wrong axis (axis=1 instead of axis=0)"}


def test_large_arrays_keep_only_their_shape():
    from graders.engine.grading.evidence import Check, TestEvidence

    test = TestEvidence("t.py::test_big", "Affine", hidden=True)
    big = np.ones(MAX_VALUES + 1)
    test.checks.append(Check("big", big, big * 2, 1e-6, 1e-8, passed=False))
    (entry,) = failed_checks_document([test])["tests"]
    assert entry["failed"][0]["got"] == {"shape": [MAX_VALUES + 1], "values": None}


@pytest.mark.parametrize("label, family", [
    ("Affine dW for W of shape (3, 4)", "Affine dW for W of shape (…)"),
    ("Affine dW for W of shape (12, 2, 5)", "Affine dW for W of shape (…)"),
    ("SoftmaxWithLoss dx for N=7, C=5", "SoftmaxWithLoss dx for N=#, C=#"),
    ("Affine dW (attribute self.dW)", "Affine dW (attribute self.dW)"),
])
def test_a_check_family_masks_the_numbers_that_vary_per_student(label, family):
    assert check_family(label) == family
