"""Which submissions share code: fingerprints of student-written code, scored per exercise and overall.

copydetect fingerprints each file the way MOSS does (winnowing, Schleimer,
Wilkerson and Aiken 2003): pygments tokenizes the code, names become ``V``,
``F`` or ``O`` and strings ``S``, comments and blank space go, and a sample
of the hashes of every 25-character window of what is left becomes the
file's fingerprints. Renaming variables, reordering functions or rewriting
comments therefore changes almost none of them.

What is compared is what a student wrote:

- fingerprints of the released stubs (``exercises/<a>/``: docstrings,
  signatures, given code) are dropped; nothing else is. Code found in a large
  share of the class (see :data:`COMMON_SHARE`) is down-weighted, never
  dropped: a solution leaked to a quarter of the class must not vanish, and
  two identical submissions always score as such (:data:`NEAR_IDENTICAL`);
- each fingerprint belongs to the exercise whose function, class or
  assignment (course.toml's exercise names) holds it;
- a pair's score on an exercise is ``shared / (smaller + PRIOR)``: the shared
  fingerprints (weighted) over those of the submission that wrote less, shrunk by
  :data:`PRIOR`, so that two honest two-line answers that happen to agree
  stay low (identical Tanh layers score 0.44), while a copied submission
  scores near 0.9.

copydetect's own ``CopyDetector`` compares every pair of files in a Python
loop and keeps the copied slices of every pair in memory; here all pairs are
scored at once as a sparse matrix product, and slices are computed only for
the pairs a person will look at (:mod:`similarity_report`).
"""

from __future__ import annotations

import ast
import multiprocessing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint
from copydetect.utils import filter_code, get_token_coverage, winnow
from scipy import sparse

from ..core.config import Assignment

NOISE = 25       # copydetect's default: matches shorter than this (normalized characters) are noise
GUARANTEE = 30   # ... and matches at least this long are always found
PRIOR = 30       # fingerprints added to the smaller side (~100 normalized characters): tiny answers stay low
REVIEW_SCORE = 0.5   # pairs at or above this on some exercise or overall are marked "worth a look"
COMMON_SHARE = 0.2   # code in more than this share of the class is common (idioms, the textbook) ...
COMMON_MIN = 10      # ... provided that is more than this many submissions; it weighs limit / count
NEAR_IDENTICAL = 0.9  # pairs sharing this much of the smaller side's fingerprints (unweighted) are always shown
ALL = "all"          # the exercise name of whole-submission rows
PARALLEL_MIN = 40    # below this many submissions, starting worker processes costs more than it saves


@dataclass
class SourceFile:
    """One file of a submission, fingerprinted, with its fingerprints sorted by exercise."""

    name: str
    fingerprint: CodeFingerprint
    written: np.ndarray  # per normalized character: True unless a k-gram of the stubs covers it
    by_exercise: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class Submission:
    name: str
    files: dict[str, SourceFile]
    reference: bool = False  # from a reference folder (last year's class): compared with the class only

    def hashes(self, exercise: str) -> set[int]:
        if exercise == ALL:
            return set().union(*(f.fingerprint.hashes for f in self.files.values()))
        return set().union(*(f.by_exercise.get(exercise, set()) for f in self.files.values()))


@dataclass(frozen=True)
class PairScores:
    """Scores of every pair that shares code: parallel arrays, highest first."""

    first: np.ndarray      # index into the submissions
    second: np.ndarray
    exercise: np.ndarray   # index into exercises
    score: np.ndarray
    shared: np.ndarray     # fingerprints the two have in common
    common: np.ndarray     # ... of which common in the class (down-weighted): the pair's shared-code share
    overlap: np.ndarray    # shared / the smaller side's fingerprints, unweighted (1.0: identical code)
    exercises: list[str]

    def near_identical(self) -> set[tuple[int, int]]:
        """Pairs whose whole submissions (``all``) share nearly every fingerprint: always shown, always flagged."""
        overall = (np.array(self.exercises)[self.exercise] == ALL) & (self.overlap >= NEAR_IDENTICAL)
        return {(int(i), int(j)) for i, j in zip(self.first[overall], self.second[overall])}


def boilerplate(files: dict[str, str]) -> np.ndarray:
    """Every k-gram hash of the released stubs: never evidence of copying."""
    hashes: list[int] = []
    for name, text in files.items():
        hashes += code_fingerprint(name, text, window=1).hashes
    return np.unique(np.array(hashes, dtype=np.int64))


def code_fingerprint(name: str, text: str, window: int = GUARANTEE - NOISE + 1,
                     stub_hashes: np.ndarray | None = None) -> CodeFingerprint:
    """copydetect's CodeFingerprint (its tokenizer, winnowing and attributes), with a hash that is the same in
    every process: copydetect hashes k-grams with Python's ``hash()``, salted per process, so its scores change
    from run to run and fingerprints from two worker processes would not match."""
    filtered, offsets = filter_code(text, name, "python")
    hashes, positions = winnow(kgram_hashes(filtered, NOISE), window, remove_duplicates=False)
    if stub_hashes is not None and len(stub_hashes):
        keep = ~np.isin(hashes, stub_hashes)
        hashes, positions = hashes[keep], positions[keep]
    fingerprint = CodeFingerprint.__new__(CodeFingerprint)
    fingerprint.filename, fingerprint.raw_code, fingerprint.filtered_code = name, text, filtered
    fingerprint.offsets, fingerprint.k = offsets, NOISE
    fingerprint.hash_idx = {}
    for hash_value, position in zip(hashes.tolist(), positions.tolist()):
        fingerprint.hash_idx.setdefault(hash_value, []).append(position)
    fingerprint.hashes = set(fingerprint.hash_idx)
    fingerprint.token_coverage = get_token_coverage(fingerprint.hash_idx, NOISE, len(filtered))
    repair_class_offsets(fingerprint)
    return fingerprint


def kgram_hashes(code: str, k: int) -> np.ndarray:
    """A polynomial hash of every k characters, 53 bits (copydetect's winnowing compares them as floats)."""
    if len(code) < k:
        return np.zeros(0, dtype=np.int64)
    characters = np.frombuffer(code.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    powers = np.uint64(1_000_003) ** np.arange(k - 1, -1, -1, dtype=np.uint64)  # wraps modulo 2**64
    windows = np.lib.stride_tricks.sliding_window_view(characters, k)
    return ((windows * powers).sum(axis=1, dtype=np.uint64) >> np.uint64(11)).astype(np.int64)


def fingerprint_class(folders: list[tuple[str, Path, bool]], assignment: Assignment, stub_hashes: np.ndarray,
                      jobs: int = 1) -> list[Submission]:
    """Fingerprint (name, folder, is_reference) submissions, ``jobs`` at a time (tokenizing is most of the work)."""
    work = partial(fingerprint_submission, assignment=assignment, stub_hashes=stub_hashes)
    if jobs <= 1 or len(folders) < PARALLEL_MIN:
        return [work(item) for item in folders]
    # fork where there is one: workers start at once, everything imported (spawn imports SciPy and pygments again)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(jobs) as pool:
        return pool.map(work, folders, chunksize=max(1, len(folders) // (4 * jobs)))


def fingerprint_submission(item: tuple[str, Path, bool], assignment: Assignment,
                           stub_hashes: np.ndarray) -> Submission:
    name, folder, reference = item
    files = {}
    for file in assignment.files:
        path = folder / file
        if path.is_file():
            files[file] = fingerprint_file(file, path.read_text(encoding="utf-8", errors="replace"), stub_hashes,
                                           assignment)
    return Submission(name, files, reference)


def fingerprint_file(name: str, text: str, stub_hashes: np.ndarray, assignment: Assignment) -> SourceFile:
    fingerprint = code_fingerprint(name, text, stub_hashes=stub_hashes)
    in_stubs = np.flatnonzero(np.isin(kgram_hashes(fingerprint.filtered_code, NOISE), stub_hashes))
    written = ~_covered(in_stubs, len(fingerprint.filtered_code))
    exercises = [e.name for e in assignment.exercises.values() if e.file == name]
    return SourceFile(name, fingerprint, written, _by_exercise(fingerprint, exercise_spans(text, exercises)))


def shared_regions(source: SourceFile, other: SourceFile) -> tuple[np.ndarray, int]:
    """Student-written code of ``source`` that ``other`` has too: (starts, ends) in the file, and its size.

    The size counts normalized characters (a name counts as one). Unlike
    copydetect's slices, stub text next to a match is never marked.
    """
    fingerprint = source.fingerprint
    shared = fingerprint.hashes & other.fingerprint.hashes
    starts = np.array([p for h in shared for p in fingerprint.hash_idx[h]], dtype=np.int64)
    mask = _covered(starts, len(fingerprint.filtered_code)) & source.written
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    begin, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    starts, ends = original_positions(fingerprint, begin), original_positions(fingerprint, end)
    return _whole_tokens(fingerprint.raw_code, starts, ends), int(mask.sum())


def _whole_tokens(code: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Regions widened to whole words: k-grams are characters, so a match may begin inside ``class`` or ``self``."""
    def word(i: int) -> bool:
        return 0 <= i < len(code) and (code[i].isalnum() or code[i] == "_")

    starts, ends = starts.copy(), ends.copy()
    for k in range(len(starts)):
        while word(int(starts[k]) - 1) and word(int(starts[k])):
            starts[k] -= 1
        while word(int(ends[k]) - 1) and word(int(ends[k])):
            ends[k] += 1
    return np.array([starts, ends]).reshape(2, -1)


def _covered(starts: np.ndarray, length: int) -> np.ndarray:
    """Which of ``length`` normalized characters some k-gram starting at ``starts`` covers."""
    change = np.zeros(length + 1, dtype=np.int64)
    np.add.at(change, starts, 1)
    np.add.at(change, np.minimum(starts + NOISE, length), -1)
    return np.cumsum(change[:-1]) > 0


def repair_class_offsets(fingerprint: CodeFingerprint) -> None:
    """Fix copydetect 0.5.0's map from normalized to original positions after a class name.

    Its ``filter_code`` records, for a class name, the characters that name
    removes instead of the running total removed before it, so highlights
    after ``class Relu`` land thousands of characters off. The running total
    follows from the next entry: total(i) = recorded(i + 1) - removed(i).
    """
    offsets, code = fingerprint.offsets, fingerprint.filtered_code
    if len(offsets) == 0:
        return
    removed_total = len(fingerprint.raw_code) - len(code)
    for i in range(len(offsets) - 1, 0, -1):
        position = offsets[i, 0]
        if code[position] == "O" and offsets[i - 1, 0] < position:  # the entry of a class name
            following = offsets[i + 1, 1] if i + 1 < len(offsets) else removed_total
            offsets[i, 1] = following - offsets[i, 1]


def exercise_spans(text: str, exercises: list[str]) -> list[tuple[int, int, str]]:
    """(first line, last line, exercise) of each top-level def, class or assignment named after an exercise."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []  # still compared as a whole
    spans = []
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            first = node.lineno
        spans += [(first, node.end_lineno or node.lineno, n) for n in names if n in exercises]
    return spans


def _by_exercise(fingerprint: CodeFingerprint, spans: list[tuple[int, int, str]]) -> dict[str, set[int]]:
    if not spans or not fingerprint.hash_idx:
        return {}
    hashes = np.concatenate([[h] * len(positions) for h, positions in fingerprint.hash_idx.items()])
    positions = np.concatenate(list(fingerprint.hash_idx.values()))
    line_starts = np.cumsum([0, *(len(line) for line in fingerprint.raw_code.splitlines(keepends=True))])
    lines = np.searchsorted(line_starts, original_positions(fingerprint, positions), side="right")
    return {exercise: set(hashes[(lines >= first) & (lines <= last)].tolist()) for first, last, exercise in spans}


def original_positions(fingerprint: CodeFingerprint, positions: np.ndarray) -> np.ndarray:
    """Positions in the normalized code -> positions in the file (as copydetect maps its slices)."""
    offsets = fingerprint.offsets
    if len(offsets) == 0:
        return positions
    entry = np.clip(np.searchsorted(offsets[:, 0], positions), 0, len(offsets) - 1)
    return positions + offsets[entry, 1]


def common_weights(submissions: list[Submission]) -> dict[int, float]:
    """The weight of each fingerprint found in too many submissions: limit / count (others weigh 1).

    Common code (idioms, the textbook, or a solution that went round) counts
    less, in proportion to how widespread it is, but is never dropped.
    """
    counts: dict[int, int] = {}
    for submission in submissions:
        for hash_value in submission.hashes(ALL):
            counts[hash_value] = counts.get(hash_value, 0) + 1
    limit = max(COMMON_MIN, COMMON_SHARE * len(submissions))
    return {h: limit / count for h, count in counts.items() if count > limit}


def score_pairs(submissions: list[Submission], exercises: list[str],
                weights: dict[int, float] | None = None) -> PairScores:
    """Every pair sharing fingerprints, per exercise and overall (``all``); two references are never paired."""
    exercises, weights = [*exercises, ALL], weights or {}
    parts = []
    is_reference = np.array([s.reference for s in submissions], dtype=bool)
    for index, exercise in enumerate(exercises):
        present, weighted, common = _incidence([s.hashes(exercise) for s in submissions], weights)
        raw_sizes = np.asarray(present.sum(axis=1)).ravel()
        sizes = np.asarray(weighted.sum(axis=1)).ravel()
        shared = sparse.triu(present @ present.T, k=1).tocoo()  # i < j: each pair once
        keep = ~(is_reference[shared.row] & is_reference[shared.col])
        first, second, count = shared.row[keep], shared.col[keep], shared.data[keep]
        shared_weight = np.asarray(weighted[first].multiply(present[second]).sum(axis=1)).ravel()
        shared_common = np.asarray(common[first].multiply(present[second]).sum(axis=1)).ravel()
        score = shared_weight / (np.minimum(sizes[first], sizes[second]) + PRIOR)
        overlap = count / np.maximum(np.minimum(raw_sizes[first], raw_sizes[second]), 1)
        parts.append((first, second, np.full(len(first), index), score, count, shared_common, overlap))
    first, second, exercise_index, score, count, common_count, overlap = (np.concatenate(c) for c in zip(*parts))
    order = np.lexsort((second, first, exercise_index, -score))
    return PairScores(first[order], second[order], exercise_index[order], score[order], count[order],
                      common_count[order], overlap[order], exercises)


def _incidence(rows: list[set[int]], weights: dict[int, float]) -> tuple[sparse.csr_matrix, ...]:
    """Three matrices, one row per submission and one column per distinct fingerprint: 0/1 presence,
    the fingerprint's weight, and 1 where it is a common (down-weighted) one."""
    columns: dict[int, int] = {}
    hashes = [h for row in rows for h in row]
    indices = np.array([columns.setdefault(h, len(columns)) for h in hashes], dtype=np.int64)
    indptr = np.cumsum([0, *(len(row) for row in rows)])
    shape = (len(rows), len(columns))
    weight = np.array([weights.get(h, 1.0) for h in hashes], dtype=np.float64)

    def matrix(data: np.ndarray) -> sparse.csr_matrix:
        return sparse.csr_matrix((data, indices, indptr), shape=shape)

    return matrix(np.ones(len(hashes), dtype=np.int32)), matrix(weight), matrix((weight < 1).astype(np.int32))
