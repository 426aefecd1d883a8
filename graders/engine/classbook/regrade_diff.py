"""What a regrade changed: per submission and exercise, old → new autograded points.

``course grade`` reads the points of every report.json it is about to
overwrite; once the new ones are written, each exercise whose points moved is
printed and saved to ``OUT/regrade-diff.csv``, so an instructor sees what a
grader fix did before publishing. Manual adjustments and late penalties are
not part of the comparison: they do not change when graders do.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..core.results import REPORT_FILE

DIFF_FILE = "regrade-diff.csv"
TOTAL = "(total)"


@dataclass(frozen=True)
class Change:
    submission: str
    exercise: str  # or TOTAL
    old: float
    new: float


def snapshot(out: Path, names: Iterable[str], assignment: str) -> dict[str, dict[str, float]]:
    """The autograded points now on disk: submission -> exercise (and TOTAL) -> points."""
    points = {}
    for name in names:
        try:
            data = json.loads((out / name / REPORT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # never graded (or a file from before atomic writes): nothing to compare
        if data.get("assignment") == assignment:
            points[name] = {e["name"]: e["score"] for e in data["exercises"]} | {TOTAL: data["score"]}
    return points


def changes(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> list[Change]:
    """Every exercise (and total) of a submission graded both times whose points differ."""
    found = []
    for name in sorted(before.keys() & after.keys()):
        old, new = before[name], after[name]
        exercises = [e for e in new if e != TOTAL] + [e for e in old if e not in new] + [TOTAL]
        found += [Change(name, e, old.get(e, 0.0), new.get(e, 0.0)) for e in exercises
                  if old.get(e, 0.0) != new.get(e, 0.0)]
    return found


def diff_csv(found: list[Change]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "exercise", "old", "new", "change"])
    for change in found:
        writer.writerow([change.submission, change.exercise, f"{change.old:g}", f"{change.new:g}",
                         f"{round(change.new - change.old, 4):+g}"])
    return buffer.getvalue()


def diff_file(out: Path, shard: str | None = None) -> Path:
    """OUT/regrade-diff.csv; shards grading into one OUT at once each write their own."""
    if shard is None:
        return out / DIFF_FILE
    index, count = shard.split("/")
    return out / DIFF_FILE.replace(".csv", f"-{index}-of-{count}.csv")


def record_regrade(console, out: Path, assignment: str, before: dict[str, dict[str, float]],
                   regraded: list[str], quiet: bool = False, shard: str | None = None) -> list[Change] | None:
    """Compare the regraded submissions with ``before``; save the diff file and print it.

    Returns None (and writes nothing) when no submission graded before was graded again.
    """
    compared = [name for name in regraded if name in before]
    if not compared:
        return None
    from ..core.results import points, write_atomic

    found = changes({n: before[n] for n in compared}, snapshot(out, compared, assignment))
    target = diff_file(out, shard)
    write_atomic(target, diff_csv(found))
    if quiet:
        return found
    moved = sorted({c.submission for c in found})
    if not found:
        console.print(f"Regrade: no points changed in {len(compared)} regraded submission(s).", highlight=False)
        return found
    from rich.table import Table

    console.print(f"Regrade: points changed for {len(moved)} of {len(compared)} regraded submission(s):",
                  highlight=False)
    table = Table()
    for column in ("submission", "exercise", "old → new"):
        table.add_column(column)
    for change in found[:60]:
        table.add_row(change.submission, change.exercise, f"{points(change.old)} → {points(change.new)}")
    console.print(table)
    more = f" ({len(found) - 60} more rows there)" if len(found) > 60 else ""
    console.print(f"Saved to {target}{more}", highlight=False)
    return found
