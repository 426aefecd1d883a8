"""a2_keras_by_hand graders: Keras weights read and set by hand, judged against Keras itself."""

# The tolerances and settings these graders read; course.toml gives their values
# and is checked against these names when it is loaded (a typo stops every command).
TOLERANCES = {
    "keras_atol": "NumPy (float64 or float32) vs Keras' float32 predict: absolute",
    "keras_rtol": "NumPy (float64 or float32) vs Keras' float32 predict: relative",
    "hand_atol": "numbers worked out by hand with 4 decimals",
}
SETTINGS = {
    "uniform_points": ("integer", "random points of [0, 1)^n that must all be classified right by sign"),
    "boundary_points": ("integer", "points close to the boundary 'sum = threshold' that must be right too"),
    "boundary_distance": ("number", "how far from the boundary those points are at most (in the sum)"),
    "xor_min_output": ("number", "XOR: the output's size (>= it for true, <= minus it for false)"),
    "variant_salt": ("string", "mixed into per-student inputs; change it (e.g. each term) for new ones"),
}
