"""A multi-layer network built from the layers in layers.py, and its training loop.

The network is Affine -> activation -> ... -> Affine, followed by SoftmaxWithLoss,
as in "Deep Learning from Scratch" (ch. 5-6). Its weights live in the dict
`self.params` ("W1", "b1", ..., "W{L}", "b{L}"); the Affine layers hold
references to those same arrays, so training must update them in place.
"""

from collections import OrderedDict

import numpy as np

from layers import Affine, Relu, SoftmaxWithLoss, Tanh


class MultiLayerNet:
    """input_size -> hidden_size_list[0] -> ... -> output_size.

    params["W{i}"]: (fan_in, fan_out), drawn as weight_init_std * standard normal
    from np.random.default_rng(seed); params["b{i}"]: (fan_out,), zeros.
    activation: "relu" or "tanh", used after every hidden Affine layer.
    """

    def __init__(self, input_size, hidden_size_list, output_size,
                 weight_init_std=0.01, activation="relu", seed=None):
        # YOUR CODE HERE
        raise NotImplementedError()

    def predict(self, x):
        """x: (N, input_size). Returns scores before softmax, (N, output_size)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def loss(self, x, t):
        """Scalar loss; t one-hot (N, output_size) or integer labels (N,)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def accuracy(self, x, t):
        """Fraction of rows whose highest score is the correct class, in [0, 1]."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def gradient(self, x, t):
        """Gradients by backpropagation: a dict with the keys and shapes of self.params."""
        # YOUR CODE HERE
        raise NotImplementedError()


def train(network, x, t, *, lr=0.1, batch_size=100, iters=1000, seed=0):
    """Plain minibatch SGD on network.params, in place.

    Each step draws batch_size rows of (x, t) at random with
    np.random.default_rng(seed), computes network.gradient on them and moves
    every parameter by -lr * gradient. Returns the list of minibatch losses,
    one per step.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
