"""a2's answer oracles: NumPy computations that would give an exercise away.

Every expected value of a2 comes from Keras itself (keras_ref). What lives
here are the wrong answers that name known mistakes -- each one edit away from
a right forward pass -- and the seed network's own outputs on the grid of
per-student inputs. Private to the instructor's course: ``course release
--student`` ships only their values for the public tests' inputs
(answers.npz), never this module.
"""

from __future__ import annotations

import numpy as np

from .seed_model import SEED_WEIGHTS, SEED_X, true_label

ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}


def dense_forward_mistakes(x: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str) -> dict:
    """Wrong answers students give for dense_forward."""
    act = ACTIVATIONS[activation]
    x, W, b = (np.asarray(a, dtype=np.float64) for a in (x, W, b))
    z = x @ W + b
    found = {
        "forgot the bias b": act(x @ W),
        "added b after the activation instead of before": act(x @ W) + b,
    }
    for other, other_act in ACTIVATIONS.items():
        if other != activation:
            found[f"applied {other} where activation={activation!r} was asked"] = other_act(z)
    if W.shape[0] == W.shape[1]:
        found["computed W @ x (the column-vector habit) instead of x @ W; Keras' kernel is (inputs, units)"] = \
            act(W @ x + b) if x.ndim == 1 or x.shape[0] == W.shape[1] else None
        found["used W transposed: x @ W.T instead of x @ W"] = act(x @ W.T + b)
    return found


def forward_by_hand_mistakes(weights: list[np.ndarray], x: np.ndarray) -> tuple[dict, dict]:
    """Wrong (h, y) pairs students compute for forward_by_hand."""
    W1, b1, W2, b2 = (np.asarray(w, dtype=np.float64) for w in weights)
    z1 = x @ W1 + b1
    h = np.tanh(z1)
    hidden = {
        "tanh applied only to the output: h is x @ W1 + b1 without tanh": z1,
        "relu instead of tanh in the hidden layer": np.maximum(z1, 0),
        "forgot the bias b1": np.tanh(x @ W1),
        "h transposed: W1.T @ x.T gives one column per sample, Keras gives one row": h.T,
    }
    output = {
        "tanh applied only to the output (none after the hidden layer)": np.tanh(z1 @ W2 + b2),
        "relu instead of tanh in the hidden layer": np.tanh(np.maximum(z1, 0) @ W2 + b2),
        "relu instead of tanh in both layers": np.maximum(np.maximum(z1, 0) @ W2 + b2, 0),
        "no tanh on the output": h @ W2 + b2,
        "forgot the bias b2": np.tanh(h @ W2),
        "forgot the bias b1": np.tanh(np.tanh(x @ W1) @ W2 + b2),
        "forgot both biases": np.tanh(np.tanh(x @ W1) @ W2),
        "y transposed: one column per sample, Keras gives one row": np.tanh(h @ W2 + b2).T,
    }
    return hidden, output


def _stack(weights: list[np.ndarray], x: np.ndarray, activations: list[str]) -> np.ndarray:
    out = np.asarray(x, dtype=np.float64)
    for W, b, name in zip(weights[0::2], weights[1::2], activations):
        out = ACTIVATIONS[name](out @ W + b)
    return out


def predict_by_hand_mistakes(weights: list[np.ndarray], x: np.ndarray, activations: list[str]) -> dict:
    """Wrong outputs students compute for predict_by_hand."""
    found = {}
    W_last, b_last = weights[-2], weights[-1]
    if x.shape[1] == W_last.shape[0]:
        found["every layer was fed x instead of the previous layer's output"] = \
            ACTIVATIONS[activations[-1]](x @ W_last + b_last)
    depth = len(activations)
    found["used the first activation for every layer"] = _stack(weights, x, [activations[0]] * depth)
    found["applied tanh in every layer, whatever activations says"] = _stack(weights, x, ["tanh"] * depth)
    found["no activation after the last layer"] = _stack(weights, x, [*activations[:-1], "linear"])
    no_biases = [w if i % 2 == 0 else 0 * w for i, w in enumerate(weights)]
    found["forgot the biases"] = _stack(no_biases, x, activations)
    if len(activations) > 1:
        found["only the first layer was applied"] = _stack(weights[:2], x, activations[:1])
    return found


def variant_pools(grid: np.ndarray, threshold: float, label_margin: float,
                  output_margin: float) -> tuple[np.ndarray, np.ndarray]:
    """(misclassified, classified right): the grid points whose label and output are clear (variant.py)."""
    x = np.array([(a, b) for a in grid for b in grid])
    W1, b1, W2, b2 = (w.astype(np.float64) for w in SEED_WEIGHTS)
    y = np.tanh(np.tanh(x @ W1 + b1) @ W2 + b2)[..., 0]
    clear = ((np.abs(x.sum(axis=1) - threshold) >= label_margin - 1e-9) & (np.abs(y) >= output_margin)
             & ~np.all(np.isclose(x, SEED_X), axis=1))
    wrong = np.sign(y) != true_label(x)
    return x[clear & wrong], x[clear & ~wrong]
