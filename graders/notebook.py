"""Self-check from a notebook: ``check("a1_backprop", "Relu")`` in a check cell.

The exercise's code cells write the assignment's files (``%%writefile``) into
the notebook's folder; a check grades that folder with the same graders as
``course check``, shows a small table, and evaluates to the points earned, so
nbgrader's autograde reads them as the cell's partial credit. Under nbgrader's
autograde the hidden tests run too.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

_judge: subprocess.Popen | None = None


ICONS = {"passed": "✅", "not-graded": "⚠️"}  # not graded: the grader failed, not the student's code


class ExerciseResult:
    """Shows as a table in Jupyter; its plain value is the points (nbgrader's partial credit)."""

    def __init__(self, exercise: dict, tests: list[dict]) -> None:
        self.exercise = exercise
        self.tests = tests
        self.points = float(exercise["score"])

    def __float__(self) -> float:
        return self.points

    def __repr__(self) -> str:
        return repr(self.points)

    def _repr_html_(self) -> str:
        e = self.exercise
        rows = "".join(
            f"<tr><td>{ICONS.get(t['status'], '❌')}</td><td>{html.escape(t['title'])}</td>"
            f"<td><pre style='white-space:pre-wrap;margin:0'>{html.escape(t['feedback'])}</pre></td></tr>"
            for t in self.tests)
        return (f"<b>{html.escape(e['name'])}: {e['score']:g} / {e['max_score']:g} points</b> "
                f"({e['passed']} of {e['total']} checks passed)"
                f"<table><tr><th></th><th>check</th><th>feedback</th></tr>{rows}</table>")

    def __str__(self) -> str:
        e = self.exercise
        lines = [f"{e['name']}: {e['score']:g} / {e['max_score']:g} points ({e['passed']} of {e['total']} checks passed)"]
        lines += [f"  {'ok ' if t['status'] == 'passed' else 'FAIL'} {t['title']}" +
                  (f"\n       {t['feedback']}" if t["feedback"] else "") for t in self.tests]
        return "\n".join(lines)


def check(assignment: str, exercise: str, folder: str | os.PathLike = ".") -> ExerciseResult:
    """Grade one exercise of the files in ``folder`` (default: the notebook's folder)."""
    submission = Path(folder).resolve()
    # Under nbgrader's autograde the hidden tests count too, as in `course grade`.
    hidden = os.environ.get("NBGRADER_EXECUTION") == "autograde"
    report = _ask(assignment, submission, "all" if hidden else "public", exercise)
    found = [e for e in report["exercises"] if e["name"] == exercise]
    if not found:
        raise KeyError(f"{assignment} has no exercise {exercise!r}")
    return ExerciseResult(found[0], [t for t in report["tests"] if t["exercise"] == exercise])


class VariantNote:
    """A student's own variant, shown in the notebook (plain text; a highlighted box in Jupyter)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return (f"<div style='border-left:4px solid #4a7;padding:4px 8px'>"
                f"{html.escape(self.text).replace(chr(10), '<br>')}</div>")


def show_variant(assignment: str, folder: str | os.PathLike = ".") -> VariantNote:
    """The student's variant, from the id their files record (run the cell that writes it first)."""
    from graders.engine.core.config import load_course
    from graders.engine.grading.variants import describe

    text = describe(load_course(_course_root()), assignment, None, Path(folder).resolve())
    return VariantNote(text or f"{assignment} has no per-student variants.")


def _ask(assignment: str, submission: Path, visibility: str, exercise: str | None) -> dict[str, Any]:
    global _judge
    if _judge is None or _judge.poll() is not None:
        _judge = subprocess.Popen([sys.executable, "-m", "graders.engine.grading.judge_server"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, encoding="utf-8", bufsize=1)
    # nbgrader autogrades in autograded/<student>/<assignment>/: the student is the name
    # (it seeds the hidden tests, as `course grade` does for submitted/<student>/<assignment>/)
    name = submission.parent.name if submission.name == assignment else submission.name
    request = {"root": str(_course_root()), "assignment": assignment, "submission": str(submission),
               "visibility": visibility, "exercise": exercise, "name": name}
    assert _judge.stdin is not None and _judge.stdout is not None
    _judge.stdin.write(json.dumps(request) + "\n")
    line = _judge.stdout.readline()
    if not line:
        raise RuntimeError("the grading process stopped unexpectedly; run the cell again")
    reply = json.loads(line)
    if "error" in reply:
        raise RuntimeError(reply["error"])
    return reply["report"]


def _course_root() -> Path:
    from graders.engine.core.config import locate_course_root

    return locate_course_root()
