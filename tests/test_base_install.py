"""Each command works with what its install has, or says in one line which install it needs.

A student's base install has none of the extras. Installing it for real is an
install test (test_installs.py); here, fast, `course` runs in a Python whose
imports of the extras' modules are refused, as they would fail there.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from graders.engine.cli import _parser
from graders.engine.core.dependencies import EXTRA_MODULES, INCLUDES, project_requirements
from tests.conftest import ROOT

# Every module an extra (or the test extra) adds: the base install has none of them.
REFUSED = sorted({module for modules in EXTRA_MODULES.values() for module in modules}
                 | {"playwright", "jsonschema", "yaml"})
WITHOUT_EXTRAS = f"""
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {REFUSED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the base install)")
sys.meta_path.insert(0, Refuse())
"""


def base_python(code: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS + code, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def base_course(*args: str) -> subprocess.CompletedProcess:
    return base_python("from graders.engine.cli import main\nsys.exit(main(sys.argv[1:]))", *args)


def test_a_notebook_s_check_works_in_the_base_install():
    """What a check cell runs, in the folder its %%writefile cells wrote (here: the solution's)."""
    result = base_python("from graders.notebook import check\nprint(float(check('a1_backprop', 'Relu')))",
                         cwd=ROOT / "solutions" / "a1_backprop")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2.0"


def test_the_base_install_self_checks_the_a1_solution_to_full_marks():
    result = base_course("check", "a1_backprop", "--submission", "solutions/a1_backprop")
    assert result.returncode == 0, result.stderr
    assert "23 / 23" in result.stdout


def test_the_base_install_scores_the_a1_stubs_as_not_implemented():
    result = base_course("check", "a1_backprop", "--submission", "exercises/a1_backprop")
    assert result.returncode == 0, result.stderr
    assert "0 / 23" in result.stdout and "not implemented" in result.stdout


@pytest.mark.parametrize(("args", "extra"), [
    (("report", "graded"), "instructor"),
    (("similarity", "graded", "solutions/a1_backprop", "-a", "a1_backprop"), "instructor"),
    (("release", "--check"), "instructor"),
    (("grade", "solutions/a1_backprop", "-a", "a1_backprop", "-o", "graded"), "instructor"),
    (("check", "a1_backprop", "--submission", "solutions/a1_backprop", "--hidden"), "keras"),
])
def test_a_command_needing_an_extra_names_its_install_in_one_line(args, extra):
    result = base_course(*args)
    assert result.returncode == 2
    assert result.stderr.strip() == (f'error: course {args[0]} needs the {extra} install: '
                                     f'pip install "dl-course-graders[{extra}]"')


def test_every_command_s_help_works_in_the_base_install():
    commands = _parser()._subparsers._group_actions[0].choices  # the CLI's own list of subcommands
    for command in commands:
        result = base_course(command, "--help")
        assert result.returncode == 0 and not result.stderr, (command, result.stderr)


def installed_with(names: set[str]) -> set[str]:
    """These distributions and what they require (Keras comes with TensorFlow)."""
    found = set(names)
    for name in names:
        try:
            found |= {canonicalize_name(Requirement(line).name) for line in importlib.metadata.requires(name) or ()}
        except importlib.metadata.PackageNotFoundError:  # another platform's (tensorflow-cpu vs tensorflow)
            continue
    return found


def test_each_extra_s_modules_come_from_a_distribution_that_extra_installs():
    distributions = importlib.metadata.packages_distributions()  # this venv has every extra
    for extra, modules in EXTRA_MODULES.items():
        names = installed_with({canonicalize_name(Requirement(line).name)
                                for line in project_requirements(ROOT / "pyproject.toml", (extra,))})
        for module in modules:
            provided = {canonicalize_name(name) for name in distributions.get(module, [])}
            assert provided & names, f"{module} ({provided or 'not installed'}) is not in [{extra}]"


def test_the_extras_each_extra_includes_are_pyproject_s():
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for extra in EXTRA_MODULES:
        included = {name for line in optional[extra] if Requirement(line).name == "dl-course-graders"
                    for name in Requirement(line).extras}
        assert included == set(INCLUDES.get(extra, ())), extra
