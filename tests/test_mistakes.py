"""Mistake mining: evidence kept while grading, relations, clusters, and naming a cluster."""

import json

import numpy as np
import pytest

from graders.engine.grading import relations
from graders.engine.grading.evidence import MAX_VALUES, check_family, failed_checks_document
from graders.engine.grading.relations import Case
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


# -- relations ----------------------------------------------------------------------------


def affine_case(rng, n, d, m):
    W, b, x, dout = rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, d)), rng.normal(size=(n, m))
    return x.T @ dout, Case(1e-5, 1e-8, [W, b, x, dout])


@pytest.mark.parametrize("n, d, m", [(4, 3, 5), (6, 2, 3), (2, 5, 4)])
def test_divided_by_the_batch_size_is_one_parameter_whatever_the_shapes(n, d, m):
    dW, case = affine_case(np.random.default_rng(n), n, d, m)
    assert ("factor", "1/in3.shape[0]") in relations.find_all(dW / n, dW, case)


def test_the_right_value_has_no_relation():
    dW, case = affine_case(np.random.default_rng(0), 4, 3, 5)
    assert relations.find_all(dW * (1 + 1e-9), dW, case) == []


@pytest.mark.parametrize("make_got, expected_relation", [
    (lambda e, case: -e, ("negated", "")),
    (lambda e, case: e.T, ("transposed", "")),
    (lambda e, case: np.zeros_like(e), ("zero", "")),
    (lambda e, case: e.sum(axis=0), ("summed", "0")),
    (lambda e, case: 2 * e, ("factor", "2")),
    (lambda e, case: e.reshape(-1), ("reshaped", "")),
    (lambda e, case: e - case.inputs[1], ("missing_term", "in2")),
    (lambda e, case: case.inputs[0], ("other_value", "in1")),
])
def test_each_relation_of_the_library_is_found(make_got, expected_relation):
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 5)), rng.normal(size=5)
    expected = rng.normal(size=(3, 5))
    case = Case(1e-6, 1e-9, [W, b])
    assert expected_relation in relations.find_all(make_got(expected, case), expected, case)


def test_not_summed_over_the_batch_is_found():
    rng = np.random.default_rng(2)
    per_row = rng.normal(size=(4, 5))
    assert ("unreduced", "0") in relations.find_all(per_row, per_row.sum(axis=0), Case(1e-6, 1e-9))


def test_an_unknown_relation_never_holds():
    expected = np.ones(3)
    assert not relations.holds("from-a-newer-version", "", 2 * expected, expected, Case(1e-6, 1e-9))


# -- clusters -----------------------------------------------------------------------------
def write_graded(out, name, failed):
    """OUT/<name> as course grade leaves it: report.json and the evidence of ``failed`` checks."""
    from graders.engine.grading.evidence import Check, TestEvidence

    folder = out / name
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps({"assignment": "a1_backprop"}))
    tests = []
    for nodeid, hidden, inputs, label, got, expected, known in failed:
        test = TestEvidence(nodeid, nodeid.split("::")[0].split("_")[-1].removesuffix(".py").title(), hidden,
                            inputs=inputs)
        test.checks.append(Check(label, got, expected, 1e-5, 1e-8, passed=False, known=known))
        tests.append(test)
    (folder / "evidence.json").write_text(json.dumps(failed_checks_document(tests)))


HIDDEN_DW = "graders/a1_backprop/test_affine.py::test_random_shapes_against_tensorflow[2]"
PUBLIC_DW = "graders/a1_backprop/test_affine.py::test_backward_matches_finite_differences"


def synthetic_class(out):
    rng = np.random.default_rng(3)
    for i, (n, d, m) in enumerate([(2, 3, 4), (4, 2, 3), (3, 4, 2)]):
        dW, case = affine_case(rng, n, d, m)
        write_graded(out, f"over_n_{i}", [(HIDDEN_DW, True, case.inputs, f"Affine dW for W of shape {dW.shape}",
                                           dW / n, dW, None)])
    dW, case = affine_case(rng, 3, 3, 3)
    write_graded(out, "flipped", [(HIDDEN_DW, True, case.inputs, "Affine dW for W of shape (3, 3)", -dW, dW, None)])
    write_graded(out, "known", [(HIDDEN_DW, True, case.inputs, "Affine dW for W of shape (3, 3)", dW.T, dW,
                                 "dW transposed (dout.T @ x)")])
    same = rng.normal(size=(2, 2))
    for name in ("odd_1", "odd_2"):
        write_graded(out, name, [(PUBLIC_DW, False, [], "Affine dW (attribute self.dW)", same, np.eye(2), None)])
    write_graded(out, "correct", [])


def test_students_with_other_hidden_shapes_share_one_cluster_ranked_first(tmp_path):
    from graders.engine.reporting.mistakes import analyse

    synthetic_class(tmp_path)
    analysis = analyse(tmp_path)
    first = analysis.clusters[0]
    assert (first.key.relation, first.key.param, first.members) == \
        ("factor", "1/in3.shape[0]", ["over_n_0", "over_n_1", "over_n_2"])
    assert first.key.check == "Affine dW for W of shape (…)"


def test_identical_wrong_outputs_of_a_public_test_cluster_together(tmp_path):
    from graders.engine.reporting.mistakes import analyse

    synthetic_class(tmp_path)
    clusters = {tuple(c.members): c.key.relation for c in analyse(tmp_path).clusters}
    assert clusters[("odd_1", "odd_2")] == "identical"


def test_known_mistakes_are_listed_apart_and_correct_submissions_nowhere(tmp_path):
    from graders.engine.reporting.mistakes import analyse

    synthetic_class(tmp_path)
    analysis = analyse(tmp_path)
    members = {name for c in analysis.clusters for name in c.members}
    assert "known" not in members and "correct" not in members
    assert analysis.explained == {"dW transposed (dout.T @ x)": ["known"]}


def test_csv_and_html_are_deterministic(tmp_path):
    from graders.engine.reporting.mistakes import CSV_COLUMNS, analyse, write_reports

    synthetic_class(tmp_path)
    csv_path, html_path = write_reports(tmp_path, analyse(tmp_path))
    first = csv_path.read_bytes(), html_path.read_bytes()
    write_reports(tmp_path, analyse(tmp_path))
    assert (csv_path.read_bytes(), html_path.read_bytes()) == first
    lines = csv_path.read_text().splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[1].endswith(",3,over_n_0 over_n_1 over_n_2")


def test_mistakes_of_an_empty_folder_is_a_one_line_error(tmp_path, capsys):
    from graders.engine.cli import main

    assert main(["mistakes", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "holds no evidence" in error and "Traceback" not in error
