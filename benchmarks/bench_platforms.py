"""What the Windows/macOS worker path costs: self-check with and without the forkserver, side by side.

    python benchmarks/bench_platforms.py [--repeat 3] [--assignments a1_backprop a2_keras_by_hand]

Each figure is the median wall time of --repeat fresh `course check` runs on the
solution. "spawned" forces the path Windows takes (COURSE_FORCE_NO=forkserver,
resource,proc,setsid): every worker is a fresh interpreter that imports NumPy
(and Keras) itself before it says it is ready.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench import wall  # benchmarks/ is this script's folder, so on sys.path

ROOT = Path(__file__).resolve().parent.parent
EVERYTHING_MISSING = "forkserver,resource,proc,setsid"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--assignments", nargs="*", default=["a1_backprop", "a2_keras_by_hand"])
    args = parser.parse_args()
    base = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    base.pop("COURSE_FORCE_NO", None)
    print("| check (solution) | forkserver s | spawned s | spawned / forkserver |")
    print("|---|---|---|---|")
    for name in args.assignments:
        command = [sys.executable, "-m", "graders.engine.cli", "check", name, "--submission",
                   str(ROOT / "solutions" / name)]
        forked = wall(command, args.repeat, base)
        spawned = wall(command, args.repeat, {**base, "COURSE_FORCE_NO": EVERYTHING_MISSING})
        print(f"| `course check {name}` | {forked:.2f} | {spawned:.2f} | {spawned / forked:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
