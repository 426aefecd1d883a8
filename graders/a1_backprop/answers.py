"""a1's answer oracles: reference computations that would give an exercise away.

Private to the instructor's course: ``course release --student`` ships only
their values for the public tests' inputs (answers.npz), never this module.
Tests call them through ``Answers.of(__name__)`` (see engine/grading/answers.py).
Wrong answers used to name known mistakes live here too: most are one edit
away from the right one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .oracles import numerical_gradient, onehot


# -- softmax and cross-entropy --------------------------------------------------------

def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed in float64 via log-sum-exp."""
    x = np.asarray(x, dtype=np.float64)
    log_norm = np.logaddexp.reduce(x, axis=-1, keepdims=True)
    return np.exp(x - log_norm)


def cross_entropy(y: np.ndarray, labels: np.ndarray, eps: float = 1e-7) -> float:
    """Mean of -log(y[i, labels[i]] + eps); y (N, C), labels (N,) integers."""
    picked = y[np.arange(len(labels)), labels]
    return float(np.mean(-np.log(picked + eps)))


def wrong_softmaxes(x: np.ndarray) -> dict[str, np.ndarray]:
    """What common mistakes return for x, to name them when a result matches."""
    with np.errstate(all="ignore"):
        e = np.exp(x)
        mistakes = {
            "normalized over the wrong axis (columns instead of rows)": e / e.sum(axis=0, keepdims=True),
            "exponentials not normalized (missing the division by their sum)": e,
            "softmax overflows: np.exp of a large logit is inf, and inf / inf is nan": e / e.sum(axis=-1, keepdims=True),
        }
        if x.ndim == 2:
            g = np.exp(x - x.max())
            mistakes["shifted by the maximum of the whole array instead of each row's maximum"] = (
                g / g.sum(axis=-1, keepdims=True))
    return mistakes


def wrong_losses(y: np.ndarray, labels: np.ndarray) -> dict[str, float | None]:
    n, c = y.shape
    right = cross_entropy(y, labels)
    with np.errstate(all="ignore"):
        as_if_onehot = -np.sum(labels * np.log(y + 1e-7)) / n if n == c else None
        return {
            "summed over the batch instead of averaged (missing / N)": right * n,
            "forgot the + 1e-7 inside the log (log(0) is -inf)": cross_entropy(y, labels, eps=0.0),
            "integer labels used as if they were one-hot": as_if_onehot,
            "averaged over every entry (N*C) instead of over the batch (N)":
                -np.sum(onehot(labels, c) * np.log(y + 1e-7)) / (n * c),
        }


# -- layers ------------------------------------------------------------------------------

def relu_forward(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def relu_backward(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    return dout * (x > 0)


def relu_backward_mistakes(x: np.ndarray, dout: np.ndarray, mask_mistake: str) -> dict[str, np.ndarray]:
    return {
        mask_mistake: dout * (x >= 0),
        "mask inverted: gradient passed where x <= 0": dout * (x <= 0),
        "returned the mask (x > 0) without multiplying by dout": (x > 0).astype(float),
    }


def tanh_forward(x: np.ndarray) -> np.ndarray:
    return np.tanh(x)


def tanh_numerical_gradient(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    return numerical_gradient(lambda v: float(np.sum(np.tanh(v) * dout)), x)


def tanh_backward_mistakes(x: np.ndarray, dout: np.ndarray) -> dict[str, np.ndarray]:
    y = np.tanh(x)
    return {
        "used the input x instead of the output y: dout * (1 - x**2)": dout * (1 - x ** 2),
        "forgot to multiply by dout": 1 - y ** 2,
        "dout * (1 - y) instead of dout * (1 - y**2)": dout * (1 - y),
    }


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1) @ W + b


def affine_without_bias(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1) @ W


def affine_numerical_gradients(x: np.ndarray, W: np.ndarray, b: np.ndarray,
                               dout: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dx, dW, db by finite differences of L = sum(out * dout), whose gradient w.r.t. out is dout."""
    def loss(x_: np.ndarray, W_: np.ndarray, b_: np.ndarray) -> float:
        return float(np.sum(affine_forward(x_, W_, b_) * dout))

    return (numerical_gradient(lambda v: loss(v, W, b), x),
            numerical_gradient(lambda v: loss(x, v, b), W),
            numerical_gradient(lambda v: loss(x, W, v), b))


def affine_db_mistakes(dout: np.ndarray) -> dict[str, np.ndarray]:
    return {"db summed over the wrong axis (axis=1 instead of axis=0)": dout.sum(axis=1),
            "db averaged over the batch instead of summed": dout.mean(axis=0)}


def affine_square_mistakes(x: np.ndarray, W: np.ndarray, dout: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """For N = D = M: wrong dx and dW that have the right shape."""
    return {"dx": {"dx = dout @ W instead of dout @ W.T": dout @ W},
            "dW": {"dW = x @ dout instead of x.T @ dout": x @ dout, "dW transposed (dout.T @ x)": dout.T @ x}}


def softmax_with_loss(x: np.ndarray, labels: np.ndarray) -> float:
    return cross_entropy(softmax(x), labels)


def softmax_with_loss_exact(x: np.ndarray, labels: np.ndarray) -> float:
    """The loss without the 1e-7 (log-softmax computed exactly): as correct as the one with it."""
    return cross_entropy(softmax(x), labels, eps=0.0)


def softmax_with_loss_forward_mistakes(x: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    n, c = x.shape
    right = softmax_with_loss(x, labels)
    return {
        "loss summed over the batch instead of averaged (missing / N)": right * n,
        "loss averaged over every entry (N*C) instead of over the batch (N)": right / c,
        "returned one loss per example; forward returns their mean, a single number":
            -np.log(softmax(x)[np.arange(n), labels] + 1e-7),
    }


def softmax_with_loss_numerical_gradient(x: np.ndarray, labels: np.ndarray, dout: float = 1.0) -> np.ndarray:
    """dout times the finite differences of the loss without the 1e-7 (its exact gradient is backprop's)."""
    return dout * numerical_gradient(lambda v: cross_entropy(softmax(v), labels, eps=0.0), x)


def softmax_with_loss_mistakes(x: np.ndarray, labels: np.ndarray, dout: float = 1.0) -> dict[str, np.ndarray]:
    n, c = x.shape
    diff = softmax(x) - onehot(labels, c)
    return {
        "forgot to divide by the batch size N": dout * diff,
        "ignored dout (backward(dout) must scale the gradient by dout)": diff / n,
        "returned softmax(x) / N without subtracting the labels": softmax(x) / n,
    }


# -- the network --------------------------------------------------------------------------

def _activation(name: str):
    return {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh}[name]


def mlp_scores(params: dict[str, np.ndarray], x: np.ndarray, act: str) -> np.ndarray:
    """Scores of Affine -> act -> ... -> Affine, by the definition of each layer."""
    layers = len(params) // 2
    h = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    for i in range(1, layers + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < layers:
            h = _activation(act)(h)
    return h


def mlp_loss(params: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray, act: str,
             eps: float = 1e-7) -> float:
    """Mean softmax cross-entropy of the scores."""
    return cross_entropy(softmax(mlp_scores(params, x, act)), labels, eps=eps)


def mlp_numerical_gradients(params: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray,
                            act: str) -> dict[str, np.ndarray]:
    """Finite differences of the loss without the 1e-7: its exact gradient is what backprop gives."""
    grads = {}
    for key in params:
        def loss_at(value: np.ndarray, key: str = key) -> float:
            return mlp_loss({**params, key: value}, x, labels, act, eps=0.0)

        grads[key] = numerical_gradient(loss_at, params[key])
    return grads


def mlp_forward_mistakes(params: dict[str, np.ndarray], x: np.ndarray, act: str) -> dict[str, np.ndarray]:
    other = "tanh" if act == "relu" else "relu"
    layers = len(params) // 2
    h = x
    for i in range(1, layers + 1):
        h = _activation(act)(h @ params[f"W{i}"] + params[f"b{i}"])
    return {
        f"used {other} instead of the requested {act}": mlp_scores(params, x, other),
        "applied the activation after the last Affine layer too (predict returns raw scores)": h,
    }
