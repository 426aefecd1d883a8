"""a2's hand computation is per student: each id has its own input x, derived stably, shown where the
student works, and graded at the input of the identity the grader grades under -- in .py and notebook
form, under `course grade`, Gradescope and nbgrader's autograde."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from graders.a2_keras_by_hand.seed_model import SEED_X, true_label
from graders.a2_keras_by_hand.variant import GRID, pools, variant_for
from graders.engine.classbook.batch import grade_batch
from graders.engine.cli import main
from graders.engine.classbook.inputs import Inputs
from graders.engine.grading.runner import RunOptions, run_graders
from tests.catalog.a2_keras_by_hand import SOLUTION_HAND, network_at, numbers
from tests.conftest import ROOT, Patch, apply_patches, exercise_scores, feedback_of

A2 = "a2_keras_by_hand"
HN = "hand_numbers.py"
HAND = ("H", "Y", "PREDICTED_LABEL", "PREDICTION_CORRECT")
SOLUTION_ID = 'STUDENT_ID = "instructor"\nX = [0.46, 0.02]'


def worked_for(student_id: str, signed: str | None = None) -> tuple[str, str]:
    """(id block, numbers block) of hand_numbers.py worked out for ``student_id``'s input, signed by ``signed``."""
    x = variant_for(student_id).x
    net = network_at(x)
    label = int(np.sign(net["y"]))
    identity = f'STUDENT_ID = "{signed or student_id}"\nX = {list(x)}'
    hand = (f"H = {numbers(net['h'])}\nY = {net['y']:.4f}\nPREDICTED_LABEL = {label:+d}\n"
            f"PREDICTION_CORRECT = {label == int(true_label(np.array(x)))}\n")
    return identity, hand


def patches_for(student_id: str, signed: str | None = None) -> tuple[Patch, ...]:
    identity, hand = worked_for(student_id, signed)
    return Patch(HN, SOLUTION_ID, identity), Patch(HN, SOLUTION_HAND, hand)


def hand_scores(report) -> dict[str, tuple[float, float]]:
    return {name: score for name, score in exercise_scores(report).items() if name in HAND}


def full(scores: dict[str, tuple[float, float]]) -> bool:
    return all(score == top for score, top in scores.values())


# -- the derivation ----------------------------------------------------------------------------

def test_two_students_get_different_inputs():
    assert variant_for("ada").x != variant_for("bob").x
    xs = {variant_for(f"student{i:03d}").x for i in range(200)}
    assert len(xs) >= 190, "a class of 200 should almost never share an input"


def test_the_same_student_always_gets_the_same_input_whatever_the_case_and_spaces():
    assert variant_for("ada").x == variant_for("ada").x == variant_for("  ADA ").x


def test_the_input_does_not_depend_on_the_process(tmp_path):
    """Derived with SHA-256, not Python's salted hash(): other processes agree."""
    code = "from graders.a2_keras_by_hand.variant import variant_for; print(list(variant_for('ada').x))"
    seen = set()
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                env={**os.environ, "PYTHONHASHSEED": seed}, cwd=ROOT)
        seen.add(result.stdout.strip())
    assert seen == {str(list(variant_for("ada").x))}


def test_a_new_salt_gives_new_inputs():
    moved = sum(variant_for(f"s{i}").x != variant_for(f"s{i}", salt="2027").x for i in range(50))
    assert moved >= 45


def test_inputs_are_two_decimal_numbers_clear_of_the_boundary_and_never_the_worked_example():
    for i in range(300):
        x = np.array(variant_for(f"student{i}").x)
        assert np.all(np.isin(x, GRID)) and np.all((0 < x) & (x < 1))
        assert abs(x.sum() - 0.5) >= 0.02 - 1e-9
        assert not np.allclose(x, SEED_X)


def test_about_half_the_class_gets_a_point_the_seed_network_misclassifies():
    flags = [variant_for(f"student{i}").misclassified for i in range(400)]
    assert 0.4 <= np.mean(flags) <= 0.6


def test_misclassified_means_keras_gets_the_label_wrong_and_the_sign_is_clear():
    """Every candidate input, judged by Keras itself (the grader's oracle), not by the NumPy that chose them."""
    from graders.a2_keras_by_hand import keras_ref
    from graders.a2_keras_by_hand.seed_model import ACTIVATIONS, SEED_WEIGHTS

    for points, misclassified in zip(pools(), (True, False)):
        y = keras_ref.reference_stack(SEED_WEIGHTS, points, ACTIVATIONS)[:, 0]
        assert np.all(np.abs(y) >= 0.05)
        assert np.all((np.sign(y) != true_label(points)) == misclassified)
    assert len(pools()[0]) > 1000 and len(pools()[1]) > 1000


# -- where students learn their input -----------------------------------------------------------

def test_course_variant_prints_the_students_input(capsys):
    assert main(["--root", str(ROOT), "variant", A2, "--student", "ada"]) == 0
    out = capsys.readouterr().out
    assert f"x = [{variant_for('ada').x[0]:.2f}, {variant_for('ada').x[1]:.2f}]" in out
    assert 'STUDENT_ID = "ada"' in out


def test_course_variant_refuses_an_assignment_without_variants_in_one_line(capsys):
    assert main(["--root", str(ROOT), "variant", "a1_backprop", "--student", "ada"]) == 2
    assert "a1_backprop has no per-student variants" in capsys.readouterr().err


def test_course_check_prints_the_input_of_the_id_in_the_files(make_submission, capsys):
    folder = make_submission(A2, patches_for("ada"))
    assert main(["--root", str(ROOT), "check", A2, "--submission", str(folder), "--local"]) == 0
    out = capsys.readouterr().out
    assert f"(student id 'ada'): x = {_text(variant_for('ada').x)}" in out


def test_course_check_without_an_id_asks_for_one_and_credits_the_worked_method(make_submission, grade):
    example = network_at(SEED_X)
    folder = make_submission(A2, (Patch(HN, SOLUTION_ID + "\n", ""),
                                  Patch(HN, "H = [-0.5994, 0.3689, 0.4373, 0.2796, -0.1346]",
                                        f"H = {numbers(example['h'])}")))
    report = grade(folder, A2)
    assert hand_scores(report)["H"][0] == 0
    assert "right for the worked example x = [0.30, 0.10] -- your method works" in feedback_of(report, "H")
    assert 'write your id in hand_numbers.py, e.g. STUDENT_ID = "jdoe42"' in feedback_of(report, "Y")


def test_the_notebook_shows_the_input_once_the_id_is_written(tmp_path):
    from graders.notebook import show_variant

    (tmp_path / HN).write_text('"""stub"""\n# YOUR CODE HERE\nraise NotImplementedError()\n')
    assert "write your id in hand_numbers.py" in repr(show_variant(A2, tmp_path))
    (tmp_path / HN).write_text('STUDENT_ID = "ada"\n')
    shown = show_variant(A2, tmp_path)
    assert f"x = {_text(variant_for('ada').x)}" in repr(shown) and "<div" in shown._repr_html_()


def test_the_released_notebook_has_a_locked_cell_showing_the_input_after_the_id_cell():
    nb = nbformat.read(ROOT / "exercises" / A2 / f"{A2}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    ids = [c.metadata["nbgrader"]["grade_id"] for c in code]
    at = ids.index("variant")
    assert ids[at - 1] == "hand_numbers_STUDENT_ID" and ids[at + 1] == "hand_numbers_H"
    assert code[at].metadata["nbgrader"]["locked"] and "show_variant('a2_keras_by_hand')" in code[at].source


def _text(x) -> str:
    return f"[{x[0]:.2f}, {x[1]:.2f}]"


# -- grading under an identity ------------------------------------------------------------------

def graded(course, folder: Path, ids: tuple[str, ...]):
    return run_graders(course, A2, folder, RunOptions("public", "local", student_ids=ids))


def test_the_grader_uses_its_identity_not_the_id_the_file_claims(course, make_submission):
    """bob hands in ada's file, STUDENT_ID and all: graded as bob, at bob's input."""
    report = graded(course, make_submission(A2, patches_for("ada")), ("bob",))
    scores = hand_scores(report)
    assert scores["H"][0] == scores["Y"][0] == 0
    message = feedback_of(report, "H")
    assert f"H is right for x = {_text(variant_for('ada').x)}" in message
    assert f"Yours is x = {_text(variant_for('bob').x)} (the input of 'bob', the id this submission is graded under)" \
        in message
    assert "Your hand_numbers.py says STUDENT_ID = 'ada', but this submission is graded as 'bob'" in message


def test_numbers_recognised_by_the_input_behind_them_even_unsigned(course, make_submission):
    """cy keeps their own STUDENT_ID and X but copies bob's numbers: H itself tells the input."""
    identity, _ = worked_for("cy")
    _, bobs = worked_for("bob")
    folder = make_submission(A2, (Patch(HN, SOLUTION_ID, identity), Patch(HN, SOLUTION_HAND, bobs)))
    report = graded(course, folder, ("cy",))
    assert hand_scores(report)["H"][0] == hand_scores(report)["Y"][0] == 0
    for name in ("H", "Y"):
        assert f"{name} is right for x = {_text(variant_for('bob').x)} -- but that is not your input" \
            in feedback_of(report, name)


def test_any_id_of_the_graded_identity_counts(course, make_submission):
    """A Gradescope user is known by email and user id; a group by each member: any of them is theirs."""
    report = graded(course, make_submission(A2, patches_for("42")), ("ada@uni.edu", "42"))
    assert full(hand_scores(report))


def test_a_numeric_id_may_be_written_without_quotes(course, make_submission):
    unquoted = tuple(Patch(p.file, p.old, p.new.replace('"42"', "42")) for p in patches_for("42"))
    assert "STUDENT_ID = 42\n" in unquoted[0].new
    assert full(hand_scores(graded(course, make_submission(A2, unquoted), ("ada@uni.edu", "42"))))


# -- end to end: course grade, notebooks, Gradescope, nbgrader ----------------------------------

def solution_notebook_for(student_id: str, signed: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / "solutions" / A2 / f"{A2}.ipynb", as_version=4)
    identity, hand = worked_for(student_id, signed)
    for c in nb.cells:
        grade_id = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id == "hand_numbers_STUDENT_ID":
            c.source = c.source.replace(SOLUTION_ID, identity)
        elif grade_id == "hand_numbers_H":
            c.source = c.source.replace(SOLUTION_HAND, hand)
    return nb


@pytest.fixture(scope="module")
def class_graded(course, tmp_path_factory):
    """`course grade` on four students: own numbers or a classmate's, as .py files or a notebook."""
    subs = tmp_path_factory.mktemp("class")
    for name, owner in (("ada", "ada"), ("bob", "ada")):  # bob hands in ada's files
        shutil.copytree(ROOT / "solutions" / A2, subs / name, ignore=shutil.ignore_patterns("*.ipynb", "*.md"))
        apply_patches(subs / name, patches_for(owner))
    for name, owner in (("cy", "cy"), ("dee", "cy")):   # dee hands in cy's numbers under her own id
        (subs / name).mkdir()
        nbformat.write(solution_notebook_for(owner, signed=name), subs / name / f"{A2}.ipynb")
    out = tmp_path_factory.mktemp("graded")
    with Inputs(course.assignment(A2), ROOT / "exercises" / A2 / f"{A2}.ipynb") as inputs:
        grade_batch(course, A2, inputs.resolve(sorted(subs.iterdir())), out, jobs=2)
    reports = {name: json.loads((out / name / "report.json").read_text()) for name in ("ada", "bob", "cy", "dee")}
    return reports | {"out": out}


def scores_of(report: dict) -> dict[str, tuple[float, float]]:
    return {e["name"]: (e["score"], e["max_score"]) for e in report["exercises"] if e["name"] in HAND}


def feedback(report: dict, exercise: str) -> str:
    return "\n".join(t["feedback"] for t in report["tests"] if t["exercise"] == exercise)


@pytest.mark.xdist_group("a2_class")  # one worker grades the class once for all its readers
@pytest.mark.parametrize("name", ["ada", "cy"], ids=["py", "notebook"])
def test_course_grade_gives_full_marks_for_ones_own_input(class_graded, name):
    lost = {t["title"]: t["feedback"] for t in class_graded[name]["tests"] if t["exercise"] in HAND and
            t["status"] != "passed"}
    assert full(scores_of(class_graded[name])), lost


@pytest.mark.xdist_group("a2_class")  # one worker grades the class once for all its readers
@pytest.mark.parametrize("name", ["ada", "cy"], ids=["py", "notebook"])
def test_course_grade_in_workers_gives_full_marks_on_every_exercise(class_graded, name):
    """The whole solution, Keras in each worker and hidden tests (a2's solution in a worker is a long test)."""
    report = class_graded[name]
    lost = {t["title"]: t["feedback"] for t in report["tests"] if t["status"] != "passed"}
    assert (report["score"], lost) == (report["max_score"], {})
    assert any(t["hidden"] for t in report["tests"])


@pytest.mark.xdist_group("a2_class")  # one worker grades the class once for all its readers
@pytest.mark.parametrize("name, owner", [("bob", "ada"), ("dee", "cy")], ids=["py", "notebook"])
def test_course_grade_takes_the_points_of_a_classmates_numbers_with_a_message(class_graded, name, owner):
    scores = scores_of(class_graded[name])
    assert scores["H"][0] == scores["Y"][0] == 0
    assert f"right for x = {_text(variant_for(owner).x)}" in feedback(class_graded[name], "H")
    assert f"Yours is x = {_text(variant_for(name).x)}" in feedback(class_graded[name], "H")


@pytest.mark.slow
@pytest.mark.long  # two run_autograder runs with TensorFlow
def test_gradescope_grades_each_user_at_their_own_input(tmp_path):
    """The bundle's run_autograder, as Gradescope runs it: ada's numbers from ada pass, from bob they do not."""
    from tests.test_gradescope import autograder_tree, start

    bundle = tmp_path / "autograder.zip"
    assert main(["--root", str(ROOT), "gradescope", A2, "-o", str(bundle)]) == 0
    runs = {}
    for user, email in ((11, "ada@uni.edu"), (12, "bob@uni.edu")):
        upload = tmp_path / f"upload-{user}"
        upload.mkdir()
        identity, hand = worked_for("ada@uni.edu")
        for f in ("by_hand.py", "set_weights.py"):
            (upload / f).write_text((ROOT / "solutions" / A2 / f).read_text())
        (upload / HN).write_text(f"{identity}\n\n{hand}")
        root = autograder_tree(bundle, tmp_path / f"ag-{user}", upload)
        (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": user, "email": email}]}))
        runs[email] = (root, start(root))
    results = {}
    for email, (root, process) in runs.items():
        stdout, _ = process.communicate(timeout=600)
        assert process.returncode == 0, stdout
        results[email] = json.loads((root / "results" / "results.json").read_text())
    ada, bob = results["ada@uni.edu"], results["bob@uni.edu"]
    assert all(t["score"] == t["max_score"] for t in ada["tests"] if t["tags"][0] in HAND), ada["tests"]
    lost = [t for t in bob["tests"] if t["score"] < t["max_score"]]
    assert {"H", "Y"} <= {t["tags"][0] for t in lost} <= set(HAND)
    assert all("this submission is graded as 'bob@uni.edu'" in t["output"] for t in lost
               if t["tags"][0] in ("H", "Y"))


@pytest.mark.xdist_group("a2_class")  # one worker grades the class once for all its readers
def test_the_class_report_counts_numbers_worked_for_another_input(class_graded):
    from graders.engine.reporting.reports import write_class_report

    page = write_class_report(class_graded["out"], A2).read_text()
    assert "numbers worked for another input than your own" in page


@pytest.mark.slow
@pytest.mark.long  # nbgrader's own release and autograde (minutes)
def test_real_nbgrader_autograde_grades_each_student_at_their_own_input(course, tmp_path):
    """nbgrader itself: ada hands in her own numbers, bob hands in ada's; only the hand cells are filled."""
    nbg = tmp_path / "nbgrader"
    # nbgrader runs this Python's kernel, and finds its helpers (alembic) next to the interpreter
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}

    def run(*args, cwd=nbg):
        result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    run(sys.executable, "-m", "graders.engine.cli", "nbgrader", "export", str(nbg), A2, cwd=ROOT)
    run(sys.executable, "-m", "nbgrader", "generate_assignment", A2)
    released = nbformat.read(nbg / "release" / A2 / f"{A2}.ipynb", as_version=4)
    identity, hand = worked_for("ada")
    for c in released.cells:
        grade_id = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in ("hand_numbers_STUDENT_ID", "hand_numbers_H"):
            c.source = re.sub(r"# YOUR CODE HERE\nraise NotImplementedError\(\)",
                              identity if grade_id == "hand_numbers_STUDENT_ID" else hand, c.source)
    for student in ("ada", "bob"):
        (nbg / "submitted" / student / A2).mkdir(parents=True)
        nbformat.write(released, nbg / "submitted" / student / A2 / f"{A2}.ipynb")
    run(sys.executable, "-m", "nbgrader", "autograde", A2)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{nbg / 'gradebook.db'}") as gradebook:
        scores = {s: {g.name: g.score for g in gradebook.find_submission_notebook(A2, A2, s).grades}
                  for s in ("ada", "bob")}
    hand_points = {e: course.assignment(A2).exercises[e].points for e in HAND}
    assert {e: scores["ada"][f"check_{e}"] for e in HAND} == hand_points
    assert scores["bob"]["check_H"] == scores["bob"]["check_Y"] == 0
    autograded = nbformat.read(nbg / "autograded" / "bob" / A2 / f"{A2}.ipynb", as_version=4)
    shown = next(c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_H")
    text = html.unescape("".join(o.get("data", {}).get("text/html", "") for o in shown.outputs))
    assert "but that is not your input" in text and "graded as 'bob'" in text
