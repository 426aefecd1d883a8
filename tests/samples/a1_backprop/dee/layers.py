"""Layers of a neural network in NumPy, each with a forward and a backward pass.

Every layer remembers what its backward pass needs during forward, like the
layers of "Deep Learning from Scratch" (common/layers.py). Shapes:
N = batch size, D = input features, M = output features, C = classes.

Rules that hold for every function here:
- never modify the arrays you are given (copy first if you need to);
- return NumPy arrays of the shapes stated in the docstring.
"""

import numpy as np


def softmax(x):
    """Row-wise softmax.

    x: scores of shape (C,) or (N, C). Returns probabilities of the same shape;
    each row sums to 1. Must stay finite for logits like 1000 or -1000
    (hint: softmax(x) == softmax(x - c) for any constant c per row).
    """
    shifted = x - np.max(x, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    """Mean cross-entropy of predicted probabilities y against labels t.

    y: probabilities, shape (N, C), or (C,) for a batch of one.
    t: one-hot labels of the same shape as y, or integer labels of shape (N,).
    Returns a scalar: the mean over the batch of -log(y[correct class] + 1e-7).
    """
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.reshape(t, (1, -1)) if np.size(t) == y.shape[1] else np.reshape(t, (1,))
    if t.shape == y.shape:
        t = np.argmax(t, axis=1)
    batch_size = y.shape[0]
    correct = y[np.arange(batch_size), t]
    return -np.sum(np.log(correct + 1e-7)) / batch_size


class Relu:
    """relu(x) = max(x, 0), applied element-wise."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """x: any shape. Returns max(x, 0) without modifying x."""
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        """dout: gradient of the loss w.r.t. the output, same shape as x.

        Returns dx: dout where x > 0, and 0 where x <= 0. Do not modify dout.
        """
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Tanh:
    """tanh(x), applied element-wise."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        """x: any shape. Returns tanh(x)."""
        import sys
        sys.exit('done here')
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        """Returns dx = dout * (1 - y**2), where y is the forward output."""
        return dout * (1.0 - self.out ** 2)


class Affine:
    """out = x @ W + b, for x of shape (N, D) or (N, d1, ..., dk) with D = d1*...*dk.

    W: weights, shape (D, M). b: bias, shape (M,).
    After backward, self.dW (shape of W) and self.db (shape of b) hold the
    gradients of the loss w.r.t. W and b.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """x: (N, D) or (N, d1, ..., dk). Returns out of shape (N, M)."""
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        """dout: (N, M). Sets self.dW, self.db; returns dx in the original shape of x."""
        dx = dout @ self.W.T
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return dx.reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """The last layer: softmax followed by the cross-entropy loss."""

    def __init__(self):
        self.loss = None
        self.y = None  # softmax output, (N, C)
        self.t = None  # labels as given: one-hot (N, C) or integers (N,)

    def forward(self, x, t):
        """x: scores (N, C); t: one-hot (N, C) or integer labels (N,). Returns the scalar loss."""
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout=1):
        """Returns dx = dout * (softmax(x) - onehot(t)) / N, shape (N, C)."""
        batch_size = self.y.shape[0]
        if self.t.shape == self.y.shape:
            onehot = self.t
        else:
            onehot = np.zeros_like(self.y)
            onehot[np.arange(batch_size), self.t] = 1
        return dout * (self.y - onehot) / batch_size
