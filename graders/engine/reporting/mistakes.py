"""``course mistakes OUT``: the class's unforeseen mistakes, found in the failed checks' evidence.

``course grade`` keeps every failed value check in ``OUT/<name>/evidence.json``
(grading/evidence.py). Here, each failed check that no known mistake explains
is tested against the relation library (grading/relations.py): is the
student's output the oracle's times N, transposed, negated, summed over an
axis...? Submissions are clustered by (exercise, check family, relation,
parameter); in public tests, whose inputs are the same for everyone, an
output with no relation is clustered with identical outputs. When one output
has several relations (with N = D, "/N" and "/D" agree), it joins the one the
most students share. Clusters are ranked by size, unnamed ones first, and
written to ``OUT/mistakes.csv`` and ``OUT/mistakes.html``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.results import REPORT_FILE, write_atomic
from ..grading import mined, relations
from ..grading.evidence import EVIDENCE_FILE, check_family, decode_array, decode_inputs

CSV_FILE = "mistakes.csv"
HTML_FILE = "mistakes.html"
CSV_COLUMNS = ["cluster", "assignment", "exercise", "check", "relation", "size", "submissions"]
IDENTICAL = relations.IDENTICAL
ORDER = [*relations.RELATIONS, IDENTICAL]


@dataclass(frozen=True)
class Key:
    """What a cluster's members share."""

    exercise: str
    test: str        # the test function's node id, without parameters
    check: str       # the check's family (its label with numbers masked)
    relation: str
    param: str

    def relation_text(self) -> str:
        return f"{self.relation}({self.param})" if self.param else self.relation

    def words(self) -> str:
        if self.relation == IDENTICAL:
            return f"the same wrong output (#{self.param})"
        return relations.RELATIONS[self.relation].describe(self.param)

    def check_text(self) -> str:
        return f"{self.test.split('/')[-1]}: {self.check}"

    def id(self) -> str:
        """A cluster's name that stays when others come or go (a regrade, a named cluster)."""
        text = "\n".join((self.exercise, self.test, self.check, self.relation, self.param))
        return hashlib.sha256(text.encode()).hexdigest()[:6]


@dataclass
class Instance:
    """One failed check of one submission."""

    submission: str
    label: str
    got: np.ndarray
    expected: np.ndarray
    case: relations.Case
    candidates: list[Key]


@dataclass
class Cluster:
    rank: int
    key: Key
    members: list[str]
    example: Instance
    named: str | None = None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def id(self) -> str:
        return self.key.id()


@dataclass
class Analysis:
    assignment: str
    clusters: list[Cluster]
    explained: dict[str, list[str]] = field(default_factory=dict)   # known mistake -> submissions
    unmatched: dict[str, list[str]] = field(default_factory=dict)   # check -> submissions with no relation


class MiningError(ValueError):
    """OUT cannot be analysed (nothing graded, several assignments): the message says what to do."""


# -- reading OUT -------------------------------------------------------------------------
def _graded(out: Path, assignment: str | None) -> tuple[str, list[tuple[str, dict]]]:
    found: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for report in sorted(out.glob(f"*/{REPORT_FILE}")):
        name = json.loads(report.read_text(encoding="utf-8"))["assignment"]
        kept = report.parent / EVIDENCE_FILE
        if kept.is_file() and (assignment is None or name == assignment):
            found[name].append((report.parent.name, json.loads(kept.read_text(encoding="utf-8"))))
    if not found:
        raise MiningError(f"{out} holds no evidence of graded checks; grade with `course grade ... --out {out}` "
                          "(it keeps the evidence since this version; add --force to regrade an older class)")
    if len(found) > 1:
        raise MiningError(f"{out} holds several assignments ({', '.join(sorted(found))}); pass --assignment")
    (name, submissions), = found.items()
    return name, submissions


def _instances(submission: str, document: dict, explained: dict[str, set[str]]) -> list[Instance]:
    instances = []
    for test in document.get("tests", []):
        inputs = decode_inputs(test["inputs"])
        for check in test["failed"]:
            if check["known"]:
                explained[check["known"]].add(submission)
                continue
            got, expected = decode_array(check["got"]), decode_array(check["expected"])
            if got is None or expected is None:
                continue
            others = [(check_family(o["label"]), v) for o in test["others"]
                      if (v := decode_array(o["expected"])) is not None]
            case = relations.Case(check["rtol"], check["atol"], inputs, others)
            keys = [Key(test["exercise"], test["test"], check["family"], name, param)
                    for name, param in relations.find_all(got, expected, case)]
            if not keys and not test["hidden"]:
                keys = [Key(test["exercise"], test["test"], check["family"], IDENTICAL, relations.fingerprint(got))]
            instances.append(Instance(submission, check["label"], got, expected, case, keys))
    return instances



# -- clustering ---------------------------------------------------------------------------
def analyse(out: Path, assignment: str | None = None) -> Analysis:
    name, submissions = _graded(out, assignment)
    explained: dict[str, set[str]] = defaultdict(set)
    instances = [i for submission, document in submissions for i in _instances(submission, document, explained)]
    support: dict[Key, set[str]] = defaultdict(set)
    for instance in instances:
        for key in instance.candidates:
            support[key].add(instance.submission)
    members: dict[Key, list[Instance]] = defaultdict(list)
    unmatched: dict[str, set[str]] = defaultdict(set)
    for instance in instances:
        if not instance.candidates:
            unmatched[check_family(instance.label)].add(instance.submission)
            continue
        best = min(instance.candidates, key=lambda k: (-len(support[k]), ORDER.index(k.relation),
                                                        "shape" not in k.param, k.param))
        members[best].append(instance)
    named = {(m.test, m.check, m.relation, m.param): m.name for m in mined.load(name)}
    clusters = [Cluster(0, key, sorted({i.submission for i in found}), min(found, key=lambda i: i.submission),
                        named.get((key.test, key.check, key.relation, key.param)))
                for key, found in members.items()]
    clusters.sort(key=lambda c: (c.named is not None, -c.size, c.key.exercise, c.key.test, c.key.check,
                                 ORDER.index(c.key.relation), c.key.param))
    for rank, cluster in enumerate(clusters, start=1):
        cluster.rank = rank
    return Analysis(name, clusters, {k: sorted(v) for k, v in sorted(explained.items())},
                    {k: sorted(v) for k, v in sorted(unmatched.items())})


# -- writing ------------------------------------------------------------------------------
def mistakes_csv(analysis: Analysis) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in analysis.clusters:
        writer.writerow([c.id, analysis.assignment, c.key.exercise, c.key.check_text(), c.key.relation_text(),
                         c.size, " ".join(c.members)])
    return buffer.getvalue()


def rewrite_if_written(out: Path, assignment: str) -> bool:
    """After a regrade or a merge: mistakes.csv and .html again, if `course mistakes` wrote them."""
    if not (out / HTML_FILE).is_file():
        return False
    try:
        write_reports(out, analyse(out, assignment))
    except MiningError:  # no evidence left to analyse: pages of the old class would mislead
        for name in (HTML_FILE, CSV_FILE):
            (out / name).unlink(missing_ok=True)
    return True


def write_reports(out: Path, analysis: Analysis) -> tuple[Path, Path]:
    from .mistakes_page import mistakes_page  # matplotlib and jinja2: only when the page is written

    write_atomic(out / CSV_FILE, mistakes_csv(analysis))
    write_atomic(out / HTML_FILE, mistakes_page(analysis))
    return out / CSV_FILE, out / HTML_FILE
