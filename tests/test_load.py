"""Load never costs points: a2's and a3's correct variants keep full marks while CPU hogs run.

On a busy machine everything is slower, the judge's own Keras work too; only
the student's code counts against the time limits (see test_time_limits), so
correct code scores the same as on an idle machine. Each variant is graded in
workers, with the course's own limits, public and hidden tests of the exercises
it changes (and those using them), while two processes keep both cores busy.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests import catalog
from tests.catalog import a2_keras_by_hand, a3_keras_models

pytestmark = [pytest.mark.slow, pytest.mark.long, pytest.mark.xdist_group("serial")]

CATALOGS = {"a2_keras_by_hand": a2_keras_by_hand, "a3_keras_models": a3_keras_models}
HOG = "while True:\n    pass\n"


@pytest.fixture
def cpu_hogs():
    """Two processes that spin for as long as the test runs."""
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(2)]
    yield
    for hog in hogs:
        hog.kill()
        hog.wait()


@pytest.mark.parametrize("assignment", list(CATALOGS))
def test_correct_variants_keep_full_marks_while_cpu_hogs_run(assignment, cpu_hogs, make_submission, grade, course,
                                                            monkeypatch):
    lost = {}
    for variant in (catalog.Variant("the solution itself", ()), *CATALOGS[assignment].VARIANTS):
        expression = catalog.graders_expression(assignment, catalog.exercises_seeing(course, assignment, variant))
        monkeypatch.setenv("PYTEST_ADDOPTS", f"-k '{expression}{catalog.training_filter(assignment, variant)}'")
        report = grade(make_submission(assignment, variant.patches, name=f"v{len(lost)}"), assignment,
                       visibility="all", isolation="worker")
        lost[variant.name] = {t.title: t.feedback for t in report.tests if not t.passed}
    assert not any(lost.values()), {name: tests for name, tests in lost.items() if tests}
