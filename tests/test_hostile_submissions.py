"""Hostile or broken code loses only its own points, with a clear message; the grader never crashes.

Each entry patches the a1 solution so that one exercise misbehaves; everything
else must still get full marks, graded in worker isolation as `course grade` does.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from graders.engine.core.config import load_course
from graders.engine.grading.runner import RunOptions, run_graders
from graders.engine.isolation.worker_backend import WORKER_UID_BASE
from tests.conftest import ROOT, Patch, apply_patches, downstream, exercise_scores, feedback_of

pytestmark = pytest.mark.xdist_group("serial")  # 1-second limits, and /proc scanned for survivors

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
    needs: frozenset[str] = frozenset()  # platform features (platform_caps) that stop it this way


def inject(marker: str, code: str, file: str = L) -> Patch:
    indent = re.match(r"\s*", marker).group(0)
    return Patch(file, marker, "".join(f"{indent}{line}\n" for line in code.splitlines()) + marker)


HOSTILE = [
    Hostile("infinite loop", "Tanh", r"did not finish within 1 s",
            (inject(TANH_BACKWARD, "while True:\n    pass"),)),
    Hostile("sys.exit in a method", "Relu", r"SystemExit: sys.exit\(0\) was called",
            (inject(RELU_FORWARD, "import sys\nsys.exit(0)"),)),
    Hostile("os._exit in a method", "Tanh", r"exited with code 0; if your code calls sys.exit\(\), os._exit\(\)",
            (inject(TANH_FORWARD, "import os\nos._exit(0)"),)),
    Hostile("segfault through ctypes", "Tanh", r"killed by SIGSEGV \(a segmentation fault\)",
            (inject(TANH_FORWARD, "import ctypes\nctypes.string_at(0)"),)),
    Hostile("memory bomb", "Relu", r"MemoryError",
            (inject(RELU_FORWARD, "hog = np.ones((200_000, 100_000))"),), frozenset({"resource", "proc"})),
    Hostile("100 MB print", "Relu", r"printed more than \d+ KB",
            (inject(RELU_FORWARD, "print('x' * 100_000_000)"),), frozenset({"resource"})),
    Hostile("os._exit at import of network.py", "MultiLayerNet", r"exited with code 3",
            (Patch(N, "from layers import", "import os\nos._exit(3)\nfrom layers import"),)),
    Hostile("sys.exit at import of network.py", "MultiLayerNet", r"sys.exit\(0\) was called",
            (Patch(N, "from layers import", "import sys\nsys.exit(0)\nfrom layers import"),)),
    Hostile("pytest's own machinery patched to pass every test, with a wrong mask", "Relu", r"also passes where x == 0",
            (Patch(L, "import numpy as np", "import numpy as np\nimport _pytest.runner, _pytest.outcomes\n"
                                            "_pytest.runner.call_and_report = lambda *a, **k: None\n"
                                            "_pytest.outcomes.fail = lambda *a, **k: None"),
             Patch(L, "self.mask = x <= 0", "self.mask = x < 0"))),
    Hostile("recursion blow-up", "Tanh", r"RecursionError",
            (inject(TANH_FORWARD, "def down(n):\n    return down(n + 1)\ndown(0)"),)),
    Hostile("numpy.allclose patched to always agree, with a wrong mask", "Relu", r"also passes where x == 0",
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


# COURSE_FORCE_NO: this machine as Windows or macOS would grade. The default run has the full platform;
# the others (each grades the whole class of attacks again) run with the long tests.
FORCED = {"full platform": "", "spawned workers": "forkserver", "no rlimits, /proc or setsid": "resource,proc,setsid"}


def forced_cases() -> list:
    return [pytest.param(hostile, forced, id=f"{hostile.name} [{mode}]", marks=[pytest.mark.long] if forced else [])
            for mode, forced in FORCED.items() for hostile in HOSTILE if not hostile.needs & set(forced.split(","))]


@pytest.mark.parametrize("hostile, forced", forced_cases())
def test_hostile_code_loses_only_its_own_points(hostile, forced, strict_course, make_submission, monkeypatch):
    monkeypatch.setenv("COURSE_FORCE_NO", forced)
    folder = make_submission("a1_backprop", hostile.patches)
    report = run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    scores = exercise_scores(report)
    assert scores[hostile.exercise][0] < scores[hostile.exercise][1]
    assert re.search(hostile.feedback, feedback_of(report, hostile.exercise)), feedback_of(report, hostile.exercise)
    affected = downstream(strict_course, "a1_backprop", hostile.exercise)
    assert {n: s for n, s in scores.items() if n not in affected and s[0] < s[1]} == {}


@pytest.mark.slow
@pytest.mark.long  # a class graded for one forged results file; the attackers' run (fast run) forges results files too
def test_fake_results_file_written_by_student_code_changes_nothing(make_submission, tmp_path):
    from graders.engine.classbook.batch import grade_batch
    from graders.engine.classbook.inputs import SubmissionInput

    course = load_course(ROOT)
    folder = make_submission("a1_backprop", (inject(
        RELU_FORWARD, "open('results.json', 'w').write('{\"score\": 999}')\n"
                      "try:\n"  # outside its scratch folder: refused where Landlock confines the worker
                      "    open('/tmp/course-fake-results.json', 'w').write('{\"score\": 999}')\n"
                      "except OSError:\n"
                      "    pass"),), name="mallory")
    out = tmp_path / "out"
    grade_batch(course, "a1_backprop", [SubmissionInput("mallory", folder)], out)
    import json

    results = json.loads((out / "mallory" / "results.json").read_text())
    assert results["score"] == 23  # graded on merit; the fake files are nowhere the grader reads
    assert not (folder / "results.json").exists(), "student code ran in a scratch copy, not in the submission"


sandboxed = pytest.mark.skipif(
    __import__("graders.engine.isolation.sandbox", fromlist=["mode"]).mode() != "bwrap",
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
def test_a_spawned_worker_after_a_forked_one_is_sandboxed_too(strict_course, make_submission, monkeypatch):
    """One judge, both start methods (COURSE_FORCE_NO changed between two gradings): both in the sandbox."""
    folder = make_submission("a1_backprop", (inject(RELU_FORWARD, f"open({str(ROOT / 'course.toml')!r}).read()"),))
    for forced in ("", "forkserver"):
        monkeypatch.setenv("COURSE_FORCE_NO", forced)
        report = run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
        assert "FileNotFoundError" in feedback_of(report, "Relu"), (forced, feedback_of(report, "Relu"))


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
    assert any(refusal in message for refusal in ("OSError", "ConnectionRefusedError", "Network is unreachable",
                                                  "PermissionError"))  # the last: seccomp, before the network


def test_deleting_files_in_the_working_folder_leaves_the_submission_intact(strict_course, make_submission):
    folder = make_submission("a1_backprop", (inject(RELU_FORWARD, "import os\nfor f in os.listdir('.'):\n"
                                                                  "    os.remove(f) if os.path.isfile(f) else None"),))
    run_graders(strict_course, "a1_backprop", folder, RunOptions("public", "worker"))
    assert sorted(p.name for p in folder.iterdir()) == ["layers.py", "network.py"]


@pytest.mark.long  # the attackers in the fallback as root (fast run) cover the same isolation
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
    assert "subreaper" in result.stdout and "Not covered:" in result.stdout
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


# --- Attackers that outlive grading, tamper with the graders, leak hidden tests --------------------
# Each runs at the import of layers.py and otherwise keeps the solution's code, so its honest score
# is full marks: an attack that is stopped costs nothing, one that works shows up as a changed file,
# a changed score, a leaked line or a surviving process. The whole class is graded by `course grade`
# in each mode: with bubblewrap, and without it (COURSE_SANDBOX=none) as root and as a plain user.

MARKER = f"course-attacker-{os.getpid()}"  # in the command line of every process an attacker starts
FAKE = '{"score": 999}'

OUTLIVE = f'''import os as _os, sys as _sys
def _outlive(program):
    """Double fork and a new session: the grandchild leaves the worker's process group and session."""
    worker = _os.getpid()
    try:
        if _os.fork() == 0:
            try:
                _os.setsid()
                if _os.fork() == 0:
                    _os.execv(_sys.executable, [_sys.executable, "-c", program, {MARKER!r}, str(worker)])
            finally:
                _os._exit(0)
        _os.wait()
    except OSError:
        pass  # not allowed to start processes here
'''

REWRITE_RESULTS = '''import os, sys, time
while {after_grading} and os.path.exists("/proc/" + sys.argv[2]):
    time.sleep(0.01)  # the worker that started it is still there
end = time.time() + 120
while time.time() < end:  # while this submission is graded (unless after_grading), after it, after the batch
    for target in {targets!r}:
        try:
            with open(target, "w") as file:
                file.write({fake!r})
        except OSError:
            pass
    time.sleep(0.1)
'''

TAMPER = '''import glob as _glob, os as _os, sys as _sys
for _path in [*_glob.glob(_os.path.dirname(_sys.modules["graders"].__file__) + "/**/*.py", recursive=True),
              *{extra!r}]:
    try:
        with open(_path, "a") as _file:
            _file.write("\\nraise SystemExit('tampered')\\n")
    except OSError:
        pass
'''

LEAK = '''import glob as _glob, os as _os, sys as _sys
_stolen = ""
for _path in sorted(_glob.glob(_os.path.dirname(_sys.modules["graders"].__file__) + "/a1_backprop/*.py")):
    try:
        _stolen += open(_path).read()
    except OSError:
        pass
if _stolen:
    print(_stolen)
    raise RuntimeError(_stolen)
'''


def attacker(code: str) -> tuple[Patch, ...]:
    return (Patch(L, "import numpy as np\n", "import numpy as np\n" + code + "\n"),)


def attackers(results: list[Path], course_files: list[Path], after_grading: bool = False
              ) -> dict[str, tuple[Patch, ...]]:
    rewrite = REWRITE_RESULTS.format(targets=[str(p) for p in results], fake=FAKE, after_grading=after_grading)
    return {
        "mallory-detaches": attacker(OUTLIVE + f"_outlive({rewrite!r})"),
        "mallory-tampers": attacker(TAMPER.format(extra=[str(p) for p in course_files])),
        "mallory-leaks": attacker(LEAK),
        "mallory-sleeps": attacker(OUTLIVE + "_outlive('import time; time.sleep(100000)')"),
    }


def hidden_test_excerpt() -> str:
    """Two lines of a hidden test that no feedback ever quotes."""
    source = (ROOT / "graders" / "a1_backprop" / "test_affine.py").read_text()
    start = source.index("@pytest.mark.hidden")
    return source[start:source.index("\n", source.index("\n", start) + 1)]


def survivors(judge_pid: int | None = None) -> list[str]:
    """Processes an attacker started, or of the judge's worker user id, still there (zombies aside)."""
    worker_uid = None if judge_pid is None else WORKER_UID_BASE + judge_pid % 10_000
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit():
                continue
            status = (entry / "status").read_text().splitlines()
            uid = int(next(line for line in status if line.startswith("Uid:")).split()[1])
            state = next(line for line in status if line.startswith("State:")).split()[1]
            command = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ")
            if state != "Z" and (uid == worker_uid or MARKER in command):
                found.append(f"{entry.name} (uid {uid}): {command[:80]}")
        except (OSError, StopIteration, ValueError):
            continue
    return found


def kill_survivors() -> None:
    import signal

    for survivor in survivors():
        with contextlib.suppress(OSError):
            os.kill(int(survivor.split()[0]), signal.SIGKILL)


def course_copy(base: Path) -> tuple[Path, dict[Path, bytes]]:
    """A copy of the course (graders package and course.toml) to grade with, and its files' bytes.

    The judge runs from the copy, so the graders a worker finds through
    ``sys.modules["graders"]`` are the copy's: an attack that gets through
    changes a throw-away folder, never the checkout the tests run from.
    """
    course = base / "course"
    shutil.copytree(ROOT / "graders", course / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "course.toml", course / "course.toml")
    files = [*sorted((course / "graders").rglob("*.py")), course / "course.toml"]
    return course, {path: path.read_bytes() for path in files}


def grader_user() -> tuple[int, list[str]]:
    """An unprivileged user, and the command prefix that runs a program as it.

    It keeps one capability, CAP_DAC_READ_SEARCH, only because this machine's
    Python may sit under root's private home; it is no root: other users'
    processes, files it does not own, RLIMIT_NPROC all apply to it.
    """
    import pwd

    name = "course-grader-test"
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                       check=True, capture_output=True)
        uid = pwd.getpwnam(name).pw_uid
    return uid, ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", "--"]


MODES = {  # name: (COURSE_SANDBOX, COURSE_CONFINE, as a plain user, attackers it must stop)
    "bubblewrap as root": ("bwrap", "all", False, "all"),
    "fallback as root": ("none", "all", False, "all"),
    "fallback as a plain user": ("none", "all", True, "all"),
    "fallback as root, subreaper only": ("none", "none", False, "processes"),
}


@pytest.fixture(scope="module")
def honest_classmates(tmp_path_factory):
    """Two classmates graded alone: their files must come out byte-identical next to the attackers."""
    from graders.engine.classbook.batch import grade_batch
    from graders.engine.classbook.inputs import SubmissionInput

    folder = tmp_path_factory.mktemp("honest")
    for name, sample in (("ada", "ada"), ("zed", "dee")):
        shutil.copytree(ROOT / "tests" / "samples" / "a1_backprop" / sample, folder / "class" / name)
    grade_batch(load_course(ROOT), "a1_backprop",
                [SubmissionInput(n, folder / "class" / n) for n in ("ada", "zed")], folder / "out")
    return {name: (folder / "out" / name / "results.json").read_bytes() for name in ("ada", "zed")}


@pytest.mark.slow
@pytest.mark.parametrize("mode", [pytest.param(mode, marks=[] if mode == "fallback as root" else [pytest.mark.long])
                                  for mode in MODES], ids=str)  # one mode in the fast suite, each ~1 min
def test_attackers_change_no_score_leak_nothing_and_leave_no_process(mode, honest_classmates):
    sandbox_mode, confine_layers, as_user, stops = MODES[mode]
    from graders.engine.isolation.sandbox import bwrap_works

    if sandbox_mode == "bwrap" and not bwrap_works():
        pytest.skip("bubblewrap cannot run here")
    from graders.engine.isolation import platform_caps

    if not platform_caps.detect().proc:
        pytest.skip("the subreaper that ends detached processes needs /proc (COURSE_FORCE_NO=proc)")
    if as_user and os.geteuid() != 0:
        pytest.skip("already a plain user: the other fallback cases are this one")
    base = Path(tempfile.mkdtemp(prefix="course-hostile-"))  # not under root's private pytest folder
    try:
        base.chmod(0o755)
        course, graders_before = course_copy(base)
        out = base / "out"
        names = ["ada", "mallory-detaches", "mallory-leaks", "mallory-sleeps", "mallory-tampers", "zed"]
        results = [out / n / f for n in names for f in ("results.json", "report.json")] + [out / "gradebook.csv"]
        # Where nothing guards the files (subreaper only), the rewriter waits for its worker to end:
        # what is tested there is that it cannot act *after* grading.
        patches = attackers(results, [course / "course.toml"], after_grading=stops == "processes")
        if stops == "processes":
            patches = {n: p for n, p in patches.items() if n in ("mallory-detaches", "mallory-sleeps")}
        for name, sample in (("ada", "ada"), ("zed", "dee")):
            shutil.copytree(ROOT / "tests" / "samples" / "a1_backprop" / sample, base / "class" / name)
        for name, patch in patches.items():
            shutil.copytree(ROOT / "solutions" / "a1_backprop", base / "class" / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
            apply_patches(base / "class" / name, patch)
        prefix, env = [], {**os.environ, "COURSE_SANDBOX": sandbox_mode, "COURSE_CONFINE": confine_layers,
                            "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": str(base)}
        if as_user:
            uid, prefix = grader_user()
            for path in (base, *base.rglob("*")):
                os.chown(path, uid, uid)
        judge = subprocess.Popen([*prefix, sys.executable, "-m", "graders.engine.cli", "grade", str(base / "class"),
                                  "-a", "a1_backprop", "-o", str(out)], cwd=course, env={**env, "PYTHONPATH": str(course)},
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        stdout, _ = judge.communicate(timeout=600)
        assert judge.returncode == 0, stdout
        assert "Isolation:" in stdout and "subreaper" in stdout
        assert survivors(judge.pid) == [], "a process an attacker started outlived the batch"
        time.sleep(0.5)  # a survivor would have rewritten the results by now
        for name in ("ada", "zed"):
            assert (out / name / "results.json").read_bytes() == honest_classmates[name], name
        for name in patches:
            report = json.loads((out / name / "report.json").read_text())
            assert report["score"] == report["max_score"], (name, feedback_lines(report))
        gradebook = (out / "gradebook.csv").read_text()
        assert FAKE not in gradebook and len(gradebook.splitlines()) == 1 + len(names) - (4 - len(patches))
        if stops == "all":
            secret = hidden_test_excerpt()
            assert not [p for p in out.rglob("*") if p.is_file() and secret in p.read_text(errors="replace")]
            assert {p: p.read_bytes() for p in graders_before} == graders_before, "the graders were changed"
    finally:
        kill_survivors()
        shutil.rmtree(base, ignore_errors=True)


def feedback_lines(report: dict) -> list[str]:
    return [t["feedback"][:300] for t in report["tests"] if t.get("feedback")]
