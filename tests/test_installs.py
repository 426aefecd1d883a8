"""Each install as users make it: the package as built, in a fresh venv, run from outside any clone.

The package is the wheel built from ``git archive HEAD`` (what a fresh clone
holds, never this working tree or the development venv). Dependencies come
from pip's cache or a wheelhouse, so each install takes minutes. Marked
``install``: not in the default run; ``.ci/run`` runs them after it.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.install

PYENV = Path.home() / ".pyenv" / "versions"
PYTHONS = sorted(PYENV.glob("3.1[123].*/bin/python3"), key=lambda p: p.parts[-3])  # every 3.11-3.13 here
FIRST_PYTHON = PYTHONS[0] if PYTHONS else Path(sys._base_executable)
USER_PYTHON = Path("/usr/bin/python3")  # readable by every user, unlike root's pyenv (/root is 0700)
PLAIN_USER = "nobody"
EXTRAS_MODULES = ("jinja2", "nbformat", "nbgrader", "matplotlib", "copydetect", "tensorflow")
A1 = "a1_backprop"


def run(args: list, cwd: Path, env: dict[str, str], user: str | None = None,
        timeout: float = 1800) -> subprocess.CompletedProcess:
    if user:  # as that user, with no supplementary groups of root's
        args = ["setpriv", f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}", "--clear-groups", *args]
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def clean_env(venv: Path, home: Path | None = None) -> dict[str, str]:
    """Nothing of the development venv: its own PATH first, pip's settings (cache, indexes) kept."""
    pip = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}
    return {**pip, "PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home or Path.home()),
            "LANG": "C.UTF-8", "COLUMNS": "160", "TF_CPP_MIN_LOG_LEVEL": "3"}


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel a fresh clone builds: from `git archive HEAD`, not from this working tree."""
    base = tmp_path_factory.mktemp("build")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"], capture_output=True,
                             check=True).stdout
    (base / "src").mkdir()
    subprocess.run(["tar", "-x", "-C", str(base / "src")], input=archive, check=True)
    ok(run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", base / "src", "-w", base / "dist"], base,
           {**os.environ}))
    (built,) = (base / "dist").glob("dl_course_graders-*.whl")
    return built


def install(python: Path, venv: Path, spec: str, env_home: Path | None = None, user: str | None = None,
            pip_args: tuple[str, ...] = ()) -> Path:
    env = clean_env(venv, env_home)
    ok(run([python, "-m", "venv", venv], venv.parent, env, user))
    ok(run([venv / "bin" / "python", "-m", "pip", "install", "-q", *pip_args, spec], venv.parent, env, user))
    return venv


def copy_py(source: Path, target: Path) -> Path:
    """An assignment's .py files, as a student's folder holds them."""
    target.mkdir(parents=True)
    for path in source.glob("*.py"):
        shutil.copy(path, target)
    return target


def outside_any_clone(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["git", "-C", str(folder), "rev-parse"], capture_output=True)
    assert probe.returncode != 0, f"{folder} is inside a git clone"
    assert not any((p / "course.toml").exists() for p in (folder, *folder.parents))
    return folder


@pytest.mark.parametrize("python", PYTHONS or [FIRST_PYTHON], ids=lambda p: p.parts[-3] if PYENV in p.parents
                         else "system")
def test_a_student_s_base_install_self_checks_a1(python, wheel, tmp_path):
    venv = install(python, tmp_path / "venv", str(wheel))
    env = clean_env(venv)
    work = outside_any_clone(tmp_path / "work")
    extras = ok(run([venv / "bin" / "python", "-c", "import importlib.util as u; "
                     f"print([m for m in {EXTRAS_MODULES!r} if u.find_spec(m)])"], work, env))
    assert extras.stdout.strip() == "[]"  # the base install: none of the extras

    mine = copy_py(ROOT / "solutions" / A1, work / "mine")
    full = ok(run([venv / "bin" / "course", "check", A1, "--submission", mine], work, env))
    assert "23 / 23" in full.stdout and "Every check passed" in full.stdout
    assert "site-packages/graders/course.toml" in full.stderr  # says which course it uses

    stubs = copy_py(ROOT / "exercises" / A1, work / "stubs")
    zero = ok(run([venv / "bin" / "course", "check", A1, "--submission", stubs], work, env))
    assert "0 / 23" in zero.stdout and "not implemented" in zero.stdout

    # a notebook's check cell, in the folder its %%writefile cells wrote
    cell = ok(run([venv / "bin" / "python", "-c", "from graders.notebook import check\n"
                   f"print(float(check({A1!r}, 'Relu')))"], mine, env))
    assert cell.stdout.strip().splitlines()[-1] == "2.0"


def test_the_keras_install_alone_self_checks_a2(wheel, tmp_path):
    venv = install(FIRST_PYTHON, tmp_path / "venv", f"{wheel}[keras]")
    env = clean_env(venv)
    work = outside_any_clone(tmp_path / "work")
    mine = copy_py(ROOT / "solutions" / "a2_keras_by_hand", work / "mine")
    result = ok(run([venv / "bin" / "course", "check", "a2_keras_by_hand", "--submission", mine], work, env))
    assert "Every check passed" in result.stdout


def gradebook(out: Path) -> dict[str, str]:
    with (out / "gradebook.csv").open(newline="") as file:
        return {row["submission"]: row["total"] for row in csv.DictReader(file)}


def a1_class(folder: Path) -> Path:
    """alice hands in the .py solution, bob the solution notebook, carol the stubs."""
    copy_py(ROOT / "solutions" / A1, folder / "alice")
    (folder / "bob").mkdir()
    shutil.copy(ROOT / "solutions" / A1 / f"{A1}.ipynb", folder / "bob")
    copy_py(ROOT / "exercises" / A1, folder / "carol")
    return folder


def test_the_installed_wheel_without_a_checkout_grades_py_and_notebooks_in_shards_and_merges(wheel, tmp_path):
    """As the Kubernetes image has it: `[instructor]` installed, no clone anywhere."""
    venv = install(FIRST_PYTHON, tmp_path / "venv", f"{wheel}[instructor]")
    env = clean_env(venv)
    work = outside_any_clone(tmp_path / "work")
    subs, out = a1_class(work / "submitted"), work / "graded"
    for shard in ("1/2", "2/2"):
        ok(run([venv / "bin" / "course", "grade", subs, "-a", A1, "-o", out, "--shard", shard, "-j", "2", "-q"],
               work, env))
    merged = ok(run([venv / "bin" / "course", "merge", out, "-a", A1], work, env))
    assert "Merged 3 graded submission(s)" in merged.stdout
    assert gradebook(out) == {"alice": "23", "bob": "23", "carol": "0"}
    assert (out / "class-report.html").is_file() and (out / "bob" / "feedback.html").is_file()


@pytest.fixture
def user_folder():
    """A folder the plain user owns (pytest's tmp_path is root's, 0700)."""
    user = pwd.getpwnam(PLAIN_USER)
    folder = Path(tempfile.mkdtemp(prefix="course-install-user-"))
    os.chown(folder, user.pw_uid, user.pw_gid)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="needs root to become a plain user")
@pytest.mark.skipif(not USER_PYTHON.is_file(), reason=f"no {USER_PYTHON} for a plain user")
def test_a_plain_user_s_install_checks_and_grades(wheel, tmp_path, user_folder):
    version = subprocess.run([str(USER_PYTHON), "-c", "import sys; print(sys.version_info >= (3, 11))"],
                             capture_output=True, text=True).stdout.strip()
    if version != "True":
        pytest.skip(f"{USER_PYTHON} is older than 3.11")
    # root fills a wheelhouse from its pip cache; the user installs from it alone
    builder = install(USER_PYTHON, tmp_path / "builder", "pip")
    house = user_folder / "wheelhouse"
    ok(run([builder / "bin" / "python", "-m", "pip", "wheel", "-q", f"{wheel}[instructor]", "-w", house], tmp_path,
           clean_env(builder)))
    for path in [house, *house.iterdir()]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)

    venv = user_folder / "venv"
    env = clean_env(venv, home=user_folder)
    install(USER_PYTHON, venv, "dl-course-graders[instructor]", env_home=user_folder, user=PLAIN_USER,
            pip_args=("--no-index", "--find-links", str(house)))
    work = user_folder / "work"
    ok(run(["mkdir", work], user_folder, env, PLAIN_USER))
    for name, source in (("alice", "solutions"), ("carol", "exercises")):
        ok(run(["mkdir", work / name], user_folder, env, PLAIN_USER))
        ok(run(["cp", *sorted((ROOT / source / A1).glob("*.py")), work / name], user_folder, env, PLAIN_USER))

    check = ok(run([venv / "bin" / "course", "check", A1, "--submission", work / "alice"], work, env, PLAIN_USER))
    assert "23 / 23" in check.stdout
    ok(run([venv / "bin" / "course", "grade", work / "alice", work / "carol", "-a", A1, "-o", work / "out",
            "-j", "2", "-q"], work, env, PLAIN_USER))
    assert gradebook(work / "out") == {"alice": "23", "carol": "0"}
