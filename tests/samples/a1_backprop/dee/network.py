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
        activations = {"relu": Relu, "tanh": Tanh}
        if activation not in activations:
            raise ValueError(f"activation must be 'relu' or 'tanh', got {activation!r}")
        rng = np.random.default_rng(seed)
        sizes = [input_size, *hidden_size_list, output_size]
        self.params = {}
        self.layers = OrderedDict()
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"W{i}"] = weight_init_std * rng.standard_normal((fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)
            self.layers[f"Affine{i}"] = Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            if i < len(sizes) - 1:
                self.layers[f"Activation{i}"] = activations[activation]()
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        """x: (N, input_size). Returns scores before softmax, (N, output_size)."""
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Scalar loss; t one-hot (N, output_size) or integer labels (N,)."""
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        """Fraction of rows whose highest score is the correct class, in [0, 1]."""
        predicted = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return float(np.mean(predicted == t))

    def gradient(self, x, t):
        """Gradients by backpropagation: a dict with the keys and shapes of self.params."""
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        grads = {}
        for i in range(1, len(self.params) // 2 + 1):
            grads[f"W{i}"] = self.layers[f"Affine{i}"].dW
            grads[f"b{i}"] = self.layers[f"Affine{i}"].db
        return grads


def train(network, x, t, *, lr=0.1, batch_size=100, iters=1000, seed=0):
    """Plain minibatch SGD on network.params, in place.

    Each step draws batch_size rows of (x, t) at random with
    np.random.default_rng(seed), computes network.gradient on them and moves
    every parameter by -lr * gradient. Returns the list of minibatch losses,
    one per step.
    """
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(iters):
        batch = rng.choice(x.shape[0], batch_size)
        grads = network.gradient(x[batch], t[batch])
        for key, grad in grads.items():
            network.params[key] -= lr * grad
        losses.append(float(network.loss(x[batch], t[batch])))
    return losses
