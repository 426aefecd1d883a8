"""Graders for a1_backprop: NumPy layers from scratch."""

# The tolerances and settings these graders read; course.toml gives their values
# and is checked against these names when it is loaded (a typo stops every command).
TOLERANCES = {
    "value_atol": "forward values, NumPy vs NumPy (float64): absolute",
    "value_rtol": "forward values, NumPy vs NumPy (float64): relative",
    "grad_rtol": "backprop vs centered finite differences (float64): relative",
    "grad_atol": "backprop vs centered finite differences (float64): absolute",
}
SETTINGS = {
    "train_iters": ("integer", "SGD steps of the graded training run"),
    "train_min_accuracy": ("number", "held-out accuracy on scikit-learn's digits that train() must reach"),
}
