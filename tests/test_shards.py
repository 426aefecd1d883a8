"""Grading in shards, as a cluster's job array does: same results as one run, and nothing lost to a dead shard."""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graders.engine.classbook.batch import grade_batch
from graders.engine.cli import main
from graders.engine.core.config import CourseConfigError
from graders.engine.classbook.inputs import SubmissionInput
from graders.engine.classbook.shards import Shard, parse_shard, rerun_commands, write_manifest
from tests.conftest import ROOT

SAMPLES = ROOT / "tests" / "samples" / "a1_backprop"
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def grade_command(subs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "graders.engine.cli", "grade", str(subs), "-a", "a1_backprop", "-o", str(out),
            "-j", "1", "-q", *extra]


def hidden_feedback(out: Path, name: str) -> list[str]:
    report = json.loads((out / name / "report.json").read_text())
    return [t["feedback"] for t in report["tests"] if t["hidden"] and t["feedback"]]


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0"])
def test_a_shard_outside_1_to_n_is_refused_with_an_example(text):
    with pytest.raises(CourseConfigError, match="e.g. --shard 3/8"):
        parse_shard(text)


def test_each_name_is_in_exactly_one_shard_whatever_the_order_of_the_inputs():
    names = [f"student{i:04d}" for i in range(1000)]
    shards = [Shard(k, 4) for k in range(1, 5)]
    split = [[n for n in names if s.holds(n)] for s in shards]
    split_reversed = [[n for n in reversed(names) if s.holds(n)] for s in shards]
    assert sorted(sum(split, [])) == names
    assert [sorted(part) for part in split_reversed] == split
    assert all(200 <= len(part) <= 300 for part in split)  # a hash spreads names evenly enough


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    """The five samples and a twin of ben (same files, another name: other hidden cases)."""
    subs = tmp_path_factory.mktemp("class") / "subs"
    for sample in SAMPLES.iterdir():
        shutil.copytree(sample, subs / sample.name)
    shutil.copytree(SAMPLES / "ben", subs / "ben-twin")
    return subs


@pytest.fixture(scope="module")
def unsharded(course, class_folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("unsharded")
    grade_batch(course, "a1_backprop", [SubmissionInput(p.name, p) for p in sorted(class_folder.iterdir())], out)
    return out


@pytest.mark.slow
@pytest.mark.long  # three shard processes grading a class
def test_shards_run_at_once_into_one_folder_merge_to_the_unsharded_results(class_folder, unsharded, tmp_path):
    out = tmp_path / "out"
    shards = [subprocess.Popen(grade_command(class_folder, out, "--shard", f"{k}/3"), cwd=ROOT, env=ENV)
              for k in (1, 2, 3)]
    assert [shard.wait(timeout=600) for shard in shards] == [0, 0, 0]
    assert not (out / "gradebook.csv").exists()  # only the merge writes it: shards would race
    assert main(["merge", str(out)]) == 0
    assert (out / "gradebook.csv").read_text() == (unsharded / "gradebook.csv").read_text()
    for sample in class_folder.iterdir():
        assert (out / sample.name / "report.json").read_text() == (unsharded / sample.name / "report.json").read_text()
        assert (out / sample.name / "feedback.html").is_file()
    assert (out / "class-report.html").is_file()
    # the same hidden cases per student: ben's twin got other cases, and each kept its own across the runs
    assert hidden_feedback(unsharded, "ben") != hidden_feedback(unsharded, "ben-twin")
    assert hidden_feedback(out, "ben") == hidden_feedback(unsharded, "ben")


@pytest.mark.xdist_group("serial")  # killed at a moment it watches for
@pytest.mark.slow
@pytest.mark.long  # a killed batch resuming is fast in test_batch.py
def test_a_shard_killed_halfway_is_rerun_alone_and_loses_nothing(class_folder, unsharded, tmp_path, capsys):
    shard = Shard(1, 2)
    mine = sorted(p.name for p in class_folder.iterdir() if shard.holds(p.name))
    assert len(mine) >= 3, "the test needs a shard with several submissions"
    out = tmp_path / "out"
    other = subprocess.run(grade_command(class_folder, out, "--shard", "2/2"), cwd=ROOT, env=ENV, timeout=600)
    assert other.returncode == 0
    first = subprocess.Popen(grade_command(class_folder, out, "--shard", "1/2"), cwd=ROOT, env=ENV,
                             start_new_session=True)
    deadline = time.monotonic() + 300
    while len([n for n in mine if (out / n / "report.json").exists()]) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done = {n: (out / n / "report.json").stat().st_mtime_ns for n in mine if (out / n / "report.json").exists()}
    assert 1 <= len(done) < len(mine)

    assert main(["merge", str(out)]) == 2  # refused, and says which shard to rerun, with its exact line
    said = capsys.readouterr().err.replace("\n", " ")
    assert "shard 1/2 of a1_backprop did not finish" in said
    assert f"`cd {ROOT} && course {shlex.join(grade_command(class_folder, out, '--shard', '1/2')[3:])}`" in said

    again = subprocess.run(grade_command(class_folder, out, "--shard", "1/2"), cwd=ROOT, env=ENV, timeout=600)
    assert again.returncode == 0
    assert {n: (out / n / "report.json").stat().st_mtime_ns for n in done} == done  # kept, not regraded
    assert main(["merge", str(out)]) == 0
    assert (out / "gradebook.csv").read_text() == (unsharded / "gradebook.csv").read_text()


@pytest.mark.xdist_group("unsharded")  # one worker grades the unsharded class once
def test_shards_graded_into_separate_folders_are_gathered_into_the_first(course, unsharded, tmp_path):
    parts = [tmp_path / "node1", tmp_path / "node2"]
    for sample in sorted(unsharded.glob("*/report.json")):
        target = parts[Shard(2, 2).holds(sample.parent.name)]
        shutil.copytree(sample.parent, target / sample.parent.name)
    assert main(["merge", str(parts[0]), str(parts[1])]) == 0
    assert (parts[0] / "gradebook.csv").read_text() == (unsharded / "gradebook.csv").read_text()


@pytest.mark.xdist_group("unsharded")  # one worker grades the unsharded class once
def test_a_submission_graded_differently_in_two_folders_is_refused(unsharded, tmp_path, capsys):
    for part in ("a", "b"):
        shutil.copytree(unsharded / "ada", tmp_path / part / "ada")
    report = tmp_path / "b" / "ada" / "report.json"
    report.write_text(report.read_text().replace('"score": 23', '"score": 22', 1))
    assert main(["merge", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "ada is graded differently" in capsys.readouterr().err.replace("\n", " ")


def test_a_shard_that_never_started_is_rerun_with_a_sibling_s_line_and_its_own_shard(tmp_path):
    write_manifest(tmp_path, "a1_backprop", Shard(1, 3), [], finished=True,
                   command="cd /data && course grade subs -a a1_backprop -o out --shard 1/3 -q")
    assert rerun_commands(tmp_path, "a1_backprop", ["2/3", "3/3"]) == [
        "cd /data && course grade subs -a a1_backprop -o out --shard 2/3 -q",
        "cd /data && course grade subs -a a1_backprop -o out --shard 3/3 -q"]


def test_the_scheduler_s_rerun_line_is_used_when_it_gives_one(tmp_path):
    template = "/srv/templates/slurm/submit.sh --rerun {index}"
    assert rerun_commands(tmp_path, "a1_backprop", ["3/8"], template) == ["/srv/templates/slurm/submit.sh --rerun 3"]

