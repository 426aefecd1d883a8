"""The package's test suite, serial (-n 0) and parallel (the default: -n auto --dist loadgroup),
side by side in one run: wall time, CPU time of the whole process tree, their ratios, and the
slowest tests of the serial run (pytest --durations).

    python benchmarks/suite_timing.py                       # a sample of fast test files
    python benchmarks/suite_timing.py tests                 # the whole default suite (long)
    python benchmarks/suite_timing.py tests/test_cli.py -k check
    python benchmarks/suite_timing.py --share durations.txt # share of a saved run the default run keeps now

On a busy machine wall times stretch with the load; the CPU times and the ratio of the two runs
(taken one after the other, same machine, same load as far as it holds) are the figures to quote.

``--share FILE`` reads the output of an earlier ``pytest --durations=0`` run (e.g. before tests were
marked ``long``) and prints how much of that run's per-test time the tests the default run selects
now held: both sides come from the same run, so the load it ran under cancels out.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ["tests/test_engine_layers.py", "tests/test_feedback_matching.py", "tests/test_config.py",
          "tests/test_corrections.py", "tests/test_lms.py", "tests/test_reports.py"]
DURATION = re.compile(r"^(?P<seconds>[\d.]+)s (?P<phase>call|setup|teardown)\s+(?P<test>\S.*)$")


def run(args: list[str], workers: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of pytest and everything it started, output) of one pytest run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", workers,
                           "--durations=15", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    print(f"  -n {workers:>4}: {wall:7.1f} s wall, {cpu:7.1f} s CPU   ({summary})", flush=True)
    return wall, cpu, done.stdout


def selected() -> set[str]:
    """Node ids of the tests the default run selects now (collected, not run)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "0",
                           "--collect-only"], cwd=ROOT, capture_output=True, text=True)
    return {line.strip() for line in done.stdout.splitlines() if "::" in line}


def share(durations: Path) -> int:
    """Print the share of a saved --durations=0 run's test time held by the tests selected now."""
    timed = [(float(m["seconds"]), m["test"].strip())
             for m in map(DURATION.match, durations.read_text().splitlines()) if m]
    if not timed:
        print(f"{durations} holds no --durations lines: run pytest with --durations=0 and save its output")
        return 2
    now = selected()
    total, kept = sum(s for s, _ in timed), sum(s for s, test in timed if test in now)
    print(f"{durations}: {total:.0f} s of test time; the {len(now)} tests selected now held {kept:.0f} s "
          f"({kept / total:.0%})")
    return 0


def main(args: list[str]) -> int:
    if args[:1] == ["--share"] and len(args) == 2:
        return share(Path(args[1]))
    args = args or SAMPLE
    print(f"pytest {' '.join(args)}  (load average before: {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs)")
    serial_wall, serial_cpu, output = run(args, "0")
    parallel_wall, parallel_cpu, _ = run(args, "auto")
    print(f"parallel / serial: wall {parallel_wall / serial_wall:.2f}, CPU {parallel_cpu / serial_cpu:.2f}  "
          f"(load average after: {os.getloadavg()[0]:.1f})")
    slowest = [m for m in map(DURATION.match, output.splitlines()) if m]
    if slowest:
        print("slowest in the serial run (wall):")
        for match in slowest[:15]:
            print(f"  {float(match['seconds']):6.2f} s {match['phase']:<8} {match['test']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
