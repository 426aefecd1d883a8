"""Submissions as instructors have them: folders, zip files, nbgrader's layout.

``course grade`` accepts any mix of

- a submission folder (it holds one of the assignment's files, or a folder that does);
- a zip file per student, as LMSs export them (the student's name is the zip's name);
- a folder of those (a class export);
- nbgrader's ``submitted/<student>/<assignment>/``.

Zips are unpacked into a scratch folder with limits: no paths outside it,
no links, and a cap on the unpacked size.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..authoring.cell_spans import CellSpan
from .canvas import CanvasSubmission, group_files
from ..core.config import Assignment, CourseConfigError
from ..core.errors import NotebookError
from ..isolation import scratch
from ..isolation.student import same_name_but_case
from .late import CANVAS_LATE, CANVAS_ON_TIME, SubmissionTime, found_time

MAX_UNPACKED_BYTES = 50 * 2**20


@dataclass(frozen=True)
class SubmissionInput:
    name: str
    folder: Path
    notes: tuple[str, ...] = ()  # said to the student with the results (e.g. a notebook cell missing)
    cells: tuple[CellSpan, ...] = ()  # a notebook submission: which cell wrote which lines of its files
    submitted: SubmissionTime = SubmissionTime()  # when it was handed in, if the inputs say


def unreadable_files(folder: Path, files: tuple[str, ...]) -> str | None:
    """Why a submission folder cannot be graded (misnamed files, or none of the files), said to its student."""
    misnamed = {name: same_name_but_case(folder, name) for name in files if not (folder / name).is_file()}
    wrong_case = {name: found for name, found in misnamed.items() if found}
    if wrong_case:
        return (f"it has {', '.join(wrong_case.values())}: did you mean {', '.join(wrong_case)}? "
                "File names are case-sensitive; rename and submit again.")
    if len(misnamed) == len(files):
        others = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        held = f"it has only {', '.join(others[:5])}{' ...' if len(others) > 5 else ''}" if others else "it is empty"
        return f"it holds none of the assignment's files ({', '.join(files)}); {held}."
    return None


class Inputs:
    """Resolves paths to submissions; scratch space lives until close()."""

    def __init__(self, assignment: Assignment, reference_notebook: Path | None = None,
                 wanted: Callable[[str], bool] | None = None) -> None:
        self.assignment = assignment
        self.reference_notebook = reference_notebook  # the released notebook, to read notebooks back
        self.wanted = wanted or (lambda name: True)  # a shard reads only its own notebooks
        self.problems: dict[str, str] = {}  # submissions that cannot be read at all: name -> why
        self._scratch: Path | None = None

    def __enter__(self) -> "Inputs":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._scratch is not None:
            scratch.remove(self._scratch)

    def resolve(self, paths: list[Path]) -> list[SubmissionInput]:
        found: list[SubmissionInput] = []
        readable: list[str] = []  # every shard's, so that each shard finds duplicate names
        found_unreadable: set[str] = set()
        for path in paths:
            for submission in self._one(path):  # an unreadable zip goes to self.problems here
                readable.append(submission.name)
                if not self.wanted(submission.name):
                    continue
                try:
                    submission = self._from_notebook(submission)
                except NotebookError as err:
                    self.problems[submission.name] = str(err)
                    found_unreadable.add(submission.name)
                    continue
                why = unreadable_files(submission.folder, self.assignment.files)
                if why:  # named like the instructor's files but for case, or none of them: not gradable
                    self.problems[submission.name] = why
                    found_unreadable.add(submission.name)
                else:
                    found.append(submission)
        names = readable + [name for name in self.problems if name not in found_unreadable]
        self.problems = {name: why for name, why in self.problems.items() if self.wanted(name)}
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise CourseConfigError(f"two submissions are both named {duplicates[0]!r}; names come from folder "
                                    "and zip names and must be unique")
        return found

    def _one(self, path: Path) -> list[SubmissionInput]:
        if path.is_file() and path.suffix.lower() == ".zip":
            try:
                folder = self._unzip(path)
                return [SubmissionInput(path.stem, folder, submitted=found_time(folder, path.stem))]
            except CourseConfigError as err:
                self.problems[path.stem] = str(err)
                return []
        if not path.is_dir():
            raise CourseConfigError(f"not a folder or a zip file: {path}")
        if self._holds_files(path):
            return [SubmissionInput(path.name, path, submitted=found_time(path, path.name))]
        nested = path / self.assignment.name  # nbgrader: submitted/<student>/<assignment>/
        if nested.is_dir():
            return [SubmissionInput(path.name, nested, submitted=found_time(nested, path.name))]
        children = sorted(p for p in path.iterdir() if not p.name.startswith("."))
        canvas = group_files(children, self.assignment.files)  # a Canvas export: loose, renamed files
        if canvas or any(p.is_dir() or p.suffix.lower() == ".zip" for p in children):
            found = [self._from_canvas(submission) for submission in canvas]
            for child in children:
                if child.is_dir() or child.suffix.lower() == ".zip":
                    found += self._one(child)
            return found
        # A folder with none of the files: still a submission, which resolve() reports as unreadable.
        return [SubmissionInput(path.name, path, submitted=found_time(path, path.name))]

    def _from_canvas(self, submission: CanvasSubmission) -> SubmissionInput:
        target = self._scratch_dir(f"{submission.name}-canvas-")
        for name, source in submission.files.items():
            shutil.copyfile(source, target / name)
        return SubmissionInput(submission.name, target,
                               submitted=SubmissionTime("", CANVAS_LATE if submission.late else CANVAS_ON_TIME))

    def _holds_files(self, folder: Path) -> bool:
        return any((folder / name).exists() for name in self.assignment.files) or bool(self._notebooks(folder))

    def _notebooks(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))

    def _from_notebook(self, submission: SubmissionInput) -> SubmissionInput:
        """A folder with a notebook and none of the .py files: grade the code its cells write."""
        folder = submission.folder
        notebooks = self._notebooks(folder)
        if any((folder / name).exists() for name in self.assignment.files) or not notebooks:
            beside = notebook_beside(folder, self.assignment.files)
            return replace(submission, notes=(*submission.notes, beside)) if beside else submission
        preferred = [p for p in notebooks if p.stem == self.assignment.name]
        if len(notebooks) > 1 and not preferred:
            raise NotebookError(f"your submission holds several notebooks ({', '.join(p.name for p in notebooks)}); "
                                f"name yours {self.assignment.name}.ipynb")
        if self.reference_notebook is None or not self.reference_notebook.is_file():
            # the course's set-up, not the student's notebook: stop before grading anyone
            raise CourseConfigError(
                f"cannot read notebook submissions of {self.assignment.name}: its released notebook "
                f"{self.reference_notebook or ''} is missing; run `course release {self.assignment.name}` in the "
                "course's checkout (it also puts a copy in the package), or grade with --root CHECKOUT")
        import nbformat

        from ..authoring.notebooks import read_notebook

        reference = nbformat.read(self.reference_notebook, as_version=4)
        files, notes, cells = read_notebook((preferred or notebooks)[0], self.assignment, reference)
        target = self._scratch_dir(f"{submission.name}-notebook-")
        for name, text in files.items():
            (target / name).write_text(text, encoding="utf-8")
        return replace(submission, folder=target, notes=tuple(notes), cells=cells)

    def _scratch_dir(self, prefix: str) -> Path:
        if self._scratch is None:
            # decoded notebooks and unpacked zips: they go with this process even if close() is never reached
            self._scratch = scratch.owned_folder("course-inputs-")
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self._scratch))

    def _unzip(self, archive: Path) -> Path:
        target = self._scratch_dir(f"{archive.stem}-")
        try:
            with zipfile.ZipFile(archive) as bundle:
                _check_members(bundle, archive)
                bundle.extractall(target)
        except zipfile.BadZipFile:
            raise CourseConfigError(f"{archive} is not a valid zip file") from None
        return self._submission_root(target)

    def _submission_root(self, folder: Path) -> Path:
        """The folder inside an unpacked zip that holds the assignment's files."""
        if self._holds_files(folder):
            return folder
        for candidate in sorted(p for p in folder.rglob("*") if p.is_dir() and "__MACOSX" not in p.parts):
            if self._holds_files(candidate):
                return candidate
        return folder


def notebook_beside(folder: Path, files: tuple[str, ...]) -> str | None:
    """Which files are graded when a notebook sits beside them, and a warning when it is newer.

    The .py files come first: a filled notebook next to untouched stubs would
    otherwise score 0 with nothing saying that the notebook was not read.
    """
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    present = [folder / name for name in files if (folder / name).is_file()]
    if not notebooks or not present:
        return None
    text = (f"Graded {', '.join(p.name for p in present)}; {notebooks[0].name} beside them was not read "
            "(when both are there, the .py files count).")
    newest = max(p.stat().st_mtime for p in present)
    newer = [p for p in notebooks if p.stat().st_mtime > newest]
    if newer:
        text += (f" {newer[0].name} was changed after them: if your work is in the notebook, run its cells "
                 "(they write these files), or hand in the notebook without the .py files.")
    return text


def _check_members(bundle: zipfile.ZipFile, archive: Path) -> None:
    total = 0
    for member in bundle.infolist():
        name = Path(member.filename)
        if name.is_absolute() or ".." in name.parts:
            raise CourseConfigError(f"{archive}: refusing {member.filename!r}, a path outside the archive")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise CourseConfigError(f"{archive}: refusing {member.filename!r}, a symbolic link")
        total += member.file_size
        if total > MAX_UNPACKED_BYTES:
            raise CourseConfigError(f"{archive}: unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")
