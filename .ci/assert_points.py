"""Fail unless each `course check --json` report scored as expected: REPORT=full or REPORT=zero."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(args: list[str]) -> int:
    failures = 0
    for arg in args:
        path, expected = arg.split("=")
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        target = report["max_score"] if expected == "full" else 0
        graded = all(test["status"] != "not-graded" for test in report["tests"])
        ok = graded and report["score"] == target
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {path}: {report['score']} / {report['max_score']} (expected {expected})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
