"""Every student's machine: Windows and macOS paths forced on Linux, grader failures, literal UTF-8 text.

``COURSE_FORCE_NO`` makes this Linux machine behave as if features were
missing, so the code paths Windows (no forkserver, no ``resource``, no
setsid/killpg/setuid) and macOS (no /proc) take run here, in CI.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.engine.isolation import platform_caps, sandbox

from graders.engine.isolation import worker_backend
from graders.engine.core.config import GRADERS_DIR, CourseConfigError, Limits, load_course
from graders.engine.grading.compare import CheckFailed
from graders.engine.core.errors import GraderFailure, StudentTimeout
from graders.engine.isolation.worker_backend import WorkerBackend
from tests.conftest import ROOT

EVERYTHING_MISSING = "forkserver,resource,proc,setsid"
SOLUTION = ROOT / "solutions" / "a1_backprop"
STUBS = ROOT / "exercises" / "a1_backprop"
SAMPLES = ROOT / "tests" / "samples" / "a1_backprop"
RELU_MASK = "self.mask = x <= 0"
TANH_BACKWARD = "        return dout * (1.0 - self.out ** 2)\n"
ASCII_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0",
                "PYTHONIOENCODING": ""}


def course(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "200", "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run([sys.executable, "-m", "graders.engine.cli", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=600)


def degraded(**extra: str) -> dict[str, str]:
    return {platform_caps.FORCE_ENV: EVERYTHING_MISSING, **extra}


def course_root(tmp_path: Path, **replacements: str) -> Path:
    """A copy of course.toml with some text replaced (short limits, a broken preload)."""
    root = tmp_path / "course"
    root.mkdir()
    text = (ROOT / "course.toml").read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert text.count(old) >= 1, old
        text = text.replace(old, new)
    (root / "course.toml").write_text(text, encoding="utf-8")
    return root


def strict_root(tmp_path: Path) -> Path:
    return course_root(tmp_path, **{"test_seconds = 30 ": "test_seconds = 2 "})


def mixed_submission(folder: Path) -> Path:
    """A known mistake in Relu and a Tanh.backward that never returns; everything else correct."""
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    layers = folder / "layers.py"
    text = layers.read_text(encoding="utf-8").replace(RELU_MASK, "self.mask = x < 0")
    layers.write_text(text.replace(TANH_BACKWARD, "        while True:\n            pass\n" + TANH_BACKWARD),
                      encoding="utf-8")
    return folder


# -- which features are there, and forcing them off ----------------------------------------------

def test_linux_has_every_feature_and_each_can_be_forced_off(monkeypatch):
    monkeypatch.delenv(platform_caps.FORCE_ENV, raising=False)
    assert platform_caps.detect() == platform_caps.Capabilities(True, True, True, True)
    assert platform_caps.detect().unenforced() == []
    for feature in platform_caps.FEATURES:
        monkeypatch.setenv(platform_caps.FORCE_ENV, feature)
        assert [f for f in platform_caps.FEATURES if not getattr(platform_caps.detect(), f)] == [feature]


def test_the_unenforced_limits_are_named_in_one_line(monkeypatch):
    monkeypatch.setenv(platform_caps.FORCE_ENV, EVERYTHING_MISSING)
    line = platform_caps.detect().summary()
    assert "\n" not in line and "spawned" in line
    assert "not enforced on this platform: memory limit, output and file-size cap" in line


def test_an_unknown_forced_feature_is_a_clean_error(monkeypatch):
    monkeypatch.setenv(platform_caps.FORCE_ENV, "forkserver,fork")
    with pytest.raises(CourseConfigError, match="unknown feature.*fork;"):
        platform_caps.detect()


PROBE = '''import os, resource

def state():
    return {"fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0], "address_space": resource.getrlimit(resource.RLIMIT_AS)[0],
            "own_session": os.getsid(0) == os.getpid()}
'''


@pytest.mark.parametrize("missing", ["", "forkserver", "resource", "proc", "setsid", EVERYTHING_MISSING])
def test_forcing_a_feature_off_really_runs_the_degraded_worker(missing, tmp_path, monkeypatch):
    """The worker reports its own limits: exactly the forced-off ones are absent."""
    monkeypatch.setenv(platform_caps.FORCE_ENV, missing)
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    backend = WorkerBackend(tmp_path, Limits(output_kb=64), files=("probe.py",))
    try:
        module = backend.import_module("probe")
        state = backend.call(backend.getattr(module, "state"), (), {})
        start_method = type(backend._process).__name__
    finally:
        backend.close()
    off = set(missing.split(","))
    unlimited = -1  # resource.RLIM_INFINITY
    assert start_method == ("SpawnProcess" if "forkserver" in off else "ForkServerProcess")
    assert (state["fsize"] == unlimited) == ("resource" in off)
    assert (state["address_space"] == unlimited) == bool(off & {"resource", "proc"})
    # bubblewrap starts a spawned worker in a session of its own (--new-session), setsid or not
    by_bubblewrap = start_method == "SpawnProcess" and sandbox.mode() == "bwrap"
    assert state["own_session"] == ("setsid" not in off or by_bubblewrap)


# -- self-check, notebook check and course grade with every feature missing ---------------------

def test_check_in_the_degraded_state_grades_solution_and_stubs(tmp_path):
    solution = course("check", "a1_backprop", "--submission", str(SOLUTION), env=degraded())
    assert solution.returncode == 0, solution.stdout + solution.stderr
    assert "23 / 23" in solution.stdout and "Every check passed" in solution.stdout
    assert "not enforced on this platform: memory limit" in solution.stdout  # said once, in one line
    stubs = course("check", "a1_backprop", "--submission", str(STUBS), env=degraded())
    assert "0 / 23" in stubs.stdout and "Relu: not implemented yet." in stubs.stdout


def test_spawned_workers_in_the_bubblewrap_sandbox_grade_the_solution():
    """Spawned (not forked) workers start as bubblewrap's session leaders; setting up must not fail on that."""
    from graders.engine.isolation.sandbox import bwrap_works

    if not bwrap_works():
        pytest.skip("bubblewrap cannot run here")
    solution = course("check", "a1_backprop", "--submission", str(SOLUTION), env={platform_caps.FORCE_ENV: "forkserver"})
    assert solution.returncode == 0, solution.stdout + solution.stderr
    assert "23 / 23" in solution.stdout and "not graded" not in solution.stdout.lower()


@pytest.mark.long  # ~20 s; the notebook check in the degraded state (fast run) names the mistake and the hang too
@pytest.mark.xdist_group("serial")  # 2-second limits
def test_check_in_the_degraded_state_names_a_mistake_and_stops_a_hanging_method(tmp_path):
    folder = mixed_submission(tmp_path / "mine")
    result = course("--root", str(strict_root(tmp_path)), "check", "a1_backprop", "--submission", str(folder),
                    env=degraded())
    assert "also passes where x == 0" in result.stdout
    assert "did not finish within 2 s" in result.stdout
    assert re.search(r"│ Affine +│ +4 / 4 │", result.stdout)  # graded on after the hang
    # graded to the end; not 3 / 3 necessarily: 2 s per test is tight for its training on a loaded machine
    assert re.search(r"│ train +│ +[\d.]+ / 3 │", result.stdout)


@pytest.mark.xdist_group("serial")  # 2-second limits
def test_notebook_check_in_the_degraded_state(tmp_path, monkeypatch):
    import graders.notebook as notebook

    monkeypatch.setenv(platform_caps.FORCE_ENV, EVERYTHING_MISSING)
    monkeypatch.setattr(notebook, "_judge", None)  # a judge of its own, started in this state
    monkeypatch.chdir(strict_root(tmp_path))  # the notebook's folder holds the course: 2 s per test
    folder = mixed_submission(tmp_path / "a1_backprop")
    try:
        relu = notebook.check("a1_backprop", "Relu", folder)
        assert float(relu) < 2 and "also passes where x == 0" in str(relu)
        tanh = notebook.check("a1_backprop", "Tanh", folder)
        assert float(tanh) < 2 and "did not finish within 2 s" in str(tanh)
        assert float(notebook.check("a1_backprop", "Affine", folder)) == 4
        assert float(notebook.check("a1_backprop", "Tanh", SOLUTION)) == 2
        stub = notebook.check("a1_backprop", "Tanh", STUBS)
        assert float(stub) == 0 and "Not implemented yet" in str(stub)
    finally:
        if notebook._judge is not None:
            notebook._judge.kill()
            notebook._judge.wait()


@pytest.mark.xdist_group("serial")  # 2-second limits
@pytest.mark.slow
@pytest.mark.long  # a whole class in one worker (minutes); check in the degraded state is fast
def test_grade_in_the_degraded_state_grades_the_sample_class(tmp_path):
    """The README's quick start with every POSIX feature missing; then a hanging submission, under short limits."""
    out = tmp_path / "graded"
    result = course("grade", *map(str, sorted(SAMPLES.iterdir())), "-a", "a1_backprop", "-o", str(out), "-j", "1",
                    env=degraded())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not enforced on this platform" in result.stdout
    rows = {row["submission"]: row for row in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    maxima = {name: e.points for name, e in load_course(ROOT).assignment("a1_backprop").exercises.items()}
    full = {student: {ex for ex, most in maxima.items() if float(row[ex]) == most} for student, row in rows.items()}
    assert full["ada"] == set(maxima)  # correct alternatives, hidden tests included
    assert {"Relu", "Affine", "SoftmaxWithLoss"}.isdisjoint(full["ben"]) and "Tanh" in full["ben"]  # named mistakes
    assert full["cy"] == {"softmax", "Relu"}  # half done
    assert "Tanh" not in full["dee"] and "Affine" in full["dee"]  # sys.exit in Tanh: its own loss

    hal = mixed_submission(tmp_path / "subs" / "hal")
    hanging = course("--root", str(strict_root(tmp_path)), "grade", str(hal), "-a", "a1_backprop", "-o", str(out),
                     env=degraded())
    assert hanging.returncode == 0, hanging.stdout + hanging.stderr
    report = json.loads((out / "hal" / "report.json").read_text(encoding="utf-8"))
    scores = {e["name"]: e["score"] for e in report["exercises"]}
    assert scores["Relu"] < 2 and scores["Tanh"] < 2 and scores["Affine"] == 4 and scores["softmax"] == 2
    assert any(t["status"] == "timeout" for t in report["tests"] if t["exercise"] == "Tanh")

    # Reading and writing files does not depend on the locale: base.css has a non-ASCII arrow.
    for command in ("feedback", "report"):
        written = course(command, str(out), env=ASCII_LOCALE)
        assert written.returncode == 0, written.stderr
    assert "⇅" in (out / "class-report.html").read_text(encoding="utf-8")


# -- a grader failure is never the student's fault -----------------------------------------------

def test_a_worker_that_dies_before_it_is_ready_is_not_graded(tmp_path, monkeypatch):
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "dies_on_import.py").write_text("import os\nos._exit(3)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    monkeypatch.setenv(platform_caps.FORCE_ENV, "forkserver")
    monkeypatch.setenv("COURSE_SANDBOX", "none")  # the module lives in /tmp, which a sandbox hides
    monkeypatch.setattr(worker_backend, "_FORKSERVER", worker_backend._Forkserver())
    backend = WorkerBackend(SOLUTION, Limits(), preload=("numpy", "dies_on_import"))
    try:
        with pytest.raises(GraderFailure, match=r"ended while starting \(exit code 3\)") as first:
            backend.import_module("layers")
        with pytest.raises(GraderFailure):  # no second attempt per check: the same failure, at once
            backend.import_module("network")
    finally:
        backend.close()
    assert "not a problem with your code" in first.value.feedback()


def broken_preload(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A course whose workers preload a module that fails to import: every worker fails to start."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "broken_on_import.py").write_text("raise RuntimeError('broken on purpose')\n", encoding="utf-8")
    root = course_root(tmp_path, **{'preload = ["numpy"]': 'preload = ["numpy", "broken_on_import"]'})
    return root, {"PYTHONPATH": str(modules)}


def test_a_grader_failure_in_check_says_not_graded(tmp_path):
    root, env = broken_preload(tmp_path)
    result = course("--root", str(root), "check", "a1_backprop", "--submission", str(SOLUTION), env=degraded(**env))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not graded" in result.stdout
    assert "Not graded (grader error): the worker process could not set itself up" in result.stdout
    assert "Your code" not in result.stdout


@pytest.mark.slow
@pytest.mark.long  # grade twice through the CLI; the check form of it is fast
def test_a_grader_failure_in_grade_is_not_final_and_exits_nonzero(tmp_path):
    root, env = broken_preload(tmp_path)
    subs = tmp_path / "subs"
    shutil.copytree(SOLUTION, subs / "ada")
    out = tmp_path / "graded"
    args = ("--root", str(root), "grade", str(subs / "ada"), "-a", "a1_backprop", "-o", str(out))
    first = course(*args, env=env)
    assert first.returncode == 1 and "not graded" in first.stderr, first.stdout + first.stderr
    assert "not graded (grader error)" in first.stdout
    report = json.loads((out / "ada" / "report.json").read_text(encoding="utf-8"))
    assert report["fingerprint"] == ""
    assert any(note.startswith("grader failure") for note in report["notes"])
    row = next(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert row["total"] == "not graded" and row["Relu"] == "not graded"
    again = course(*args, env=env)
    assert "skipped" not in again.stdout and again.returncode == 1  # retried, not taken as final
    assert course("report", str(out)).returncode == 0
    assert "not graded (grader error): 1" in (out / "class-report.html").read_text(encoding="utf-8")


def test_requiring_bubblewrap_where_there_is_none_is_a_one_line_error():
    result = course("check", "a1_backprop", env={"COURSE_SANDBOX": "bwrap", "PATH": "/nonexistent"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: COURSE_SANDBOX=bwrap") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- literal text and UTF-8 ------------------------------------------------------------------------

def test_feedback_prints_literally_even_on_an_ascii_terminal(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    layers = folder / "layers.py"
    layers.write_text(layers.read_text(encoding="utf-8").replace(
        RELU_MASK, "raise ValueError('dout[mask] = 0 and [bold]x[/bold] ≥ 0')"), encoding="utf-8")
    utf8 = course("check", "a1_backprop", "--submission", str(folder), "--local")
    assert "ValueError: dout[mask] = 0 and [bold]x[/bold] ≥ 0" in utf8.stdout
    ascii_only = course("check", "a1_backprop", "--submission", str(folder), "--local", env=ASCII_LOCALE)
    assert ascii_only.returncode == 0, ascii_only.stderr
    assert "ValueError: dout[mask] = 0 and [bold]x[/bold] ? 0" in ascii_only.stdout


def _text_io_without_encoding(tree: ast.AST) -> list[int]:
    """Lines that open, read or write text without saying encoding= (the locale's would be used)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg for k in node.keywords}
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        mode = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant)), None)
        mode = next((k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)),
                    mode)
        binary = isinstance(mode, str) and "b" in mode
        is_os_call = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "os"
        if name in ("read_text", "write_text") or (name in ("open", "fdopen") and not binary and not
                                                    (is_os_call and name == "open")):
            if "encoding" not in keywords:
                found.append(node.lineno)
    return found


def test_every_text_file_is_read_and_written_as_utf8():
    offenders = {}
    for path in sorted(GRADERS_DIR.rglob("*.py")):
        lines = _text_io_without_encoding(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[str(path.relative_to(GRADERS_DIR))] = lines
    assert offenders == {}


# -- notebooks on Colab and JupyterHub --------------------------------------------------------------

def _setup_cell(assignment: str) -> str:
    notebook = json.loads((ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    return "".join(next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "setup")
                   ["source"])


@pytest.mark.parametrize("assignment, installed, expected", [
    ("a2_keras_by_hand", {"tensorflow"}, "dl-course-graders @ "),          # Colab: its TensorFlow is kept
    ("a2_keras_by_hand", set(), "dl-course-graders[keras] @ "),           # nothing there: TensorFlow too
    ("a2_keras_by_hand", {"graders"}, "dl-course-graders[keras] @ "),     # a1's light install, now a2
    ("a2_keras_by_hand", {"graders", "tensorflow"}, None),                # all there: nothing to do
    ("a1_backprop", set(), "dl-course-graders @ "),                       # a1 never needs TensorFlow
    ("a1_backprop", {"graders"}, None),
])
def test_the_setup_cell_installs_the_course_and_respects_an_installed_tensorflow(assignment, installed, expected,
                                                                                 monkeypatch):
    import importlib.util
    import subprocess as real_subprocess

    from graders.engine.core.config import load_course

    install = load_course(ROOT).install
    calls = []
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name in installed else None)
    monkeypatch.setattr(real_subprocess, "check_call", lambda command: calls.append(command))
    source = _setup_cell(assignment).replace("from graders.notebook import check", "")
    exec(compile(source, "setup-cell", "exec"), {})
    if expected is None:
        assert calls == []
    else:
        assert [command[-1] for command in calls] == [expected + install.split(" @ ", 1)[1]]


def test_the_install_spec_in_course_toml_must_be_installable(tmp_path):
    root = course_root(tmp_path, **{'install = "dl-course-graders @ git+': 'install = "dl course graders from git+'})
    result = course("--root", str(root), "check", "a1_backprop")
    assert result.returncode == 2 and "course.install: is not a requirement pip can install" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_check_copies_only_the_assignments_files_and_ignores_dangling_links(tmp_path):
    home = tmp_path / "content"  # Colab's /content: sample data, a Drive, broken links, and the files
    shutil.copytree(SOLUTION, home, ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__pycache__"))
    (home / "sample_data").mkdir()
    (home / "sample_data" / "big.csv").write_bytes(b"0" * 1_000_000)
    (home / "gone").symlink_to(tmp_path / "nowhere")
    (home / "sample_data" / "gone.py").symlink_to(tmp_path / "nowhere.py")
    probe = "import os\nlisting = sorted(os.listdir('.'))\n"
    (home / "helpers.py").write_text(probe, encoding="utf-8")
    backend = WorkerBackend(home, Limits(), files=("layers.py", "network.py"))
    try:
        listing = backend.getattr(backend.import_module("helpers"), "listing")
    finally:
        backend.close()
    assert listing == ["helpers.py", "layers.py", "network.py"]


# -- the GitHub Actions workflow for Windows and macOS -----------------------------------------------

def test_the_self_check_workflow_runs_commands_that_exist():
    import shlex

    import yaml

    from graders.engine.cli import _parser

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "self-check.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["self-check"]
    assert set(job["strategy"]["matrix"]["os"]) == {"windows-latest", "macos-latest"}
    lines = [line for step in job["steps"] if "run" in step for line in step["run"].splitlines()]
    courses = [shlex.split(line) for line in lines if line.startswith("course ")]
    assert {words[1] for words in courses} == {"check", "grade"}
    for words in courses:
        _parser().parse_args(words[1:])  # argparse exits (fails the test) on anything it does not accept
    for words in map(shlex.split, lines):
        if words[:2] == ["python", "-c"]:
            compile(words[2], "workflow", "exec")
        elif words[0] == "python" and words[1].endswith(".py"):
            assert (ROOT / words[1]).is_file(), words[1]
    reports = {w[w.index("--json") + 1] for w in courses if "--json" in w}
    checked = {arg.split("=")[0] for line in lines if "assert_points.py" in line for arg in shlex.split(line)[2:]}
    assert reports <= checked  # every report written is checked


@pytest.mark.parametrize("when, error, status", [
    ("setup", RuntimeError("a fixture of the grader broke"), "not-graded"),
    ("teardown", OSError("could not clean up"), "not-graded"),
    ("setup", StudentTimeout(2, "your function"), "timeout"),  # student code a fixture ran: the student's
    ("call", CheckFailed("Relu backward dx: 7 of 20 values differ"), "failed"),
    ("call", KeyError("grad_rtol"), "not-graded"),  # grader code reading a setting: never the student's
    ("call", TypeError("unsupported operand type(s)"), "not-graded"),  # an oracle's bug
])
def test_failures_outside_the_test_body_are_the_graders(when, error, status):
    from graders.engine.grading.plugin import _judge

    try:
        raise error
    except Exception:
        found, feedback = _judge(pytest.ExceptionInfo.from_current(), when)
    assert found == status
    assert ("not a problem with your code" in feedback) == (status == "not-graded")


def test_without_posix_user_ids_isolation_is_described_and_workers_confine_themselves(monkeypatch, tmp_path):
    """Windows has no os.geteuid: the isolation line and a worker's set-up must not need it."""
    from graders.engine.isolation import confine
    from graders.engine.isolation import sandbox

    monkeypatch.delattr(os, "geteuid")
    monkeypatch.setenv("COURSE_SANDBOX", "none")
    assert not platform_caps.running_as_root()
    assert "the grader's own user id" in sandbox.describe()
    assert confine.confine(str(tmp_path), (), (), (), drop_capabilities=True) == []
