"""Every page derived from a result follows it: a regrade with another tolerance rewrites them all."""

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from graders.engine.core.results import points
from tests.conftest import ROOT
from tests.test_cli import course

SOLUTION = ROOT / "solutions" / "a1_backprop"


def pages(out: Path, name: str) -> dict[str, str]:
    return {"feedback.md": (out / name / "feedback.md").read_text(),
            "feedback.html": (out / name / "feedback.html").read_text(),
            "class-report.html": (out / "class-report.html").read_text()}


def total_in_gradebook(out: Path, name: str) -> str:
    return next(r["total"] for r in csv.DictReader((out / "gradebook.csv").open()) if r["submission"] == name)


@pytest.mark.slow  # two full a1 gradings (its hidden tests train and use TensorFlow)
@pytest.mark.long  # grades a class twice (minutes)
def test_a_regrade_with_a_changed_tolerance_rewrites_every_page(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    toml = (ROOT / "course.toml").read_text()
    (root / "course.toml").write_text(toml)
    shutil.copytree(SOLUTION, tmp_path / "ada", ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    out = tmp_path / "OUT"
    grade = ("--root", str(root), "grade", str(tmp_path / "ada"), "-a", "a1_backprop", "-o", str(out), "-j", "1", "-q")
    assert course(*grade).returncode == 0
    assert course("--root", str(root), "feedback", str(out)).returncode == 0
    assert course("--root", str(root), "report", str(out)).returncode == 0
    (out / "similarity.html").write_text("<p>computed before the regrade</p>")
    assert all("23" in page for page in pages(out, "ada").values())

    # a tolerance no backprop gradient meets: the gradient checks now fail
    tight = toml.replace("grad_rtol = 1e-5      #", "grad_rtol = 0.0      #").replace("grad_atol = 1e-8\n", "grad_atol = 0.0\n", 1)
    assert tight != toml
    (root / "course.toml").write_text(tight)
    assert course(*grade, "--force").returncode == 0
    new = json.loads((out / "ada" / "report.json").read_text())["score"]
    assert new < 23
    assert total_in_gradebook(out, "ada") == f"{new:g}"
    shown = points(new)  # as pages round it
    for name, page in pages(out, "ada").items():
        assert re.search(rf"\b{re.escape(shown)}\b", page), f"{name} does not show the new total {shown}"
    assert "the similarity page was computed before the latest" in " ".join(pages(out, "ada")["class-report.html"].split())
