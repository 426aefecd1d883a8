"""The a1 catalogs: known mistakes (each must lose points, named) and correct variants (full marks).

Each entry is a small patch to the solution, written the way students write it.
"""

from tests.catalog import Mistake, Variant
from tests.conftest import Patch

L, N = "layers.py", "network.py"

CE_BODY = """    if t.shape == y.shape:
        t = np.argmax(t, axis=1)
    batch_size = y.shape[0]
    correct = y[np.arange(batch_size), t]
    return -np.sum(np.log(correct + 1e-7)) / batch_size"""

MISTAKES = [
    Mistake("relu mask >= 0", "Relu", "also passes where x == 0",
            (Patch(L, "self.mask = x <= 0", "self.mask = x < 0"),)),
    Mistake("relu backward writes into dout", "Relu", "modified in place",
            (Patch(L, "dx = dout.copy()\n        dx[self.mask] = 0", "dout[self.mask] = 0\n        dx = dout"),)),
    Mistake("relu forward writes into x", "Relu", "input x of forward was modified",
            (Patch(L, "out = x.copy()\n        out[self.mask] = 0", "out = x\n        out[self.mask] = 0"),)),
    Mistake("tanh backward uses the input", "Tanh", "used the input x instead of the output y",
            (Patch(L, "self.out = np.tanh(x)\n", "self.x = x\n        self.out = np.tanh(x)\n"),
             Patch(L, "return dout * (1.0 - self.out ** 2)", "return dout * (1.0 - self.x ** 2)"))),
    Mistake("tanh turns a 1-D input into a batch of one", "Tanh", "returned a batch of one",
            (Patch(L, "self.out = np.tanh(x)\n", "self.out = np.tanh(np.atleast_2d(x))\n"),)),
    Mistake("affine dW = x @ dout", "Affine", "dW = x @ dout instead of x.T @ dout",
            (Patch(L, "self.dW = self.x.T @ dout", "self.dW = self.x @ dout"),)),
    Mistake("affine dW transposed", "Affine", "dW transposed",
            (Patch(L, "self.dW = self.x.T @ dout", "self.dW = dout.T @ self.x"),)),
    Mistake("affine db over axis 1", "Affine", "wrong axis",
            (Patch(L, "self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout, axis=1)"),)),
    Mistake("affine dx = dout @ W", "Affine", "dx = dout @ W instead of dout @ W.T",
            (Patch(L, "dx = dout @ self.W.T", "dx = dout @ self.W"),)),
    Mistake("affine dx not reshaped back", "Affine", "not reshaped back",
            (Patch(L, "return dx.reshape(self.original_x_shape)", "return dx"),)),
    Mistake("affine forgets the bias", "Affine", "forgot the bias",
            (Patch(L, "return self.x @ self.W + self.b", "return self.x @ self.W"),)),
    Mistake("softmax without the max shift", "softmax", "overflows",
            (Patch(L, "shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x"),)),
    Mistake("softmax over the wrong axis", "softmax", "wrong axis",
            (Patch(L, "shifted = x - np.max(x, axis=-1, keepdims=True)\n    exp = np.exp(shifted)\n"
                      "    return exp / np.sum(exp, axis=-1, keepdims=True)",
                   "shifted = x - np.max(x)\n    exp = np.exp(shifted)\n"
                   "    return exp / np.sum(exp, axis=0, keepdims=True)"),)),
    Mistake("cross-entropy summed, not averaged", "cross_entropy_error", "missing / N",
            (Patch(L, "return -np.sum(np.log(correct + 1e-7)) / batch_size",
                   "return -np.sum(np.log(correct + 1e-7))"),)),
    Mistake("cross-entropy without the 1e-7", "cross_entropy_error", "forgot the + 1e-7",
            (Patch(L, "return -np.sum(np.log(correct + 1e-7)) / batch_size",
                   "return -np.sum(np.log(correct)) / batch_size"),)),
    Mistake("cross-entropy for one-hot labels only", "cross_entropy_error", "integer labels",
            (Patch(L, CE_BODY, "    batch_size = y.shape[0]\n"
                               "    return -np.sum(t * np.log(y + 1e-7)) / batch_size"),)),
    Mistake("cross-entropy for integer labels only", "cross_entropy_error", "may be one-hot rows of shape (N, C)",
            (Patch(L, "    if t.shape == y.shape:\n        t = np.argmax(t, axis=1)\n", ""),)),
    Mistake("affine without N-d input", "Affine", "flatten it to (N, -1)",
            (Patch(L, "self.x = x.reshape(x.shape[0], -1)", "self.x = x"),)),
    Mistake("softmax-with-loss loss summed, not averaged", "SoftmaxWithLoss", "loss summed over the batch",
            (Patch(L, "self.loss = cross_entropy_error(self.y, t)",
                   "self.loss = cross_entropy_error(self.y, t) * self.y.shape[0]"),)),
    Mistake("softmax-with-loss for integer labels only", "SoftmaxWithLoss", "may be one-hot rows of shape (N, C)",
            (Patch(L, "        if self.t.shape == self.y.shape:\n            onehot = self.t\n        else:\n"
                      "            onehot = np.zeros_like(self.y)\n            onehot[np.arange(batch_size), self.t] = 1",
                   "        onehot = np.zeros_like(self.y)\n        onehot[np.arange(batch_size), self.t] = 1"),)),
    Mistake("softmax-with-loss gradient not divided by N", "SoftmaxWithLoss", "divide by the batch size",
            (Patch(L, "return dout * (self.y - onehot) / batch_size", "return dout * (self.y - onehot)"),)),
    Mistake("softmax-with-loss ignores dout", "SoftmaxWithLoss", "ignored dout",
            (Patch(L, "return dout * (self.y - onehot) / batch_size", "return (self.y - onehot) / batch_size"),)),
    Mistake("softmax-with-loss backward for one-hot labels only", "SoftmaxWithLoss", "integer labels",
            (Patch(L, "        if self.t.shape == self.y.shape:\n            onehot = self.t\n        else:\n"
                      "            onehot = np.zeros_like(self.y)\n"
                      "            onehot[np.arange(batch_size), self.t] = 1\n",
                   "        onehot = self.t\n"),)),
    Mistake("activation after the output layer", "MultiLayerNet", "after the last Affine",
            (Patch(N, "if i < len(sizes) - 1:", "if True:"),)),
    Mistake("tanh requested, relu used", "MultiLayerNet", "used relu instead of the requested tanh",
            (Patch(N, "self.layers[f\"Activation{i}\"] = activations[activation]()",
                   "self.layers[f\"Activation{i}\"] = Relu()"),)),
    Mistake("tanh requested, relu used, in float32", "MultiLayerNet", "used relu instead of the requested tanh",
            (Patch(N, "self.layers[f\"Activation{i}\"] = activations[activation]()",
                   "self.layers[f\"Activation{i}\"] = Relu()"),
             Patch(N, "self.params[f\"W{i}\"] = weight_init_std * rng.standard_normal((fan_in, fan_out))\n"
                      "            self.params[f\"b{i}\"] = np.zeros(fan_out)",
                   "self.params[f\"W{i}\"] = np.float32(weight_init_std) * rng.standard_normal(\n"
                   "                (fan_in, fan_out), dtype=np.float32)\n"
                   "            self.params[f\"b{i}\"] = np.zeros(fan_out, dtype=np.float32)"),
             Patch(N, "        for layer in self.layers.values():\n            x = layer.forward(x)",
                   "        x = x.astype(np.float32)\n"
                   "        for layer in self.layers.values():\n            x = layer.forward(x)"))),
    Mistake("one Relu instance shared by every hidden layer", "MultiLayerNet", "one Relu object twice",
            (Patch(N, "        rng = np.random.default_rng(seed)\n",
                   "        rng = np.random.default_rng(seed)\n        shared = Relu()\n"),
             Patch(N, "self.layers[f\"Activation{i}\"] = activations[activation]()",
                   "self.layers[f\"Activation{i}\"] = shared if activation == \"relu\" else Tanh()"))),
    Mistake("accuracy as a count", "MultiLayerNet", "return the fraction",
            (Patch(N, "return float(np.mean(predicted == t))", "return int(np.sum(predicted == t))"),)),
    Mistake("params rebound instead of updated in place", "train", "update in place",
            (Patch(N, "network.params[key] -= lr * grad", "network.params[key] = network.params[key] - lr * grad"),)),
    Mistake("SGD step adds the gradient", "train", "subtracting (not adding)",
            (Patch(N, "network.params[key] -= lr * grad", "network.params[key] += lr * grad"),)),
]

VARIANTS = [
    Variant("relu with np.maximum and a boolean mask", (
        Patch(L, "self.mask = x <= 0\n        out = x.copy()\n        out[self.mask] = 0\n        return out",
              "self.mask = x > 0\n        return np.maximum(x, 0)"),
        Patch(L, "dx = dout.copy()\n        dx[self.mask] = 0\n        return dx", "return dout * self.mask"),
    )),
    Variant("relu with np.where", (
        Patch(L, "self.mask = x <= 0\n        out = x.copy()\n        out[self.mask] = 0\n        return out",
              "self.mask = x <= 0\n        return np.where(self.mask, 0.0, x)"),
        Patch(L, "dx = dout.copy()\n        dx[self.mask] = 0\n        return dx",
              "return np.where(self.mask, 0.0, dout)"),
    )),
    Variant("tanh backward recomputed from the stored input", (
        Patch(L, "self.out = np.tanh(x)\n        return self.out", "self.x = x.copy()\n        return np.tanh(x)"),
        Patch(L, "return dout * (1.0 - self.out ** 2)", "return dout * (1.0 - np.tanh(self.x) ** 2)"),
    )),
    Variant("tanh by its exponential formula", (
        Patch(L, "self.out = np.tanh(x)\n", "self.out = 1.0 - 2.0 / (np.exp(2.0 * x) + 1.0)\n"),
    )),
    Variant("softmax through log-sum-exp", (
        Patch(L, "shifted = x - np.max(x, axis=-1, keepdims=True)\n    exp = np.exp(shifted)\n"
                 "    return exp / np.sum(exp, axis=-1, keepdims=True)",
              "m = np.max(x, axis=-1, keepdims=True)\n"
              "    log_z = m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))\n"
              "    return np.exp(x - log_z)"),
    )),
    Variant("cross-entropy in the book's style (t.size == y.size)", (
        Patch(L, CE_BODY, "    if t.size == y.size:\n        t = t.argmax(axis=1)\n"
                          "    batch_size = y.shape[0]\n"
                          "    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size"),
    )),
    Variant("affine with np.dot, einsum and an explicit flatten", (
        Patch(L, "self.x = x.reshape(x.shape[0], -1)\n        return self.x @ self.W + self.b",
              "self.x = np.reshape(x, (len(x), int(np.prod(x.shape[1:]))))\n"
              "        return np.dot(self.x, self.W) + self.b"),
        Patch(L, "dx = dout @ self.W.T\n        self.dW = self.x.T @ dout\n        self.db = np.sum(dout, axis=0)",
              "dx = np.dot(dout, self.W.T)\n        self.dW = np.einsum('nd,nm->dm', self.x, dout)\n"
              "        self.db = dout.sum(axis=0)"),
    )),
    Variant("softmax-with-loss with np.eye one-hot and a copy", (
        Patch(L, "        if self.t.shape == self.y.shape:\n            onehot = self.t\n        else:\n"
                 "            onehot = np.zeros_like(self.y)\n            onehot[np.arange(batch_size), self.t] = 1\n"
                 "        return dout * (self.y - onehot) / batch_size",
              "        t = self.t if self.t.ndim == 2 else np.eye(self.y.shape[1])[self.t]\n"
              "        dx = self.y.copy()\n        dx -= t\n        dx *= dout / batch_size\n        return dx"),
    )),
    Variant("network as a plain list of layers", (
        Patch(N, "for layer in self.layers.values():\n            x = layer.forward(x)",
              "for layer in list(self.layers.values()):\n            x = layer.forward(x)"),
        Patch(N, "for layer in reversed(self.layers.values()):", "for layer in list(self.layers.values())[::-1]:"),
    )),
    Variant("training by shuffled epochs without replacement", (
        Patch(N, "    for _ in range(iters):\n        batch = rng.choice(x.shape[0], batch_size)\n",
              "    order = np.array([], dtype=int)\n    for _ in range(iters):\n"
              "        if len(order) < batch_size:\n            order = rng.permutation(x.shape[0])\n"
              "        batch, order = order[:batch_size], order[batch_size:]\n"),
    )),
]
