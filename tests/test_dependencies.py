"""pyproject.toml picks the TensorFlow each platform publishes wheels for, and keeps students' installs light.

Whether those wheels really exist is checked against PyPI by ``.ci/check_wheels.py``
(network; its last result is in docs/dependencies.md); here the markers themselves are
evaluated for the four platforms and Python 3.11 to 3.13, as pip would there.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / ".ci"))
check_wheels = importlib.import_module("check_wheels")

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
TENSORFLOW = {"linux-x86_64": "tensorflow-cpu", "windows-amd64": "tensorflow-cpu",
              "macos-arm64": "tensorflow", "linux-aarch64": "tensorflow"}
HEAVY = {"tensorflow", "tensorflow-cpu", "nbgrader", "matplotlib", "jupyter", "notebook", "jupyterlab"}


def environment(platform: str, python: str) -> dict[str, str]:
    return {**check_wheels.PLATFORMS[platform][0], "python_version": python, "python_full_version": f"{python}.0"}


@pytest.mark.parametrize("python", ["3.11", "3.12", "3.13"])
@pytest.mark.parametrize("platform", sorted(TENSORFLOW))
def test_each_platform_gets_exactly_its_tensorflow(platform, python):
    names = {r.name for r in check_wheels.requirements_for(environment(platform, python), ("instructor",))}
    assert names & {"tensorflow", "tensorflow-cpu"} == {TENSORFLOW[platform]}


def test_a_students_base_install_has_nothing_heavy():
    base = {Requirement(line).name for line in PROJECT["dependencies"]}
    assert base & HEAVY == set() and {"numpy", "pytest"} <= base


def test_instructors_get_the_tensorflow_extra_and_the_tests_get_the_instructors_and_the_docs():
    def includes(extra: str) -> set[str]:
        return {e for line in PROJECT["optional-dependencies"][extra] for e in Requirement(line).extras
                if Requirement(line).name == PROJECT["name"]}

    assert includes("instructor") == {"keras", "grading"} and includes("test") == {"instructor", "docs"}


def test_the_quick_start_installs_what_grading_needs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("```bash\n", 1)[1].splitlines()[0]
    assert first.startswith('pip install -e ".[instructor]" && course grade ')


@pytest.mark.parametrize("platform", sorted(TENSORFLOW))
def test_every_platform_has_a_time_zone_database(platform):
    """Loading course.toml resolves [course] timezone with zoneinfo; Windows has no tz database of its own."""
    names = {r.name for r in check_wheels.requirements_for(environment(platform, "3.11"), ())}
    assert ("tzdata" in names) == platform.startswith("windows")
