"""`course similarity`: planted copies rank above every honest pair; honest work is not flagged.

The class: the solution and two independent correct solutions in other styles
(tests/catalog/a1_independent.py), and one planted copy of each: variables
renamed and functions reordered; comments and blank lines changed; and one
handed in as a notebook.
"""

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from graders.engine.cli import main
from graders.engine.authoring.notebooks import MAGIC, split_module
from graders.engine.reporting import similarity
from graders.engine.reporting.similarity import (REVIEW_SCORE, CodeFingerprint, code_fingerprint, fingerprint_class,
                                       original_positions, repair_class_offsets)
from graders.engine.reporting.similarity_report import run
from tests.catalog.a1_independent import INDEPENDENT, fill_stubs
from tests.conftest import ROOT

A1 = "a1_backprop"
FILES = ("layers.py", "network.py")
STUBS = ROOT / "exercises" / A1
PLANTED = {frozenset(p) for p in [("sol", "sol_copy"), ("bo", "bo_copy"), ("cat", "cat_nb")]}


def renamed(text: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return text


def reordered(file: str, text: str) -> str:
    """Top-level functions and classes in reverse order, the module header first."""
    header, *rest = split_module(file, text)
    return "\n\n\n".join([header.source, *(chunk.source for chunk in reversed(rest))])


def recommented(text: str) -> str:
    """Comments dropped, a comment before every return, blank lines doubled."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if not stripped:
            lines += ["", ""]
            continue
        if stripped.startswith("return"):
            lines.append(line[:len(line) - len(line.lstrip())] + "# what we hand back")
        lines.append(line)
    return "\n".join(lines) + "\n"


def planted_copy(source: Path, target: Path, change) -> Path:
    target.mkdir(parents=True)
    for file in FILES:
        (target / file).write_text(change(file, (source / file).read_text()))
    return target


def as_notebook(source: Path, target: Path) -> Path:
    """The released notebook with every answer cell holding the code of ``source``."""
    notebook = nbformat.read(STUBS / f"{A1}.ipynb", as_version=4)
    chunks = {c.grade_id: c for file in FILES for c in split_module(file, (source / file).read_text())}
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            cell.source = MAGIC.match(cell.source).group(0) + chunks[meta["grade_id"]].source
    target.mkdir(parents=True)
    nbformat.write(notebook, target / f"{A1}.ipynb")
    return target


@pytest.fixture(scope="module")
def planted_class(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    shutil.copytree(ROOT / "solutions" / A1, folder / "sol", ignore=shutil.ignore_patterns("*.ipynb", "*.md", "__*"))
    for name, bodies in INDEPENDENT.items():
        fill_stubs(STUBS, bodies, folder / name)
    planted_copy(folder / "sol", folder / "sol_copy", lambda file, text: reordered(file, renamed(text, {
        "shifted": "z", "exp": "e_x", "batch_size": "n", "correct": "picked", "onehot": "target", "rng": "gen",
        "sizes": "dims", "losses": "curve", "grads": "gradients", "fan_in": "n_in", "fan_out": "n_out"})))
    planted_copy(folder / "bo", folder / "bo_copy", lambda file, text: recommented(renamed(text, {
        "probs": "p", "labels": "lbl", "generator": "random_state", "history": "hist", "all_sizes": "sz"})))
    scratch = planted_copy(folder / "cat", tmp_path_factory.mktemp("scratch") / "cat",
                           lambda file, text: reordered(file, recommented(text)))
    as_notebook(scratch, folder / "cat_nb")
    return folder


def fake_graded(out: Path, names: list[str]) -> Path:
    """An OUT folder as `course grade` leaves it, minus the grading (fast): report.json per submission."""
    for name in names:
        (out / name).mkdir(parents=True)
        (out / name / "report.json").write_text(json.dumps({"assignment": A1, "submission": name}))
    return out


@pytest.fixture(scope="module")
def compared(planted_class, tmp_path_factory, course) -> Path:
    """OUT after `course similarity OUT CLASS` (the class given as `course grade` got it)."""
    out = fake_graded(tmp_path_factory.mktemp("out"), sorted(p.name for p in planted_class.iterdir()))
    _, _, warnings = run(course, out, None, [planted_class], [])
    assert warnings == []
    return out


@pytest.fixture(scope="module")
def rows(compared) -> list[dict]:
    return list(csv.DictReader((compared / "similarity.csv").open()))


def test_every_planted_pair_scores_above_every_honest_pair(rows):
    overall = {frozenset((r["submission_a"], r["submission_b"])): float(r["score"])
               for r in rows if r["exercise"] == "all"}
    assert PLANTED <= set(overall), "a planted pair shares no code at all"
    lowest_planted = min(overall[pair] for pair in PLANTED)
    highest_honest = max(score for pair, score in overall.items() if pair not in PLANTED)
    assert lowest_planted > highest_honest
    assert lowest_planted >= REVIEW_SCORE


def test_independent_correct_solutions_are_not_flagged_on_any_exercise(rows):
    honest = [r for r in rows if frozenset((r["submission_a"], r["submission_b"])) not in PLANTED]
    flagged = [r for r in honest if float(r["score"]) >= REVIEW_SCORE]
    assert not flagged
    # the tiny Tanh layer is written identically by all three: shared, yet kept below the line
    assert any(r["exercise"] == "Tanh" and float(r["score"]) > 0 for r in honest)


def test_csv_has_one_row_per_pair_and_exercise_highest_first(rows, course):
    assert list(rows[0]) == ["submission_a", "submission_b", "exercise", "score", "overlap", "common_share"]
    keys = [(r["submission_a"], r["submission_b"], r["exercise"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["exercise"] for r in rows} == {*course.assignment(A1).exercises, "all"}
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] and scores[0] <= 1


def test_released_stubs_never_count(tmp_path, course):
    """Two students who hand in the untouched stub share nothing."""
    for name in ("ann", "bob"):
        shutil.copytree(STUBS, tmp_path / "class" / name, ignore=shutil.ignore_patterns("*.ipynb"))
    out = fake_graded(tmp_path / "out", ["ann", "bob"])
    csv_path, _, _ = run(course, out, None, [tmp_path / "class"], [])
    assert csv_path.read_text().splitlines()[1:] == []


def test_a_reference_folder_is_flagged_against(planted_class, tmp_path, course):
    """Last year's copy of `bo` is found; two reference submissions are never paired with each other."""
    last_year = fake_graded(tmp_path / "last_year", ["old_bo"])  # last year's `course grade` OUT ...
    shutil.copytree(planted_class / "bo", last_year / "old_bo" / "files")
    shutil.copytree(planted_class / "cat", tmp_path / "older" / "old_cat")  # ... and plain submission folders
    out = fake_graded(tmp_path / "out", ["bo_copy", "sol"])
    csv_path, _, _ = run(course, out, None, [planted_class / "bo_copy", planted_class / "sol"],
                         [last_year, tmp_path / "older"])
    rows = list(csv.DictReader(csv_path.open()))
    top = rows[0]
    assert {top["submission_a"], top["submission_b"]} == {"bo_copy", "last_year/old_bo"}
    references = {"last_year/old_bo", "older/old_cat"}
    assert references <= {r["submission_a"] for r in rows} | {r["submission_b"] for r in rows}
    assert not any({r["submission_a"], r["submission_b"]} <= references for r in rows)


def test_a_file_with_a_syntax_error_is_still_compared_as_a_whole(planted_class, tmp_path, course):
    broken = shutil.copytree(planted_class / "bo", tmp_path / "class" / "broken")
    (broken / "layers.py").write_text((broken / "layers.py").read_text() + "\ndef unfinished(:\n")
    shutil.copytree(planted_class / "bo", tmp_path / "class" / "bo")
    out = fake_graded(tmp_path / "out", ["bo", "broken"])
    csv_path, _, _ = run(course, out, None, [tmp_path / "class"], [])
    rows = list(csv.DictReader(csv_path.open()))
    assert rows[0]["exercise"] == "all" and float(rows[0]["score"]) >= REVIEW_SCORE
    assert {r["exercise"] for r in rows} <= {"all", "MultiLayerNet", "train"}  # network.py still parses


def test_page_shows_pairs_side_by_side_as_evidence_not_a_verdict(compared):
    html = (compared / "similarity.html").read_text()
    assert "evidence for a person to review, not a verdict" in html
    first_pair = html.split('id="pair-1"')[1].split('id="pair-2"')[0]
    assert first_pair.count("<pre>") == 2 * len(FILES) and "<mark>" in first_pair
    marked = " ".join(re.findall(r"<mark>(.*?)</mark>", first_pair, re.DOTALL))
    assert "np.exp(x - c)" in marked  # cat's own softmax, copied
    assert "Row-wise softmax" not in marked and "YOUR CODE" not in marked  # stub text is never marked
    assert "plagiar" not in html.lower() and "cheat" not in html.lower()


def test_highlights_after_a_class_name_land_on_the_matching_code():
    """copydetect 0.5.0 maps positions after `class X` wrongly; repaired, they point at the same text."""
    code = "class Relu:\n    def forward(self, x):\n        self.mask = x <= 0\n        return x\n"
    fingerprint = CodeFingerprint("a.py", 5, 1, fp=io.StringIO(code), language="python")
    repair_class_offsets(fingerprint)
    where = fingerprint.filtered_code.index("self.V=V<=0")
    start = int(original_positions(fingerprint, [where])[0])
    assert code[start:].startswith("self.mask = x <= 0")


def test_fingerprints_are_the_same_in_every_process_and_worker(planted_class, course, monkeypatch):
    """copydetect's own hash is salted per process; ours must not be, or scores would change run to run."""
    text = (planted_class / "bo" / "layers.py").read_text()
    here = sorted(code_fingerprint("layers.py", text).hashes)
    there = subprocess.run([sys.executable, "-c", "import sys; from graders.engine.reporting.similarity import code_fingerprint;"
                            "print(sorted(code_fingerprint('layers.py', sys.stdin.read()).hashes))"],
                           input=text, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert str(here) == there.strip()
    monkeypatch.setattr(similarity, "PARALLEL_MIN", 1)
    folders = [(p.name, p, False) for p in sorted(planted_class.iterdir()) if p.name != "cat_nb"]
    assignment = course.assignment(A1)
    serial, parallel = (fingerprint_class(folders, assignment, np.zeros(0, dtype=np.int64), jobs) for jobs in (1, 2))
    assert [s.hashes("all") for s in serial] == [s.hashes("all") for s in parallel]


def test_no_kept_files_says_what_to_do(tmp_path, capsys):
    out = fake_graded(tmp_path / "out", ["ann", "bob"])
    assert main(["--root", str(ROOT), "similarity", str(out)]) == 2
    assert "course similarity" in capsys.readouterr().err


def test_ungraded_submissions_are_compared_when_the_assignment_is_given(planted_class, tmp_path):
    """nbgrader users have no `course grade` OUT: the submissions and --assignment are enough."""
    nbgrader = tmp_path / "submitted"
    for name in ("cat", "cat_nb"):
        shutil.copytree(planted_class / name, nbgrader / name / A1)
    out = tmp_path / "similarity"
    assert main(["--root", str(ROOT), "similarity", str(out), str(nbgrader), "-a", A1]) == 0
    first = next(csv.DictReader((out / "similarity.csv").open()))
    assert (first["submission_a"], first["submission_b"], first["exercise"]) == ("cat", "cat_nb", "all")


@pytest.mark.slow
@pytest.mark.long  # a class graded by `course grade` for it; the fast run compares folders in this process
def test_course_grade_keeps_the_files_and_the_class_report_links_the_page(planted_class, tmp_path):
    """End to end: grade (a notebook among the .py folders), then `course similarity OUT`, then the report."""
    out = tmp_path / "graded"
    chosen = [planted_class / name for name in ("sol", "sol_copy", "cat_nb")]
    assert main(["--root", str(ROOT), "grade", *map(str, chosen), "-a", A1, "-o", str(out), "-j", "1", "-q"]) == 0
    assert (out / "cat_nb" / "files" / "layers.py").is_file()
    assert main(["--root", str(ROOT), "report", str(out)]) == 0
    assert 'href="similarity.html"' not in (out / "class-report.html").read_text()
    assert main(["--root", str(ROOT), "similarity", str(out)]) == 0
    first = next(csv.DictReader((out / "similarity.csv").open()))
    assert {first["submission_a"], first["submission_b"]} == {"sol", "sol_copy"}
    assert 'href="similarity.html"' in (out / "class-report.html").read_text()  # the report was written again


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_page_puts_the_two_sides_next_to_each_other_in_a_real_browser(compared):
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto((compared / "similarity.html").as_uri())
        left, right = (tab.locator("#pair-1 .side pre").nth(i).bounding_box() for i in (0, 1))
        browser.close()
    assert errors == []
    assert left["y"] == right["y"] and left["x"] + left["width"] <= right["x"]
    assert right["x"] + right["width"] <= 1200


def test_identical_copies_shared_by_much_of_the_class_still_appear_with_their_common_share(planted_class, tmp_path,
                                                                                          course):
    """A solution handed in by 11 of 13 students is common code: it weighs less but never vanishes."""
    copies = [f"copy{k:02d}" for k in range(11)]
    for name in copies:
        shutil.copytree(planted_class / "sol", tmp_path / "class" / name)
    for name in ("bo", "cat"):
        shutil.copytree(planted_class / name, tmp_path / "class" / name)
    out = fake_graded(tmp_path / "out", [*copies, "bo", "cat"])
    run(course, out, None, [tmp_path / "class"], [])
    table = list(csv.DictReader((out / "similarity.csv").open()))
    pair = next(r for r in table if {r["submission_a"], r["submission_b"]} == {"copy00", "copy01"}
                and r["exercise"] == "all")
    assert float(pair["overlap"]) == 1.0 and float(pair["common_share"]) == 1.0 and float(pair["score"]) > 0
    page = " ".join((out / "similarity.html").read_text().split())
    assert page.count("near-identical:") == len(copies) * (len(copies) - 1) // 2  # every pair, beyond --top
    assert "100% of the code they share is common in the class" in page


def test_common_code_weighs_less_the_more_widespread_it_is():
    class Seen:
        def __init__(self, hashes):
            self.files, self._hashes = {}, hashes

        def hashes(self, exercise):
            return self._hashes

    everyone = [Seen({1, 2}) for _ in range(20)] + [Seen({2}) for _ in range(10)]  # limit: max(10, 0.2 * 30) = 10
    assert similarity.common_weights(everyone) == {1: 10 / 20, 2: 10 / 30}


def test_highlights_begin_and_end_on_whole_words(compared):
    page = (compared / "similarity.html").read_text()
    word = re.compile(r"\w")
    for match in re.finditer(r"<mark>(.)", page):
        before = page[match.start() - 1]
        assert not (word.match(before) and word.match(match.group(1))), page[match.start() - 20:match.end() + 20]
    for match in re.finditer(r"(.)</mark>(.)", page):
        assert not (word.match(match.group(1)) and word.match(match.group(2))), page[match.start() - 20:match.end() + 20]
