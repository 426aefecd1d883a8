"""Terminal output: score tables and feedback, rendered with rich.

Feedback and anything a student's code produced is shown as literal text
(``Text``), never parsed as rich markup: ``dout[mask] = 0`` must print as is.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..core.results import points
from ..core.scoring import Report
from .grouping import Cause, causes, not_started

STATUS_STYLE = {"passed": "green", "not-implemented": "yellow", "failed": "red",
                "timeout": "red", "crash": "red", "not-graded": "magenta"}


def show_check(console: Console, report: Report, *, plain: bool = False) -> None:
    """The self-check: what to fix, one explanation per cause, then the points per exercise.

    The table comes last so it stays in view. ``plain``: no box drawing or colour,
    for screen readers and logs.
    """
    for name in not_started(report):
        console.print(Text(f"• {name}: not implemented yet.", style="" if plain else "yellow"))
    for cause in causes(report):
        _show_cause(console, cause, plain)
    if plain:
        _plain_table(console, report)
    else:
        console.print(_table(report))
    if all(t.passed for t in report.tests):
        console.print(Text("Every check passed. Well done!", style="" if plain else "bold green"))


def _show_cause(console: Console, cause: Cause, plain: bool) -> None:
    heading, text = cause.heading(), cause.feedback()
    if plain:
        console.print(Text(f"{cause.first.status.upper()}: {heading}\n{text}\n"), soft_wrap=True)
        return
    # the heading goes inside the box, where it wraps; a panel title would be cut at the width
    body = Group(Text(heading, style="bold"), Text(text))
    console.print(Panel(body, title=Text(", ".join(cause.exercises)), title_align="left",
                        border_style=STATUS_STYLE.get(cause.first.status, "red")))


def _earned(report: Report, name: str) -> tuple[str, str]:
    """(points text, style) of one exercise."""
    exercise = next(e for e in report.exercises if e.name == name)
    mine = [t for t in report.tests if t.exercise == name]
    if any(t.status == "not-graded" for t in mine):
        return "not graded", "magenta"
    style = ("green" if exercise.total and exercise.passed == exercise.total
             else "yellow" if all(t.status == "not-implemented" for t in mine) else "red")
    return f"{points(exercise.score)} / {points(exercise.max_score)}", style


def _table(report: Report) -> Table:
    table = Table(title=f"{report.assignment} — self-check of {report.submission}", title_justify="left")
    table.add_column("Exercise")
    table.add_column("Points", justify="right")
    table.add_column("Checks passed", justify="right")
    for exercise in report.exercises:
        earned, style = _earned(report, exercise.name)
        table.add_row(Text(exercise.name, style=style), earned, f"{exercise.passed} / {exercise.total}")
    table.add_section()
    table.add_row(Text("Total", style="bold"), Text(f"{points(report.score)} / {points(report.max_score)}",
                                                    style="bold"), "")
    return table


def _plain_table(console: Console, report: Report) -> None:
    lines = [f"{report.assignment}, self-check of {report.submission}:"]
    for exercise in report.exercises:
        earned, _ = _earned(report, exercise.name)
        lines.append(f"  {exercise.name}: {earned} points, {exercise.passed} of {exercise.total} checks passed")
    lines.append(f"  Total: {points(report.score)} / {points(report.max_score)} points")
    console.print(Text("\n".join(lines)), soft_wrap=True)


def show_batch(console: Console, rows: list[tuple[str, float, float, str]]) -> None:
    table = Table(title="Grading results", title_justify="left")
    for column, justify in (("Submission", "left"), ("Score", "right"), ("Status", "left")):
        table.add_column(column, justify=justify)
    for name, score, max_score, status in sorted(rows):
        table.add_row(Text(name), f"{points(score)} / {points(max_score)}", Text(status))
    console.print(table)
