"""Wall time and peak memory of `course similarity` on a large a1 class, next to copydetect's CopyDetector.

    python benchmarks/similarity_bench.py                          # 500 submissions; CopyDetector at 50, 100
    python benchmarks/similarity_bench.py --n 100 500 --copydetect 50 100 200

Builds a class as `course grade` leaves it (OUT/<name>/report.json and
OUT/<name>/files/): each submission starts from the solution or one of the
independent solutions in tests/catalog/a1_independent.py, takes a random
subset of the catalog's mistakes and variants, and gets random renames,
reordered functions and extra comments. Each figure is one fresh process:
its wall time and its peak resident memory (ru_maxrss of the child).
CopyDetector (copydetect's own all-pairs loop, same files, same-name
comparisons, stubs as boilerplate) runs on the first submissions of the same
class, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graders.engine.authoring.notebooks import split_module  # noqa: E402
from tests.catalog.a1_backprop import MISTAKES, VARIANTS  # noqa: E402
from tests.catalog.a1_independent import INDEPENDENT, fill_stubs  # noqa: E402

A1 = "a1_backprop"
FILES = ("layers.py", "network.py")
RENAMES = ["x", "dout", "dx", "out", "batch_size", "grads", "losses", "rng", "t", "y", "shifted", "exp",
           "probs", "labels", "generator", "history", "h", "d", "layers", "n", "idx", "grad"]

COPYDETECT = """
import sys
from copydetect import CopyDetector
detector = CopyDetector(test_dirs=[sys.argv[1]], ref_dirs=[sys.argv[1]], boilerplate_dirs=[sys.argv[2]],
                        extensions=["py"], same_name_only=True, autoopen=False, silent=True)
detector.run()
print(len(detector.slice_matrix))
"""


def bases(scratch: Path) -> list[Path]:
    found = [ROOT / "solutions" / A1]
    for name, bodies in INDEPENDENT.items():
        found.append(fill_stubs(ROOT / "exercises" / A1, bodies, scratch / name))
    return found


def variant(base: Path, rng: random.Random) -> dict[str, str]:
    texts = {file: (base / file).read_text() for file in FILES}
    for entry in rng.sample(MISTAKES + VARIANTS, 4):
        for patch in entry.patches:
            if texts[patch.file].count(patch.old) == 1:
                texts[patch.file] = texts[patch.file].replace(patch.old, patch.new)
    for old in rng.sample(RENAMES, 5):
        new = f"{old}_{rng.randrange(100)}"
        texts = {file: re.sub(rf"\b{old}\b", new, text) for file, text in texts.items()}
    return {file: _comment(_shuffle(file, text, rng), rng) for file, text in texts.items()}


def _shuffle(file: str, text: str, rng: random.Random) -> str:
    header, *rest = split_module(file, text)
    rng.shuffle(rest)
    return "\n\n\n".join([header.source, *(chunk.source for chunk in rest)])


def _comment(text: str, rng: random.Random) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("return", "for ", "self.")) and rng.random() < 0.3:
            lines.append(line[:len(line) - len(stripped)] + f"# step {rng.randrange(1000)}")
        lines.append(line)
    return "\n".join(lines) + "\n"


def build_class(out: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        starts = bases(Path(scratch))
        for index in range(n):
            name = f"student{index:04d}"
            for file, text in variant(rng.choice(starts), rng).items():
                (out / name / "files").mkdir(parents=True, exist_ok=True)
                (out / name / "files" / file).write_text(text)
            (out / name / "report.json").write_text(json.dumps({"assignment": A1, "submission": name}))


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, its children included) and peak resident MB of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # includes the process's own workers, once reaped
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, usage.ru_maxrss / 1024


def copydetect_class(out: Path, n: int, target: Path) -> Path:
    """The first n submissions' kept files, one folder each, as CopyDetector reads them."""
    for folder in sorted(out.glob("student*"))[:n]:
        shutil.copytree(folder / "files", target / folder.name)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[500], help="class sizes for `course similarity`")
    parser.add_argument("--copydetect", type=int, nargs="*", default=[50, 100],
                        help="class sizes for copydetect's CopyDetector (it grows quadratically)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="`course similarity --jobs`")
    args = parser.parse_args()
    before_load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "graded"
        build_class(out, max([*args.n, *args.copydetect]), args.seed)
        for n in args.n:
            subset = Path(scratch) / f"graded-{n}"
            for folder in sorted(out.glob("student*"))[:n]:
                shutil.copytree(folder, subset / folder.name)
            wall, cpu, memory = measure([sys.executable, "-m", "graders.engine.cli", "similarity", str(subset),
                                         "--jobs", str(args.jobs)])
            rows.append((f"course similarity -j {args.jobs}", n, wall, cpu, memory))
        for n in args.copydetect:
            folder = copydetect_class(out, n, Path(scratch) / f"copydetect-{n}")
            wall, cpu, memory = measure([sys.executable, "-c", COPYDETECT, str(folder), str(ROOT / "exercises" / A1)])
            rows.append(("copydetect CopyDetector", n, wall, cpu, memory))
    print(f"load average before: {before_load:.1f}; cores: {os.cpu_count()}")
    print("| what | submissions | wall s | CPU s | peak RSS MB (largest process) | CPU ms per pair |")
    print("|---|---|---|---|---|---|")
    for what, n, wall, cpu, memory in rows:
        pairs = n * (n - 1) / 2
        print(f"| {what} | {n} | {wall:.1f} | {cpu:.1f} | {memory:.0f} | {1000 * cpu / pairs:.3f} |")


if __name__ == "__main__":
    main()
