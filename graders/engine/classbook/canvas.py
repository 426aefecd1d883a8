"""Canvas' "Download Submissions" export: one flat folder of renamed files.

Canvas names each file ``sortablename_[late_]userid_attachmentid_filename``,
adding ``-1``, ``-2`` ... before the extension of a resubmitted file. The
name carries who and whether Canvas counted it late, but no time. Files of one
student are grouped back into one submission named ``sortablename_userid``
(the user id keeps two students with the same name apart), with their
original file names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_NAME = re.compile(r"^(?P<student>[a-z0-9-]+)_(?P<late>late_)?(?P<user>\d+)_(?P<attachment>\d+)(_(?P<file>.*))?$",
                         re.IGNORECASE)
RESUBMITTED = re.compile(r"^(?P<stem>.+)-\d+(?P<suffix>\.[^.]+)$")


@dataclass
class CanvasSubmission:
    name: str
    late: bool = False
    files: dict[str, Path] = field(default_factory=dict)  # original file name -> the downloaded file


def original_name(file: str, expected: tuple[str, ...]) -> str:
    """``layers-1.py`` -> ``layers.py`` when that is one of the assignment's files."""
    again = RESUBMITTED.match(file)
    if again and again["stem"] + again["suffix"] in expected:
        return again["stem"] + again["suffix"]
    return file


def group_files(paths: list[Path], expected: tuple[str, ...]) -> list[CanvasSubmission]:
    """The Canvas-named files among ``paths``, one submission per student (none when no file is Canvas-named)."""
    found: dict[str, CanvasSubmission] = {}
    for path in paths:
        match = CANVAS_NAME.match(path.name)
        if not path.is_file() or not match or match["file"] in (None, "", ".", "..") or path.suffix.lower() == ".zip":
            continue
        name = f"{match['student']}_{match['user']}"
        submission = found.setdefault(name, CanvasSubmission(name))
        submission.late |= bool(match["late"])
        # a later attachment (higher id) of the same file wins: Canvas' newest
        target = original_name(match["file"], expected)
        if target not in submission.files or submission.files[target].name < path.name:
            submission.files[target] = path
    return [found[name] for name in sorted(found)]
