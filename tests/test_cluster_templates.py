"""The SLURM and Kubernetes templates: one shard count, reruns from any folder, every command our CLI accepts.

No cluster here, so each script runs in bash as the scheduler would run it,
with `course`, `sbatch` and `scontrol` replaced by shell functions that record
their arguments; the real CLI parser then reads the `course` lines. The
Kubernetes manifests are rendered with kustomize (kubectl's, offline).
Sharded grading itself is tested in test_shards.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from graders.engine.cli import _parser
from graders.engine.classbook.shards import parse_shard
from tests.conftest import ROOT

SLURM = ROOT / "templates" / "slurm"
KUBERNETES = ROOT / "templates" / "kubernetes"
# stand-ins for the commands the scripts call: each appends its arguments to $CALLS, one call a line
SBATCH = r'() { printf "%s\0" sbatch "$@" >> "$CALLS"; printf "\n" >> "$CALLS"; echo "$((100 + $(wc -l < "$CALLS")))"; }'
# `course` is a file, not a function: the pods `exec` it (so that it gets the pod's SIGTERM)
COURSE = '#!/bin/bash\nprintf "%s\\0" course "$@" "COURSE_RERUN=${COURSE_RERUN:-}" >> "$CALLS"; printf "\\n" >> "$CALLS"\n'


def run_script(script: list[str], env: dict[str, str], cwd: Path, calls: Path,
               scontrol_says: str = "") -> subprocess.CompletedProcess:
    stub = calls.parent / "stub-bin"
    stub.mkdir(exist_ok=True)
    (stub / "course").write_text(COURSE)
    (stub / "course").chmod(0o755)
    path = os.pathsep.join([str(stub), str(Path(sys.executable).parent), os.environ["PATH"]])
    stubs = {"BASH_FUNC_sbatch%%": SBATCH, "BASH_FUNC_scontrol%%": f'() {{ printf "%b\\n" {scontrol_says!r}; }}'}
    result = subprocess.run(script, env={**env, **stubs, "PATH": path, "CALLS": str(calls)}, cwd=cwd,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def recorded(calls: Path, command: str) -> list[list[str]]:
    lines = calls.read_text().splitlines() if calls.exists() else []
    return [line.split("\0")[1:-1] for line in lines if line.split("\0")[0] == command]


def parsed(args: list[str]):
    namespace = _parser().parse_args(args)
    assert namespace.handler is not None
    return namespace


def course_line(calls: Path) -> tuple:
    (args,) = recorded(calls, "course")
    return parsed(args[:-1]), args[-1].removeprefix("COURSE_RERUN=")


# --- SLURM -----------------------------------------------------------------------------------------------------

@pytest.fixture
def fake_venv(tmp_path: Path) -> Path:
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "activate").write_text("")
    return tmp_path / "venv"


def settings(name: str) -> str:
    found = re.search(rf"^{name}=\$\{{{name}:-([^}}]+)\}}", (SLURM / "settings.sh").read_text(), re.MULTILINE)
    assert found, name
    return found[1]


def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "somewhere" / "else"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_submit_sizes_the_array_from_settings_and_prints_every_job_id(fake_venv, tmp_path):
    calls = tmp_path / "calls"
    result = run_script(["bash", str(SLURM / "submit.sh")], {"VENV": str(fake_venv)}, elsewhere(tmp_path), calls)
    grading, merging = recorded(calls, "sbatch")
    assert grading == ["--parsable", f"--array=1-{settings('SHARDS')}", str(SLURM / "grade.sbatch")]
    assert "#SBATCH --array" not in (SLURM / "grade.sbatch").read_text()  # SHARDS is the one setting
    assert "101" in result.stdout and "102" in result.stdout  # the array's id and the merge's


def test_the_merge_waits_for_every_task_however_it_ended_so_it_is_never_left_pending(fake_venv, tmp_path):
    calls = tmp_path / "calls"
    run_script(["bash", str(SLURM / "submit.sh")], {"VENV": str(fake_venv)}, elsewhere(tmp_path), calls)
    _, merging = recorded(calls, "sbatch")
    assert merging == ["--parsable", "--dependency=afterany:101", "--kill-on-invalid-dep=yes",
                       str(SLURM / "merge.sbatch")]


def test_submit_rerun_queues_one_task_and_the_merge_again(fake_venv, tmp_path):
    calls = tmp_path / "calls"
    run_script(["bash", str(SLURM / "submit.sh"), "--rerun", "3"], {"VENV": str(fake_venv)}, elsewhere(tmp_path),
               calls)
    grading, merging = recorded(calls, "sbatch")
    assert grading[1] == "--array=3" and merging[1] == "--dependency=afterany:101"


def slurm_env(fake_venv: Path, **extra: str) -> dict[str, str]:
    return {"COURSE_SLURM": str(SLURM), "VENV": str(fake_venv), "COURSE_ROOT": str(ROOT), **extra}


def test_a_slurm_task_grades_its_shard_into_the_shared_folder(fake_venv, tmp_path, course):
    calls = tmp_path / "calls"
    run_script(["bash", str(SLURM / "grade.sbatch")],
               slurm_env(fake_venv, SLURM_ARRAY_TASK_ID="3", SLURM_CPUS_PER_TASK="4"), tmp_path, calls)
    args, _ = course_line(calls)
    assert (args.command, str(parse_shard(args.shard)), args.jobs) == ("grade", f"3/{settings('SHARDS')}", 4)
    assert args.out == "/shared/course/graded/a1_backprop" and args.root == str(ROOT)
    course.assignment(args.assignment)


def test_a_rerun_submitted_from_any_folder_finds_its_settings(fake_venv, tmp_path):
    """`sbatch --array=3 /path/grade.sbatch` from elsewhere: SLURM runs a copy, in the folder it was submitted from."""
    spool = tmp_path / "spool"
    spool.mkdir()
    shutil.copy(SLURM / "grade.sbatch", spool / "slurm_script")
    calls = tmp_path / "calls"
    env = {"VENV": str(fake_venv), "SLURM_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": "3",
           "SLURM_SUBMIT_DIR": str(elsewhere(tmp_path))}
    scontrol = f"JobId=77 ArrayJobId=70 ArrayTaskId=3\n   Command={SLURM / 'grade.sbatch'}\n   WorkDir=/home/me"
    run_script(["bash", str(spool / "slurm_script")], env, elsewhere(tmp_path), calls, scontrol_says=scontrol)
    args, _ = course_line(calls)
    assert str(parse_shard(args.shard)) == f"3/{settings('SHARDS')}"


def test_the_slurm_merge_reads_the_same_folder_and_names_the_rerun_line(fake_venv, tmp_path):
    calls = tmp_path / "calls"
    run_script(["bash", str(SLURM / "merge.sbatch")], slurm_env(fake_venv), tmp_path, calls)
    args, rerun = course_line(calls)
    assert (args.command, args.outs, args.assignment) == ("merge", ["/shared/course/graded/a1_backprop"],
                                                         "a1_backprop")
    assert rerun == f"{SLURM}/submit.sh --rerun {{index}}"


def test_the_slurm_scripts_are_valid_bash():
    for script in ("grade.sbatch", "merge.sbatch", "submit.sh", "settings.sh"):
        assert subprocess.run(["bash", "-n", str(SLURM / script)]).returncode == 0, script


# --- Kubernetes -------------------------------------------------------------------------------------------------

needs_kustomize = pytest.mark.skipif(shutil.which("kubectl") is None, reason="renders with kubectl's kustomize")


def render(folder: Path, *options: str) -> list[dict]:
    result = subprocess.run(["kubectl", "kustomize", *options, str(folder)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return list(yaml.safe_load_all(result.stdout))


def jobs(documents: list[dict]) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == "Job"}


def settings_env(folder: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (folder / "settings.env").read_text().split())


def pod_course_line(job: dict, documents: list[dict], tmp_path: Path, **extra: str) -> tuple:
    """Run the Job's container command as its pod would, with the ConfigMap's variables."""
    container = job["spec"]["template"]["spec"]["containers"][0]
    (source,) = container["envFrom"]
    config = next(d for d in documents if d["kind"] == "ConfigMap"
                  and d["metadata"]["name"] == source["configMapRef"]["name"])
    env = {**config["data"], **{e["name"]: e["value"] for e in container.get("env", [])}, **extra}
    calls = tmp_path / f"calls-{job['metadata']['name']}"
    run_script([*container["command"], *container["args"]], env, tmp_path, calls)
    return course_line(calls)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A copy of the Kubernetes templates (a rerun writes rerun/shard.env)."""
    return Path(shutil.copytree(KUBERNETES, tmp_path / "kubernetes"))


@needs_kustomize
def test_settings_env_is_the_one_place_for_the_shard_count_and_the_run(templates):
    documents = render(templates)
    values = settings_env(templates)
    grade, merge = jobs(documents)[f"course-grade-{values['RUN']}"], jobs(documents)[f"course-merge-{values['RUN']}"]
    shards = int(values["SHARDS"])
    assert grade["spec"]["completionMode"] == "Indexed"
    assert (grade["spec"]["completions"], grade["spec"]["parallelism"], grade["spec"]["maxFailedIndexes"]) == (
        shards, shards, shards)  # every index runs whatever fails
    assert merge["spec"]["suspend"] is True  # submit.sh lets it run once grading has ended


@needs_kustomize
def test_a_pod_grades_shard_index_plus_one_of_shards(templates, tmp_path, course):
    documents = render(templates)
    values = settings_env(templates)
    args, _ = pod_course_line(jobs(documents)[f"course-grade-{values['RUN']}"], documents, tmp_path,
                              JOB_COMPLETION_INDEX="2")
    assert (args.command, str(parse_shard(args.shard))) == ("grade", f"3/{values['SHARDS']}")
    course.assignment(args.assignment)
    assert args.out.startswith("/data/") and args.submissions[0].startswith("/data/")


@needs_kustomize
def test_the_merge_reads_the_folder_the_shards_wrote_and_names_the_rerun(templates, tmp_path):
    documents = render(templates)
    run = settings_env(templates)["RUN"]
    grading, _ = pod_course_line(jobs(documents)[f"course-grade-{run}"], documents, tmp_path,
                                 JOB_COMPLETION_INDEX="0")
    merging, rerun = pod_course_line(jobs(documents)[f"course-merge-{run}"], documents, tmp_path)
    assert (merging.command, merging.outs) == ("merge", [grading.out])
    assert rerun == "templates/kubernetes/rerun.sh {index}"


@needs_kustomize
def test_a_rerun_of_one_shard_is_a_job_of_its_own(templates, tmp_path):
    (templates / "rerun" / "shard.env").write_text("SHARD=3\n")  # what rerun.sh 3 writes
    documents = render(templates / "rerun", "--load-restrictor", "LoadRestrictionsNone")
    values = settings_env(templates)
    (job,) = jobs(documents).values()
    assert job["metadata"]["name"] == f"course-rerun-{values['RUN']}-3"
    assert (job["spec"]["completions"], job["spec"]["parallelism"]) == (1, 1)
    args, _ = pod_course_line(job, documents, tmp_path, JOB_COMPLETION_INDEX="0")
    assert str(parse_shard(args.shard)) == f"3/{values['SHARDS']}"


@needs_kustomize
def test_a_second_run_gets_jobs_of_other_names(templates):
    first = set(jobs(render(templates)))
    text = (templates / "settings.env").read_text()
    (templates / "settings.env").write_text(re.sub(r"^RUN=.*$", "RUN=2", text, flags=re.MULTILINE))
    second = set(jobs(render(templates)))
    assert first and second and not first & second


def test_the_kubernetes_scripts_are_valid_bash():
    for script in ("submit.sh", "rerun.sh", "jobs.sh"):
        assert subprocess.run(["bash", "-n", str(KUBERNETES / script)]).returncode == 0, script
