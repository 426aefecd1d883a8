"""`course gradescope`: the autograder zip, unpacked and run the way Gradescope runs it.

Gradescope unzips the bundle into /autograder/source, runs setup.sh once, copies
run_autograder to /autograder and runs it per submission with the upload in
/autograder/submission. Here the same tree lives in a temporary folder
(AUTOGRADER_ROOT) and the current Python stands in for setup.sh's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jsonschema
import pytest

from graders.engine.cli import main
from graders.engine.platforms.gradescope import _choose, student_key
from graders.engine.classbook.inputs import Inputs
from tests.conftest import ROOT

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
SOLUTION = ROOT / "solutions" / "a1_backprop"
STUBS = ROOT / "exercises" / "a1_backprop"


def validate(results: dict) -> None:
    jsonschema.validate(results, SCHEMA, cls=jsonschema.Draft202012Validator)


def unpack(bundle: Path, target: Path) -> None:
    """Unzip keeping the permissions stored in the zip, as `unzip` does."""
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def autograder_tree(bundle: Path, root: Path, submission: Path) -> Path:
    unpack(bundle, root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    for path in submission.glob("*.py"):
        shutil.copy(path, root / "submission" / path.name)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": 7, "email": "s@uni.edu"}]}))
    return root


def start(root: Path, python: str = sys.executable, sandbox: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python}
    if sandbox is not None:
        env["COURSE_SANDBOX"] = sandbox
    return subprocess.Popen([str(root / "run_autograder")], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    assert main(["--root", str(ROOT), "gradescope", "a1_backprop", "-o", str(target)]) == 0
    return target


@pytest.fixture(scope="module")
def graded(bundle, tmp_path_factory) -> dict[str, tuple[Path, str, dict]]:
    """The solution and the stubs, each graded by run_autograder (both at once: they take ~20 s)."""
    runs = {}
    for name, submission in (("solution", SOLUTION), ("stubs", STUBS)):
        root = autograder_tree(bundle, tmp_path_factory.mktemp(f"autograder-{name}"), submission)
        runs[name] = (root, start(root))
    done = {}
    for name, (root, process) in runs.items():
        stdout, _ = process.communicate(timeout=600)
        assert process.returncode == 0, stdout
        done[name] = (root, stdout, json.loads((root / "results" / "results.json").read_text()))
    return done


def test_the_zip_has_setup_sh_run_autograder_and_requirements_at_its_root(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(names)


def test_the_scripts_are_stored_executable(bundle):
    infos = {i.filename: i for i in zipfile.ZipFile(bundle).infolist()}
    assert all((infos[name].external_attr >> 16) & 0o111 for name in ("setup.sh", "run_autograder"))


def test_the_zip_holds_the_course_package_hidden_tests_and_released_notebook(bundle):
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {"course/pyproject.toml", "course/course.toml", "course/graders/engine/grading/runner.py",
            "course/graders/a1_backprop/test_train.py", "course/exercises/a1_backprop/a1_backprop.ipynb"} <= names


def test_the_zip_never_holds_solutions_nor_other_assignments_graders(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    others = [n for n in names if n.startswith(("course/graders/a2_", "course/graders/a3_"))]
    assert not [n for n in names if "solutions/" in n]
    assert sorted(others) == ["course/graders/a2_keras_by_hand/__init__.py", "course/graders/a3_keras_models/__init__.py"]


def test_the_bundled_course_loads_with_only_the_other_assignments_declarations(bundle, tmp_path):
    """course.toml is checked against every assignment's declared tolerances when it is loaded."""
    unpack(bundle, tmp_path)
    result = subprocess.run([sys.executable, "-c", "from pathlib import Path; from graders.engine.core.config import load_course; "
                             "print(sorted(load_course(Path('.')).assignments))"],
                            cwd=tmp_path / "course", capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(tmp_path / "course")})
    assert result.returncode == 0, result.stderr
    assert "a1_backprop" in result.stdout


def test_building_again_from_its_lock_gives_the_same_bytes(bundle, tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_bytes(zipfile.ZipFile(bundle).read("requirements.txt"))
    again = tmp_path / "again.zip"
    assert main(["--root", str(ROOT), "gradescope", "a1_backprop", "-o", str(again), "--lock", str(lock)]) == 0
    assert again.read_bytes() == bundle.read_bytes()


def locked(bundle: Path) -> dict[str, str]:
    """name -> version of every package requirements.txt locks."""
    text = zipfile.ZipFile(bundle).read("requirements.txt").decode()
    return dict(line.split(" ")[0].split("==") for line in text.splitlines() if "==" in line)


def test_the_lock_pins_the_graders_direct_dependencies_to_the_versions_tested_here(bundle):
    pins = locked(bundle)
    for name in ("numpy", "pytest", "tensorflow-cpu", "nbformat", "landlockpy", "pyseccomp", "scikit-learn"):
        assert pins[name] == version(name), name


def test_the_lock_is_complete_and_every_package_has_hashes(bundle):
    text = zipfile.ZipFile(bundle).read("requirements.txt").decode()
    pins = locked(bundle)
    assert {"keras", "protobuf", "absl-py"} <= set(pins)  # TensorFlow's own dependencies are locked too
    entries = [line for line in text.splitlines() if "==" in line]
    assert all(line.endswith("\\") for line in entries)  # each is followed by its hashes
    assert text.count("--hash=sha256:") >= len(pins)


def test_the_image_gets_no_instructor_tools(bundle):
    assert not {"nbgrader", "jupyterlab", "notebook", "matplotlib", "copydetect", "uv"} & set(locked(bundle))


@pytest.mark.parametrize("option, image", [([], "3.11"), (["--python", "3.12"], "3.12")])
def test_the_lock_is_resolved_for_the_images_python_and_platform_not_the_one_building_it(
        monkeypatch, tmp_path, option, image):
    from graders.engine.platforms import image_lock

    asked = []
    fake_lock = "numpy==2.0 \\\n    --hash=sha256:00\n"
    monkeypatch.setattr(image_lock.subprocess, "run",
                        lambda command, **_: asked.append(command) or subprocess.CompletedProcess(command, 0, fake_lock, ""))
    assert main(["--root", str(ROOT), "gradescope", "a1_backprop", "-o", str(tmp_path / "a.zip"), *option]) == 0
    command = asked[0]
    assert command[command.index("--python-version") + 1] == image
    assert command[command.index("--python-platform") + 1] == "x86_64-manylinux_2_28"
    setup = zipfile.ZipFile(tmp_path / "a.zip").read("setup.sh").decode()
    assert f"apt_install python{image} python{image}-venv" in setup


def test_setup_sh_installs_the_images_python_its_lock_then_the_course(bundle):
    setup = zipfile.ZipFile(bundle).read("setup.sh").decode()
    python, lock = setup.index("apt_install python3.11 python3.11-venv"), setup.index("--require-hashes")
    assert python < lock < setup.index('-e "$SOURCE/course"')


def test_setup_sh_names_the_base_image_when_it_cannot_get_the_python(tmp_path):
    from graders.engine.platforms.gradescope import setup_script

    script = tmp_path / "setup.sh"
    script.write_text(setup_script((3, 12)))
    script.chmod(0o755)
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("bash", "dirname", "env"):  # no python3.12 and no apt-get on this PATH
        (tools / tool).symlink_to(shutil.which(tool))
    result = subprocess.run([str(script)], capture_output=True, text=True,
                            env={"PATH": str(tools), "AUTOGRADER_ROOT": str(tmp_path / "root")})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "setup.sh: python3.12 is not in this image and apt cannot install it: choose the Ubuntu 24.04 base image, "
        "or build the bundle with course gradescope --python X.Y for this image's Python"]


def test_an_unsupported_python_is_a_one_line_error(capsys):
    assert main(["--root", str(ROOT), "gradescope", "a1_backprop", "--python", "3.9"]) != 0
    assert "--python 3.9: the course needs Python >= 3.11" in capsys.readouterr().err


@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_scripts_are_valid_bash(bundle, tmp_path, script):
    (tmp_path / script).write_bytes(zipfile.ZipFile(bundle).read(script))
    result = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.xdist_group("gradescope_runs")  # one worker runs run_autograder once for all its readers
def test_the_solution_gets_full_marks_in_gradescope_format(graded):
    _, _, results = graded["solution"]
    validate(results)
    # per-test points are rounded to 4 decimals, so their sum may be off by 1e-4
    assert results["score"] == 23 == pytest.approx(sum(t["score"] for t in results["tests"]), abs=1e-9)


@pytest.mark.xdist_group("gradescope_runs")  # one worker runs run_autograder once for all its readers
def test_the_stubs_get_zero_in_gradescope_format(graded):
    _, _, results = graded["stubs"]
    validate(results)
    assert results["score"] == 0 and all(t["status"] == "failed" for t in results["tests"])


@pytest.mark.xdist_group("gradescope_runs")  # one worker runs run_autograder once for all its readers
def test_hidden_tests_are_graded_and_shown_once_grades_are_published(graded):
    _, _, results = graded["solution"]
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}


@pytest.mark.xdist_group("gradescope_runs")  # one worker runs run_autograder once for all its readers
def test_the_graders_that_run_are_the_bundled_ones(graded):
    root, stdout, _ = graded["stubs"]
    assert f"graders: {root / 'source' / 'course' / 'graders'};" in stdout


def test_a_python_that_cannot_start_still_leaves_results_saying_so(bundle, tmp_path):
    root = autograder_tree(bundle, tmp_path, STUBS)
    process = start(root, python="/bin/false")
    process.communicate(timeout=60)
    results = json.loads((root / "results" / "results.json").read_text())
    validate(results)
    assert results["score"] == 0 and "not your fault" in results["output"]


def test_a_judge_killed_while_grading_leaves_results_saying_so_and_exits_non_zero(bundle, tmp_path):
    """As when the container's OOM killer picks the judge: SIGKILL, nothing written by Python."""
    root = autograder_tree(bundle, tmp_path, SOLUTION)
    killed = tmp_path / "killed-python"
    killed.write_text("#!/bin/sh\nkill -KILL $$\n")
    killed.chmod(0o755)
    process = start(root, python=str(killed))
    stdout, _ = process.communicate(timeout=60)
    results = json.loads((root / "results" / "results.json").read_text())
    validate(results)
    assert process.returncode != 0, stdout
    assert results["score"] == 0 and "not your fault" in results["output"]


def run_in_process(root: Path, monkeypatch, run_graders=None) -> tuple[int, dict]:
    """``python -m graders.engine.platforms.gradescope run`` here, without its preload (no forkserver)."""
    from graders.engine.grading import runner
    from graders.engine.platforms import gradescope

    monkeypatch.setattr(gradescope, "preload", lambda course_root, assignment: None)
    if run_graders is not None:
        monkeypatch.setattr(runner, "run_graders", run_graders)
    status = gradescope.main(["run", "a1_backprop", "--autograder-root", str(root), "--course", str(ROOT)])
    return status, json.loads((root / "results" / "results.json").read_text())


def test_grading_that_raises_leaves_results_saying_so_and_exits_non_zero(tmp_path, monkeypatch, capsys):
    from graders.engine.platforms.gradescope import FAILED_OUTPUT, GRADING_FAILED

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the grader")

    shutil.copytree(SOLUTION, tmp_path / "submission", ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    status, results = run_in_process(tmp_path, monkeypatch, broken)
    validate(results)
    assert status == GRADING_FAILED
    assert results["output"] == FAILED_OUTPUT and "not your fault" in FAILED_OUTPUT
    assert all(t["name"].endswith("not graded") for t in results["tests"])
    assert "a bug in the grader" in capsys.readouterr().out  # the instructor's log says why
    assert "a bug in the grader" not in json.dumps(results)


def test_an_empty_upload_is_the_students_zero_not_a_grader_failure(tmp_path, monkeypatch):
    (tmp_path / "submission").mkdir()
    status, results = run_in_process(tmp_path, monkeypatch)
    validate(results)
    assert status == 0
    assert results["score"] == 0 and "not your fault" not in results["output"]
    assert all("could not be read" in t["output"] for t in results["tests"])


def test_checks_the_grader_could_not_run_are_announced_first_as_not_the_students_fault(course):
    from graders.engine.core.scoring import NOT_GRADED, TestRecord, score_records
    from graders.engine.platforms.gradescope import PARTLY_GRADED_OUTPUT, results_for

    records = [TestRecord(nodeid="Affine::a", title="a", exercise="Affine", hidden=False, weight=1.0,
                          status="passed"),
               TestRecord(nodeid="Relu::b", title="b", exercise="Relu", hidden=False, weight=1.0,
                          status=NOT_GRADED, feedback="no worker")]
    report = score_records(course.assignment("a1_backprop"), "s", records)
    results = results_for(report, 1.0)
    validate(results)
    assert not report.graded
    assert results["output"].startswith(PARTLY_GRADED_OUTPUT + "\n") and "points" in results["output"]


def test_the_schema_refuses_what_gradescope_would_not_understand():
    with pytest.raises(jsonschema.ValidationError):
        validate({"score": 1, "tests": [{"score": 1, "status": "ok"}]})


def test_an_upload_with_a_folder_and_mac_junk_is_graded_from_the_folder(course, tmp_path):
    shutil.copytree(STUBS, tmp_path / "submission" / "my_work", ignore=shutil.ignore_patterns("*.ipynb"))
    (tmp_path / "submission" / "__MACOSX").mkdir()
    with Inputs(course.assignment("a1_backprop")) as inputs:
        chosen = _choose(inputs.resolve([tmp_path / "submission"]), course.assignment("a1_backprop").files)
    assert chosen.folder == tmp_path / "submission" / "my_work"


def test_hidden_tests_are_seeded_per_gradescope_student(tmp_path):
    metadata = tmp_path / "submission_metadata.json"
    metadata.write_text(json.dumps({"users": [{"id": 42, "email": "b@uni.edu"}, {"id": 7, "email": "a@uni.edu"}]}))
    assert (student_key(metadata), student_key(tmp_path / "absent.json")) == ("gradescope-42-7", "submission")


@pytest.mark.slow
@pytest.mark.long  # the same attacks as the fast run's attackers (fallback as root), through run_autograder
@pytest.mark.skipif(os.geteuid() != 0, reason="Gradescope runs run_autograder as root; this test needs root")
def test_an_attacker_run_as_gradescope_runs_it_gets_its_honest_score_and_nothing_more(bundle, tmp_path):
    """Without bubblewrap, as root: the four attacks of the hostile corpus in one upload.

    It detaches a process that rewrites results.json after grading, appends to the bundled
    graders and course.toml, prints the hidden tests it can read, and leaves a sleeper behind.
    """
    from tests.test_hostile_submissions import (FAKE, LEAK, OUTLIVE, REWRITE_RESULTS, TAMPER, attacker,
                                                hidden_test_excerpt, kill_survivors, survivors)

    root = tmp_path / "autograder"
    results = root / "results" / "results.json"
    course = root / "source" / "course"
    code = "\n".join([
        OUTLIVE,
        f"_outlive({REWRITE_RESULTS.format(targets=[str(results)], fake=FAKE, after_grading=False)!r})",
        "_outlive('import time; time.sleep(100000)')",
        TAMPER.format(extra=[str(course / "course.toml")]),
        LEAK,
    ])
    mallory = tmp_path / "mallory"
    shutil.copytree(SOLUTION, mallory, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
    from tests.conftest import apply_patches

    apply_patches(mallory, attacker(code))
    autograder_tree(bundle, root, mallory)
    before = {path: path.read_bytes() for path in course.rglob("*") if path.is_file()}
    process = start(root, sandbox="none")  # Gradescope's containers cannot run bubblewrap
    try:
        stdout, _ = process.communicate(timeout=600)
        assert process.returncode == 0, stdout
        assert survivors() == [], "a process the upload started outlived run_autograder"
        import time

        time.sleep(0.5)  # a survivor would have rewritten results.json by now
        graded = json.loads(results.read_text())
        validate(graded)
        assert graded["score"] == 23, graded["output"]
        assert hidden_test_excerpt() not in results.read_text()
        assert {path: path.read_bytes() for path in course.rglob("*") if path.is_file()} == before
        assert oct(results.parent.stat().st_mode & 0o077) == "0o0", "other users may not write the results"
        assert "Not covered:" in stdout
    finally:
        kill_survivors()


@pytest.mark.slow
def test_a_grader_error_without_bubblewrap_still_gives_the_not_your_fault_result(bundle, tmp_path):
    """A broken grader in the bundle, graded as Gradescope's containers grade (no bubblewrap)."""
    from graders.engine.classbook.one_submission import GRADER_FAILED

    root = autograder_tree(bundle, tmp_path / "autograder", SOLUTION)
    broken = root / "source" / "course" / "graders" / "a1_backprop" / "oracles.py"
    broken.write_text(broken.read_text() + "\nraise RuntimeError('a bug in the grader')\n")
    process = start(root, sandbox="none")
    stdout, _ = process.communicate(timeout=600)
    assert process.returncode != 0, stdout  # Gradescope's log shows the run failed
    results = json.loads((root / "results" / "results.json").read_text())
    validate(results)
    assert results["score"] == 0 and GRADER_FAILED in json.dumps(results), results
    assert "not your fault" in results["output"]
    assert "a bug in the grader" in stdout  # the instructor's log says why; the student's results do not
    assert "a bug in the grader" not in json.dumps(results)
