"""Peak memory and run time of a Gradescope bundle's run_autograder, per assignment and sandbox mode.

    python benchmarks/gradescope_memory.py                          # a1, a2, a3; fallback and bubblewrap
    python benchmarks/gradescope_memory.py --modes none --assignments a2_keras_by_hand
    python benchmarks/gradescope_memory.py --cpu 0 --hog            # about half a CPU: pinned to one core with a hog

Each run builds the assignment's bundle, lays out an /autograder-like tree in a
temporary folder (as tests/test_gradescope.py does), and runs its
``run_autograder`` on the solution with this Python standing in for the image's
venv. Memory is the sum of PSS (``/proc/PID/smaps_rollup``) over run_autograder
and all its descendants, sampled every 0.2 s: shared pages (libraries, a
forkserver's copy-on-write heap) are counted once in total, as a container's
memory cgroup roughly counts them. ``none`` is the fallback Gradescope gets
(COURSE_SANDBOX=none, no user namespaces); ``bwrap`` needs bubblewrap that works here.

Gradescope's default container has 768 MB; the target is 650 MB (15 % headroom).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ASSIGNMENTS = ("a1_backprop", "a2_keras_by_hand", "a3_keras_models")
SAMPLE_SECONDS = 0.2
TARGET_MB = 650


@dataclass
class Run:
    assignment: str
    mode: str
    peak_mb: float
    seconds: float
    score: float
    max_score: float
    processes: int  # most processes alive at once
    at_peak: list[tuple[int, int, str]]


def descendants(root_pid: int) -> set[int]:
    """``root_pid`` and every process below it (orphans come back to the judge: it is a subreaper)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                text = stat.read().decode(errors="replace")
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [root_pid]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Sampler(threading.Thread):
    """Samples the summed PSS of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.most = pid, 0, 0
        self.at_peak: list[tuple[int, int, str]] = []  # (PSS kB, uid, command) of each process at the peak
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            pids = descendants(self.pid)
            sizes = {pid: pss_kb(pid) for pid in pids}
            if sum(sizes.values()) > self.peak_kb:
                self.peak_kb = sum(sizes.values())
                self.at_peak = sorted(((kb, _uid(pid), _command(pid)) for pid, kb in sizes.items()), reverse=True)
            self.most = max(self.most, len(pids))


def _uid(pid: int) -> int:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return -1


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")[:90]
    except OSError:
        return "?"


def autograder_tree(bundle: Path, root: Path, submission: Path) -> None:
    from tests.test_gradescope import autograder_tree as lay_out

    lay_out(bundle, root, submission)
    # graded as the solutions' own STUDENT_ID, so a2's per-student hand numbers are the solution's
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "instructor"}]}))


def build(assignment: str, target: Path) -> Path:
    from graders.engine.core.config import load_course
    from graders.engine.platforms.gradescope import build_bundle

    return build_bundle(load_course(ROOT), assignment, target).path


def run_once(assignment: str, mode: str, bundle: Path, cpu: int | None, scratch: Path) -> Run:
    root = scratch / f"{assignment}-{mode}"
    autograder_tree(bundle, root, ROOT / "solutions" / assignment)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable, "COURSE_SANDBOX": mode}
    command = [str(root / "run_autograder")]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = Sampler(process.pid)
    sampler.start()
    output, _ = process.communicate(timeout=1800)
    seconds = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    try:
        results = json.loads((root / "results" / "results.json").read_text())
    except (OSError, ValueError):
        print(output, file=sys.stderr)
        raise
    if process.returncode != 0:
        print(output, file=sys.stderr)
    return Run(assignment, mode, sampler.peak_kb / 1024, seconds, results["score"],
               sum(t.get("max_score", 0) for t in results.get("tests", [])), sampler.most, sampler.at_peak)


def start_hog(cpu: int) -> subprocess.Popen:
    """A busy loop on the same core: the run gets about half of it."""
    return subprocess.Popen(["taskset", "-c", str(cpu), sys.executable, "-c", "while True: pass"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    parser.add_argument("--modes", nargs="*", default=["none", "bwrap"], choices=["none", "bwrap"])
    parser.add_argument("--cpu", type=int, default=None, help="pin run_autograder to this core")
    parser.add_argument("--hog", action="store_true", help="with --cpu: a CPU hog shares that core")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--breakdown", action="store_true", help="each process's PSS at the peak")
    args = parser.parse_args()

    hog = start_hog(args.cpu) if args.hog and args.cpu is not None else None
    rows: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(prefix="gradescope-memory-") as folder:
            scratch = Path(folder)
            os.chmod(scratch, 0o755)  # workers under their own user id must reach their scratch copy
            for assignment in args.assignments:
                bundle = build(assignment, scratch / f"{assignment}.zip")
                for mode in args.modes:
                    run = run_once(assignment, mode, bundle, args.cpu, scratch)
                    rows.append(run)
                    flag = "ok" if run.peak_mb <= TARGET_MB else f"over {TARGET_MB}"
                    print(f"{assignment:18} {mode:6} peak {run.peak_mb:7.0f} MB ({flag})  "
                          f"{run.seconds:6.1f} s  score {run.score:g}/{run.max_score:g}  "
                          f"max processes {run.processes}", flush=True)
                    if args.breakdown:
                        for kb, uid, command in run.at_peak:
                            print(f"    {kb / 1024:6.0f} MB  uid {uid:<7} {command}")
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    if args.json:
        args.json.write_text(json.dumps([run.__dict__ for run in rows], indent=1))
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
