"""What `course check` shows: one explanation per cause, titles in full, the table last, a plain mode."""

import re

from rich.console import Console

from graders.engine.reporting.view import show_check
from tests.catalog.a1_backprop import MISTAKES
from tests.conftest import Patch

BOX = re.compile("[╭╮╰╯│─┏┓┗┛┃━]")


def render(report, width=80, plain=False):
    console = Console(record=True, width=width, force_terminal=False, color_system=None)
    show_check(console, report, plain=plain)
    return console.export_text()


def mistake(name):
    return next(m for m in MISTAKES if m.name == name).patches


def test_a_syntax_error_is_one_box_saying_how_many_checks_it_cost(make_submission, grade):
    broken = Patch("layers.py", "def softmax(x):", "def softmax(x)")
    report = grade(make_submission("a1_backprop", (broken,)), "a1_backprop")
    failed = [t for t in report.tests if not t.passed]
    text = render(report)
    assert text.count("syntax error") == 1
    assert text.count("╭") == 1
    assert f"Same cause in {len(failed)} checks" in text


def test_a_known_mistake_is_one_box_per_exercise(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("affine db over axis 1")), "a1_backprop")
    costly = [t for t in report.tests if t.exercise == "Affine" and not t.passed]
    assert len(costly) > 1
    text = render(report, width=200)
    assert text.count("wrong axis (axis=1 instead of axis=0)") == 1
    assert f"Same cause in {len(costly)} checks" in text


def test_titles_wrap_instead_of_being_cut(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("softmax-with-loss for integer labels only")), "a1_backprop")
    titles = [t.title for t in report.tests if t.exercise == "SoftmaxWithLoss" and not t.passed]
    text = " ".join(render(report, width=60).split())
    for title in titles:
        assert " ".join(title.split()) in text.replace("│ ", "").replace(" │", "")


def test_the_points_table_comes_after_the_feedback(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("affine forgets the bias")), "a1_backprop")
    text = render(report)
    assert text.rindex("forgot the bias") < text.index("Total")


def test_plain_mode_draws_no_boxes_and_keeps_every_word(make_submission, grade):
    report = grade(make_submission("a1_backprop", mistake("affine forgets the bias")), "a1_backprop")
    text = render(report, plain=True)
    assert not BOX.search(text)
    assert "forgot the bias" in text and "Affine: " in text and "Total: " in text


def test_feedback_follows_the_course_order(make_submission, grade):
    patches = mistake("tanh backward uses the input") + mistake("softmax over the wrong axis")
    report = grade(make_submission("a1_backprop", patches), "a1_backprop")
    text = render(report)
    assert text.index("wrong axis") < text.index("used the input x instead of the output y")


def test_the_uses_note_is_grammatical_for_one_and_for_several():
    from graders.engine.core.scoring import uses_note

    assert "uses your Relu, which fails its own checks" in uses_note("MultiLayerNet", ["Relu"])
    assert "uses your Relu and Tanh, which fail their own checks" in uses_note("MultiLayerNet", ["Relu", "Tanh"])


def test_every_report_lists_its_checks_in_the_course_order(make_submission, grade, course):
    report = grade(make_submission("a1_backprop"), "a1_backprop")
    order = list(course.assignment("a1_backprop").exercises)
    seen = [order.index(t.exercise) for t in report.tests]
    assert seen == sorted(seen)


def test_a_misspelt_import_is_one_box_with_no_note_on_other_exercises(make_submission, grade):
    misspelt = Patch("layers.py", "import numpy as np", "import nunpy as np")
    report = grade(make_submission("a1_backprop", (misspelt,)), "a1_backprop")
    text = render(report, width=200)
    assert text.count("╭") == 1 and "nunpy" in text
    assert "fails its own checks" not in text and "fail their own checks" not in text
