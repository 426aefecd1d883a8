"""Hostile or broken code loses only its own points, with a clear message; the grader never crashes.

Each entry patches the a1 solution so that one exercise misbehaves; everything
else must still get full marks, graded in worker isolation as `course grade` does.
"""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from graders.engine.config import load_course
from graders.engine.runner import RunOptions, run_graders
from tests.conftest import ROOT, Patch, downstream, exercise_scores, feedback_of

L, N = "layers.py", "network.py"
RELU_FORWARD = "        self.mask = x <= 0\n"
TANH_FORWARD = "        self.out = np.tanh(x)\n"
TANH_BACKWARD = "        return dout * (1.0 - self.out ** 2)\n"


@dataclass(frozen=True)
class Hostile:
    name: str
    exercise: str
    feedback: str  # regular expression the feedback must match
    patches: tuple[Patch, ...]


def inject(marker: str, code: str, file: str = L) -> Patch:
    indent = re.match(r"\s*", marker).group(0)
    return Patch(file, marker, "".join(f"{indent}{line}\n" for line in code.splitlines()) + marker)


HOSTILE = [
    Hostile("infinite loop", "Tanh", r"did not finish within 1 s",
            (inject(TANH_BACKWARD, "while True:\n    pass"),)),
    Hostile("sys.exit in a method", "Relu", r"SystemExit: sys.exit\(0\) was called",
            (inject(RELU_FORWARD, "import sys\nsys.exit(0)"),)),
    Hostile("os._exit in a method", "Tanh", r"exited with code 0; do not call sys.exit\(\), os._exit\(\)",
            (inject(TANH_FORWARD, "import os\nos._exit(0)"),)),
    Hostile("segfault through ctypes", "Tanh", r"killed by SIGSEGV \(a segmentation fault\)",
            (inject(TANH_FORWARD, "import ctypes\nctypes.string_at(0)"),)),
    Hostile("memory bomb", "Relu", r"MemoryError",
            (inject(RELU_FORWARD, "hog = np.ones((200_000, 100_000))"),)),
    Hostile("100 MB print", "Relu", r"OSError|File too large",
            (inject(RELU_FORWARD, "print('x' * 100_000_000)"),)),
    Hostile("os._exit at import of network.py", "MultiLayerNet", r"exited with code 3",
            (Patch(N, "from layers import", "import os\nos._exit(3)\nfrom layers import"),)),
    Hostile("sys.exit at import of network.py", "MultiLayerNet", r"sys.exit\(0\) was called",
            (Patch(N, "from layers import", "import sys\nsys.exit(0)\nfrom layers import"),)),
    Hostile("pytest's own machinery patched to pass every test, with a wrong mask", "Relu", r"mask uses >= 0",
            (Patch(L, "import numpy as np", "import numpy as np\nimport _pytest.runner, _pytest.outcomes\n"
                                            "_pytest.runner.call_and_report = lambda *a, **k: None\n"
                                            "_pytest.outcomes.fail = lambda *a, **k: None"),
             Patch(L, "self.mask = x <= 0", "self.mask = x < 0"))),
    Hostile("recursion blow-up", "Tanh", r"RecursionError",
            (inject(TANH_FORWARD, "def down(n):\n    return down(n + 1)\ndown(0)"),)),
    Hostile("numpy.allclose patched to always agree, with a wrong mask", "Relu", r"mask uses >= 0",
            (Patch(L, "import numpy as np", "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                                            "np.array_equal = lambda *a, **k: True"),
             Patch(L, "self.mask = x <= 0", "self.mask = x < 0"))),
]


@pytest.fixture(scope="module")
def strict_course(tmp_path_factory):
    """The real course with short limits, so timeouts are quick to test."""
    root = tmp_path_factory.mktemp("course")
    text = (ROOT / "course.toml").read_text()
    text = text.replace("test_seconds = 30 ", "test_seconds = 1 ").replace("memory_mb = 2048 ", "memory_mb = 1024 ")
    (root / "course.toml").write_text(text)
    return load_course(root)


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_code_loses_only_its_own_points(hostile, strict_course, make_submission):
    folder = make_submission("a1_backprop", hostile.patches)
    report = run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    scores = exercise_scores(report)
    assert scores[hostile.exercise][0] < scores[hostile.exercise][1]
    assert re.search(hostile.feedback, feedback_of(report, hostile.exercise)), feedback_of(report, hostile.exercise)
    affected = downstream(strict_course, "a1_backprop", hostile.exercise)
    assert {n: s for n, s in scores.items() if n not in affected and s[0] < s[1]} == {}


def test_fake_results_file_written_by_student_code_changes_nothing(make_submission, tmp_path):
    from graders.engine.batch import grade_batch
    from graders.engine.inputs import SubmissionInput

    course = load_course(ROOT)
    folder = make_submission("a1_backprop", (inject(
        RELU_FORWARD, "open('results.json', 'w').write('{\"score\": 999}')\n"
                      "open('/tmp/course-fake-results.json', 'w').write('{\"score\": 999}')"),), name="mallory")
    out = tmp_path / "out"
    grade_batch(course, "a1_backprop", [SubmissionInput("mallory", folder)], out)
    import json

    results = json.loads((out / "mallory" / "results.json").read_text())
    assert results["score"] == 23  # graded on merit; the fake files are nowhere the grader reads
    assert not (folder / "results.json").exists(), "student code ran in a scratch copy, not in the submission"


sandboxed = pytest.mark.skipif(
    __import__("graders.engine.sandbox", fromlist=["mode"]).mode() != "bwrap",
    reason="bubblewrap is not available here; the fallback is tested below")


@sandboxed
@pytest.mark.parametrize("secret", ["solutions/a1_backprop/layers.py", "graders/a1_backprop/test_relu.py",
                                    "course.toml"])
def test_sandboxed_code_cannot_read_course_files(secret, strict_course, make_submission):
    path = ROOT / secret
    folder = make_submission("a1_backprop", (inject(RELU_FORWARD, f"open({str(path)!r}).read()"),))
    report = run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    assert "FileNotFoundError" in feedback_of(report, "Relu")
    assert exercise_scores(report)["Tanh"] == (2, 2)


@sandboxed
def test_sandboxed_code_has_no_network_and_no_grader_environment(strict_course, make_submission, monkeypatch):
    monkeypatch.setenv("COURSE_SECRET_TOKEN", "s3cret")
    folder = make_submission("a1_backprop", (inject(RELU_FORWARD, (
        "import os, socket\n"
        "assert 'COURSE_SECRET_TOKEN' not in os.environ, 'saw the token'\n"
        "socket.create_connection(('127.0.0.1', 22), timeout=1)")),))
    report = run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    message = feedback_of(report, "Relu")
    assert "saw the token" not in message
    assert "OSError" in message or "ConnectionRefusedError" in message or "Network is unreachable" in message


def test_deleting_files_in_the_working_folder_leaves_the_submission_intact(strict_course, make_submission):
    folder = make_submission("a1_backprop", (inject(RELU_FORWARD, "import os\nfor f in os.listdir('.'):\n"
                                                                  "    os.remove(f) if os.path.isfile(f) else None"),))
    run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    assert sorted(p.name for p in folder.iterdir()) == ["layers.py", "network.py"]


def test_without_bubblewrap_grading_still_isolates_by_process(tmp_path):
    """COURSE_SANDBOX=none is the fallback: limits, scratch folder and plain-data results still apply."""
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    env = {**os.environ, "COURSE_SANDBOX": "none", "TF_CPP_MIN_LOG_LEVEL": "3"}
    shutil.copytree(ROOT / "tests" / "samples" / "a1_backprop" / "dee", tmp_path / "dee")
    result = subprocess.run([sys.executable, "-m", "graders.engine.cli", "grade", str(tmp_path / "dee"),
                             "-a", "a1_backprop", "-o", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "process limits and a scratch folder" in result.stdout
    import json

    report = json.loads((out / "dee" / "report.json").read_text())
    tanh = next(e for e in report["exercises"] if e["name"] == "Tanh")
    affine = next(e for e in report["exercises"] if e["name"] == "Affine")
    assert tanh["score"] == 0 and affine["score"] == affine["max_score"]


@sandboxed
def test_fork_bomb_is_bounded_and_costs_only_its_exercise(strict_course, make_submission):
    folder = make_submission("a1_backprop", (inject(RELU_FORWARD, "import os\nwhile True:\n    os.fork()"),))
    report = run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    scores = exercise_scores(report)
    assert scores["Relu"][0] == 0 and scores["Tanh"] == (2, 2) and scores["Affine"] == (4, 4)


@sandboxed
def test_no_process_started_by_student_code_survives(strict_course, make_submission):
    marker = "987654.321"
    folder = make_submission("a1_backprop", (inject(RELU_FORWARD, (
        "import subprocess\n"
        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)")),))
    run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    survivors = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                survivors.append(entry.name)
        except OSError:
            continue
    assert survivors == []
