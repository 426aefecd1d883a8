"""The SLURM and Kubernetes templates: valid files whose `course` command lines our CLI accepts.

No cluster here, so each script runs in bash as a task of its array would,
with `course` replaced by a shell function that records its arguments; the
real CLI parser then reads them. Sharded grading itself is tested in
test_shards.py.
"""

from __future__ import annotations

import os
import re
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
RECORD_COURSE = r'() { printf "%s\0" "$@" > "$COURSE_ARGS"; }'


def course_args(script: list[str], env: dict[str, str], tmp_path: Path) -> list[str]:
    """Run ``script`` with a stub `course`; the arguments it was called with."""
    record = tmp_path / "args"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result = subprocess.run(script, env={**env, "PATH": path, "COURSE_ARGS": str(record),
                                         "BASH_FUNC_course%%": RECORD_COURSE},
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return record.read_text().split("\0")[:-1]


def parsed(args: list[str]):
    namespace = _parser().parse_args(args)
    assert namespace.handler is not None
    return namespace


@pytest.fixture
def fake_venv(tmp_path: Path) -> Path:
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "activate").write_text("")
    return tmp_path / "venv"


def slurm_env(fake_venv: Path, **extra: str) -> dict[str, str]:
    return {"SLURM_SUBMIT_DIR": str(SLURM), "VENV": str(fake_venv), "COURSE_ROOT": str(ROOT), **extra}


def test_the_slurm_array_has_one_task_per_shard():
    shards = re.search(r"^SHARDS=(\d+)", (SLURM / "settings.sh").read_text(), re.MULTILINE)
    array = re.search(r"^#SBATCH --array=1-(\d+)$", (SLURM / "grade.sbatch").read_text(), re.MULTILINE)
    assert shards and array and shards[1] == array[1]


def test_a_slurm_task_grades_its_shard_into_the_shared_folder(fake_venv, tmp_path, course):
    args = parsed(course_args(["bash", str(SLURM / "grade.sbatch")],
                              slurm_env(fake_venv, SLURM_ARRAY_TASK_ID="3", SLURM_CPUS_PER_TASK="4"), tmp_path))
    assert (args.command, str(parse_shard(args.shard)), args.jobs) == ("grade", "3/8", 4)
    assert args.out == "/shared/course/graded/a1_backprop" and args.root == str(ROOT)
    course.assignment(args.assignment)


def test_the_slurm_merge_reads_the_same_folder(fake_venv, tmp_path):
    args = parsed(course_args(["bash", str(SLURM / "merge.sbatch")], slurm_env(fake_venv), tmp_path))
    assert (args.command, args.outs, args.assignment) == ("merge", ["/shared/course/graded/a1_backprop"],
                                                         "a1_backprop")


def test_the_slurm_scripts_are_valid_bash():
    for script in ("grade.sbatch", "merge.sbatch", "submit.sh", "settings.sh"):
        assert subprocess.run(["bash", "-n", str(SLURM / script)]).returncode == 0, script


def container(manifest: str) -> tuple[dict, dict]:
    job = yaml.safe_load((KUBERNETES / manifest).read_text())
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    return job, job["spec"]["template"]["spec"]["containers"][0]


def run_container(spec: dict, tmp_path: Path, **extra: str) -> list[str]:
    env = {e["name"]: e["value"] for e in spec.get("env", [])}
    return course_args([*spec["command"], *spec["args"]], {**env, **extra}, tmp_path)


def test_the_kubernetes_indexed_job_grades_shard_index_plus_one_of_completions(tmp_path, course):
    job, spec = container("grade-job.yaml")
    assert job["spec"]["completionMode"] == "Indexed"
    args = parsed(run_container(spec, tmp_path, JOB_COMPLETION_INDEX="2"))
    shard = parse_shard(args.shard)
    assert (args.command, shard.index, shard.count) == ("grade", 3, job["spec"]["completions"])
    course.assignment(args.assignment)
    assert args.out.startswith(spec["volumeMounts"][0]["mountPath"])
    assert args.submissions[0].startswith(spec["volumeMounts"][0]["mountPath"])


def test_the_kubernetes_merge_job_reads_the_folder_the_shards_wrote(tmp_path):
    _, grade = container("grade-job.yaml")
    _, merge = container("merge-job.yaml")
    grading = parsed(run_container(grade, tmp_path, JOB_COMPLETION_INDEX="0"))
    merging = parsed(run_container(merge, tmp_path))
    assert (merging.command, merging.outs) == ("merge", [grading.out])
