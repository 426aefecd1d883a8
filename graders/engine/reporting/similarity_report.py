"""``course similarity OUT``: which pairs of a graded class share code, as evidence for a person to review.

Reads the files ``course grade`` kept (``OUT/<submission>/files/``; a
notebook's are its cells read back, as graded) or, for a class graded before
it kept them, the submissions given on the command line, resolved as
``course grade`` resolves them. Writes ``OUT/similarity.csv`` (every pair and
exercise with shared code, highest first) and ``OUT/similarity.html`` (the
pairs most worth a look, side by side, shared code highlighted).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import jinja2
from copydetect.utils import highlight_overlap
from markupsafe import Markup

from ..core.config import Assignment, Course, CourseConfigError
from ..core.results import GRADED_FILES, REPORT_FILE, load_graded, write_atomic
from .similarity import (ALL, COMMON_MIN, COMMON_SHARE, NEAR_IDENTICAL, PRIOR, REVIEW_SCORE, PairScores, Submission,
                         boilerplate, common_weights, fingerprint_class, score_pairs, shared_regions)

SIMILARITY_CSV = "similarity.csv"
SIMILARITY_HTML = "similarity.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class ReviewPair:
    """One pair shown on the page: its scores and the two sides' code, shared regions marked."""

    first: str
    second: str
    best: float
    scores: list[tuple[str, float]]   # (exercise or "all", score), highest first
    matched_tokens: int
    files: list[tuple[str, Markup, Markup]]
    near_identical: bool = False  # nearly every fingerprint shared: always shown, always worth a look
    common_share: float = 0.0     # of the code they share, the part common in the class (down-weighted)


def run(course: Course, out: Path, assignment_name: str | None, submissions: list[Path],
        references: list[Path], top: int = 30, jobs: int = 1) -> tuple[Path, Path, list[str]]:
    """Write similarity.csv and similarity.html into ``out``; returns them and warnings."""
    assignment_name, graded = load_graded(out, assignment_name)
    assignment = course.assignment(assignment_name)
    stubs = {f: (course.root / "exercises" / assignment.name / f) for f in assignment.files}
    stub_hashes = boilerplate({f: p.read_text(encoding="utf-8") for f, p in stubs.items() if p.is_file()})
    warnings: list[str] = []
    with _Submissions(assignment, course.released_notebook(assignment.name)) as inputs:
        folders = _class_folders(out, sorted(graded), inputs, submissions, warnings)
        for reference in references:
            folders += _reference_folders(reference, inputs)
        warnings += [f"{name}: not compared ({why})" for name, why in inputs.problems.items()]
        fingerprinted = fingerprint_class(folders, assignment, stub_hashes, jobs)
    in_class = sum(not s.reference for s in fingerprinted)
    if in_class == 0 or (in_class == 1 and in_class == len(fingerprinted)):
        raise CourseConfigError("fewer than two submissions to compare" + ("; " + warnings[0] if warnings else ""))
    scores = score_pairs(fingerprinted, list(assignment.exercises), common_weights(fingerprinted))
    csv_path, html_path = out / SIMILARITY_CSV, out / SIMILARITY_HTML
    write_atomic(csv_path, similarity_csv(scores, fingerprinted))
    write_atomic(html_path, similarity_page(assignment, scores, fingerprinted, top))
    return csv_path, html_path, warnings


class _Submissions:
    """Resolves submission paths as `course grade` does, importing its readers (nbformat: slow) only if asked."""

    def __init__(self, assignment: Assignment, notebook: Path) -> None:
        self.assignment, self.notebook, self._inputs = assignment, notebook, None
        self.problems: dict[str, str] = {}

    def resolve(self, paths: list[Path]) -> list:
        if self._inputs is None:
            from ..classbook.inputs import Inputs

            self._inputs = Inputs(self.assignment, self.notebook)
            self.problems = self._inputs.problems
        return self._inputs.resolve(paths)

    def __enter__(self) -> "_Submissions":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._inputs is not None:
            self._inputs.__exit__(*exc)


def _class_folders(out: Path, graded: list[str], inputs: _Submissions, paths: list[Path],
                   warnings: list[str]) -> list[tuple[str, Path, bool]]:
    if paths:
        return [(s.name, s.folder, False) for s in inputs.resolve(paths)]
    kept = [(name, out / name / GRADED_FILES, False) for name in graded if (out / name / GRADED_FILES).is_dir()]
    missing = [name for name in graded if (out / name / GRADED_FILES).is_dir() is False]
    if missing:
        warnings.append(f"{len(missing)} graded submission(s) have no kept files in {out}/<name>/{GRADED_FILES}/ "
                        f"(graded by an older version, or unreadable): {', '.join(missing[:5])}"
                        f"{' ...' if len(missing) > 5 else ''}. Pass the submissions as `course grade` got them: "
                        f"course similarity {out} SUBMISSION...")
    return kept


def _reference_folders(folder: Path, inputs: _Submissions) -> list[tuple[str, Path, bool]]:
    """Submissions of a reference folder: a graded OUT folder, or submissions as `course grade` takes them."""
    if not folder.is_dir():
        raise CourseConfigError(f"--reference {folder}: not a folder")
    graded = sorted(p.parent for p in folder.glob(f"*/{REPORT_FILE}") if (p.parent / GRADED_FILES).is_dir())
    if graded:
        return [(f"{folder.name}/{p.name}", p / GRADED_FILES, True) for p in graded]
    return [(f"{folder.name}/{s.name}", s.folder, True) for s in inputs.resolve([folder])]


def similarity_csv(scores: PairScores, submissions: list[Submission]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission_a", "submission_b", "exercise", "score", "overlap", "common_share"])
    names = [s.name for s in submissions]
    for first, second, exercise, score, overlap, shared, common in zip(
            scores.first, scores.second, scores.exercise, scores.score, scores.overlap, scores.shared, scores.common):
        writer.writerow([names[first], names[second], scores.exercises[exercise], f"{score:.4f}", f"{overlap:.4f}",
                         f"{common / max(shared, 1):.4f}"])
    return buffer.getvalue()


def review_pairs(scores: PairScores, submissions: list[Submission], top: int) -> list[ReviewPair]:
    """The ``top`` pairs by their highest score (overall or on one exercise), with highlighted code."""
    by_pair: dict[tuple[int, int], list[tuple[str, float]]] = {}
    common: dict[tuple[int, int], float] = {}
    for first, second, exercise, score, shared, shared_common in zip(
            scores.first, scores.second, scores.exercise, scores.score, scores.shared, scores.common):
        by_pair.setdefault((int(first), int(second)), []).append((scores.exercises[exercise], float(score)))
        if scores.exercises[exercise] == ALL:
            common[(int(first), int(second))] = float(shared_common) / max(int(shared), 1)
    near = scores.near_identical()
    # near-identical pairs first (never cut by --top, whatever common code weighs), then by highest score
    ranked = sorted(by_pair.items(), key=lambda item: (item[0] not in near, -item[1][0][1]))
    ranked = [item for k, item in enumerate(ranked) if k < top or item[0] in near]
    return [_review_pair(submissions[i], submissions[j], pair_scores, (i, j) in near, common.get((i, j), 0.0))
            for (i, j), pair_scores in ranked]


def _review_pair(first: Submission, second: Submission, pair_scores: list[tuple[str, float]],
                 near_identical: bool = False, common_share: float = 0.0) -> ReviewPair:
    files, matched = [], 0
    for name in sorted(set(first.files) & set(second.files)):
        left, right = first.files[name], second.files[name]
        (left_slices, tokens), (right_slices, _) = shared_regions(left, right), shared_regions(right, left)
        matched += tokens
        files.append((name, _highlighted(left.fingerprint.raw_code, left_slices),
                      _highlighted(right.fingerprint.raw_code, right_slices)))
    return ReviewPair(first.name, second.name, pair_scores[0][1], pair_scores, matched, files, near_identical,
                      common_share)


def _highlighted(code: str, slices) -> Markup:
    if slices.shape[1] == 0:
        return Markup(Markup.escape(code))
    text, _ = highlight_overlap(code, slices, '<mark>', '</mark>', escape_html=True)
    return Markup(text)


def similarity_page(assignment: Assignment, scores: PairScores, submissions: list[Submission], top: int) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    return environment.get_template("similarity.html.j2").render(
        assignment=assignment.name, pairs=review_pairs(scores, submissions, top),
        class_count=sum(not s.reference for s in submissions),
        reference_count=sum(s.reference for s in submissions), prior=PRIOR, common_share=COMMON_SHARE,
        common_min=COMMON_MIN, all_name=ALL, review=REVIEW_SCORE, near=NEAR_IDENTICAL, css=(TEMPLATES / "base.css").read_text(encoding="utf-8"))
