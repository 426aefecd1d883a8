"""Gradescope: build an autograder bundle, and grade one submission inside it.

``course gradescope ASSIGNMENT -o autograder.zip`` writes the zip Gradescope
builds its grading image from:

- ``setup.sh``: run once, as root, when Gradescope builds the image: the
  image's Python (3.11 unless ``--python`` says otherwise; from apt if the base
  image lacks it), a virtual environment with exactly the locked grading
  dependencies (``requirements.txt``, see image_lock.py), then the course
  package from the copy in the bundle;
- ``run_autograder``: run for every submission; grades ``/autograder/submission``
  with the same engine as ``course grade`` (public and hidden tests, isolated
  workers) and writes ``/autograder/results/results.json``;
- ``course/``: the course package as it is here (``graders/`` with this
  assignment's hidden tests, ``course.toml``, ``pyproject.toml``) and the
  released notebook, to read notebook submissions back. Never ``solutions/``.

Inside the container, ``run_autograder`` calls ``python -m graders.engine.platforms.gradescope
run ASSIGNMENT``. ``AUTOGRADER_ROOT`` (default ``/autograder``) and
``AUTOGRADER_PYTHON`` move it elsewhere, so a test can run it in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.config import GRADERS_DIR, Course, CourseConfigError, load_course
from . import image_lock

if TYPE_CHECKING:
    from ..classbook.inputs import SubmissionInput
    from ..core.scoring import Report

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
COURSE_DIR = "course"              # the course's source copy inside the bundle
REQUIREMENTS = "requirements.txt"  # the image's full lock (image_lock.py)
SETUP = "setup.sh"
RUN = "run_autograder"
EXECUTABLE = 0o755
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries get no build time: the same course gives the same bytes
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Bundle:
    path: Path
    members: tuple[str, ...]
    python: tuple[int, int]    # the image's Python
    lock: str                  # requirements.txt: every package, pinned, with hashes
    unpinned: tuple[str, ...]  # direct dependencies not installed here: resolved from their range


# --- building the bundle ------------------------------------------------------------------------

def build_bundle(course: Course, assignment: str, target: Path, python: str = image_lock.DEFAULT_PYTHON,
                 lock: Path | None = None) -> Bundle:
    """Write the autograder zip for ``assignment`` to ``target`` (atomically).

    ``python``: the image's Python ("3.11"); ``lock``: an earlier bundle's
    requirements.txt to install again instead of resolving a new lock.
    """
    course.assignment(assignment)
    if not (course.root / "graders" / assignment).is_dir():
        raise CourseConfigError(f"no graders for {assignment!r}: {course.root / 'graders' / assignment} does not exist")
    pyproject = course.root / "pyproject.toml"
    version = image_lock.parse_python(python, image_lock.min_python(pyproject))
    unpinned: list[str] = []
    if lock is not None:
        locked = image_lock.read_lock(lock)
    else:
        extras = image_lock.grading_extras(image_lock.needs_tensorflow(course, assignment))
        requirements, unpinned = image_lock.pinned_requirements(pyproject, extras)
        locked = image_lock.resolve(requirements, version)
    files = course_files(course, assignment)
    scripts = {SETUP: setup_script(version), RUN: run_script(assignment), REQUIREMENTS: locked}
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text in scripts.items():
                _add(bundle, name, text.encode(), EXECUTABLE if name != REQUIREMENTS else 0o644)
            for name, source in sorted(files.items()):
                _add(bundle, name, source.read_bytes(), 0o644)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Bundle(target, tuple([*scripts, *sorted(files)]), version, locked, tuple(unpinned))


def course_files(course: Course, assignment: str) -> dict[str, Path]:
    """What the container needs of the course, by name in the zip.

    The graders package with this assignment's tests only (other assignments'
    hidden tests have no business on this image; their ``__init__.py``, which
    declares the tolerances and settings course.toml is checked against, comes
    along), the course description and the released notebook. Solutions are
    never part of it.
    """
    root = course.root
    others = set(course.assignments) - {assignment}
    files: dict[str, Path] = {}
    for path in sorted((root / "graders").rglob("*")):
        relative = path.relative_to(root / "graders")
        if (not path.is_file() or SKIPPED_PARTS & set(relative.parts) or path.suffix == ".pyc"
                or (relative.parts[0] in others and relative.parts[1:] != ("__init__.py",))
                or path.name.startswith(".")):
            continue
        files[f"{COURSE_DIR}/graders/{relative.as_posix()}"] = path
    for name in ("course.toml", "pyproject.toml", "README.md"):  # README: pyproject's readme, pip needs it
        if (root / name).is_file():
            files[f"{COURSE_DIR}/{name}"] = root / name
    notebook = root / "exercises" / assignment / f"{assignment}.ipynb"
    if notebook.is_file():
        files[f"{COURSE_DIR}/exercises/{assignment}/{notebook.name}"] = notebook
    assert not any(name.startswith(f"{COURSE_DIR}/solutions/") for name in files)
    return files


def _add(bundle: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16  # a regular file with these permissions
    bundle.writestr(info, data)


def setup_script(python: tuple[int, int]) -> str:
    """setup.sh: the image's Python (from apt when the base image lacks it), then the lock, then the course."""
    wanted = f"python{python[0]}.{python[1]}"
    image = image_lock.base_image(python)
    return f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image: {wanted}
# (from apt if the base image lacks it), a virtual environment with exactly the locked
# dependencies ({REQUIREMENTS}: versions and hashes, resolved for {wanted} on manylinux
# x86_64), then the course package from the copy in this bundle (--no-deps: the lock decides).
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
ROOT="${{{ROOT_ENV}:-{DEFAULT_ROOT}}}"
VENV="$ROOT/venv"
export DEBIAN_FRONTEND=noninteractive

apt_install() {{
  command -v apt-get >/dev/null 2>&1 || return 1
  [ -n "${{APT_UPDATED:-}}" ] || {{ apt-get update -qq && APT_UPDATED=1; }} || return 1
  apt-get install -y -qq --no-install-recommends "$@"
}}

if ! command -v {wanted} >/dev/null 2>&1; then
  apt_install {wanted} {wanted}-venv || {{
    echo "setup.sh: {wanted} is not in this image and apt cannot install it: choose the {image} base image, or build the bundle with course gradescope --python X.Y for this image's Python" >&2
    exit 1
  }}
fi
PYTHON="$(command -v {wanted})"
if ! "$PYTHON" -m venv --clear "$VENV" >/dev/null 2>&1; then
  apt_install {wanted}-venv
  "$PYTHON" -m venv --clear "$VENV"
fi
# Optional: workers run in a bubblewrap sandbox when the container allows it.
apt_install bubblewrap || echo "no bubblewrap: workers run with process limits and self-confinement only"

"$VENV/bin/python" -m pip install --quiet --require-hashes --no-deps -r "$SOURCE/{REQUIREMENTS}"
"$VENV/bin/python" -m pip install --quiet --no-deps -e "$SOURCE/{COURSE_DIR}"
"$VENV/bin/python" -c 'import graders.engine.platforms.gradescope, numpy, pytest'
"""


def run_script(assignment: str) -> str:
    fallback = json.dumps({"score": 0.0, "output": FALLBACK_OUTPUT, "visibility": "visible",
                           "stdout_visibility": "hidden"})
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every submission. It grades $ROOT/submission with the
# same engine as `course grade` (public + hidden tests, isolated workers) and
# writes $ROOT/results/results.json. The bundled course copy comes first on
# PYTHONPATH, so the graders that run are the ones in this bundle.
set -uo pipefail
ROOT="${{{ROOT_ENV}:-{DEFAULT_ROOT}}}"
PYTHON="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
COURSE="$ROOT/source/{COURSE_DIR}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
# Student code runs as a user of its own where it can: it must not read the hidden
# tests (source/) nor write the results; root, which grades, still can.
chmod -R go-rwx "$ROOT/source" "$ROOT/results" "$ROOT/submission" 2>/dev/null || true
cd "$ROOT"
PYTHONPATH="$COURSE${{PYTHONPATH:+:$PYTHONPATH}}" TF_CPP_MIN_LOG_LEVEL=3 \\
  "$PYTHON" -m graders.engine.platforms.gradescope run {shlex.quote(assignment)} --autograder-root "$ROOT" --course "$COURSE"
status=$?
if [ ! -s "$RESULTS" ]; then
  # The grader wrote nothing (Python could not start, or the judge was killed: out of memory?):
  # say so, not "no results", and exit non-zero.
  echo "run_autograder: the grader exited with $status before writing $RESULTS"
  printf '%s\\n' {shlex.quote(fallback)} > "$RESULTS"
fi
exit "$status"
"""


NOT_YOUR_FAULT = "this is not your fault. Your instructor can see the log and will regrade it."
FALLBACK_OUTPUT = f"The autograder failed before grading your submission; {NOT_YOUR_FAULT}"
FAILED_OUTPUT = f"The autograder failed while grading your submission; {NOT_YOUR_FAULT}"
PARTLY_GRADED_OUTPUT = f"The autograder failed on some checks (marked 'not graded'); {NOT_YOUR_FAULT}"
GRADING_FAILED = 1  # run's exit status when any check could not be graded: Gradescope's log shows the run failed


# --- inside the container -----------------------------------------------------------------------

def grade_submission(root: Path, course_root: Path, assignment: str) -> Report:
    """Grade ``root/submission`` (when grading itself fails: every check "not graded", never raises)."""
    from ..classbook.inputs import Inputs
    from ..classbook.one_submission import GRADER_FAILED, not_graded_report, unreadable_report
    from ..grading.runner import RunOptions, run_graders

    course = load_course(course_root)
    name = student_key(root / "submission_metadata.json")
    try:
        with Inputs(course.assignment(assignment),
                    course.released_notebook(assignment)) as inputs:
            found = inputs.resolve([root / "submission"])
            chosen = _choose(found, course.assignment(assignment).files)
            if chosen is None:
                why = "; ".join(inputs.problems.values()) or "the submission is empty"
                report = unreadable_report(course, assignment, name, why)
            else:
                options = RunOptions(visibility="all", student_ids=student_ids(root / "submission_metadata.json"))
                report = run_graders(course, assignment, chosen.folder, options, name=name)
                report.notes += list(chosen.notes)
    except Exception:  # noqa: BLE001 - the student must get results and an honest message either way
        print(traceback.format_exc(), flush=True)  # stdout: instructors see it, students do not
        report = not_graded_report(course, assignment, name, GRADER_FAILED)
    return report


def results_for(report: Report, seconds: float) -> dict:
    """Gradescope's results; where the grader failed, its output says so first: the zero is not the student's."""
    from ..core.results import gradescope_results
    from ..core.scoring import NOT_GRADED

    results = gradescope_results(report) | {"execution_time": round(seconds)}
    not_graded = sum(record.status == NOT_GRADED for record in report.tests)
    if not_graded and not_graded == len(report.tests):
        results["output"] = FAILED_OUTPUT
    elif not_graded:
        results["output"] = f"{PARTLY_GRADED_OUTPUT}\n{results['output']}"
    return results


def _choose(found: list[SubmissionInput], files: tuple[str, ...]) -> SubmissionInput | None:
    """The one submission in the upload: the folder that holds the assignment's files, if several."""
    holding = [s for s in found if any((s.folder / f).exists() for f in files)]
    return (holding or found or [None])[0]


def student_key(metadata: Path) -> str:
    """A stable name per student (group) for the hidden tests' seed: Gradescope's user ids.

    Every upload lands in the same folder name, so the folder cannot tell
    students apart; without metadata (a local run) everyone is "submission".
    """
    try:
        users = json.loads(metadata.read_text(encoding="utf-8"))["users"]
        ids = sorted(str(user.get("id") or user.get("email")) for user in users)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "submission"
    return "gradescope-" + "-".join(ids) if ids else "submission"


def student_ids(metadata: Path) -> tuple[str, ...]:
    """Who the upload is graded as, for per-student variants: each user's email, then user id.

    Students know their email; the id is what Gradescope names them by. A
    group is every member. Without metadata: nobody (the files say who).
    """
    try:
        users = sorted(json.loads(metadata.read_text(encoding="utf-8"))["users"], key=lambda user: str(user.get("id")))
        return tuple(str(user[key]) for user in users for key in ("email", "id") if user.get(key))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ()


def preload(course_root: Path, assignment: str) -> None:
    """Import once what the worker and the judge need, before grading: Gradescope's 768 MB.

    The workers' forkserver is forked from this process after importing the
    worker's modules, so their pages (Keras: ~265 MB of heap) exist once; then
    the judge's own imports (TensorFlow without Keras where the graders need
    only its core); then the kernel may drop the library pages those imports
    read once. Best effort: without it, grading is the same, only heavier.
    """
    from ..classbook.judges import import_for_judges
    from ..isolation.memory import release_import_pages
    from ..isolation.worker_backend import start_forkserver_here

    try:
        start_forkserver_here(load_course(course_root).assignment(assignment).preload)
        import_for_judges(str(course_root), assignment)
        release_import_pages()  # TensorFlow's import-time code: read back if ever used again
    except Exception:  # noqa: BLE001 - grading itself reports what matters to the student
        print(traceback.format_exc(), flush=True)


def run(assignment: str, root: Path, course_root: Path) -> int:
    from ..core.results import write_atomic
    from ..isolation.sandbox import describe

    print(f"graders: {GRADERS_DIR}; isolation: {describe()}", flush=True)
    started = time.monotonic()
    preload(course_root, assignment)
    report = grade_submission(root, course_root, assignment)
    results = results_for(report, time.monotonic() - started)
    write_atomic(root / "results" / "results.json", json.dumps(results, indent=1))
    print(results["output"], flush=True)
    return 0 if report.graded else GRADING_FAILED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graders.engine.platforms.gradescope",
                                     description="Grade the Gradescope submission (what run_autograder calls).")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json")
    grade.add_argument("assignment")
    grade.add_argument("--autograder-root", default=os.environ.get(ROOT_ENV, DEFAULT_ROOT))
    grade.add_argument("--course", help="the course copy (default: ROOT/source/course)")
    args = parser.parse_args(argv)
    root = Path(args.autograder_root)
    return run(args.assignment, root, Path(args.course) if args.course else root / "source" / COURSE_DIR)


# --- the `course gradescope` subcommand ---------------------------------------------------------

def register(commands) -> None:
    """Adds ``course gradescope`` to the CLI's subcommands."""
    parser = commands.add_parser("gradescope", help="build a Gradescope autograder zip for an assignment")
    parser.add_argument("assignment")
    parser.add_argument("--output", "-o", default="autograder.zip", help="the zip to write (default: autograder.zip)")
    parser.add_argument("--python", default=image_lock.DEFAULT_PYTHON,
                        help=f"the image's Python (default: {image_lock.DEFAULT_PYTHON}, which Gradescope's default "
                             "Ubuntu 22.04 image gets from apt)")
    parser.add_argument("--lock", type=Path, help="install this earlier bundle's requirements.txt instead of "
                                                  "resolving a new lock (the same image again)")
    parser.set_defaults(handler=_cli)


def _cli(course: Course, args, console) -> int:
    bundle = build_bundle(course, args.assignment, Path(args.output), args.python, args.lock)
    packages = sum(1 for line in bundle.lock.splitlines() if "==" in line)
    console.print(f"Wrote {bundle.path} ({len(bundle.members)} files; Python {bundle.python[0]}.{bundle.python[1]}, "
                  f"{packages} locked packages). Upload it as the assignment's autograder "
                  "(Configure Autograder → Zip file upload).", highlight=False)
    for name in bundle.unpinned:
        console.print(f"[yellow]warning:[/yellow] {name} is not installed here; the lock has the newest "
                      "version its range allows", markup=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
