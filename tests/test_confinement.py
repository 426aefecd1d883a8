"""The fallback's building blocks on their own: the subreaper and the worker's self-confinement.

Each check runs in a child process, so the confinement (irreversible) and the
subreaper flag never touch the test process itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graders.engine.isolation import confine

from graders.engine.isolation import sandbox
from graders.engine.core.config import GRADERS_DIR
from tests.conftest import ROOT

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreaper and Landlock are Linux only")
pytestmark = pytest.mark.xdist_group("serial")  # scans /proc for processes that escaped


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, **env})


DETACH_AND_END = """
import os, signal, sys, time
from graders.engine.isolation import reaper

marker = "course-reaper-test-%d" % os.getpid()
subreaper = {subreaper}
if subreaper:
    assert reaper.become_subreaper()
worker = os.fork()
if worker == 0:  # the "worker": double fork, new session, exec a sleeper, and exit
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", [marker, "1000"])  # the marker as its name, for finding it
        os._exit(0)
    os.wait()
    os._exit(0)
start = reaper.start_ticks(worker)
os.waitpid(worker, 0)
time.sleep(0.3)
killed = reaper.end_leftovers(worker, start)
time.sleep(0.1)
left = [p for p in os.listdir("/proc") if p.isdigit() and marker.encode() in open("/proc/%s/cmdline" % p, "rb").read()
        and open("/proc/%s/stat" % p).read().split(")")[1].split()[0] != "Z"]
for pid in left:
    os.kill(int(pid), signal.SIGKILL)
print(killed, len(left))
"""


@linux_only
def test_the_subreaper_finds_and_ends_a_process_that_detached():
    result = run_python(DETACH_AND_END.format(subreaper=True))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "0"]  # the sleeper was killed; nothing is left


@linux_only
def test_without_the_subreaper_a_detached_process_escapes():
    """The control: it is the subreaper that brings the orphan back, not the kill itself."""
    result = run_python(DETACH_AND_END.format(subreaper=False))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "1"]  # found nothing; the sleeper was still there (killed after)


CONFINED = """
import json, os, socket, sys, threading
from graders.engine.isolation import confine
from graders.engine.isolation import sandbox
from graders.engine.core.config import GRADERS_DIR


scratch = sys.argv[1]
readable = (*sandbox.python_dirs(), str(sandbox.ENGINE_DIR), str(GRADERS_DIR / "__init__.py"))
problems = confine.confine(scratch, readable, (str(GRADERS_DIR),), confine.LAYERS, drop_capabilities=False)

def attempt(action):
    try:
        action()
        return "allowed"
    except OSError as err:
        return type(err).__name__

def thread():
    worker = threading.Thread(target=lambda: None)
    worker.start()
    worker.join()

print(json.dumps({{
    "problems": problems,
    "read hidden test": attempt(lambda: open(str(GRADERS_DIR / "a1_backprop" / "test_relu.py")).read()),
    "read course.toml": attempt(lambda: open({course_toml!r}).read()),
    "read the engine": attempt(lambda: open(str(sandbox.ENGINE_DIR / "isolation" / "worker.py")).read()),
    "read numpy": attempt(lambda: __import__("numpy")),
    "write scratch": attempt(lambda: open(os.path.join(scratch, "x"), "w").write("x")),
    "write /tmp": attempt(lambda: open("/tmp/course-confine-test", "w").write("x")),
    "internet socket": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
    "local service": attempt(lambda: socket.socket(socket.AF_UNIX).connect("/run/course-test-service")),
    "new process": attempt(lambda: os._exit(0) if os.fork() == 0 else os.wait()),
    "thread": attempt(thread),
    "signal the grader": attempt(lambda: os.kill(os.getppid(), 0)),
}}))
"""


@linux_only
def test_a_confined_worker_reads_only_python_and_the_engine_and_writes_only_its_scratch(tmp_path):
    if not confine.available()["landlock"].startswith("Landlock") or confine.pyseccomp is None:
        pytest.skip(f"needs Landlock and seccomp: {confine.available()}")
    code = textwrap.dedent(CONFINED.format(course_toml=str(ROOT / "course.toml")))
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    import json

    seen = json.loads(result.stdout)
    assert seen == {"problems": [], "read hidden test": "PermissionError", "read course.toml": "PermissionError",
                    "read the engine": "allowed", "read numpy": "allowed", "write scratch": "allowed",
                    "write /tmp": "PermissionError", "internet socket": "PermissionError",
                    "local service": "PermissionError",
                    "new process": "PermissionError", "thread": "allowed", "signal the grader": "PermissionError"}


def test_a_missing_libseccomp_is_reported_not_raised(monkeypatch, tmp_path):
    monkeypatch.setattr(confine, "pyseccomp", None)
    monkeypatch.setattr(confine, "SECCOMP_PROBLEM", "libseccomp is missing (test); install libseccomp2")
    monkeypatch.setenv("COURSE_SANDBOX", "none")
    assert confine._try("seccomp", confine._seccomp) == ["seccomp: OSError: libseccomp is missing (test); "
                                                         "install libseccomp2"]
    line = sandbox.describe()
    assert "seccomp off (libseccomp is missing" in line and "Not covered:" in line


def test_course_confine_picks_the_layers(monkeypatch):
    for setting, layers in (("all", ("landlock", "seccomp")), ("none", ()), ("seccomp", ("seccomp",))):
        monkeypatch.setenv("COURSE_CONFINE", setting)
        assert confine.wanted() == layers


def test_secrets_inside_a_readable_folder_are_left_out(tmp_path):
    """A graders package installed inside site-packages: its neighbours readable, it not."""
    if confine.landlockpy is None:
        pytest.skip("landlockpy is not installed")
    site = tmp_path / "site-packages"
    for name in ("numpy/core", "graders/engine", "graders/a1_backprop", "rich"):
        (site / name).mkdir(parents=True)
    grants = {str(path.relative_to(tmp_path)): rights
              for path, rights in confine._around(site, [site / "graders"], "all")}
    assert grants == {"site-packages": confine.landlockpy.AccessFS.READ_DIR, "site-packages/numpy": "all",
                      "site-packages/rich": "all"}
    assert GRADERS_DIR.name == "graders"
