"""The GitHub Classroom workflow template: valid YAML, real `course` command lines, points reported.

The install step needs the network, so the tests run the workflow's other
steps, as written in the YAML, against this checkout's installed package.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from graders.engine.platforms.classroom import points_line, summary_markdown
from graders.engine.cli import _parser, main
from tests.conftest import ROOT

TEMPLATE = ROOT / "templates" / "github-classroom"
WORKFLOW = TEMPLATE / ".github" / "workflows" / "classroom.yml"
SOLUTION = ROOT / "solutions" / "a1_backprop"
STUBS = ROOT / "exercises" / "a1_backprop"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def step(workflow: dict, name: str) -> str:
    return next(s["run"] for s in steps(workflow) if s.get("name") == name)


def course_command_lines(workflow: dict) -> list[str]:
    lines = [line.strip() for s in steps(workflow) if "run" in s for line in s["run"].replace("\\\n", " ").splitlines()]
    return [line for line in lines if line.startswith("course ")]


def test_the_workflow_is_yaml_run_on_every_push(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and workflow["jobs"]


def test_the_course_git_url_is_a_variable_at_the_top_that_pip_installs_from(workflow):
    assert workflow["env"]["COURSE_GIT_URL"].endswith(".git")
    assert ('pip install "dl-course-graders[keras] @ git+${COURSE_GIT_URL}@${COURSE_REF}"'
            in step(workflow, "Install the course package"))


def test_the_workflow_names_an_assignment_of_the_course(workflow, course):
    course.assignment(workflow["env"]["ASSIGNMENT"])


def test_every_course_command_line_parses_with_the_real_cli(workflow):
    lines = course_command_lines(workflow)
    assert lines, "the workflow runs no `course` command"
    for line in lines:
        args = _parser().parse_args(shlex.split(os.path.expandvars(line))[1:])
        assert args.handler is not None


def test_the_workflow_steps_report_full_points_for_the_solution(workflow, tmp_path):
    summary = tmp_path / "summary.md"
    env = {**os.environ, **{k: str(v) for k, v in workflow["env"].items()}, "SUBMISSION": str(SOLUTION),
           "RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(summary),
           # the steps call `python` and `course`: this interpreter's, as on a runner whose venv is active
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = step(workflow, "Run the public graders") + "\n" + step(workflow, "Report points")
    result = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Points 23/23" in result.stdout.splitlines()
    assert "| Affine | 4 / 4 |" in summary.read_text()


@pytest.fixture(scope="module")
def stub_report(tmp_path_factory) -> dict:
    """What `course check --json` writes for the unchanged exercise stubs."""
    target = tmp_path_factory.mktemp("check") / "points.json"
    assert main(["--root", str(ROOT), "check", "a1_backprop", "--submission", str(STUBS), "--local",
                 "--json", str(target)]) == 0
    return json.loads(target.read_text())


def test_check_json_writes_the_scored_report(stub_report):
    assert (stub_report["assignment"], stub_report["score"], stub_report["max_score"]) == ("a1_backprop", 0, 23)


def test_the_points_line_is_what_github_classroom_reads(stub_report):
    assert points_line(stub_report) == "Points 0/23"


def test_the_job_summary_shows_each_failed_check_with_its_feedback(stub_report):
    summary = summary_markdown(stub_report)
    failed = [t for t in stub_report["tests"] if t["status"] != "passed"]
    assert summary.count("Not implemented yet") == len(failed) and "#### Relu: " in summary


def test_reporting_without_a_points_file_fails_with_a_message(tmp_path):
    from graders.engine.platforms.classroom import main as report_points

    assert report_points([str(tmp_path / "missing.json")]) == 1
