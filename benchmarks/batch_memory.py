"""Peak memory of ``course grade``, by process role: the judges and the workers' forkservers.

    python benchmarks/batch_memory.py                                  # a3, 2 copies of the solution, -j 2
    python benchmarks/batch_memory.py --assignment a2_keras_by_hand --copies 4 --jobs 2

``course grade`` spawns one hub that imports what judges need and forks the
judges; each judge forks its workers' forkserver from itself (classbook/judges.py),
so the forkservers share the hub's Keras. A forkserver started the usual way
(a new Python) imports the workers' modules again: its processes then show as
their own role. Memory is the sum of PSS over the command's processes, sampled
every 0.2 s (as gradescope_memory.py does); run it with no other process of the
same Python environment, whose shared library pages would change the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gradescope_memory import Sampler  # noqa: E402


def role(command: str) -> str:
    if "multiprocessing.forkserver" in command:
        return "forkserver (and its workers)"
    if "multiprocessing.resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command or "multiprocessing.spawn" in command:
        return "hub and judges"
    return "course grade"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="a3_keras_models")
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-memory-") as folder:
        scratch = Path(folder)
        os.chmod(scratch, 0o755)  # workers under their own user id must reach their scratch copy
        submissions = []
        for copy in range(args.copies):
            target = scratch / "class" / f"student{copy}"
            shutil.copytree(ROOT / "solutions" / args.assignment, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
            submissions.append(str(target))
        command = [sys.executable, "-m", "graders.engine.cli", "grade", *submissions, "-a", args.assignment,
                   "-o", str(scratch / "out"), "-j", str(args.jobs), "--quiet"]
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sampler = Sampler(process.pid)
        sampler.start()
        output, _ = process.communicate(timeout=3600)
        sampler.done.set()
        sampler.join()
        if process.returncode != 0:
            print(output, file=sys.stderr)
    by_role: dict[str, tuple[float, int]] = {}  # role: (MB, processes)
    for kb, _, command_line in sampler.at_peak:
        mb, count = by_role.get(role(command_line), (0.0, 0))
        by_role[role(command_line)] = (mb + kb / 1024, count + 1)
    print(f"{args.assignment}: {args.copies} submissions, -j {args.jobs}: peak {sampler.peak_kb / 1024:.0f} MB, "
          f"{time.monotonic() - started:.0f} s, most processes {sampler.most}")
    for name, (mb, count) in sorted(by_role.items(), key=lambda item: -item[1][0]):
        print(f"    {mb:6.0f} MB  {name}: {count} processes")
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
