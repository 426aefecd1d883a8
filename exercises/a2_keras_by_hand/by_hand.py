"""The forward pass of Keras Dense layers, by hand with NumPy.

A Keras `Dense(units, activation=...)` layer holds two arrays, returned by
`layer.get_weights()` as `[W, b]`:
    W, the kernel: shape (inputs, units)   <- Keras keeps inputs first
    b, the bias:   shape (units,)
and computes, for a batch x of shape (N, inputs),

    activation(x @ W + b)        # shape (N, units)

(The seed article writes the same thing for one column vector as W^T x + b.)
A model's `model.get_weights()` lists the arrays of all its layers in order:
[W1, b1, W2, b2, ...].

NumPy only in this file: no keras or tensorflow, not even through a helper
module. The graders build the same networks in Keras and compare.
"""

import numpy as np


def dense_forward(x, W, b, activation="tanh"):
    """One Dense layer: activation(x @ W + b).

    x: shape (inputs,) for one sample, or (N, inputs) for a batch.
    W: shape (inputs, units). b: shape (units,).
    activation: "tanh", "relu" (max(z, 0)) or "linear" (no activation).
    Returns shape (units,) for a 1-D x, (N, units) for a batch.
    Do not modify x, W or b.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def forward_by_hand(weights, x):
    """The seed's model Input(2) -> Dense(5, tanh) -> Dense(1, tanh), by hand.

    weights: model.get_weights() of that model, [W1 (2, 5), b1 (5,), W2 (5, 1), b2 (1,)].
    x: shape (2,) or (N, 2).
    Returns (h, y): the hidden activations, shape (5,) or (N, 5), and the output,
    shape (1,) or (N, 1) -- the same numbers model.predict gives.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def predict_by_hand(weights, x, activations):
    """Any stack of Dense layers, by hand.

    weights: [W1, b1, W2, b2, ...] as model.get_weights() returns them.
    x: a batch, shape (N, inputs of the first layer).
    activations: one name per layer ("tanh", "relu" or "linear"), in order.
    Returns the last layer's output, shape (N, units of the last layer).
    """
    # YOUR CODE HERE
    raise NotImplementedError()
