"""a2 feedback says what the answer shows: which input numbers were worked for, where a rule is wrong."""

import numpy as np

from graders.a2_keras_by_hand.rules import diagnose_threshold, threshold_mistakes
from graders.a2_keras_by_hand.seed_model import SEED_X, true_label
from graders.a2_keras_by_hand.variant import variant_for
from tests.catalog.a2_keras_by_hand import network_at, numbers
from tests.conftest import Patch, feedback_of
from tests.test_a2_variants import A2, HN, patches_for


def diagnosis(switch, threshold=0.5, n=2):
    return diagnose_threshold(np.ones((n, 1)), np.array([-switch]), n, threshold, threshold_mistakes(n, threshold))


def test_a_switch_far_from_the_threshold_is_described_by_the_band_it_gets_wrong():
    text = diagnosis(1.5)
    assert "wrong for every x whose sum lies between 0.5 and 1.5" in text
    assert "negative output" in text and "away from the boundary" not in text


def test_a_switch_below_the_threshold_calls_the_band_positive():
    assert "positive output" in diagnosis(0.2)


def test_a_switch_just_off_the_threshold_is_wrong_only_near_it():
    assert "right away from the boundary, wrong near it" in diagnosis(0.5 + 1e-4)


def own_input_where_the_network_is_right():
    for i in range(200):
        x = np.array(variant_for(f"student{i}").x)
        if np.sign(network_at(x)["y"]) == true_label(x):
            return f"student{i}"
    raise AssertionError("no student id in 200 whose input the network gets right")


def test_a_wrong_prediction_correct_with_ones_own_numbers_is_not_called_the_worked_example(make_submission, grade):
    student = own_input_where_the_network_is_right()
    patches = patches_for(student) + (Patch(HN, "PREDICTION_CORRECT = True", "PREDICTION_CORRECT = False"),)
    report = grade(make_submission(A2, patches), A2)
    text = feedback_of(report, "PREDICTION_CORRECT")
    assert "PREDICTION_CORRECT does not match" in text
    assert "worked example" not in text


def test_prediction_correct_worked_for_the_example_with_its_numbers_is_named(make_submission, grade):
    student = own_input_where_the_network_is_right()
    example = network_at(SEED_X)
    identity, _ = patches_for(student)
    hand = Patch(HN, patches_for(student)[1].old,
                 f"H = {numbers(example['h'])}\nY = {example['y']:.4f}\nPREDICTED_LABEL = +1\n"
                 "PREDICTION_CORRECT = False\n")
    report = grade(make_submission(A2, (identity, hand)), A2)
    assert "right for the worked example" in feedback_of(report, "PREDICTION_CORRECT")
