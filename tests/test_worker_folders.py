"""Temporary worker folders (copies of submissions) go with the process that made them, however it ends."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, descendants

SOLUTION = ROOT / "solutions" / "a1_backprop"
SLOW = "\n\ndef softmax(x):\n    import time\n    time.sleep(30)\n"  # the last definition wins

pytestmark = [pytest.mark.xdist_group("serial"),
              pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM ends a Windows process outright")]


@pytest.fixture
def tmpdir_env():
    """A TMPDIR of the test's own (workers running as their own user must be able to enter it)."""
    folder = Path(tempfile.mkdtemp(prefix="course-tmp-"))
    folder.chmod(0o755)
    yield folder, {**os.environ, "TMPDIR": str(folder), "TF_CPP_MIN_LOG_LEVEL": "3"}
    shutil.rmtree(folder, ignore_errors=True)


def students(tmp_path: Path, slow: bool = False) -> list[str]:
    names = []
    for name in ("alice", "bob"):
        shutil.copytree(SOLUTION, tmp_path / name, ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
        if slow:
            with (tmp_path / name / "layers.py").open("a") as layers:
                layers.write(SLOW)
        names.append(str(tmp_path / name))
    return names


def grade(names: list[str], out: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "graders.engine.cli", "grade", *names, "-a", "a1_backprop",
                             "-o", str(out), "-j", "2", "-q"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("course-*"))


def wait_for_submissions_in_workers(folder: Path, process: subprocess.Popen, count: int = 2) -> None:
    deadline = time.monotonic() + 300
    while len(list(folder.glob("course-workers-*/submission-*"))) < count:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.1)


def wait_gone(folder: Path, seconds: float = 30) -> list[str]:
    deadline = time.monotonic() + seconds
    while left(folder) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left(folder)


@pytest.mark.slow  # the judges' parent imports TensorFlow (an oracle of a1's hidden tests)
@pytest.mark.long  # a batch ending normally; the SIGTERM to the command (fast run) must also leave none
def test_a_batch_with_two_judges_leaves_no_folder(tmp_path, tmpdir_env):
    folder, env = tmpdir_env
    process = grade(students(tmp_path), tmp_path / "out", env)
    assert process.wait(600) == 0, process.stderr.read()
    assert left(folder) == []


@pytest.mark.slow
def test_sigterm_to_the_command_takes_every_folder_with_it(tmp_path, tmpdir_env):
    """As Kubernetes stops a pod: SIGTERM to the main process only."""
    folder, env = tmpdir_env
    process = grade(students(tmp_path, slow=True), tmp_path / "out", env)
    wait_for_submissions_in_workers(folder, process)
    process.send_signal(signal.SIGTERM)
    assert process.wait(120) == 128 + signal.SIGTERM
    assert "terminated; results finished so far are kept" in process.stderr.read()
    assert wait_gone(folder) == []


@pytest.mark.slow
@pytest.mark.long  # ~50 s; the SIGTERM to the command alone stays in the fast run
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the job's processes in /proc")
def test_sigterm_to_every_process_of_the_job_takes_every_folder_with_it(tmp_path, tmpdir_env):
    """As SLURM cancels a job: SIGTERM to all of its processes at once."""
    folder, env = tmpdir_env
    process = grade(students(tmp_path, slow=True), tmp_path / "out", env)
    wait_for_submissions_in_workers(folder, process)
    for pid in [process.pid, *descendants(process.pid)]:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    process.wait(120)
    assert wait_gone(folder) == []


def test_a_folder_whose_maker_was_killed_is_removed_by_the_next_run(tmp_path, tmpdir_env):
    folder, env = tmpdir_env
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = folder / f"course-workers-{int(gone.stdout)}-abcd1234"
    (stale / "submission-x").mkdir(parents=True)
    result = subprocess.run([sys.executable, "-m", "graders.engine.cli", "check", "a1_backprop", "--submission",
                             str(SOLUTION)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert left(folder) == []


def test_unpacked_submissions_go_with_their_process_even_unclosed(tmp_path, tmpdir_env):
    """Inputs' scratch (unpacked zips, decoded notebooks) is an owned folder: gone at exit without close()."""
    folder, env = tmpdir_env
    from tests.test_batch import zip_folder

    archive = zip_folder(SOLUTION, tmp_path / "ann.zip")
    program = ("import sys; from pathlib import Path; from graders.engine.core.config import load_course; "
               "from graders.engine.classbook.inputs import Inputs; "
               "inputs = Inputs(load_course(Path('.')).assignment('a1_backprop')); "
               "[s] = inputs.resolve([Path(sys.argv[1])]); assert s.folder.is_dir(); print(s.folder)")
    result = subprocess.run([sys.executable, "-c", program, str(archive)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(folder)  # it was made where we look
    assert left(folder) == []
