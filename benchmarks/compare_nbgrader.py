"""`course grade` vs `nbgrader autograde` on the same notebooks, side by side in one run.

    python benchmarks/compare_nbgrader.py --n 20          # a1_backprop, 20 students
    python benchmarks/compare_nbgrader.py --n 20 100      # two class sizes

The class mixes correct, half-done and faulty notebooks. Both tools grade the
same files from scratch (hidden tests included for `course grade`; nbgrader
runs the notebook's check cells). Reported: wall time, submissions per
minute, peak resident memory of the largest process, and the ratio.
otter-grader is not measured: its `otter grade` needs Docker, which this
machine does not run (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "a1_backprop"
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def class_of_notebooks(n: int) -> list[tuple[str, nbformat.NotebookNode]]:
    solution = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    stub = nbformat.read(ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    faulty = nbformat.reads(nbformat.writes(solution), as_version=4)
    for cell in faulty.cells:
        cell.source = cell.source.replace("self.mask = x <= 0", "self.mask = x < 0")
        cell.source = cell.source.replace("np.sum(dout, axis=0)", "np.sum(dout, axis=1)")
    kinds = [("correct", solution), ("faulty", faulty), ("stub", stub)]
    return [(f"s{i:03d}-{kinds[i % 3][0]}", kinds[i % 3][1]) for i in range(n)]


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of the largest process, via GNU time."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{result.stderr[-3000:]}")
    return seconds, int(result.stderr.strip().splitlines()[-1]) // 1024


def load() -> str:
    """1/5/15-minute load averages: on a shared machine, read the figures with them."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" on {os.cpu_count()} cores"


def run(n: int, scratch: Path) -> list[tuple[str, float, int, dict]]:
    notebooks = class_of_notebooks(n)
    nbg = scratch / f"nbgrader-{n}"
    subprocess.run([sys.executable, "-m", "graders.engine.cli", "nbgrader", "export", str(nbg), ASSIGNMENT],
                   cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["nbgrader", "generate_assignment", ASSIGNMENT], cwd=nbg, env=ENV, check=True,
                   capture_output=True)
    for name, notebook in notebooks:
        folder = nbg / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    out = scratch / f"course-{n}"
    print(f"load average before course grade: {load()}", flush=True)
    ours = timed([sys.executable, "-m", "graders.engine.cli", "grade", str(nbg / "submitted"), "-a", ASSIGNMENT,
                  "-o", str(out), "-q"], ROOT)
    print(f"load average before nbgrader: {load()}", flush=True)
    theirs = timed(["nbgrader", "autograde", ASSIGNMENT], nbg)
    print(f"load average after nbgrader: {load()}", flush=True)
    totals = {}
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{nbg / 'gradebook.db'}") as gradebook:
        for name, _ in notebooks:
            course_score = json.loads((out / name / "results.json").read_text())["score"]
            totals[name] = (course_score, gradebook.find_submission(ASSIGNMENT, name).score)
    agree = sum(abs(a - b) < 1e-6 for a, b in totals.values())
    return [("course grade", *ours, {"agree": f"{agree}/{n}"}), ("nbgrader autograde", *theirs, {})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[20])
    args = parser.parse_args()
    print(f"{'N':>4}  {'tool':<20} {'wall s':>8} {'subs/min':>9} {'peak MB':>8}  notes")
    with tempfile.TemporaryDirectory() as scratch:
        for n in args.n:
            rows = run(n, Path(scratch))
            base = rows[1][1]
            for tool, seconds, peak, extra in rows:
                ratio = f"{base / seconds:.1f}x nbgrader's rate" if tool == "course grade" else ""
                note = " ".join(filter(None, [ratio, *(f"{k}: {v}" for k, v in extra.items())]))
                print(f"{n:>4}  {tool:<20} {seconds:8.1f} {n / seconds * 60:9.1f} {peak:8d}  {note}", flush=True)
            shutil.rmtree(Path(scratch) / f"nbgrader-{n}", ignore_errors=True)


if __name__ == "__main__":
    main()
