"""``course nbgrader export DIR``: an nbgrader course folder made from this course.

nbgrader then works as usual: ``nbgrader generate_assignment``, ``autograde``,
``generate_feedback``. The notebooks' check cells call this package's graders,
so nbgrader's scores agree with ``course grade`` on the same notebooks.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..core.config import Course, CourseConfigError

CONFIG = '''# nbgrader configuration written by `course nbgrader export`.
c = get_config()
c.CourseDirectory.course_id = {course_id!r}
# Check cells grade in a separate judge process; the first one starts it (several seconds).
c.ExecutePreprocessor.timeout = 900
'''


def export(course: Course, target: Path, assignments: list[str] | None = None) -> list[Path]:
    """Write nbgrader_config.py and source/<a>/<a>.ipynb; returns the notebooks written."""
    names = assignments or [a for a in course.assignments if _solution_notebook(course, a).is_file()]
    if not names:
        raise CourseConfigError("no assignment has a notebook yet; run `course release` first")
    target.mkdir(parents=True, exist_ok=True)
    course_id = re.sub(r"[^a-z0-9]+", "-", course.title.lower()).strip("-") or "course"
    config = target / "nbgrader_config.py"
    if not config.exists():  # an instructor's own settings are kept
        config.write_text(CONFIG.format(course_id=course_id), encoding="utf-8")
    written = []
    for name in names:
        course.assignment(name)
        source = _solution_notebook(course, name)
        if not source.is_file():
            raise CourseConfigError(f"{source} does not exist; add solutions/{name}/narrative.md and run "
                                    "`course release`")
        destination = target / "source" / name / source.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        written.append(destination)
    return written


def _solution_notebook(course: Course, name: str) -> Path:
    return course.root / "solutions" / name / f"{name}.ipynb"
