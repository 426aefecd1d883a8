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

    def __init__(self, exercise: dict, tests: list[dict], notes: list[str] | None = None) -> None:
        self.exercise = exercise
        self.tests = tests
        self.notes = notes or []  # about the files, before any check (e.g. a cell re-run with -a)
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
        notes = "".join(f"<p style='border-left:4px solid #c80;padding:4px 8px'>{html.escape(n)}</p>"
                        for n in self.notes)
        return (notes + f"<b>{html.escape(e['name'])}: {e['score']:g} / {e['max_score']:g} points</b> "
                f"({e['passed']} of {e['total']} checks passed)"
                f"<table><tr><th></th><th>check</th><th>feedback</th></tr>{rows}</table>")

    def __str__(self) -> str:
        e = self.exercise
        lines = [*self.notes,
                 f"{e['name']}: {e['score']:g} / {e['max_score']:g} points ({e['passed']} of {e['total']} checks passed)"]
        lines += [f"  {'ok ' if t['status'] == 'passed' else 'FAIL'} {t['title']}" +
                  (f"\n       {t['feedback']}" if t["feedback"] else "") for t in self.tests]
        return "\n".join(lines)


def check(assignment: str, exercise: str, folder: str | os.PathLike = ".") -> ExerciseResult:
    """Grade one exercise of the files in ``folder`` (default: the notebook's folder)."""
    from graders.engine.authoring.rerun_notes import rerun_notes
    from graders.engine.core.config import load_course

    submission = Path(folder).resolve()
    spec = load_course(_course_root()).assignment(assignment)
    if exercise not in spec.exercises:
        raise KeyError(f"{assignment} has no exercise {exercise!r}")
    # Under nbgrader's autograde the hidden tests count too, as in `course grade`.
    hidden = os.environ.get("NBGRADER_EXECUTION") == "autograde"
    # the exercises this one uses run too, so a failure can say "uses your X, which fails its own checks"
    wanted = ",".join([exercise, *spec.exercises[exercise].uses])
    report = _ask(assignment, submission, "all" if hidden else "public", wanted)
    found = [e for e in report["exercises"] if e["name"] == exercise]
    return ExerciseResult(found[0], [t for t in report["tests"] if t["exercise"] == exercise],
                          rerun_notes(submission, spec.files))


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
