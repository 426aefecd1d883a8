"""``course mistakes``: its command line (the work is in :mod:`mistakes` and :mod:`naming`)."""

from __future__ import annotations

from pathlib import Path

from ..core.config import Course, CourseConfigError


SHOWN = 10  # clusters printed; all are in the CSV and the page


def register(commands) -> None:
    """Adds ``course mistakes OUT`` and ``course mistakes name OUT CLUSTER --as TEXT`` to the CLI."""
    parser = commands.add_parser(
        "mistakes", help="mistakes the class shares: OUT/mistakes.csv and .html; `name` turns a cluster into a "
                         "named mistake",
        usage="course mistakes OUT [-a A]\n       course mistakes name OUT CLUSTER --as TEXT [--hint TEXT]")
    parser.add_argument("words", nargs="+", metavar="OUT | name OUT CLUSTER", help=argparse_help())
    parser.add_argument("--assignment", "-a", help="needed when OUT holds several assignments")
    parser.add_argument("--as", dest="as_", metavar="TEXT", help="with `name`: the mistake's name, as students read it")
    parser.add_argument("--hint", default="", help="with `name`: a hint shown with it (never the solution)")
    parser.set_defaults(handler=_cli)


def argparse_help() -> str:
    return "the folder `course grade` wrote; or `name OUT CLUSTER` with a cluster id of mistakes.csv"


def _cli(course: Course, args, console) -> int:
    from ..grading.mined import MinedFileError
    from .mistakes import MiningError

    naming = len(args.words) == 3 and args.words[0] == "name"
    if not naming and len(args.words) != 1:
        raise CourseConfigError("usage: course mistakes OUT, or course mistakes name OUT CLUSTER --as TEXT")
    if naming and not (args.as_ or "").strip():
        raise CourseConfigError("course mistakes name needs the mistake's name: --as \"what went wrong\"")
    if not naming and args.as_:
        raise CourseConfigError("--as names a cluster: course mistakes name OUT CLUSTER --as TEXT")
    out = Path(args.words[-2] if naming else args.words[0])
    try:
        if naming:
            return _name(course, out, args.words[2], args, console)
        return _analyse(course, out, args, console)
    except (MiningError, MinedFileError) as err:
        raise CourseConfigError(str(err)) from None


def _analyse(course: Course, out: Path, args, console) -> int:
    from .mistakes import analyse, write_reports
    from .reports import CLASS_REPORT_HTML, write_class_report

    analysis = analyse(out, args.assignment)
    csv_path, html_path = write_reports(out, analysis)
    for cluster in analysis.clusters[:SHOWN]:
        named = f" [named: {cluster.named}]" if cluster.named else ""
        console.print(f"{cluster.rank:>3}. [{cluster.id}] {cluster.key.exercise}, {cluster.key.check_text()}: {cluster.key.words()}"
                      f"{named} - {cluster.size}: {' '.join(cluster.members[:8])}"
                      f"{' ...' if cluster.size > 8 else ''}", highlight=False, soft_wrap=True)
    console.print(f"{len(analysis.clusters)} clusters; wrote {csv_path} and {html_path}", highlight=False)
    if (out / CLASS_REPORT_HTML).is_file():  # the class report links the page if it exists: write it again
        console.print(f"Linked it from {write_class_report(out, analysis.assignment, course)}", highlight=False)
    return 0


def _name(course: Course, out: Path, cluster: str, args, console) -> int:
    from .naming import name_cluster

    path, mistake = name_cluster(course, out, cluster, args.as_.strip(), args.hint.strip(), args.assignment)
    console.print(f"Named cluster {cluster} \"{mistake.name}\" ({mistake.relation}"
                  f"{'(' + mistake.param + ')' if mistake.param else ''} in {mistake.check}); wrote {path}. "
                  f"`course grade ... --out {out} --force` tells it to every student with it.", highlight=False)
    return 0
