"""Wall-clock benchmark of self-check and batch grading, measured side by side in one run.

    python benchmarks/bench.py            # a1 (and a2/a3 when present), 20 submissions
    python benchmarks/bench.py --n 100    # a larger batch

Every figure is the median of --repeat runs of a fresh process, so import
costs are included the way a student or instructor pays them. Ratios compare
rows of the same run, on the same machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def wall(command: list[str], repeat: int, env: dict[str, str] = ENV) -> float:
    """Median wall time of ``repeat`` fresh runs of ``command``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def course(*args: str) -> list[str]:
    return [sys.executable, "-m", "graders.engine.cli", *args]


def assignments() -> list[str]:
    return sorted(p.name for p in (ROOT / "solutions").iterdir() if (ROOT / "graders" / p.name).is_dir())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="submissions in the batch")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--assignments", nargs="*", default=None, help="default: every assignment with graders")
    args = parser.parse_args()
    names = args.assignments or assignments()

    rows: list[tuple[str, float, str]] = []
    bare_numpy = wall([sys.executable, "-c", "import numpy"], args.repeat)
    bare_keras = wall([sys.executable, "-c", "import keras"], args.repeat)
    rows += [("python -c 'import numpy'", bare_numpy, ""), ("python -c 'import keras'", bare_keras, "")]
    for name in names:
        t = wall(course("check", name, "--submission", str(ROOT / "solutions" / name)), args.repeat)
        base = bare_numpy if name == "a1_backprop" else bare_keras
        rows.append((f"course check {name} (solution)", t,
                     f"{t / base:.2f}x bare import of {'numpy' if base is bare_numpy else 'keras'}"))

    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            # Marginal cost = (T(2N) - T(N)) / N: start-up costs cancel out.
            timings = {}
            for count in (args.n, 2 * args.n):
                folder = Path(scratch, name, str(count))
                for i in range(count):
                    shutil.copytree(ROOT / "solutions" / name, folder / f"s{i:03d}")
                out = Path(scratch, name, f"out{count}")
                timings[count] = wall(course("grade", *map(str, sorted(folder.iterdir())), "-a", name,
                                             "-o", str(out), "-q", "--force", "-j", str(args.jobs)), 1)
            t_n, t_2n = timings[args.n], timings[2 * args.n]
            marginal = (t_2n - t_n) / args.n
            rows.append((f"course grade {name}: {args.n} submissions, -j {args.jobs}", t_n,
                         f"{args.n / t_n * 60:.0f} submissions/min"))
            rows.append((f"course grade {name}: {2 * args.n} submissions, -j {args.jobs}", t_2n,
                         f"{2 * args.n / t_2n * 60:.0f} submissions/min; marginal {marginal:.2f} s per submission"))

    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'wall s':>7}  notes")
    for what, seconds, note in rows:
        print(f"{what:<{width}}  {seconds:7.2f}  {note}")


if __name__ == "__main__":
    main()
