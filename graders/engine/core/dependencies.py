"""The project's own requirements, as pyproject.toml lists them: the base plus extras, expanded.

Extras refer to each other (``instructor`` includes ``dl-course-graders[keras]``);
pip follows such self-references, and so do the Gradescope bundle (which pins
what grading needs) and ``.ci/check_wheels.py`` (which asks PyPI for wheels).
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement


def project_requirements(pyproject: Path, extras: tuple[str, ...] = ()) -> list[str]:
    """Requirement lines of the base and ``extras``, each self-reference replaced in place by what it names."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    lines: list[str] = list(project["dependencies"])
    seen: set[str] = set()

    def add(extra: str) -> None:
        if extra in seen:
            return
        seen.add(extra)
        for line in optional[extra]:
            requirement = Requirement(line)
            if requirement.name == project["name"]:
                for included in sorted(requirement.extras):
                    add(included)
            elif line not in lines:
                lines.append(line)

    for extra in extras:
        add(extra)
    return lines


PACKAGE = "dl-course-graders"
# The modules the extras add, by the extra that adds them (import name, not the distribution's).
# [grading]'s (nbformat, the Landlock and seccomp bindings) are listed with [instructor], which includes
# it: every command that needs them is an instructor's, so that is the install to name.
EXTRA_MODULES = {
    "keras": ("tensorflow", "keras"),
    "grading": (),
    "instructor": ("nbgrader", "nbformat", "nbconvert", "jinja2", "matplotlib", "copydetect", "scipy",
                   "dateutil", "landlockpy", "pyseccomp"),
}
INCLUDES = {"instructor": ("keras", "grading")}  # as pyproject's self-references say
PLATFORM_OPTIONAL = ("landlockpy", "pyseccomp")  # Linux only; where missing, workers say what they lack


class ExtraMissing(ModuleNotFoundError):
    """A command needs an extra that is not installed (raised before it starts any work)."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(f"No module named {module!r}", name=module)
        self.extra = extra


def require_extra(extra: str) -> None:
    """Raises ExtraMissing unless every module ``extra`` adds (and what it includes) is importable here."""
    modules = [m for name in (extra, *INCLUDES.get(extra, ())) for m in EXTRA_MODULES[name]]
    for module in modules:
        if module not in PLATFORM_OPTIONAL and importlib.util.find_spec(module) is None:
            raise ExtraMissing(extra, module)


def extra_missing(err: ModuleNotFoundError) -> str | None:
    """The extra whose install adds the module ``err`` did not find, or None if no extra adds it."""
    if isinstance(err, ExtraMissing):
        return err.extra
    found = re.match(r"No module named '([^']+)'", str(err))  # an import hook may raise it without .name
    top = (err.name or (found[1] if found else "")).split(".")[0]
    return next((extra for extra, modules in EXTRA_MODULES.items() if top in modules), None)


def install_hint(extra: str) -> str:
    return f'pip install "{PACKAGE}[{extra}]"'
