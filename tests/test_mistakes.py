"""Mistake mining: evidence kept while grading, relations, clusters, and naming a cluster."""

import json
import shutil

import numpy as np
import pytest

from graders.engine.grading import relations
from graders.engine.grading.evidence import MAX_VALUES, check_family, failed_checks_document
from graders.engine.grading.relations import Case
from graders.engine.grading.runner import RunOptions, run_graders
from tests.catalog.a1_backprop import MISTAKES
from tests.conftest import ROOT, Patch, apply_patches

L = "layers.py"
ROOT_SOLUTION = ROOT / "solutions" / "a1_backprop"
DW = "self.dW = self.x.T @ dout"
DW_OVER_N = Patch(L, DW, "self.dW = self.x.T @ dout / self.x.shape[0]")
# two uncatalogued mistakes, each in several spellings
DW_OVER_BATCH = (DW_OVER_N, Patch(L, DW, "self.dW = np.dot(self.x.T, dout) / len(self.x)"),
                 Patch(L, DW, "self.dW = self.x.T @ (dout / dout.shape[0])"),
                 Patch(L, DW, "n = len(dout)\n        self.dW = (self.x.T @ dout) / n"))
TANH = "return dout * (1.0 - self.out ** 2)"
TANH_FLIPPED = (Patch(L, TANH, "return dout * (self.out ** 2 - 1.0)"), Patch(L, TANH, "return -dout * (1.0 - self.out ** 2)"),
                Patch(L, TANH, "dx = dout * (1.0 - self.out ** 2)\n        return -1 * dx"),
                Patch(L, TANH, "return (self.out ** 2 - 1) * dout"))


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


# -- naming: safety ---------------------------------------------------------------------
def test_naming_refuses_a_relation_the_right_value_itself_has(tmp_path, monkeypatch, course):
    """Summing a (1, M) value over axis 0 gives it back: such a relation cannot tell a mistake apart."""
    from graders.engine.reporting.mistakes import MiningError, analyse
    from graders.engine.reporting.naming import name_cluster

    monkeypatch.setenv("COURSE_MINED_MISTAKES_DIR", str(tmp_path / "mined"))
    right = np.random.default_rng(4).normal(size=(1, 5))
    for name in ("a", "b"):
        write_graded(tmp_path / "out", name, [(HIDDEN_DW, True, [], "Affine dW for W of shape (1, 5)",
                                               np.repeat(right, 3, axis=0) / 3, right, None)])
    (cluster,) = analyse(tmp_path / "out").clusters
    with pytest.raises(MiningError, match="the right value itself"):
        name_cluster(course, tmp_path / "out", cluster.id, "a name", "")
    assert not (tmp_path / "mined").exists()


def test_naming_refuses_a_relation_that_correct_code_satisfies(tmp_path, monkeypatch, course):
    """The solution and the catalog's correct variants are graded again; their outputs must not match."""
    from graders.engine.grading import mined
    from graders.engine.reporting.mistakes import MiningError
    from graders.engine.reporting.naming import _refuse_if_correct_code_satisfies

    right = right_tanh_output(course, tmp_path)  # an output correct code gives: "identical" to it is a trap
    trap = mined.MinedMistake("Tanh", "graders/a1_backprop/test_tanh.py::test_backward_matches_finite_differences",
                              "Tanh backward dx", "identical", relations.fingerprint(right), "a trap")
    with pytest.raises(MiningError, match="correct"):
        _refuse_if_correct_code_satisfies(course, "a1_backprop", trap)


def right_tanh_output(course, tmp_path):
    """The oracle's value of the public Tanh backward check, read from a wrong submission's evidence."""
    folder = tmp_path / "flipped"
    shutil.copytree(ROOT_SOLUTION, folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
    apply_patches(folder, TANH_FLIPPED[:1])
    _, kept = grade_keeping_evidence(course, folder, tmp_path)
    check = next(c for t in kept["tests"] if t["test"].endswith("test_tanh.py::test_backward_matches_finite_differences")
                 for c in t["failed"])
    return np.reshape(check["expected"]["values"], check["expected"]["shape"])


# -- the loop, end to end -----------------------------------------------------------------
DW_NAME, TANH_NAME = "Affine dW divided by the batch size", "Tanh backward with its sign flipped"


def course_cli(*args, env):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "graders.engine.cli", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def planted_class(folder):
    """Two uncatalogued mistakes in three spellings each, correct variants and catalogued mistakes."""
    from tests.catalog.a1_backprop import VARIANTS

    catalogued = {m.name: m.patches for m in MISTAKES}
    variants = {v.name: v.patches for v in VARIANTS}
    members = {**{f"dwn_{i}": (p,) for i, p in enumerate(DW_OVER_BATCH[:3])},
               **{f"flip_{i}": (p,) for i, p in enumerate(TANH_FLIPPED[:3])},
               "right": (), "right_einsum": variants["affine with np.dot, einsum and an explicit flatten"],
               "right_tanh": variants["tanh backward recomputed from the stored input"],
               "db_axis": catalogued["affine db over axis 1"], "no_bias": catalogued["affine forgets the bias"],
               "tanh_x": catalogued["tanh backward uses the input"]}
    for name, patches in members.items():
        shutil.copytree(ROOT_SOLUTION, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
        apply_patches(folder / name, patches)
    return sorted(members)


def read_csv(path):
    import csv

    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def feedback(out, name):
    return (out / name / "feedback.md").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.long
def test_planted_mistakes_are_clustered_apart_then_named_for_every_student_with_them(tmp_path):
    import os

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COURSE_MINED_MISTAKES_DIR": str(tmp_path / "mined")}
    names = planted_class(tmp_path / "class")
    out = tmp_path / "out"
    course_cli("grade", *(str(tmp_path / "class" / n) for n in names), "-a", "a1_backprop", "-o", str(out),
               "-j", "2", "-q", env=env)
    before = (out / "gradebook.csv").read_text(encoding="utf-8")
    course_cli("mistakes", str(out), env=env)
    rows = read_csv(out / "mistakes.csv")

    groups = [{f"dwn_{i}" for i in range(3)}, {f"flip_{i}" for i in range(3)}]
    for group in groups:  # a cluster of its own, ranked ahead of any cluster holding anyone else
        holding = [rank for rank, r in enumerate(rows) if set(r["submissions"].split()) & group]
        assert holding and all(set(rows[rank]["submissions"].split()) == group for rank in holding)
        others = [rank for rank, r in enumerate(rows) if set(r["submissions"].split()) - groups[0] - groups[1]]
        assert holding[0] < min(others, default=len(rows))
    assert not any({"right", "right_einsum", "right_tanh"} & set(r["submissions"].split()) for r in rows)

    def hidden_cluster(check, relation):  # hidden tests: every student's own shapes and values
        return next(r["cluster"] for r in rows if r["check"].startswith(check) and r["relation"] == relation)

    named = [hidden_cluster("test_affine.py::test_random_shapes_against_tensorflow: Affine dW", "factor(1/in3.shape[0])"),
             hidden_cluster("test_tanh.py::test_random_backward:", "negated")]
    course_cli("mistakes", "name", str(out), named[0], "--as", DW_NAME,
               "--hint", "dW sums over the batch; only the loss is averaged.", env=env)
    course_cli("mistakes", "name", str(out), named[1], "--as", TANH_NAME, env=env)  # its id held after naming
    course_cli("grade", *(str(tmp_path / "class" / n) for n in names), "-a", "a1_backprop", "-o", str(out),
               "-j", "2", "-q", "--force", env=env)
    assert (out / "gradebook.csv").read_text(encoding="utf-8") == before  # naming explains; scores stay
    rewritten = {r["cluster"] for r in read_csv(out / "mistakes.csv")}  # the regrade wrote the pages again
    assert rewritten and not rewritten & set(named)  # named ones are known mistakes now, listed apart

    late = tmp_path / "late"  # graded only after naming, with hidden values of their own (other names)
    for name, patch in (("dwn_late", DW_OVER_BATCH[3]), ("flip_late", TANH_FLIPPED[3])):
        shutil.copytree(ROOT_SOLUTION, late / name, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
        apply_patches(late / name, (patch,))
    course_cli("grade", str(late / "dwn_late"), str(late / "flip_late"), "-a", "a1_backprop", "-o", str(out),
               "-q", env=env)
    for name in [*names, "dwn_late", "flip_late"]:
        text = feedback(out, name)
        assert (f"known mistake: {DW_NAME}." in text) == name.startswith("dwn_"), name
        assert (f"known mistake: {TANH_NAME}." in text) == name.startswith("flip_"), name
    assert "only the loss is averaged" in feedback(out, "dwn_late")
    course_cli("report", str(out), env=env)
    report = (out / "class-report.html").read_text(encoding="utf-8")
    assert f'<tr><td>Affine</td><td>{DW_NAME}</td><td class="num">4</td></tr>' in report  # counted as known
    assert 'href="mistakes.html"' in report


def test_naming_an_unknown_cluster_is_a_one_line_error(tmp_path, capsys):
    from graders.engine.cli import main

    synthetic_class(tmp_path)
    assert main(["mistakes", "name", str(tmp_path), "abc123", "--as", "a name"]) == 2
    error = capsys.readouterr().err
    assert "no cluster 'abc123'" in error and "Traceback" not in error


def test_a_cluster_keeps_its_id_when_others_come_and_go(tmp_path):
    from graders.engine.reporting.mistakes import analyse

    synthetic_class(tmp_path)
    before = {tuple(c.members): c.id for c in analyse(tmp_path).clusters}
    shutil.rmtree(tmp_path / "over_n_0")
    after = {tuple(c.members): c.id for c in analyse(tmp_path).clusters}
    assert after[("odd_1", "odd_2")] == before[("odd_1", "odd_2")]
    assert after[("over_n_1", "over_n_2")] == before[("over_n_0", "over_n_1", "over_n_2")]


@pytest.mark.parametrize("text, problem", [
    ("[[mistake]\nname = 'x'\n", "mined_mistakes.toml"),
    ("[[mistake]]\nexercise = 'Tanh'\ntest = 't'\ncheck = 'c'\nrelation = 'factor'\n", "has no name"),
    ("[[mistake]]\nexercise = 'Tanh'\ntest = 't'\ncheck = 'c'\nrelation = 'squared'\nname = 'n'\n",
     "does not know"),
])
def test_a_broken_mined_mistakes_file_stops_grading_with_one_line(tmp_path, monkeypatch, capsys, text, problem):
    from graders.engine.cli import main

    (tmp_path / "mined" / "a1_backprop").mkdir(parents=True)
    (tmp_path / "mined" / "a1_backprop" / "mined_mistakes.toml").write_text(text)
    monkeypatch.setenv("COURSE_MINED_MISTAKES_DIR", str(tmp_path / "mined"))
    assert main(["grade", str(ROOT_SOLUTION), "-a", "a1_backprop", "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert problem in error and "Traceback" not in error
    assert not list((tmp_path / "out").glob("*/report.json"))  # stopped before grading anyone


def test_an_input_kept_by_shape_only_still_names_its_dimensions(tmp_path):
    """in3 stays the third input when the second is too large to keep: sizes mean the same for everyone."""
    from graders.engine.reporting.mistakes import analyse

    rng = np.random.default_rng(5)
    for i, n in enumerate((3, 4)):
        x, dout = rng.normal(size=(n, 2)), rng.normal(size=(n, 3))
        big = np.zeros((MAX_VALUES + 1,))
        write_graded(tmp_path, f"s{i}", [(HIDDEN_DW, True, [rng.normal(size=(2, 3)), big, x, dout],
                                          "Affine dW for W of shape (2, 3)", x.T @ dout / n, x.T @ dout, None)])
    (cluster,) = analyse(tmp_path).clusters
    assert (cluster.key.param, cluster.members) == ("1/in3.shape[0]", ["s0", "s1"])


def test_a_self_check_names_a_mined_mistake_and_keeps_the_score(tmp_path, monkeypatch, course, make_submission):
    from graders.engine.grading import mined

    monkeypatch.setenv("COURSE_MINED_MISTAKES_DIR", str(tmp_path / "mined"))
    folder = make_submission("a1_backprop", TANH_FLIPPED[:1])
    unnamed = run_graders(course, "a1_backprop", folder, RunOptions("public", "local"))
    mined.save("a1_backprop", (mined.MinedMistake(
        "Tanh", "graders/a1_backprop/test_tanh.py::test_backward_matches_finite_differences", "Tanh backward dx",
        "negated", "", TANH_NAME, "Check the sign of 1 - y**2."),))
    named = run_graders(course, "a1_backprop", folder, RunOptions("public", "local"))
    assert named.score == unnamed.score
    told = [t.feedback for t in named.tests if TANH_NAME in t.feedback]
    assert len(told) == 1 and "Hint: Check the sign of 1 - y**2." in told[0]
    right = run_graders(course, "a1_backprop", make_submission("a1_backprop", name="right"),
                        RunOptions("public", "local"))
    assert right.score == right.max_score and not any(TANH_NAME in t.feedback for t in right.tests)
