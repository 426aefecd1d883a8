"""Grading a class in shards on a cluster, and merging the shards' results.

``course grade --shard K/N`` grades the submissions whose name hashes to
shard K of N. The share depends on the name only, so every shard computes the
same split from the same inputs, in any order, with no coordinator; hidden
tests are seeded by the name too, so a student gets the same cases in any
shard. Shards write disjoint submission folders (atomically) and one manifest
each, ``.shards/ASSIGNMENT-K-of-N.json``; none writes the gradebook, which
would race. ``course merge`` checks that every shard finished and then writes
the gradebook, the feedback pages and the class report once (reporting.publish).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..core.config import Course, CourseConfigError
from ..core.out_folder import OutFolderError, check_out, claim_out, out_assignment
from ..core.results import REPORT_FILE, read_reports, write_atomic

MANIFESTS = ".shards"
SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        """Whether submission ``name`` belongs to this shard (a stable hash of the name, not its position)."""
        digest = hashlib.sha256(name.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def manifest(self, out: Path, assignment: str) -> Path:
        return out / MANIFESTS / f"{assignment}-{self.index}-of-{self.count}.json"


def parse_shard(text: str) -> Shard:
    """``"K/N"`` with 1 <= K <= N, as SLURM's ``$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`` gives it."""
    match = SHARD.match(text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise CourseConfigError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. --shard 3/8")
    return Shard(int(match[1]), int(match[2]))


def write_manifest(out: Path, assignment: str, shard: Shard, names: list[str], finished: bool,
                   command: str = "") -> None:
    """What shard K was given, whether it got through all of it (a shard killed halfway leaves False),
    and the command that grades it."""
    data = {"assignment": assignment, "shard": str(shard), "submissions": sorted(names), "finished": finished,
            "command": command}
    write_atomic(shard.manifest(out, assignment), json.dumps(data, indent=1))


def _manifests(out: Path, assignment: str) -> list[dict]:
    found = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / MANIFESTS).glob(f"{assignment}-*-of-*.json"))]
    return [m for m in found if m.get("assignment") == assignment]


def unfinished_shards(out: Path, assignment: str) -> list[str]:
    """Shards of ``assignment`` in ``out`` that never started or did not finish: what to rerun.

    An ``out`` without manifests was graded unsharded and has nothing missing.
    """
    manifests = _manifests(out, assignment)
    counts = {parse_shard(m["shard"]).count for m in manifests}
    if len(counts) > 1:
        raise CourseConfigError(f"{out} holds shards of different splits ({', '.join(f'N={n}' for n in sorted(counts))}) "
                                f"for {assignment}; delete {out / MANIFESTS} and the results of the old split, "
                                "or grade them into separate folders")
    if not counts:
        return []
    count = counts.pop()
    finished = {m["shard"] for m in manifests
                if m["finished"] and all((out / name / REPORT_FILE).is_file() for name in m["submissions"])}
    return [f"{k}/{count}" for k in range(1, count + 1) if f"{k}/{count}" not in finished]


def rerun_commands(out: Path, assignment: str, shards: list[str], template: str | None = None) -> list[str]:
    """The exact line that reruns each of ``shards`` ("K/N").

    ``template`` is the scheduler's (the SLURM and Kubernetes templates set
    COURSE_RERUN, e.g. "submit.sh --rerun {index}"); without one, the shard's own
    `course grade` line from its manifest, or a sibling's with its --shard changed.
    """
    recorded = {m["shard"]: m.get("command", "") for m in _manifests(out, assignment)}
    sibling = next((command for command in recorded.values() if command), "")
    lines = []
    for text in shards:
        shard = parse_shard(text)
        if template:
            lines.append(template.format(index=shard.index, count=shard.count, shard=text))
        elif recorded.get(text) or sibling:
            lines.append(recorded.get(text) or re.sub(r"--shard[ =]\S+", f"--shard {text}", sibling))
        else:
            lines.append(f"course grade SUBMISSIONS -a {assignment} -o {out} --shard {text}")
    return lines


def _one_assignment(outs: list[Path], assignment: str | None) -> str | None:
    """The assignment all ``outs`` hold (each OUT records its own); a mix is refused in one line."""
    for out in outs if assignment is not None else ():
        check_out(out, assignment)
    found = sorted({owner for owner in map(out_assignment, outs) if owner})
    if len(found) > 1:
        raise OutFolderError(f"{', '.join(map(str, outs))} hold different assignments ({', '.join(found)}); "
                             "merge the folders of one assignment at a time")
    return assignment or (found[0] if found else None)


def gather(target: Path, sources: list[Path]) -> int:
    """Copy the graded submissions (and shard manifests) of ``sources`` into ``target``; returns how many.

    Shards written to separate folders (a node's local disk) end up in one.
    A submission graded differently in two folders is refused, not guessed.
    """
    copied = 0
    for source in sources:
        if source.resolve() == target.resolve():
            continue
        if not source.is_dir():
            raise CourseConfigError(f"{source} is not a folder; pass the folders `course grade --shard` wrote")
        for report in sorted(source.glob(f"*/{REPORT_FILE}")):
            copied += _copy_submission(report.parent, target / report.parent.name)
        for manifest in sorted((source / MANIFESTS).glob("*.json")):
            write_atomic(target / MANIFESTS / manifest.name, manifest.read_text(encoding="utf-8"))
    return copied


def _copy_submission(source: Path, target: Path) -> int:
    if (target / REPORT_FILE).is_file():
        if (target / REPORT_FILE).read_bytes() == (source / REPORT_FILE).read_bytes():
            return 0
        raise CourseConfigError(f"{source.name} is graded differently in {source.parent} and {target.parent}; "
                                f"delete the stale {source.name} folder and merge again")
    staging = target.with_name(f".{target.name}.merging")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    shutil.rmtree(target, ignore_errors=True)  # a half-graded leftover without report.json
    staging.rename(target)  # the whole folder appears at once
    return 1


@dataclass
class Merged:
    assignment: str
    submissions: int
    copied: int
    missing: list[str]  # shards still to (re)run; empty when complete


def merge(course: Course, outs: list[Path], assignment: str | None = None, partial: bool = False,
          rerun: str | None = None) -> Merged:
    """Gather ``outs`` into ``outs[0]`` and check every shard finished (the caller then publishes the pages).

    ``rerun``: the scheduler's rerun line, a template (see :func:`rerun_commands`).
    """
    target = outs[0]
    assignment = _one_assignment(outs, assignment)
    target.mkdir(parents=True, exist_ok=True)
    copied = gather(target, outs[1:])
    if assignment is None:
        found = sorted({r["assignment"] for r in read_reports(target)})
        if len(found) != 1:
            raise CourseConfigError(f"{target} holds {'no graded submissions' if not found else 'several assignments'}"
                                    + (f" ({', '.join(found)}); pass --assignment" if found else
                                       "; pass the folders `course grade --shard` wrote"))
        assignment = found[0]
    course.assignment(assignment)
    claim_out(target, assignment)
    missing = unfinished_shards(target, assignment)
    if missing and not partial:
        commands = "; ".join(f"`{line}`" for line in rerun_commands(target, assignment, missing, rerun))
        raise CourseConfigError(f"shard {', '.join(missing)} of {assignment} did not finish; rerun "
                                f"{'it' if len(missing) == 1 else 'them'} with {commands} (what it finished is kept), "
                                "then merge again; or pass --partial to merge what is there")
    return Merged(assignment, len(read_reports(target, assignment)), copied, missing)
