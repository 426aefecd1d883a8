"""The Gradescope image's dependencies: which, pinned, and resolved for the image's Python.

A bundle holds a full lock (every package, its version and its wheels' hashes)
for the Python the *image* runs (3.11 by default: Ubuntu 22.04's apt and
Debian 12's ``python3`` have it) on manylinux x86_64, whatever Python and
platform the instructor builds the bundle on. It lists what grading needs and
nothing else: the base (NumPy, pytest, ...), the ``grading`` extra (notebook
reading, confinement bindings) and TensorFlow only for an assignment whose
graders or workers use it; never nbgrader, JupyterLab or matplotlib.

The direct dependencies are pinned to the versions installed here (what the
graders were tested with); uv resolves the rest for the image. The same lock
installs the same image (``pip install --require-hashes``).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import tomllib
from pathlib import Path

from ..core.config import Course, CourseConfigError

DEFAULT_PYTHON = "3.11"
PLATFORM = "x86_64-manylinux_2_28"  # Gradescope's images: Ubuntu on x86_64 (glibc >= 2.28 since 20.04)
GRADING_EXTRAS = ("grading",)
TENSORFLOW_EXTRA = "keras"
# A base image whose apt (or system Python) has each version, for setup.sh's one-line failure.
BASE_IMAGES = {"3.10": "Ubuntu 22.04", "3.11": "Ubuntu 22.04", "3.12": "Ubuntu 24.04", "3.13": "Ubuntu 25.04"}


def parse_python(text: str, minimum: tuple[int, int]) -> tuple[int, int]:
    """``"3.11"`` as (3, 11); a one-line error for anything else or anything below ``minimum``."""
    found = re.fullmatch(r"(\d+)\.(\d+)", text.strip())
    if not found:
        raise CourseConfigError(f"--python {text!r}: give a major.minor version such as {DEFAULT_PYTHON}")
    version = (int(found[1]), int(found[2]))
    if version < minimum:
        raise CourseConfigError(f"--python {text}: the course needs Python >= {minimum[0]}.{minimum[1]} "
                                "(pyproject.toml's requires-python)")
    return version


def min_python(pyproject: Path) -> tuple[int, int]:
    try:
        spec = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("requires-python", "")
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        spec = ""
    found = re.search(r">=\s*(\d+)\.(\d+)", spec)
    return (int(found.group(1)), int(found.group(2))) if found else (3, 11)


def base_image(python: tuple[int, int]) -> str:
    return BASE_IMAGES.get(f"{python[0]}.{python[1]}", f"an image whose apt offers python{python[0]}.{python[1]}")


def needs_tensorflow(course: Course, assignment: str) -> bool:
    """Do this assignment's workers (preload) or oracles (judge_preload) use TensorFlow? course.toml says."""
    settings = course.assignment(assignment)
    return bool({"keras", "tensorflow"} & {*settings.preload, *settings.judge_preload})


def grading_extras(with_tensorflow: bool) -> tuple[str, ...]:
    return (*GRADING_EXTRAS, TENSORFLOW_EXTRA) if with_tensorflow else GRADING_EXTRAS


def pinned_requirements(pyproject: Path, extras: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The base and ``extras`` pinned to the versions installed here, and those that are not installed.

    Names come from pyproject.toml (not the installed metadata, which is stale
    until the next ``pip install -e .``); versions from importlib.metadata: the
    image gets what the graders were tested with. A requirement for another
    platform here (TensorFlow's macOS name) keeps its range and marker.
    """
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    from ..core.dependencies import project_requirements

    try:
        dependencies = project_requirements(pyproject, extras)
    except (OSError, KeyError, tomllib.TOMLDecodeError) as err:
        raise CourseConfigError(f"cannot read [project].dependencies from {pyproject}: {err}") from None
    pinned, unpinned = [], []
    for line in dependencies:
        requirement = Requirement(line)
        extras_part = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        marker = f"; {requirement.marker}" if requirement.marker else ""
        if requirement.marker and not requirement.marker.evaluate():
            pinned.append(line)
            continue
        try:
            pinned.append(f"{requirement.name}{extras_part}=={version(requirement.name)}{marker}")
        except PackageNotFoundError:
            pinned.append(line)
            unpinned.append(requirement.name)
    return pinned, unpinned


def resolve(requirements: list[str], python: tuple[int, int]) -> str:
    """The full lock for ``requirements`` on the image (uv pip compile, with hashes); one-line errors."""
    try:
        from uv import find_uv_bin

        uv = find_uv_bin()
    except (ImportError, FileNotFoundError):
        raise CourseConfigError('course gradescope needs uv to lock the image\'s dependencies: '
                                'pip install "dl-course-graders[instructor]" (or pip install uv)') from None
    with tempfile.TemporaryDirectory(prefix="course-lock-") as folder:
        wanted = Path(folder) / "requirements.in"
        wanted.write_text("".join(f"{line}\n" for line in requirements), encoding="utf-8")
        command = [uv, "pip", "compile", str(wanted), "--python-version", f"{python[0]}.{python[1]}",
                   "--python-platform", PLATFORM, "--generate-hashes", "--no-header", "--no-annotate", "--quiet"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise CourseConfigError(f"could not run uv to lock the image's dependencies ({err})") from None
    if result.returncode != 0:
        why = next((line.strip() for line in result.stderr.splitlines() if line.strip()), "no reason given")
        raise CourseConfigError(f"cannot lock the grading dependencies for Python {python[0]}.{python[1]} on "
                                f"{PLATFORM} ({why}); check the network, or pass --lock with an earlier "
                                "bundle's requirements.txt")
    return result.stdout


def read_lock(path: Path) -> str:
    """An earlier lock, given with --lock: the same image again, without resolving."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CourseConfigError(f"--lock {path}: cannot read it ({err.strerror})") from None
    if "--hash=" not in text:
        raise CourseConfigError(f"--lock {path}: not a lock with hashes (use a requirements.txt from a bundle)")
    return text
