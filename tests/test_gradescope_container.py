"""The bundles in a Gradescope-like container: built by their own setup.sh, graded by run_autograder.

As close to Gradescope as this machine allows: a private mount namespace
(``unshare -m``) with /autograder bound to a temporary folder; the bundle's own
``setup.sh`` run as root by the system Python (Debian 12's /usr/bin/python3.11)
on a minimal PATH; ``run_autograder`` with COURSE_SANDBOX=none (Gradescope's
containers have no user namespaces, so no bubblewrap; a2 and a3 are graded
with bubblewrap as well, for containers that allow it). Peak memory is the sum
of PSS over run_autograder's processes, sampled every 0.2 s, against the 650 MB
target (768 MB default container, 15 % headroom).

setup.sh runs once, for a1's bundle; a2 and a3 bring the same lock (checked),
so their course copy replaces a1's in the same image. Run as root by CI
(``pytest -m container``); pip's cache keeps it to minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from benchmarks.gradescope_memory import TARGET_MB, Sampler
from graders.engine.cli import main
from tests.conftest import ROOT, apply_patches
from tests.test_gradescope import unpack, validate
from tests.test_hostile_submissions import (FAKE, LEAK, OUTLIVE, REWRITE_RESULTS, attacker, hidden_test_excerpt,
                                            kill_survivors, survivors)

pytestmark = [
    pytest.mark.container,
    pytest.mark.slow,
    pytest.mark.xdist_group("serial"),  # looks for leftover processes; measures memory
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="Gradescope runs as root"),
    pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)"),
    pytest.mark.skipif(not Path("/usr/bin/python3.11").exists(), reason="needs a system Python 3.11 (Debian 12)"),
]

MINIMAL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
AUTOGRADER = Path("/autograder")
FULL_MARKS = {"a1_backprop": 23, "a2_keras_by_hand": 27, "a3_keras_models": 27}
ISOLATION_LINE = "a user id of its own"


def in_container(folder: Path, command: str, **env: str) -> subprocess.Popen:
    """``command`` as root in a private mount namespace where /autograder is ``folder``."""
    script = (f"mount --make-rprivate / && mount --bind {folder} {AUTOGRADER} && cd {AUTOGRADER} && "
              f"exec env -i PATH={MINIMAL_PATH} HOME=/root {' '.join(f'{k}={v}' for k, v in env.items())} {command}")
    return subprocess.Popen(["unshare", "-m", "bash", "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def mount_point() -> Path:
    """The host's /autograder: created if missing, never removed.

    Every run binds its own folder over it in a namespace of its own, so runs
    of other pytest sessions on this machine share it. Linux detaches the
    mounts on a directory removed in *any* namespace: a session removing it at
    its end would unmount another's bundle in the middle of its run, which then
    wrote its results to a new host /autograder and exited 0, leaving no
    results.json in its own folder (CI's intermittent a3 failure).
    """
    AUTOGRADER.mkdir(exist_ok=True)
    return AUTOGRADER


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """/autograder after a1's setup.sh: the venv built from the bundle's lock."""
    mount_point()
    folder = tmp_path_factory.mktemp("autograder")
    os.chmod(folder, 0o755)
    bundles = tmp_path_factory.mktemp("bundles")
    for assignment in FULL_MARKS:
        assert main(["--root", str(ROOT), "gradescope", assignment, "-o", str(bundles / f"{assignment}.zip")]) == 0
    unpack(bundles / "a1_backprop.zip", folder / "source")
    started = time.monotonic()
    setup = in_container(folder, f"bash {AUTOGRADER}/source/setup.sh")
    log, _ = setup.communicate(timeout=1800)
    assert setup.returncode == 0, log[-3000:]
    print(f"setup.sh built the image in {time.monotonic() - started:.0f} s")
    yield folder, bundles


def grade(image: tuple[Path, Path], assignment: str, submission: Path,
          sandbox: str = "none") -> tuple[dict, str, float]:
    """One run_autograder in the container (COURSE_SANDBOX=``sandbox``): (results, log, peak MB)."""
    folder, bundles = image
    for part in ("source", "submission", "results"):
        shutil.rmtree(folder / part, ignore_errors=True)
    unpack(bundles / f"{assignment}.zip", folder / "source")
    shutil.copy2(folder / "source" / "run_autograder", folder / "run_autograder")
    (folder / "submission").mkdir()
    for path in submission.glob("*.py"):
        shutil.copy(path, folder / "submission" / path.name)
    (folder / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "instructor"}]}))
    mount = os.open(mount_point(), os.O_RDONLY | os.O_DIRECTORY)  # to tell whether it is removed meanwhile
    process = in_container(folder, f"{AUTOGRADER}/run_autograder", COURSE_SANDBOX=sandbox)
    sampler = Sampler(process.pid)
    sampler.start()
    log, _ = process.communicate(timeout=1200)
    sampler.done.set()
    sampler.join()
    removed = os.fstat(mount).st_nlink == 0
    os.close(mount)
    assert not removed, "another process removed the host's /autograder during this run: results went astray"
    assert process.returncode == 0, log[-3000:]
    results = json.loads((folder / "results" / "results.json").read_text())
    validate(results)
    return results, log, sampler.peak_kb / 1024


@pytest.mark.parametrize("assignment", list(FULL_MARKS))
def test_each_solution_gets_full_marks_within_650_mb(image, assignment):
    results, log, peak = grade(image, assignment, ROOT / "solutions" / assignment)
    print(f"{assignment}: {results['score']:g} points, peak {peak:.0f} MB, {results['execution_time']} s")
    assert results["score"] == FULL_MARKS[assignment], results.get("output")
    isolation = next(line for line in log.splitlines() if line.startswith("graders: "))
    assert ISOLATION_LINE in isolation, isolation
    assert peak <= TARGET_MB, f"{assignment}: peak {peak:.0f} MB"
    assert survivors() == []


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
@pytest.mark.parametrize("assignment", ["a2_keras_by_hand", "a3_keras_models"])
def test_with_bubblewrap_too_each_keras_solution_gets_full_marks_within_650_mb(image, assignment):
    """Where the container allows bubblewrap (Gradescope's do not): its forkserver shares the judge's Keras too."""
    results, log, peak = grade(image, assignment, ROOT / "solutions" / assignment, sandbox="bwrap")
    print(f"{assignment} with bubblewrap: {results['score']:g} points, peak {peak:.0f} MB")
    assert results["score"] == FULL_MARKS[assignment], results.get("output")
    isolation = next(line for line in log.splitlines() if line.startswith("graders: "))
    assert "bubblewrap" in isolation and ISOLATION_LINE in isolation, isolation
    assert peak <= TARGET_MB, f"{assignment} with bubblewrap: peak {peak:.0f} MB"
    assert survivors() == []


def test_every_assignment_brings_the_same_lock(image):
    _, bundles = image
    locks = {zipfile.ZipFile(bundles / f"{a}.zip").read("requirements.txt") for a in FULL_MARKS}
    assert len(locks) == 1


def test_the_stubs_get_zero(image):
    results, _, _ = grade(image, "a1_backprop", ROOT / "exercises" / "a1_backprop")
    assert results["score"] == 0


def mallory(tmp_path: Path, code: str) -> Path:
    folder = tmp_path / "mallory"
    shutil.copytree(ROOT / "solutions" / "a1_backprop", folder,
                    ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
    apply_patches(folder, attacker(code))
    return folder


def test_a_detached_daemon_rewriting_results_json_changes_nothing_and_does_not_survive(image, tmp_path):
    results_file = str(AUTOGRADER / "results" / "results.json")
    rewrite = REWRITE_RESULTS.format(targets=[results_file], fake=FAKE, after_grading=False)
    try:
        results, _, _ = grade(image, "a1_backprop", mallory(tmp_path, OUTLIVE + f"_outlive({rewrite!r})"))
        assert survivors() == []
        time.sleep(0.5)  # a survivor would have rewritten results.json by now
        on_disk = json.loads((image[0] / "results" / "results.json").read_text())
        assert results["score"] == on_disk["score"] == FULL_MARKS["a1_backprop"]
    finally:
        kill_survivors()


def test_printing_the_hidden_tests_leaks_nothing(image, tmp_path):
    results, log, _ = grade(image, "a1_backprop", mallory(tmp_path, LEAK))
    assert hidden_test_excerpt() not in json.dumps(results)
    assert results["score"] == FULL_MARKS["a1_backprop"]  # it found nothing to print, and lost nothing
    assert survivors() == []


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-m", "container", "-v"]))
