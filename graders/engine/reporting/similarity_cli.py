"""``course similarity``: its command line (the work is in :mod:`similarity_report`, imported only when run)."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.config import Course, CourseConfigError
from ..core.results import REPORT_FILE


def register(commands) -> None:
    """Adds ``course similarity`` to the CLI's subcommands."""
    parser = commands.add_parser("similarity", help="which submissions share code: OUT/similarity.csv and .html")
    parser.add_argument("out", help="the folder `course grade` wrote")
    parser.add_argument("submissions", nargs="*",
                        help="the submissions as given to `course grade`: for a class graded before it kept their "
                             "files, or graded elsewhere (nbgrader's submitted/, with --assignment)")
    parser.add_argument("--assignment", "-a", help="needed when OUT holds several assignments")
    parser.add_argument("--reference", action="append", default=[], metavar="DIR",
                        help="earlier work to compare the class with (last year's graded OUT or submissions); "
                             "repeatable")
    parser.add_argument("--top", type=int, default=30, help="pairs shown side by side in the HTML (default 30)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="processes that tokenize")
    parser.set_defaults(handler=_cli)


def _cli(course: Course, args, console) -> int:
    out = Path(args.out)
    graded = any(out.glob(f"*/{REPORT_FILE}"))
    if not graded and not args.submissions:
        raise CourseConfigError(f"{out} holds no graded submissions; run `course grade ... --out {out}` first, or "
                                "give the submissions and --assignment (e.g. nbgrader's submitted/)")
    if not graded and not args.assignment:
        raise CourseConfigError(f"{out} holds no graded submissions to take the assignment from; pass --assignment")
    from .reports import CLASS_REPORT_HTML  # jinja2, copydetect: the instructor install's, imported when used
    from .similarity_report import run

    csv_path, html_path, warnings = run(course, out, args.assignment, [Path(p) for p in args.submissions],
                                        [Path(p) for p in args.reference], top=max(1, args.top), jobs=max(1, args.jobs))
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, markup=True)
    console.print(f"Wrote {csv_path} and {html_path} (evidence to review, not a verdict).", highlight=False)
    if graded and (out / CLASS_REPORT_HTML).is_file():
        from .reports import write_class_report

        # the class report links the page only if it existed when the report was written: write it again
        console.print(f"Linked it from {write_class_report(out, args.assignment, course)}", highlight=False)
    elif graded:
        console.print(f"`course report {out}` writes the class report, with a link to it.", highlight=False)
    return 0
