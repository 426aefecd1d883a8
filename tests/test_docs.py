"""The documentation site (mkdocs.yml, docs/) builds in strict mode, and its generated pages cover the code."""
from __future__ import annotations

import html
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from graders.engine.core.config_schema import reference

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mkdocs", reason='the docs extra is not installed: pip install -e ".[docs]"')
# One build serves every test here: keep them on one xdist worker.
pytestmark = pytest.mark.xdist_group("docs")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built with `mkdocs build --strict`: any warning (a broken link, anchor or nav entry) fails it."""
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr[-3000:]
    return out


def _text(page: Path) -> str:
    return html.unescape(page.read_text(encoding="utf-8"))


def test_the_site_builds_strictly(site):
    assert (site / "index.html").is_file() and (site / "reference" / "index.html").is_file()


def test_the_front_page_is_the_readme(site):
    headings = [line[3:] for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("## ")]
    page = _text(site / "index.html")
    assert headings and [h for h in headings if f">{h}<" not in page] == []


def test_the_reference_names_every_course_command(site):
    from graders.engine.cli import _parser

    commands = next(a for a in _parser()._actions if a.dest == "command").choices
    page = _text(site / "reference" / "index.html")
    assert [name for name in commands if f"course {name}" not in page] == []


def test_the_reference_names_every_course_toml_key(site):
    page = _text(site / "reference" / "index.html")
    assert [path for path, *_ in reference() if path not in page] == []


def test_the_reference_names_every_assignment_s_declared_tolerances(site):
    page = _text(site / "reference" / "index.html")
    course = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))
    tolerances = [f"assignments.{name}.tolerances.{key}" for name, entry in course["assignments"].items()
                  for key in entry.get("tolerances", {})]
    assert tolerances and [key for key in tolerances if key not in page] == []


def test_the_readme_is_a_front_page():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250
