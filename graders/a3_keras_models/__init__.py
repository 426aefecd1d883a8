"""Graders of a3_keras_models: Sequential vs Functional, the CNN, and the NumPy bridge."""

# The tolerances and settings these graders read; course.toml gives their values
# and is checked against these names when it is loaded (a typo stops every command).
TOLERANCES = {
    "equal_atol": "the same weights in two models of the same network (float32)",
    "forward_atol": "NumPy (float64) vs Keras (float32) forward pass: absolute",
    "forward_rtol": "NumPy (float64) vs Keras (float32) forward pass: relative",
    "grad_atol": "NumPy backprop vs tf.GradientTape (float32): absolute",
    "grad_rtol": "NumPy backprop vs tf.GradientTape (float32): relative",
}
SETTINGS = {
    "train_points": ("integer", "training points of the graded training run"),
    "test_points": ("integer", "fresh points its accuracy is measured on"),
    "train_epochs": ("integer", "epochs train() is asked for"),
    "train_learning_rate": ("number", "learning rate of the grader's compiled copy of the net"),
    "train_seed": ("integer", "seed of the graded training run"),
    "train_min_accuracy": ("number", "accuracy by sign that the trained net must reach"),
    "cnn_epochs": ("integer", "epochs of the hidden check that build_cnn's model learns"),
    "cnn_seed": ("integer", "seed of that check"),
    "cnn_min_accuracy": ("number", "held-out digits accuracy that check expects"),
}
