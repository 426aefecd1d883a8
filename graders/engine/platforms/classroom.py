"""GitHub Classroom: turn ``course check --json`` output into points a workflow can report.

``python -m graders.engine.platforms.classroom points.json`` prints ``Points X/Y`` (the
line GitHub Classroom's autograding reads) and, when ``$GITHUB_STEP_SUMMARY``
is set, appends a table of points per exercise to the job summary. The
workflow template is in ``templates/github-classroom/``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
MAX_FEEDBACK = 3000  # characters of feedback per failed check: the summary stays readable


def points_line(report: dict) -> str:
    return f"Points {_points(report['score'])}/{_points(report['max_score'])}"


def summary_markdown(report: dict) -> str:
    """The job summary: points per exercise, then each failed check with its feedback."""
    lines = [f"## {report['assignment']}: {_points(report['score'])} / {_points(report['max_score'])} points", "",
             "| Exercise | Points | Checks passed |", "|---|---|---|"]
    lines += [f"| {e['name']} | {_points(e['score'])} / {_points(e['max_score'])} | {e['passed']} / {e['total']} |"
              for e in report["exercises"]]
    order = {e["name"]: i for i, e in enumerate(report["exercises"])}
    failed = sorted((t for t in report["tests"] if t["status"] != "passed"), key=lambda t: order.get(t["exercise"], 0))
    if failed:
        lines += ["", "<details><summary>What to look at</summary>", ""]
        for test in failed:
            feedback = test["feedback"].strip()[:MAX_FEEDBACK] or "failed"
            lines += [f"#### {test['exercise']}: {test['title']}", "", "```text", feedback, "```", ""]
        lines += ["</details>"]
    lines += ["", "`course check` on your own machine shows the same checks."]
    return "\n".join(lines) + "\n"


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graders.engine.platforms.classroom",
                                     description="Report the points of `course check --json` in a GitHub workflow.")
    parser.add_argument("report", help="the JSON written by `course check --json PATH`")
    args = parser.parse_args(argv)
    try:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        print(f"No points: {args.report} is missing or unreadable ({err}); the graders did not finish, "
              "see the step before.", file=sys.stderr)
        return 1
    print(points_line(report))
    summary = os.environ.get(SUMMARY_ENV)
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
