"""A long-lived judge for notebooks: one process per kernel, warm between checks.

A notebook's check cells send it one JSON request per line on stdin and read
one JSON reply per line. Running the judge outside the kernel keeps
TensorFlow's start-up lines off the cell's stderr (nbgrader zeroes a test cell
that writes to stderr) and keeps its forkserver, with Keras preloaded, warm
from one check to the next.

Request: {"root", "assignment", "submission", "visibility", "exercise", "name"}
Reply:   {"report": {...}} or {"error": "message"}
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path


def main() -> None:
    replies = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # pytest, TensorFlow and absl may print; none of it is a reply
    os.dup2(quiet, 2)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ..core.config import CourseConfigError, load_course
    from .runner import RunOptions, run_graders

    for line in io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"):
        try:
            request = json.loads(line)
            course = load_course(Path(request["root"]))
            options = RunOptions(visibility=request["visibility"], isolation="worker",
                                 exercise=request.get("exercise"))
            report = run_graders(course, request["assignment"], Path(request["submission"]), options,
                                 name=request.get("name"))
            reply = {"report": report.to_dict()}
        except CourseConfigError as err:
            reply = {"error": str(err)}
        except Exception as err:  # noqa: BLE001 - report, and stay up for the next check
            reply = {"error": f"{type(err).__name__}: {err}"}
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
