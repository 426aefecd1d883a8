"""``course mistakes name OUT CLUSTER --as TEXT``: a cluster becomes a named mistake, safely.

Before it is written to ``graders/<assignment>/mined_mistakes.toml`` the
relation is tested where it must never hold: on the oracle's value of every
check of that family in the class's evidence, and on the outputs of the
solution and of every correct variant of the course's catalog
(``tests/catalog/<assignment>.py``), graded again here (trusted code, hidden
tests included) with all their checks kept. One that holds there is refused.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from ..core.config import Course
from ..grading import mined, relations
from ..grading.evidence import decode_array, decode_inputs
from ..grading.runner import RunOptions, run_graders
from .mistakes import CSV_FILE, Cluster, MiningError, analyse


def name_cluster(course: Course, out: Path, cluster_id: str, name: str, hint: str,
                 assignment: str | None = None) -> tuple[Path, mined.MinedMistake]:
    analysis = analyse(out, assignment)
    cluster = next((c for c in analysis.clusters if c.id == cluster_id.strip().lower()), None)
    if cluster is None:
        raise MiningError(f"no cluster {cluster_id!r} in {out}: its clusters are the ids in the first column of "
                          f"{out / CSV_FILE} (`course mistakes {out}` writes it again after a regrade)")
    key = cluster.key
    mistake = mined.MinedMistake(key.exercise, key.test, key.check, key.relation, key.param, name, hint)
    _refuse_if_right_values_satisfy(cluster, out)
    _refuse_if_correct_code_satisfies(course, analysis.assignment, mistake)
    kept = tuple(m for m in mined.load(analysis.assignment)
                 if (m.test, m.check, m.relation, m.param) != (key.test, key.check, key.relation, key.param))
    return mined.save(analysis.assignment, (*kept, mistake)), mistake


def _refuse_if_right_values_satisfy(cluster: Cluster, out: Path) -> None:
    """The oracle's own value, in every check of this family graded in OUT, must not have the relation."""
    key = cluster.key
    for path in sorted(out.glob("*/evidence.json")):
        for test in json.loads(path.read_text(encoding="utf-8")).get("tests", []):
            if test["test"] != key.test:
                continue
            inputs = decode_inputs(test["inputs"])
            for check in test["failed"]:
                expected = decode_array(check["expected"])
                if check["family"] != key.check or expected is None:
                    continue
                case = relations.Case(check["rtol"], check["atol"], inputs)
                if relations.satisfied(key.relation, key.param, expected, expected, case):
                    raise MiningError(f"refused: the right value itself is {key.words()} in {path.parent.name}'s "
                                      f"check \"{check['label']}\"; this relation cannot tell the mistake apart")


def _refuse_if_correct_code_satisfies(course: Course, assignment: str, mistake: mined.MinedMistake) -> None:
    for label, folder in _correct_submissions(course, assignment):
        with tempfile.TemporaryDirectory(prefix="course-mined-") as scratch:
            kept = Path(scratch) / "evidence.json"
            options = RunOptions("all", "local", test=mistake.test, evidence=str(kept), evidence_passed=True)
            run_graders(course, assignment, folder, options, name=label)
            document = json.loads(kept.read_text(encoding="utf-8"))
        for test in document["tests"]:
            inputs = decode_inputs(test["inputs"])
            for check in test.get("passed", []) + test["failed"]:
                got, expected = decode_array(check["got"]), decode_array(check["expected"])
                if check["family"] != mistake.check or got is None or expected is None:
                    continue
                case = relations.Case(check["rtol"], check["atol"], inputs)
                if relations.satisfied(mistake.relation, mistake.param, got, expected, case):
                    raise MiningError(f"refused: {label} (correct) also gives an output that is "
                                      f"{mistake.relation}({mistake.param}) in \"{check['label']}\"")


def _correct_submissions(course: Course, assignment: str):
    """(label, folder): the solution, then each correct variant of the course's catalog, patched."""
    solution = course.root / "solutions" / assignment
    yield "the solution", solution
    catalog = course.root / "tests" / "catalog" / f"{assignment}.py"
    if not catalog.is_file():
        return
    sys.path.insert(0, str(course.root))
    try:
        variants = importlib.import_module(f"tests.catalog.{assignment}").VARIANTS
    finally:
        sys.path.remove(str(course.root))
    for variant in variants:
        with tempfile.TemporaryDirectory(prefix="course-variant-") as scratch:
            folder = Path(scratch) / "variant"
            shutil.copytree(solution, folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md"))
            for patch in variant.patches:
                path = folder / patch.file
                path.write_text(path.read_text(encoding="utf-8").replace(patch.old, patch.new, 1), encoding="utf-8")
            yield f"the correct variant '{variant.name}'", folder
