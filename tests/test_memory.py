"""Memory in a container: the engine reads its limit, keeps workers under it, and the judge survives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graders.engine.core.config import Limits
from graders.engine.core.errors import StudentCrash, StudentError
from graders.engine.isolation import memory, platform_caps, worker_backend
from graders.engine.isolation.worker_backend import WorkerBackend

MB = 2**20


@pytest.fixture
def cgroup(tmp_path, monkeypatch) -> Path:
    """A cgroup-like folder the engine reads instead of /sys/fs/cgroup."""
    monkeypatch.setenv(memory.CGROUP_ENV, str(tmp_path))
    return tmp_path


def test_a_cgroup_v2_limit_is_read_in_megabytes(cgroup):
    (cgroup / "memory.max").write_text(f"{768 * MB}\n")
    assert memory.container_limit_mb() == 768


def test_a_cgroup_v2_without_a_limit_says_max(cgroup):
    (cgroup / "memory.max").write_text("max\n")
    assert memory.container_limit_mb() is None


def test_a_cgroup_v1_limit_is_read_in_megabytes(cgroup):
    (cgroup / "memory").mkdir()
    (cgroup / "memory" / "memory.limit_in_bytes").write_text(f"{1024 * MB}\n")
    assert memory.container_limit_mb() == 1024


def test_a_cgroup_v1_without_a_limit_is_a_huge_number(cgroup):
    (cgroup / "memory").mkdir()
    (cgroup / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert memory.container_limit_mb() is None


def test_no_cgroup_files_means_no_limit(cgroup):
    assert memory.container_limit_mb() is None and memory.worker_budget_mb(4096) == 4096


def test_a_worker_gets_what_the_container_leaves_the_judge(cgroup):
    (cgroup / "memory.max").write_text(f"{768 * MB}\n")
    assert memory.worker_budget_mb(4096) == 768 - memory.JUDGE_ROOM_MB
    assert memory.worker_budget_mb(300) == 300  # course.toml's own limit when it is the smaller


def test_a_tiny_container_still_leaves_a_worker_enough_to_run(cgroup):
    (cgroup / "memory.max").write_text(f"{200 * MB}\n")
    assert memory.worker_budget_mb(4096) == memory.MIN_WORKER_MB


def test_oom_kills_are_counted_from_memory_events(cgroup):
    (cgroup / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n")
    assert memory.oom_kills() == 2


HUNGRY = '''import numpy as np, os

def allocate(mb):
    block = np.ones(mb * 2**20, dtype=np.uint8)
    return int(block[-1])

def oom_score_adj():
    with open("/proc/self/oom_score_adj") as f:
        return int(f.read())

def pid():
    return os.getpid()

def killed_by_the_kernel():
    import signal
    os.kill(os.getpid(), signal.SIGKILL)
'''


@pytest.fixture
def hungry(tmp_path) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "hungry.py").write_text(HUNGRY, encoding="utf-8")
    return folder


def call(backend: WorkerBackend, name: str, *args):
    module = backend.import_module("hungry")
    return backend.call(backend.getattr(module, name), args, {})


@pytest.mark.skipif(not (platform_caps.detect().resource and platform_caps.detect().proc),
                    reason="the worker's memory limit needs rlimits and /proc (COURSE_FORCE_NO took one away)")
def test_a_submission_over_the_containers_memory_fails_with_memory_limit_exceeded(cgroup, hungry):
    """course.toml allows 4 GB, the container 400 MB: the worker gets 144 MB, the judge the rest."""
    (cgroup / "memory.max").write_text(f"{400 * MB}\n")
    backend = WorkerBackend(hungry, Limits(memory_mb=4096), files=("hungry.py",))
    try:
        with pytest.raises(StudentError, match="memory limit exceeded"):
            call(backend, "allocate", 600)
        assert call(backend, "allocate", 50) == 1  # within its share, the same worker goes on
    finally:
        backend.close()


def test_a_worker_the_container_killed_for_memory_is_told_memory_limit_exceeded(hungry, monkeypatch):
    """The kernel's OOM kill (SIGKILL, the cgroup's oom_kill count going up), as the judge sees it."""
    counts = iter([0, 1])
    monkeypatch.setattr(worker_backend.memory, "oom_kills", lambda: next(counts))
    backend = WorkerBackend(hungry, Limits(), files=("hungry.py",))
    try:
        with pytest.raises(StudentCrash, match="memory limit exceeded"):
            call(backend, "killed_by_the_kernel")
    finally:
        backend.close()


def test_a_sigkill_without_an_oom_kill_is_not_called_a_memory_problem(hungry, monkeypatch):
    monkeypatch.setattr(worker_backend.memory, "oom_kills", lambda: 0)
    backend = WorkerBackend(hungry, Limits(), files=("hungry.py",))
    try:
        with pytest.raises(StudentCrash, match="killed by SIGKILL") as crash:
            call(backend, "killed_by_the_kernel")
        assert "memory" not in str(crash.value)
    finally:
        backend.close()


def test_the_kernel_would_kill_the_worker_first_and_never_the_judge(hungry):
    backend = WorkerBackend(hungry, Limits(), files=("hungry.py",))
    try:
        assert call(backend, "oom_score_adj") == 1000
        # the worker's own pid: a spawned worker in the sandbox is bubblewrap's child, not multiprocessing's
        worker_score = int(Path(f"/proc/{call(backend, 'pid')}/oom_score").read_text())
        assert worker_score > int(Path("/proc/self/oom_score").read_text())
    finally:
        backend.close()


def test_released_import_pages_leave_the_process_working_and_smaller(tmp_path):
    """Clean file pages (a library's code, here a read-only mapped file) go; used again, they are read back."""
    import mmap

    data = os.urandom(8 * MB)
    library = tmp_path / "library.so"
    library.write_bytes(data)

    def resident_kb() -> int:
        lines = Path("/proc/self/smaps").read_text().splitlines()
        at = next(i for i, line in enumerate(lines) if line.endswith(str(library)))
        return next(int(line.split()[1]) for line in lines[at + 1:] if line.startswith("Rss:"))

    with library.open("rb") as file, mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ) as mapped:
        assert mapped[:] == data  # every page read once, as an import does
        before = resident_kb()
        assert memory.release_import_pages() >= len(data)
        assert resident_kb() < before
        assert mapped[:] == data
