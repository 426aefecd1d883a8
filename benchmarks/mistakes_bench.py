"""Size and time of mistake mining for a large class.

    python benchmarks/mistakes_bench.py GRADED [--n 100 1000]

GRADED is a folder `course grade` wrote (a1, with some wrong submissions, e.g.
the planted class of tests/test_mistakes.py). Its submissions are copied,
renamed, until the class has N members (the evidence is as graded; public
checks repeat exactly, as they do in a real class). For each N, in one run,
prints the evidence on disk and the CPU and wall time of `course mistakes`'s
analysis and of writing mistakes.csv and mistakes.html.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_class(graded: Path, n: int, target: Path) -> int:
    """N submissions made of GRADED's, in turn; returns the bytes of evidence kept."""
    sources = sorted(p for p in graded.iterdir() if (p / "evidence.json").is_file())
    size = 0
    for i in range(n):
        source = sources[i % len(sources)]
        folder = target / f"{source.name}_{i:05d}"
        folder.mkdir(parents=True)
        for name in ("report.json", "evidence.json"):
            shutil.copyfile(source / name, folder / name)
        size += (folder / "evidence.json").stat().st_size
    return size


def timed(work) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("graded", type=Path)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from graders.engine.reporting.mistakes import analyse, write_reports

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| submissions | evidence MB | largest file kB | analyse wall s | analyse CPU s | write CPU s | clusters |")
    print("|---|---|---|---|---|---|---|")
    for n in args.n:
        with tempfile.TemporaryDirectory(prefix="mistakes-bench-") as scratch:
            out = Path(scratch)
            size = build_class(args.graded, n, out)
            largest = max((p / "evidence.json").stat().st_size for p in out.iterdir())
            wall, cpu, analysis = timed(lambda: analyse(out))
            _, write_cpu, _ = timed(lambda: write_reports(out, analysis))
            print(f"| {n} | {size / 1e6:.1f} | {largest / 1e3:.0f} | {wall:.1f} | {cpu:.1f} | {write_cpu:.1f} "
                  f"| {len(analysis.clusters)} |")


if __name__ == "__main__":
    main()
