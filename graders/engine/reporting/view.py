"""Terminal output: score tables and feedback, rendered with rich.

Feedback and anything a student's code produced is shown as literal text
(``Text``), never parsed as rich markup: ``dout[mask] = 0`` must print as is.
"""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..core.results import points
from ..core.scoring import Report

STATUS_STYLE = {"passed": "green", "not-implemented": "yellow", "failed": "red",
                "timeout": "red", "crash": "red", "grader-error": "magenta", "not-graded": "magenta"}


def show_check(console: Console, report: Report) -> None:
    """The self-check: one row per exercise, then what to fix."""
    table = Table(title=f"{report.assignment} — self-check of {report.submission}", title_justify="left")
    table.add_column("Exercise")
    table.add_column("Points", justify="right")
    table.add_column("Checks passed", justify="right")
    for exercise in report.exercises:
        mine = [t for t in report.tests if t.exercise == exercise.name]
        style = ("green" if exercise.total and exercise.passed == exercise.total
                 else "yellow" if all(t.status == "not-implemented" for t in mine) else "red")
        earned = f"{points(exercise.score)} / {points(exercise.max_score)}"
        if any(t.status == "not-graded" for t in mine):
            style, earned = "magenta", "not graded"
        table.add_row(Text(exercise.name, style=style), earned, f"{exercise.passed} / {exercise.total}")
    table.add_section()
    table.add_row(Text("Total", style="bold"), Text(f"{points(report.score)} / {points(report.max_score)}",
                                                    style="bold"), "")
    console.print(table)
    order = {e.name: i for i, e in enumerate(report.exercises)}
    failed = sorted((t for t in report.tests if not t.passed), key=lambda t: order.get(t.exercise, 0))
    not_started = {t.exercise for t in failed
                   if all(f.status == "not-implemented" for f in failed if f.exercise == t.exercise)}
    shown: set[str] = set()
    for record in failed:
        if record.exercise in not_started:
            if record.exercise not in shown:
                console.print(Text(f"• {record.exercise}: not implemented yet.", style="yellow"))
                shown.add(record.exercise)
            continue
        console.print(Panel(Text(record.feedback.strip() or "failed"), title=Text(f"{record.exercise}: {record.title}"),
                            title_align="left", border_style=STATUS_STYLE.get(record.status, "red")))
    if not failed:
        console.print(Text("Every check passed. Well done!", style="bold green"))


def show_batch(console: Console, rows: list[tuple[str, float, float, str]]) -> None:
    table = Table(title="Grading results", title_justify="left")
    for column, justify in (("Submission", "left"), ("Score", "right"), ("Status", "left")):
        table.add_column(column, justify=justify)
    for name, score, max_score, status in sorted(rows):
        table.add_row(Text(name), f"{points(score)} / {points(max_score)}", Text(status))
    console.print(table)
