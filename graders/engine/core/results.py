"""What a grading run leaves on disk: results.json, feedback.md, gradebook.csv.

``results.json`` follows Gradescope's autograder format (top-level ``score``,
``tests`` with ``name``, ``score``, ``max_score``, ``output``, ``visibility``,
``tags``), so the same file uploads there unchanged. Every file is written
atomically: a run killed mid-write leaves the old file or the new one, never
half of one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import UTC
from pathlib import Path

from .config import CourseConfigError
from .scoring import Report, status_word

HIDDEN_VISIBILITY = "after_published"  # Gradescope: shown once grades are published
REPORT_FILE = "report.json"
RESULTS_FILE = "results.json"
FEEDBACK_FILE = "feedback.md"
GRADEBOOK_FILE = "gradebook.csv"
GRADED_FILES = "files"  # OUT/<submission>/files/: the .py files graded (a notebook's, read back), for `course similarity`
MAX_KEPT_BYTES = 2**20


def points(value: float) -> str:
    """Points as people read them: at most two decimals (files keep four)."""
    return f"{round(value, 2):g}"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def gradescope_results(report: Report) -> dict:
    tests = [
        {
            "name": f"{record.exercise}: {record.title}",
            "score": record.score,
            "max_score": record.max_score,
            "status": "passed" if record.passed else "failed",
            "output": record.feedback or "Passed.",
            "visibility": HIDDEN_VISIBILITY if record.hidden else "visible",
            "tags": [record.exercise],
        }
        for record in report.tests
    ]
    summary = ", ".join(f"{e.name} {points(e.score)}/{points(e.max_score)}" for e in report.exercises)
    notes = "".join(f"\n{note}" for note in report.notes if not note.startswith("grader failure"))
    return {
        "score": report.score,
        "output": f"{report.assignment}: {points(report.score)} / {points(report.max_score)} points ({summary}).{notes}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def feedback_markdown(report: Report, outcome=None) -> str:
    """The feedback page as Markdown; ``outcome`` (corrections.Outcome) adds the corrections and the final total."""
    corrected = outcome is not None and outcome.lines
    total = outcome.total if corrected else report.score
    lines = [f"# {report.assignment}: {points(total)} / {points(report.max_score)} points", "",
             "| Exercise | Points | Checks passed |", "|---|---|---|"]
    lines += [f"| {e.name} | {points(e.score)} / {points(e.max_score)} | {e.passed} / {e.total} |"
              for e in report.exercises]
    if corrected:
        lines += ["", "## Corrections", "", "| | Points |", "|---|---|",
                  f"| Autograded | {points(outcome.autograded)} |"]
        lines += [f"| {line.label()} | {line.signed()} |" for line in outcome.lines]
        lines += [f"| **Total** | **{points(outcome.total)}** |"]
    failed = [t for t in report.tests if not t.passed]
    if failed:
        lines += ["", "## What to look at", ""]
        for record in failed:
            lines += [f"### {record.exercise}: {record.title}", "", "```text", record.feedback.strip(), "```", ""]
    else:
        lines += ["", "Every check passed. Well done!"]
    lines += [f"- {note}" for note in report.notes if not note.startswith("grader failure")]
    return "\n".join(lines) + "\n"


def keep_graded_files(out: Path, name: str, folder: Path, files: tuple[str, ...]) -> None:
    """Copy the assignment's files as graded, so later tools need not find the submission again."""
    for file in files:
        source = folder / file
        if source.is_file() and not source.is_symlink() and source.stat().st_size <= MAX_KEPT_BYTES:
            write_atomic(out / name / GRADED_FILES / file, source.read_text(encoding="utf-8", errors="replace"))


def read_reports(out: Path, assignment: str | None = None) -> list[dict]:
    """The report.json files in ``out`` (of ``assignment``, or every one), in submission folder order."""
    reports = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(out.glob(f"*/{REPORT_FILE}"))]
    return [r for r in reports if assignment is None or r.get("assignment") == assignment]


def load_graded(out: Path, assignment: str | None) -> tuple[str, dict[str, dict]]:
    """The assignment graded in ``out`` (``assignment``, or the only one there) and its reports by submission."""
    reports = read_reports(out)
    assignments = sorted({r["assignment"] for r in reports})
    if assignment is None:
        if len(assignments) != 1:
            raise CourseConfigError(f"{out} holds no graded submissions" if not assignments else
                                    f"{out} holds several assignments ({', '.join(assignments)}); pass --assignment")
        assignment = assignments[0]
    return assignment, {r["submission"]: r for r in reports if r["assignment"] == assignment}


def write_submission_results(out: Path, report: Report, fingerprint: str) -> None:
    folder = out / report.submission
    data = report.to_dict() | {"fingerprint": fingerprint}
    write_atomic(folder / FEEDBACK_FILE, feedback_markdown(report))
    write_atomic(folder / RESULTS_FILE, json.dumps(gradescope_results(report), indent=1))
    write_atomic(folder / REPORT_FILE, json.dumps(data, indent=1))  # last: marks the submission done


def gradebook_csv(reports: list[dict], exercise_names: list[str], outcomes: list | None = None) -> str:
    """One row per submission: the total and exercise points after corrections, then the corrections.

    ``outcomes`` (corrections.Outcome, one per report) add the autograded
    total, the manual adjustment, the late penalty and the reasons as columns
    of their own; without them the points are the autograded ones.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "total", "max", *exercise_names,
                     "autograded", "adjustment", "late_penalty", "late_days", "submitted_at", "corrections"])
    pairs = sorted(zip(reports, outcomes or [None] * len(reports)), key=lambda pair: pair[0]["submission"])
    for report, outcome in pairs:
        by_name = outcome.exercises if outcome else {e["name"]: e["score"] for e in report["exercises"]}
        total = outcome.total if outcome else report["score"]
        cells = {name: f"{by_name.get(name, 0):g}" for name in exercise_names}
        for name in exercise_names:
            word = status_word(t["status"] for t in report["tests"] if t["exercise"] == name)
            cells[name] = word or cells[name]
        autograded = f"{report['score']:g}"
        word = status_word(t["status"] for t in report["tests"])
        if word:  # not graded (the grader's failure) or unreadable: a word, no number that could pass for a zero
            total = autograded = word
        writer.writerow([report["submission"], total if isinstance(total, str) else f"{total:g}",
                         f"{report['max_score']:g}", *cells.values(), autograded, *_correction_cells(outcome)])
    return buffer.getvalue()


def _correction_cells(outcome) -> list[str]:
    if outcome is None:
        return ["0", "0", "", "", ""]
    return [f"{outcome.adjustment:g}", f"{outcome.late_penalty:g}", *lateness_cells(outcome.lateness),
            outcome.summary()]


def lateness_cells(lateness) -> tuple[str, str]:
    """(late_days, submitted_at in UTC) as a gradebook writes them; empty without a due date."""
    if lateness is None:
        return "", ""
    if not lateness.known:
        return "unknown", ""
    return str(lateness.days), lateness.submitted.astimezone(UTC).isoformat()
