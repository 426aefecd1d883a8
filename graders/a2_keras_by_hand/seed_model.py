"""Data of the exercise: the trained weights printed in seed 001, and its input.

These are the exercise's givens (students read the same table in their
docstring), not expected answers: every expected value is computed from them
by Keras in the judge (see keras_ref).
"""

import numpy as np

SIZES = (2, 5, 1)
ACTIVATIONS = ("tanh", "tanh")

# hidden.get_weights() and output.get_weights() as the seed prints them (float32, like Keras).
SEED_WEIGHTS = [
    np.array([[-1.08239257, 0.32482854, 0.95010394, 0.00501535, -0.47380614],
              [-0.56682748, 1.15749049, 0.91618514, 0.37518814, -0.67639047]], dtype=np.float32),
    np.array([-0.18290569, 0.21453567, 0.01353107, 0.27740911, 0.09604219], dtype=np.float32),
    np.array([[-0.8775745], [1.09351909], [0.21981503], [1.31380796], [-0.10301871]], dtype=np.float32),
    np.array([0.27410847], dtype=np.float32),
]

SEED_X = np.array([0.3, 0.1])   # the input the seed works through by hand
SEED_THRESHOLD = 0.5            # its rule: label +1 when x1 + x2 > 0.5


def true_label(x: np.ndarray, threshold: float = SEED_THRESHOLD) -> np.ndarray:
    """±1 labels of the sum rule (float64 sums, strict '>' as in the seed)."""
    return np.where(np.sum(np.asarray(x, dtype=np.float64), axis=-1) > threshold, 1, -1)


def random_weights(rng: np.random.Generator, sizes, scale: float = 0.8) -> list[np.ndarray]:
    """float32 weights and clearly non-zero biases for a Dense stack: a forgotten bias cannot hide."""
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        weights.append((scale * rng.standard_normal((fan_in, fan_out))).astype(np.float32))
        weights.append((0.5 * rng.standard_normal(fan_out) + 0.2 * rng.choice([-1, 1], fan_out)).astype(np.float32))
    return weights
