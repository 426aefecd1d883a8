"""A worker forked from its judge inherits the judge's memory: none of it may be the graders'.

`course grade` forks each judge's workers' forkserver from the judge (so Keras'
pages are shared), and run_autograder forks it from its preloaded process. What
the judge had loaded before that fork, student code can read without opening a
file: a grader module in ``sys.modules`` would hand a student its oracles and
hidden tests. The fork must come before any of them is imported.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.long, pytest.mark.xdist_group("serial")]

# Code a student can run at import: the grader modules already in this process's memory. An
# assignment's package itself (graders.a1_backprop) holds only the names of its settings, which
# load_course reads; its modules (tests, oracles, answers) are what must not be there.
PROBE = '''import sys as _sys
_graders = sorted(m for m in _sys.modules if m.startswith("graders.") and m.count(".") >= 2
                  and not m.startswith(("graders.engine.", "graders.common.")))
if _graders:
    raise ImportError("grader modules in the worker's memory: " + ", ".join(_graders))
'''


def test_the_probe_finds_grader_modules_where_they_are_loaded():
    import graders.a1_backprop.oracles  # noqa: F401 - what a judge holds while grading a1

    with pytest.raises(ImportError, match="graders.a1_backprop.oracles"):
        exec(PROBE, {})


def test_workers_forked_from_course_grade_s_judges_hold_no_grader_module(tmp_path):
    names = []
    for name in ("alice", "bob"):
        folder = tmp_path / name
        shutil.copytree(ROOT / "solutions" / "a1_backprop", folder, ignore=shutil.ignore_patterns("*.ipynb", "*.md"))
        layers = folder / "layers.py"
        layers.write_text(PROBE + layers.read_text(encoding="utf-8"), encoding="utf-8")
        names.append(str(folder))
    result = subprocess.run([sys.executable, "-m", "graders.engine.cli", "grade", *names, "-a", "a1_backprop",
                             "-o", str(tmp_path / "out"), "-j", "2", "-q"], cwd=ROOT, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("alice", "bob"):
        report = json.loads((tmp_path / "out" / name / "results.json").read_text(encoding="utf-8"))
        assert report["score"] == 23, json.dumps(report)[:3000]
