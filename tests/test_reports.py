"""Feedback pages and the class report: what students and instructors see, checked in a real browser."""

import shutil
from pathlib import Path

import pytest

from graders.engine.classbook.batch import grade_batch
from graders.engine.classbook.inputs import SubmissionInput
from graders.engine.core.results import points
from graders.engine.reporting.reports import CLASS_REPORT_HTML, FEEDBACK_HTML, write_class_report, write_feedback
from tests.conftest import ROOT

SAMPLES = ROOT / "tests" / "samples" / "a1_backprop"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course):
    out = tmp_path_factory.mktemp("graded")
    grade_batch(course, "a1_backprop", [SubmissionInput(p.name, p) for p in sorted(SAMPLES.iterdir())], out)
    write_feedback(out)
    write_class_report(out)
    return out


@pytest.mark.xdist_group("sample_class")  # one worker grades the samples once for all readers
def test_every_submission_gets_a_self_contained_feedback_page(graded):
    for folder in (p for p in graded.iterdir() if p.is_dir()):
        page = (folder / FEEDBACK_HTML).read_text()
        assert "<table id=\"scores\">" in page
        assert "src=\"http" not in page and "href=\"http" not in page  # nothing to fetch


@pytest.mark.xdist_group("sample_class")  # one worker grades the samples once for all readers
def test_feedback_names_the_mistake_and_never_shows_solution_or_grader_code(graded):
    page = (graded / "ben" / FEEDBACK_HTML).read_text()
    assert "also passes where x == 0" in page
    for secret in ("x.T @ dout", "def test_", "oracles.", "BEGIN SOLUTION"):
        assert secret not in page


@pytest.mark.xdist_group("sample_class")  # one worker grades the samples once for all readers
def test_figures_show_the_training_curve_and_wrong_gradients(graded):
    ada = (graded / "ada" / FEEDBACK_HTML).read_text()
    ben = (graded / "ben" / FEEDBACK_HTML).read_text()
    assert 'alt="Your training loss on the digits"' in ada
    assert "yours vs finite differences" in ben and "data:image/png;base64," in ben


@pytest.mark.xdist_group("sample_class")  # one worker grades the samples once for all readers
def test_class_report_counts_mistakes_once_per_submission_and_lists_incidents(graded):
    page = (graded / CLASS_REPORT_HTML).read_text()
    assert "db summed over the wrong axis" in page
    rows = page.split('<table id="students">')[1]
    assert all(name in rows for name in ("ada", "ben", "cy", "dee", "eve"))


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("page", ["ben/" + FEEDBACK_HTML, CLASS_REPORT_HTML])
@pytest.mark.xdist_group("sample_class")  # one worker grades the samples once for all readers
def test_pages_render_in_a_real_browser(graded, page):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto((graded / page).as_uri())
        tab.wait_for_load_state("load")
        images = tab.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
        assert images and all(images), "every figure is drawn"
        assert tab.locator("table").first.is_visible()
        if page == CLASS_REPORT_HTML:
            tab.click("#students th:nth-child(2)")  # sort by total, highest first
            first = tab.locator("#students tbody tr").first.locator("td").first.inner_text()
            assert first == "ada"
        else:
            assert tab.locator("#total").inner_text().endswith("/ 23")
        tab.screenshot(path=str(ARTIFACTS / (Path(page).stem + ".png")), full_page=True)
        browser.close()
    assert errors == []


def test_a2_feedback_draws_the_decision_boundary_of_the_students_weights(course, make_submission):
    from graders.engine.reporting.reports import student_page
    from graders.engine.grading.runner import RunOptions, run_graders
    from tests.conftest import Patch

    folder = make_submission("a2_keras_by_hand", (Patch(
        "set_weights.py", "np.array([-0.5])", "np.array([-0.7])"),))  # a boundary too far out
    report = run_graders(course, "a2_keras_by_hand", folder,
                         RunOptions("public", "local", exercise="sum_threshold_weights"))
    figures = [p for t in report.tests for p in t.plots]
    assert [f["kind"] for f in figures] == ["field"] and figures[0]["boundary"] == [-1.0, 0.5]
    assert "Your model&#39;s output over the unit square" in student_page(report)


def corrected_outcomes(reports) -> dict:
    """Every submission with a long-reasoned adjustment and a late penalty: the widest correction columns."""
    from graders.engine.classbook.corrections import Line, Outcome

    outcomes = {}
    for report in reports:
        exercises = {e.name: e.score for e in report.exercises}
        exercises["Relu"] = 2.0
        lines = [Line("Relu", 2.0 - report.exercises[2].score,
                      "the hidden test's tolerance was too tight for float32 inputs; regraded by hand after an email"),
                 Line("", -2.3, "Late penalty: handed in 2026-03-03 00:16 UTC, due 2026-03-02 23:59 UTC; "
                                "1 day late, 10% of 23 points")]
        outcomes[report.submission] = Outcome(report.submission, report.score, report.max_score, exercises,
                                              adjustment=lines[0].change, late_penalty=2.3, lines=lines)
    return outcomes


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.xdist_group("sample_class")  # one worker grades the samples once for all readers
def test_class_report_with_corrections_fits_1280_px_and_sorts_from_the_keyboard(graded, tmp_path):
    from playwright.sync_api import sync_playwright

    from graders.engine.reporting.reports import class_page, load_reports

    reports = load_reports(graded)
    assert reports[0].exercises[2].name == "Relu"
    page = tmp_path / CLASS_REPORT_HTML
    page.write_text(class_page(reports, outcomes=corrected_outcomes(reports)))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(page.as_uri())
        assert tab.evaluate("document.documentElement.scrollWidth") <= 1280
        heights = tab.eval_on_selector_all("#students tbody tr", "rows => rows.map(r => r.getBoundingClientRect().height)")
        assert max(heights) < 3 * min(heights) + 1 and max(heights) < 80, heights  # no row wraps to many lines

        total = tab.locator("#students th:nth-child(2)")
        total.locator("button").focus()
        tab.keyboard.press("Enter")
        assert total.get_attribute("aria-sort") == "descending"
        totals = tab.eval_on_selector_all("#students tbody tr td:nth-child(2)", "cells => cells.map(c => +c.textContent)")
        assert totals == sorted(totals, reverse=True)
        tab.keyboard.press("Space")
        assert total.get_attribute("aria-sort") == "ascending"
        assert tab.locator("#sort-status").inner_text() == "Sorted by Total, ascending."
        tab.keyboard.press("Shift+Tab")
        tab.keyboard.press("Enter")  # the Submission column: by name
        assert tab.locator("#students th:nth-child(1)").get_attribute("aria-sort") == "descending"
        assert total.get_attribute("aria-sort") == "none"
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "class-report-corrected.png"), full_page=True)
        browser.close()


@pytest.mark.xdist_group("sample_class")  # one worker grades the samples once for all readers
def test_a_corrected_exercise_shows_its_final_points_with_the_correction_beside(graded):
    from graders.engine.reporting.reports import load_reports, student_page

    report = next(r for r in load_reports(graded) if r.exercises[2].score < 2)
    page = student_page(report, outcome=corrected_outcomes([report])[report.submission])
    relu = page.split("<td>Relu</td>")[1].split("</tr>")[0]
    assert "2 / 2" in relu and f"(autograded {points(report.exercises[2].score)}, corrected: see below)" in relu
