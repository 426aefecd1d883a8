"""Every assignment of course.toml passes the same checks: the solution gets full marks (hidden tests
included, in both isolation modes), the released stubs get 0 with "not implemented", the self-check
covers every exercise with public tests only, the committed release is fresh, and its catalog holds:
each known mistake loses points on its exercise with a message naming it, each correct variant gets
full marks. (Notebooks run top to bottom in tests/test_notebooks.py, parametrized the same way.)

An assignment contributes only its catalog, ``tests/catalog/<assignment>.py``:
- ``MISTAKES`` and ``VARIANTS`` (tests/catalog/__init__.py's Mistake and Variant);
- optionally ``SLOW_CHECKS``: ids of the checks below that train or start TensorFlow again for it
  (e.g. ``{"solution-worker", "self-check-solution"}``), marked slow and long (CI runs them; a faster
  sibling stays in the default run);
- the default run grades, of the entries that do not train, each exercise's first mistake and each
  student file's first variant (catalog order: put the most representative first); the other entries
  are long, and CI runs every one (training is graded in the default run with the solution);
- optionally ``graders_for(course, entry)``: a pytest ``-k`` expression, the graders that can see
  a catalog entry (to keep a slow assignment's catalog fast); without it every grader runs.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from graders.engine.authoring.release import plan_release
from graders.engine.core.config import load_course
from tests.catalog import Mistake, Variant
from tests.conftest import ROOT, downstream, exercise_scores, feedback_of

ASSIGNMENTS = sorted(load_course(ROOT).assignments)


def catalog(assignment: str) -> ModuleType:
    return importlib.import_module(f"tests.catalog.{assignment}")


def slow_marks(assignment: str, check: str) -> list:
    """slow and long where the assignment's catalog lists ``check`` in SLOW_CHECKS."""
    return [pytest.mark.slow, pytest.mark.long] if check in getattr(catalog(assignment), "SLOW_CHECKS", set()) else []


def params(check: str, *isolations: str) -> list:
    """(assignment, isolation) pairs, marked slow and long where the assignment's catalog says so."""
    return [pytest.param(assignment, isolation, id=f"{assignment}-{isolation}",
                         marks=slow_marks(assignment, f"{check}-{isolation}"))
            for assignment in ASSIGNMENTS for isolation in isolations]


def entries(kind: str) -> list:
    """Every assignment's catalog entries of ``kind`` (MISTAKES or VARIANTS), marked for the default run.

    The default run grades, of the entries that do not train, each exercise's first mistake and the first
    variant of each student file; every other entry is long (an entry that trains takes 10-30 s).
    """
    found = []
    for assignment in ASSIGNMENTS:
        seen: set = set()
        for entry in getattr(catalog(assignment), kind):
            stands_for = what_it_stands_for(entry)
            marks = [pytest.mark.slow] if entry.trains else []
            if entry.trains or stands_for in seen:
                marks.append(pytest.mark.long)
            seen.add(stands_for)
            found.append(pytest.param(assignment, entry, id=f"{assignment}-{entry.name}", marks=marks))
    return found


def what_it_stands_for(entry: Mistake | Variant) -> str | frozenset[str]:
    """What an entry stands for in the default run: a mistake's exercise, the files a variant patches."""
    if isinstance(entry, Mistake):
        return entry.exercise
    return frozenset(patch.file for patch in entry.patches)


def solution(assignment: str):
    return ROOT / "solutions" / assignment


def stubs(assignment: str):
    return ROOT / "exercises" / assignment


def test_every_assignment_has_a_catalog():
    for assignment in ASSIGNMENTS:
        module = catalog(assignment)
        assert module.MISTAKES and module.VARIANTS, f"tests/catalog/{assignment}.py needs MISTAKES and VARIANTS"


@pytest.mark.parametrize("assignment, isolation", params("solution", "local", "worker"))
def test_solution_gets_full_marks_with_hidden_tests(assignment, isolation, grade):
    report = grade(solution(assignment), assignment, visibility="all", isolation=isolation)
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert (report.score, lost) == (report.max_score, {})
    assert any(t.hidden for t in report.tests), "hidden tests should run when grading"


@pytest.mark.parametrize("assignment, isolation", params("stubs", "local", "worker"))
def test_stubs_score_zero_and_say_not_implemented(assignment, isolation, grade):
    report = grade(stubs(assignment), assignment, isolation=isolation)
    assert report.score == 0
    assert all(t.status == "not-implemented" for t in report.tests), \
        {t.title: t.feedback for t in report.tests if t.status != "not-implemented"}
    assert all("Not implemented yet" in t.feedback for t in report.tests)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_self_check_runs_public_tests_of_every_exercise(assignment, grade, course):
    report = grade(stubs(assignment), assignment, visibility="public")
    assert report.tests and not any(t.hidden for t in report.tests)
    assert {t.exercise for t in report.tests} == set(course.assignment(assignment).exercises)


@pytest.mark.parametrize("assignment", [pytest.param(a, marks=slow_marks(a, "self-check-solution"))
                                        for a in ASSIGNMENTS])
def test_self_check_gives_the_solution_full_marks_with_public_tests_only(assignment, grade, course):
    solved = grade(solution(assignment), assignment, visibility="public")
    lost = {t.title: t.feedback for t in solved.tests if not t.passed}
    assert (solved.score, lost) == (solved.max_score, {})
    assert not any(t.hidden for t in solved.tests)
    assert {t.exercise for t in solved.tests} == set(course.assignment(assignment).exercises)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_committed_release_is_fresh(assignment, course):
    plan = plan_release(course, [assignment])
    assert [str(p.relative_to(ROOT)) for p in plan.stale] == [], "run `course release`"


@pytest.fixture
def grade_entry(make_submission, grade, course, monkeypatch):
    """grade_entry(assignment, entry, visibility) -> (Report, whether only some graders ran)."""

    def run(assignment: str, entry, visibility: str):
        chooser = getattr(catalog(assignment), "graders_for", None)
        if chooser is not None:
            monkeypatch.setenv("PYTEST_ADDOPTS", f"-k '{chooser(course, entry)}'")
        return grade(make_submission(assignment, entry.patches), assignment, visibility=visibility), chooser is not None

    return run


@pytest.mark.parametrize("assignment, mistake", entries("MISTAKES"))
def test_known_mistake_loses_points_with_a_message_naming_it(assignment, mistake, grade_entry, course):
    report, _ = grade_entry(assignment, mistake, "all" if mistake.hidden else "public")
    scores = exercise_scores(report)
    score, max_score = scores[mistake.exercise]
    assert score < max_score, f"{mistake.name} was not caught by {mistake.exercise}"
    assert mistake.feedback in feedback_of(report, mistake.exercise)
    affected = downstream(course, assignment, mistake.exercise)
    graded = {e.name for e in report.exercises if e.total}
    unaffected = {name: s for name, s in scores.items() if name in graded - affected and s[0] < s[1]}
    assert not unaffected, f"{mistake.name} also cost points in {unaffected}"


@pytest.mark.parametrize("assignment, variant", entries("VARIANTS"))
def test_correct_variant_gets_full_marks_including_hidden_tests(assignment, variant, grade_entry):
    report, some_graders = grade_entry(assignment, variant, "all")
    lost = {t.title: t.feedback for t in report.tests if not t.passed}
    assert report.tests and not lost, lost
    if not some_graders:
        assert report.score == report.max_score, lost


def test_no_two_assignments_share_a_student_file_name(course):
    """Notebooks %%writefile their files into one folder on Colab (/content): a shared name is overwritten."""
    owners: dict[str, list[str]] = {}
    for assignment in ASSIGNMENTS:
        for name in course.assignment(assignment).files:
            owners.setdefault(name.lower(), []).append(assignment)
    assert {name: found for name, found in owners.items() if len(found) > 1} == {}
