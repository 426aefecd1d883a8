"""The SLURM template on a real single-node cluster: three shards merge into an unsharded run's results.

The test starts munged, slurmctld and slurmd for this machine only, each in a
temporary folder of its own (own sockets, ports, state and logs; nothing under
/etc is read or changed), submits ``templates/slurm/submit.sh`` with three
shards, waits for the merge job, compares, and stops the daemons. It needs
Debian's ``slurm-wlm`` and ``munge`` packages and root (slurmd starts jobs as
their user); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")
MISSING = [name for name in DAEMONS if shutil.which(name) is None and not Path("/usr/sbin", name).exists()]
SHARDS = 3
NAMES = sorted(p.name for p in (ROOT / "tests" / "samples" / "a1_backprop").iterdir())

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.xdist_group("serial"),
    pytest.mark.skipif(bool(MISSING), reason=f"needs slurm-wlm and munge ({', '.join(MISSING)} not found)"),
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="slurmd must run as root"),
]


# Each daemon runs under an init of its own, as systemd runs it: a subreaper that reaps. Otherwise a job's
# orphans go to the nearest subreaper above slurmd, which may be this pytest worker (in-process grading
# makes it one) and never reaps them: a zombie left in a job's process group keeps SLURM from ending the
# job ("Kill task failed"), drains the node and leaves the rest of the array pending.
INIT = """import os, signal, subprocess, sys
from graders.engine.isolation.reaper import become_subreaper
become_subreaper()
daemon = subprocess.Popen(sys.argv[1:])
signal.signal(signal.SIGTERM, lambda *_: daemon.terminate())
while True:
    try:
        os.wait()
    except ChildProcessError:  # the daemon and every orphan it left are gone
        break
"""


def under_init(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", INIT, *command], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def program(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 0


def slurm_conf(folder: Path, munge_socket: Path) -> str:
    host = socket.gethostname().split(".")[0]
    # grade.sbatch asks for 8 GB; a node offering more than it has would be drained
    real_memory = min(memory_mb() * 9 // 10, 16_000)
    return "\n".join([
        "ClusterName=coursetest", f"SlurmctldHost={host}(127.0.0.1)", "SlurmUser=root",
        f"SlurmctldPort={free_port()}", f"SlurmdPort={free_port()}",
        "AuthType=auth/munge", "CredType=cred/munge", f"AuthInfo=socket={munge_socket}",
        f"StateSaveLocation={folder / 'state'}", f"SlurmdSpoolDir={folder / 'spool'}",
        f"SlurmctldPidFile={folder / 'slurmctld.pid'}", f"SlurmdPidFile={folder / 'slurmd.pid'}",
        f"SlurmctldLogFile={folder / 'slurmctld.log'}", f"SlurmdLogFile={folder / 'slurmd.log'}",
        "ProctrackType=proctrack/pgid", "TaskPlugin=task/none", "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none", "SchedulerType=sched/backfill",
        "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU", "MpiDefault=none",
        "ReturnToService=2", "SlurmdTimeout=300", "MinJobAge=600",
        f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={real_memory} State=UNKNOWN",
        f"PartitionName=course Nodes={host} Default=YES MaxTime=INFINITE State=UP",
        "",
    ])


def wait_until(condition, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log}\n{log.read_text()[-2000:]}" for log in logs if log.exists())
            pytest.fail(f"{what} not within {seconds:g} s\n{tails}")
        time.sleep(1)


def output(command: list[str], env: dict[str, str]) -> str:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A one-node SLURM cluster of this machine: (its folder, the environment its commands need)."""
    folder = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool", "munge"):
        (folder / sub).mkdir()
    (folder / "munge").chmod(0o700)
    key, munge_socket = folder / "munge" / "munge.key", folder / "munge" / "munge.socket"
    subprocess.run([program("mungekey"), "--create", f"--keyfile={key}"], check=True, capture_output=True)
    (folder / "slurm.conf").write_text(slurm_conf(folder, munge_socket))
    env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    logs = [folder / "munged.log", folder / "slurmctld.log", folder / "slurmd.log"]
    daemons: list[subprocess.Popen] = []
    try:
        daemons.append(under_init(
            [program("munged"), "--foreground", "--force", f"--key-file={key}", f"--socket={munge_socket}",
             f"--pid-file={folder / 'munge' / 'munged.pid'}", f"--seed-file={folder / 'munge' / 'seed'}",
             f"--log-file={logs[0]}"], env))
        wait_until(munge_socket.exists, 30, "munged's socket", logs)
        for daemon in ("slurmctld", "slurmd"):
            daemons.append(under_init([program(daemon), "-D", "-f", str(folder / "slurm.conf")], env))
        wait_until(lambda: output(["sinfo", "-h", "-o", "%T"], env).strip() == "idle", 120, "an idle node", logs)
        yield folder, env
    finally:
        for daemon in reversed(daemons):
            daemon.terminate()
        for daemon in reversed(daemons):
            with contextlib.suppress(subprocess.TimeoutExpired):
                daemon.wait(30)
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait(10)


def test_three_shards_on_slurm_merge_into_the_unsharded_results(cluster, tmp_path):
    folder, env = cluster
    shutil.copytree(ROOT / "tests" / "samples" / "a1_backprop", tmp_path / "submitted")
    shutil.copytree(ROOT / "templates" / "slurm", tmp_path / "templates")
    settings = {"SHARDS": str(SHARDS), "ASSIGNMENT": "a1_backprop", "COURSE_ROOT": str(ROOT), "VENV": sys.prefix,
                "SUBMISSIONS": str(tmp_path / "submitted"), "OUT": str(tmp_path / "graded")}
    (tmp_path / "jobs").mkdir()
    submitted = subprocess.run([str(tmp_path / "templates" / "submit.sh")], env={**env, **settings},
                               cwd=tmp_path / "jobs", capture_output=True, text=True, timeout=120)
    assert submitted.returncode == 0, submitted.stderr
    assert f"tasks 1-{SHARDS} of {SHARDS}" in submitted.stdout

    def finished() -> bool:
        node = output(["sinfo", "-h", "-o", "%T %E"], env).strip()
        if node.startswith("drain"):  # nothing more will run: say why now rather than after the wait
            pytest.fail(f"SLURM drained the node ({node}); squeue: {output(['squeue', '-h'], env)}")
        return output(["squeue", "-h", "-o", "%i %T"], env).strip() == ""

    logs = [folder / "slurmctld.log", folder / "slurmd.log", *sorted((tmp_path / "jobs").glob("*.log"))]
    wait_until(finished, 1800, "the grading array and the merge", logs)
    merge_logs = sorted((tmp_path / "jobs").glob("course-merge-*.log"))
    task_logs = sorted((tmp_path / "jobs").glob("course-grade-*_*.log"))
    assert len(merge_logs) == 1 and len(task_logs) == SHARDS, sorted(p.name for p in (tmp_path / "jobs").iterdir())

    reference = subprocess.run([sys.executable, "-m", "graders.engine.cli", "grade", str(tmp_path / "submitted"),
                                "-a", "a1_backprop", "-o", str(tmp_path / "unsharded"), "-q"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert reference.returncode == 0, reference.stderr
    graded, unsharded = tmp_path / "graded", tmp_path / "unsharded"
    assert (graded / "gradebook.csv").read_bytes() == (unsharded / "gradebook.csv").read_bytes(), \
        merge_logs[0].read_text()[-2000:]
    for name in NAMES:
        assert (graded / name / "results.json").read_bytes() == (unsharded / name / "results.json").read_bytes(), name
    manifests = sorted(p.name for p in (graded / ".shards").iterdir())
    assert manifests == [f"a1_backprop-{k}-of-{SHARDS}.json" for k in range(1, SHARDS + 1)]
