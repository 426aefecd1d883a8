"""The ``course`` command: release, check, grade."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.text import Text

from .core.config import COURSE_FILE, CourseConfigError, load_course, locate_course_root
from .core.dependencies import extra_missing, install_hint, require_extra
from .isolation import devices


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # as typed: a shard's manifest records it
    _printable_streams()
    console = Console(stderr=False, markup=False)  # paths, names and feedback print literally
    main_thread = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    try:
        root = Path(args.root) if args.root else _course_root()
        course = load_course(root)
        devices.apply(course.use_gpu)  # before anything imports TensorFlow; judges and workers inherit it
        return args.handler(course, args, console)
    except CourseConfigError as err:
        _error(str(err))
        return 2
    except ModuleNotFoundError as err:
        extra = extra_missing(err)
        if extra is None:
            raise  # not a missing extra: an engine bug, shown as such
        _error(f"course {args.command} needs the {extra} install: {install_hint(extra)}")
        return 2
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted; results finished so far are kept")
        return 130
    except Terminated:
        Console(stderr=True).print("terminated; results finished so far are kept")
        return 128 + signal.SIGTERM
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


class Terminated(BaseException):
    """SIGTERM (a cancelled job, a deleted pod): unwinds like Ctrl-C, so every with-block cleans up
    (scratch copies of submissions, the judges) instead of the process vanishing mid-batch."""


def _terminated(signum: int, frame) -> None:
    raise Terminated


def _error(message: str) -> None:
    Console(stderr=True).print(Text.assemble(("error:", "red"), f" {message}"), highlight=False, soft_wrap=True)


def _course_root() -> Path:
    """The course above the working folder, else the package's own (said, since it is not the one here)."""
    root = locate_course_root()
    if not Path.cwd().resolve().is_relative_to(root.resolve()):
        Console(stderr=True).print(Text(f"note: no {COURSE_FILE} in this folder or above; using the course at "
                                        f"{root / COURSE_FILE}", style="dim"), highlight=False, soft_wrap=True)
    return root


def _printable_streams() -> None:
    """A terminal that cannot show a character (cp1252, ASCII) shows '?' rather than crashing."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="replace")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Release, self-check and grade the exercises.")
    parser.add_argument("--root", help="course folder (default: the nearest folder with course.toml)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="write exercises/ (stubs) from solutions/")
    release.add_argument("assignments", nargs="*", help="default: every assignment")
    release.add_argument("--check", action="store_true", help="write nothing; exit 1 if exercises/ is stale")
    release.add_argument("--student", metavar="DIR",
                         help="write the student course into DIR (its own git repository): exercises, engine and "
                              "public graders, no solutions, hidden tests or answer oracles")
    release.set_defaults(handler=_release)

    check = commands.add_parser("check", help="self-check: run the public graders on your exercise folder")
    check.add_argument("assignment")
    check.add_argument("--submission", help="folder to check (default: exercises/ASSIGNMENT)")
    check.add_argument("--local", action="store_true",
                       help="run your code in this process (faster start, no time limits)")
    check.add_argument("--hidden", action="store_true", help="instructors: include the hidden tests")
    check.add_argument("--json", metavar="PATH", help="also write the scored report as JSON (for CI: points)")
    check.add_argument("--plain", action="store_true", default=bool(os.environ.get("COURSE_PLAIN")),
                       help="plain text, no boxes or colours (screen readers, logs; or set COURSE_PLAIN=1)")
    check.add_argument("--student", metavar="ID", help="check as this student (per-student variants; "
                       "default: the STUDENT_ID in your files)")
    check.set_defaults(handler=_check)

    grade = commands.add_parser("grade", help="grade submissions (public + hidden tests) into OUT")
    grade.add_argument("submissions", nargs="+", help="submission folders")
    grade.add_argument("--assignment", "-a", required=True)
    grade.add_argument("--out", "-o", required=True, help="folder for results.json, feedback and gradebook.csv")
    grade.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="submissions at a time")
    grade.add_argument("--force", action="store_true", help="regrade submissions that are already graded")
    grade.add_argument("--seed", type=int, help="one seed for every hidden test (default: per submission)")
    grade.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    grade.add_argument("--shard", metavar="K/N",
                       help="grade only shard K of N (by submission name); then `course merge OUT`")
    grade.set_defaults(handler=_grade)

    merge = commands.add_parser("merge", help="after sharded grading: gradebook, feedback and class report")
    merge.add_argument("outs", nargs="+", metavar="OUT",
                       help="folders the shards wrote; the others are copied into the first")
    merge.add_argument("--assignment", "-a", help="needed when OUT holds several assignments")
    merge.add_argument("--partial", action="store_true", help="merge even if some shards did not finish")
    merge.set_defaults(handler=_merge)

    feedback = commands.add_parser("feedback", help="write feedback.html (and .md) for every graded submission")
    feedback.add_argument("out", help="the folder `course grade` wrote")
    feedback.add_argument("--assignment", "-a", help="only this assignment's results")
    feedback.set_defaults(handler=_feedback)

    report = commands.add_parser("report", help="write the class report (class-report.html) for the instructor")
    report.add_argument("out", help="the folder `course grade` wrote")
    report.add_argument("--assignment", "-a", help="needed when OUT holds several assignments")
    report.set_defaults(handler=_report)

    nbgrader = commands.add_parser("nbgrader", help="work with nbgrader")
    nbgrader_commands = nbgrader.add_subparsers(dest="nbgrader_command", required=True)
    export = nbgrader_commands.add_parser("export", help="write an nbgrader course folder (config + source/)")
    export.add_argument("directory")
    export.add_argument("assignments", nargs="*", help="default: every assignment with a notebook")
    export.set_defaults(handler=_nbgrader_export)

    _add_adjust(commands)

    from .grading import variants  # these subcommands live with their modules
    from .platforms import gradescope, lms
    from .reporting import mistakes_cli, similarity_cli

    gradescope.register(commands)
    lms.register(commands)
    similarity_cli.register(commands)
    mistakes_cli.register(commands)
    variants.register(commands)
    return parser


def _release(course, args, console: Console) -> int:
    from .authoring.release import ReleaseError, apply_release, describe_stale, plan_release

    if args.student:
        return _release_student(course, args, console)
    try:
        plan = plan_release(course, args.assignments or None)
    except ReleaseError as err:
        console.print(Text.assemble(("error:", "red"), f" {err}"))
        return 2
    relative = [str(p.relative_to(course.root)) for p in plan.stale]
    if args.check:
        from .authoring.settings_check import disagreements

        problems = disagreements(course, course.root / "graders")
        for problem in problems:  # course.toml's settings against the files: said before staleness
            console.print(f"course.toml disagrees with the files: {problem}", highlight=False, soft_wrap=True)
        if plan.stale:
            console.print(f"Out of date, run `course release`. Stale: {describe_stale(plan.stale, course.root)}",
                          highlight=False, soft_wrap=True)
            return 1
        if problems:
            return 1
        console.print(f"exercises/ is up to date ({len(plan.written) + len(plan.copied)} files).")
        for extra in plan.extra:
            console.print(f"note: {extra.relative_to(course.root)} has no counterpart in solutions/")
        return 0
    apply_release(plan)
    console.print(f"Wrote {len(relative)} file(s)" + (": " + ", ".join(relative) if relative else "; all up to date."))
    return 0


def _release_student(course, args, console: Console) -> int:
    from .authoring.release import ReleaseError
    from .authoring.student_course import release_student_course

    if args.assignments or args.check:
        _error("--student releases every assignment and writes DIR; leave out assignment names and --check")
        return 2
    console.print("Running the public tests on the solutions to record their expected values...")
    try:
        result = release_student_course(course, Path(args.student))
    except ReleaseError as err:
        _error(str(err))
        return 2
    recorded = ", ".join(f"{name}: {count}" for name, count in result.answers.items())
    console.print(f"Wrote the student course to {result.target}: {len(result.files)} files, "
                  f"{result.hidden_tests_left_out} hidden tests left out, recorded values ({recorded}).")
    console.print("Committed in its git repository; push it to the students' repository." if result.committed
                  else "Nothing changed since the last release." if (result.target / ".git").exists()
                  else "git is not installed: the folder is not a repository yet.")
    return 0


def _check(course, args, console: Console) -> int:
    from .grading.runner import GraderRunError, RunOptions, run_graders
    from .grading.variants import describe
    from .classbook.inputs import notebook_beside
    from .reporting.view import show_check

    course.assignment(args.assignment)
    folder = Path(args.submission) if args.submission else course.root / "exercises" / args.assignment
    if not folder.is_dir():
        raise CourseConfigError(f"{folder} is not a folder; pass --submission DIR with your files")
    options = RunOptions(visibility="all" if args.hidden else "public",
                         isolation="local" if args.local else "worker",
                         student_ids=(args.student,) if args.student else ())
    _require_installed(course.assignment(args.assignment))
    if args.hidden:
        require_extra("keras")  # TensorFlow: an oracle of the hidden tests, even a1's
    if not args.local:
        _note_unenforced_limits(console)
    try:
        report = run_graders(course, args.assignment, folder, options)
    except GraderRunError as err:  # pytest could not run the graders: a broken install, not the student
        Console(stderr=True).print(Text(f"error: not graded (grader error): {err}"), soft_wrap=True)
        return 1
    show_check(console, report, plain=args.plain)
    beside = notebook_beside(folder, course.assignment(args.assignment).files)
    if beside:
        console.print(Text(f"Note: {beside}"), soft_wrap=True)
    variant = describe(course, args.assignment, args.student, folder)
    if variant:
        console.print(variant, highlight=False, markup=False, soft_wrap=True)
    if args.json:
        from .core.results import write_atomic

        write_atomic(Path(args.json), json.dumps(report.to_dict(), indent=1))
    return 0 if report.graded else 1  # a check the grader could not run is no result


def _isolation_line() -> str:
    """How workers are isolated here, in one line; a configuration problem is a clean error."""
    from .isolation.platform_caps import detect
    from .isolation.sandbox import SandboxError, describe

    try:
        workers = detect().summary()
        return f"{describe()} {workers[:1].upper()}{workers[1:]}. {devices.describe()}"
    except SandboxError as err:
        raise CourseConfigError(str(err)) from None


def _require_installed(assignment) -> None:
    """a2/a3 need TensorFlow, which a student's base install leaves out: say how to add it."""
    import importlib.util

    missing = [module for module in assignment.preload if importlib.util.find_spec(module) is None]
    if missing:
        raise CourseConfigError(
            f"{assignment.name} needs {', '.join(missing)}, which is not installed here; add TensorFlow with "
            "pip install \"dl-course-graders[keras]\" (in a clone: pip install -e \".[keras]\")")


def _degraded() -> bool:
    from .isolation.platform_caps import detect

    return bool(detect().unenforced())


def _note_unenforced_limits(console: Console) -> None:
    """Self-check: say so (one line) only when this platform lacks some worker limits."""
    line = _isolation_line()
    if _degraded():
        console.print(Text(f"note: {line}", style="dim"), soft_wrap=True)


def _grade(course, args, console: Console) -> int:
    from .classbook.judges import warm_up
    from .classbook.shards import parse_shard
    from .core.out_folder import check_out

    # mistakes are errors here, before anything starts
    require_extra("instructor")  # the hidden tests' oracles (TensorFlow), notebooks, feedback pages
    _require_installed(course.assignment(args.assignment))
    check_out(Path(args.out), args.assignment)  # OUT holds one assignment's results
    _check_mined_mistakes(args.assignment)
    shard = parse_shard(args.shard) if args.shard else None
    if args.jobs <= 1:
        return _grade_inputs(course, args, console, shard)
    with warm_up(str(course.root), args.assignment):  # the judges' imports overlap reading the inputs
        return _grade_inputs(course, args, console, shard)


def _check_mined_mistakes(assignment: str) -> None:
    from .grading.mined import MinedFileError, load

    try:
        load(assignment)
    except MinedFileError as err:
        raise CourseConfigError(str(err)) from None


def _grade_inputs(course, args, console: Console, shard) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .classbook.batch import grade_batch
    from .classbook.corrections import check_corrections
    from .classbook.regrade_diff import record_regrade, snapshot
    from .core.results import GRADEBOOK_FILE
    from .reporting.view import show_batch

    from .classbook.inputs import Inputs

    inputs = Inputs(course.assignment(args.assignment),
                    course.released_notebook(args.assignment),
                    wanted=shard.holds if shard else None)
    submissions = inputs.resolve([Path(s) for s in args.submissions])
    out = Path(args.out)
    names = [s.name for s in submissions] + list(inputs.problems)
    # a typo in adjustments.csv: found before grading, not after (a shard sees only its share of the names)
    check_corrections(course, args.assignment, out, names, all_names=shard is None)
    before = snapshot(out, names, args.assignment)  # for the regrade diff, before anything is overwritten
    isolation = _isolation_line()
    # Said on every run, even a quiet one (then on stderr): what student code can reach matters to every grade.
    Console(stderr=args.quiet).print(Text(f"Isolation: {isolation}"), highlight=False, soft_wrap=True)
    started = time.monotonic()
    counts: dict[str, int] = {}  # on_done's statuses so far
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[rate]} · {task.fields[failures]} not graded · "
                             "{task.fields[unreadable]} unreadable"),
                  console=console, disable=args.quiet) as progress:
        task = progress.add_task("grade", total=len(submissions) + len(inputs.problems), rate="", failures=0,
                                 unreadable=0)

        def on_done(name: str, status: str) -> None:
            counts[status] = counts.get(status, 0) + 1
            done = progress.tasks[0].completed + 1
            rate = done / max(time.monotonic() - started, 1e-9) * 60
            progress.update(task, advance=1, rate=f"{rate:.0f}/min", failures=counts.get("grader-failed", 0),
                            unreadable=counts.get("unreadable", 0))

        with inputs:
            result = grade_batch(course, args.assignment, submissions, out, jobs=max(1, args.jobs),
                                 force=args.force, seed=args.seed, unreadable=inputs.problems, shard=shard,
                                 on_done=on_done, command=_as_typed(args) if shard else "")
    if not args.quiet:
        import json

        rows = []
        for name in result.graded + result.skipped + result.failed:
            data = json.loads((out / name / "report.json").read_text(encoding="utf-8"))
            status = "skipped (unchanged)" if name in result.skipped else (
                ("unreadable" if name in inputs.problems else "not graded (grader error)") if name in result.failed
                else "graded")
            rows.append((name, data["score"], data["max_score"], status))
        show_batch(console, rows)
        console.print(f"Results: {out}/<submission>/results.json · "
                      + (f"shard {shard} done; once every shard is, `course merge {out}` writes the gradebook"
                         if shard else f"gradebook: {out / GRADEBOOK_FILE}"))
    record_regrade(console, out, args.assignment, before, result.graded + result.failed, quiet=args.quiet,
                   shard=str(shard) if shard else None)
    from .reporting.publish import publish

    # every page derived from these results, never stale: feedback.md, feedback.html and the
    # class report where they were written before (the gradebook is grade_batch's, a shard has none)
    publish(course, args.assignment, out, names=set(names), gradebook=False, html=None, class_report=None,
            check=False)  # corrections were checked before grading
    _warn_unknown_late_times(course, args.assignment, out, names)
    return _exit_status(result.failed, inputs.problems)


def _exit_status(failed: list[str], unreadable: dict[str, str]) -> int:
    """1 when any submission was not graded (the grader failed, or it could not be read), so a job fails."""
    grader_failed = [name for name in failed if name not in unreadable]
    if grader_failed:
        _error(f"{len(grader_failed)} submission(s) not graded because the grader failed "
               f"({', '.join(grader_failed)}); see their report.json notes, fix the cause, and rerun the same "
               "command to grade just those")
    not_read = [name for name in failed if name in unreadable]
    if not_read:
        _error(f"{len(not_read)} submission(s) unreadable ({'; '.join(f'{name}: {unreadable[name]}' for name in not_read)}); "
               "each student's feedback says why; once they are fixed or resubmitted, rerun the same command")
    return 1 if failed else 0


def _warn_unknown_late_times(course, assignment: str, out: Path, names: list[str]) -> None:
    """After grading: a warning for each submission that got no late penalty only because its time is unknown."""
    from .classbook.corrections import Corrections, unknown_late_times
    from .classbook.late import TIMES_FILE

    if not Corrections(course, assignment).any():
        return
    unknown = unknown_late_times(course, assignment, out, names)
    if unknown:
        Console(stderr=True).print(
            f"[yellow]warning:[/yellow] no submission time known for {len(unknown)} submission(s), so no late "
            f"penalty: {', '.join(unknown)}. Add their times to {TIMES_FILE} (assignment,submission,submitted_at).",
            highlight=False)


def _as_typed(args) -> str:
    """This command as a line to paste into a shell in any folder."""
    return f"cd {shlex.quote(os.getcwd())} && course {shlex.join(args.argv)}"


def _merge(course, args, console: Console) -> int:
    from .classbook.shards import merge
    from .reporting.publish import publish

    # COURSE_RERUN: the scheduler's rerun line for the message about an unfinished shard (see shards.py)
    merged = merge(course, [Path(o) for o in args.outs], args.assignment, args.partial,
                   rerun=os.environ.get("COURSE_RERUN"))
    published = publish(course, merged.assignment, Path(args.outs[0]), class_report=True)
    if merged.missing:
        console.print(f"[yellow]partial:[/yellow] shard {', '.join(merged.missing)} did not finish", markup=True)
    console.print(f"Merged {merged.submissions} graded submission(s) of {merged.assignment}"
                  + (f" ({merged.copied} copied in)" if merged.copied else "")
                  + f": {published.gradebook}, {args.outs[0]}/<submission>/feedback.html, {published.class_report}",
                  highlight=False)
    return 0


def _add_adjust(commands) -> None:
    from .classbook.adjustments import ACTIONS

    parser = commands.add_parser("adjust", help="add, subtract or set a student's points on an exercise, "
                                                "with a reason (kept in adjustments.csv)")
    parser.add_argument("submission", help="the submission's name, as in the gradebook")
    parser.add_argument("exercise")
    parser.add_argument("--assignment", "-a", required=True)
    change = parser.add_mutually_exclusive_group(required=True)
    for action in ACTIONS:
        change.add_argument(f"--{action}", type=float, metavar="POINTS")
    parser.add_argument("--reason", required=True, help="why; the student sees it")
    parser.add_argument("--by", default="", help="who made the change (kept in the file, not shown to students)")
    parser.add_argument("--out", "-o", help="a graded folder: check the name, then rewrite its gradebook, "
                                            "this student's feedback and the class report")
    parser.set_defaults(handler=_adjust)


def _adjust(course, args, console: Console) -> int:
    from .classbook.adjustments import ACTIONS, append_adjustment
    from .classbook.corrections import Corrections, graded_reports
    from .core.out_folder import check_out
    from .core.results import points

    action = next(a for a in ACTIONS if getattr(args, a) is not None)
    values = {"assignment": args.assignment, "submission": args.submission, "exercise": args.exercise,
              "action": action, "points": f"{getattr(args, action):g}", "reason": args.reason, "by": args.by}
    course.assignment(args.assignment)
    if args.out:
        check_out(Path(args.out), args.assignment)
        reports = graded_reports(Path(args.out), args.assignment)
        if args.submission not in reports:
            raise CourseConfigError(f"no graded submission {args.submission!r} of {args.assignment} in {args.out}; "
                                    "check the name (as in the gradebook)")
    row = append_adjustment(course, values)
    console.print(f"Added {row.path.name}:{row.line}: {args.submission} {args.exercise} {action} "
                  f"{values['points']} ({args.reason})", highlight=False)
    if args.out:
        from .reporting.publish import publish

        out = Path(args.out)
        published = publish(course, args.assignment, out, names={args.submission})
        outcome = Corrections(course, args.assignment).apply(reports[args.submission])
        console.print(f"{args.submission}: autograded {points(outcome.autograded)}, now "
                      f"{points(outcome.total)} / {points(outcome.max_score)}; rewrote {out}/gradebook.csv and "
                      f"{out}/{args.submission}/feedback.html"
                      + (f" and {published.class_report}" if published.class_report else ""), highlight=False)
    return 0


def _feedback(course, args, console: Console) -> int:
    from .reporting.reports import write_feedback

    written = write_feedback(_graded_folder(args.out), args.assignment, course)
    console.print(f"Wrote {len(written)} feedback page(s): {args.out}/<submission>/feedback.html")
    return 0


def _report(course, args, console: Console) -> int:
    from .reporting.reports import write_class_report

    try:
        target = write_class_report(_graded_folder(args.out), args.assignment, course)
    except ValueError as err:
        raise CourseConfigError(str(err)) from None
    console.print(f"Wrote {target}")
    return 0


def _graded_folder(out: str) -> Path:
    folder = Path(out)
    if not any(folder.glob("*/report.json")):
        raise CourseConfigError(f"{folder} holds no graded submissions; run `course grade ... --out {folder}` first")
    return folder


def _nbgrader_export(course, args, console: Console) -> int:
    from .platforms.nbgrader_export import export

    target = Path(args.directory)
    written = export(course, target, args.assignments or None)
    console.print(f"Wrote {target / 'nbgrader_config.py'} and " + ", ".join(str(p) for p in written))
    console.print(f"Next, in {target}: nbgrader generate_assignment NAME; collect notebooks into "
                  "submitted/<student>/NAME/; nbgrader autograde NAME; nbgrader generate_feedback NAME")
    return 0


if __name__ == "__main__":
    sys.exit(main())
