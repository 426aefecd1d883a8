"""GPUs are hidden from every process that grades, unless course.toml's [course] use_gpu says otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, descendants

SOLUTION = ROOT / "solutions" / "a1_backprop"
# softmax reports the environment the worker running it has
TELL_ENVIRONMENT = '''
def softmax(x):
    import os
    raise RuntimeError("CUDA_VISIBLE_DEVICES=%s TF_FORCE_GPU_ALLOW_GROWTH=%s" % (
        os.environ.get("CUDA_VISIBLE_DEVICES"), os.environ.get("TF_FORCE_GPU_ALLOW_GROWTH")))
'''


def submission(tmp_path: Path, softmax: str) -> Path:
    folder = tmp_path / "student"
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    with (folder / "layers.py").open("a") as layers:
        layers.write(softmax)  # the last definition wins
    return folder


def course(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("CUDA_VISIBLE_DEVICES",)}
    return subprocess.run([sys.executable, "-m", "graders.engine.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env={**env, "COLUMNS": "200"})


def test_workers_see_no_gpu_by_default(tmp_path):
    result = course("check", "a1_backprop", "--submission", str(submission(tmp_path, TELL_ENVIRONMENT)))
    assert "CUDA_VISIBLE_DEVICES=-1 TF_FORCE_GPU_ALLOW_GROWTH=None" in result.stdout


def test_use_gpu_in_course_toml_shows_them_with_memory_taken_as_needed(tmp_path):
    text = (ROOT / "course.toml").read_text()
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.toml").write_text(text.replace("[course]\n", "[course]\nuse_gpu = true\n", 1))
    result = course("--root", str(tmp_path / "course"), "check", "a1_backprop",
                    "--submission", str(submission(tmp_path, TELL_ENVIRONMENT)))
    assert "CUDA_VISIBLE_DEVICES=None TF_FORCE_GPU_ALLOW_GROWTH=true" in result.stdout


def environment(pid: int) -> dict[str, str] | None:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None  # gone already
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads other processes' environments in /proc")
@pytest.mark.xdist_group("serial")
@pytest.mark.slow  # the judges' parent imports TensorFlow (an oracle of a1's hidden tests)
@pytest.mark.long  # every process of a real `course grade`; workers' hidden GPUs are checked in the fast run
def test_every_process_of_course_grade_has_the_gpus_hidden(tmp_path):
    """The judges' parent, the judges, their workers (and any sandbox between): each one's environment."""
    for name in ("alice", "bob"):
        shutil.copytree(SOLUTION, tmp_path / name, ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    env = {key: value for key, value in os.environ.items() if key != "CUDA_VISIBLE_DEVICES"}
    grading = subprocess.Popen([sys.executable, "-m", "graders.engine.cli", "grade", str(tmp_path / "alice"),
                                str(tmp_path / "bob"),
                                "-a", "a1_backprop", "-o", str(tmp_path / "out"), "-j", "2"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: dict[int, str | None] = {}
    while grading.poll() is None:
        for pid in descendants(grading.pid) - set(seen):
            found = environment(pid)
            if found is not None:
                seen[pid] = found.get("CUDA_VISIBLE_DEVICES")
        time.sleep(0.05)
    output = grading.stdout.read()
    assert grading.returncode == 0, output
    assert "GPUs hidden" in output  # the isolation line says so
    assert len(seen) >= 4, seen  # judges' parent, two judges, a worker at least
    assert set(seen.values()) == {"-1"}, seen
