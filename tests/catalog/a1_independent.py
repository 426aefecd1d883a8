"""Independent correct a1 solutions, each written in its own style (not patches of the solution).

The similarity report must not flag them against each other or against the
solution; the graders must give them full marks. Each is the released stub
with every ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` filled in,
in file order. Tanh is written the same way by all three, as most students
write it: a short exercise that matches naturally between honest students.
"""

import re
from pathlib import Path

STUB_SLOT = re.compile(r"^(?P<indent> *)# YOUR CODE HERE\n(?P=indent)raise NotImplementedError\(\)$", re.MULTILINE)

TANH = ["self.out = np.tanh(x)\nreturn self.out", "return dout * (1.0 - self.out ** 2)"]

BO = {
    "layers.py": [
        # softmax
        "z = np.asarray(x, dtype=float)\nz = z - z.max(axis=-1, keepdims=True)\n"
        "e = np.exp(z)\nreturn e / e.sum(axis=-1, keepdims=True)",
        # cross_entropy_error
        "probs = np.atleast_2d(y)\nlabels = np.asarray(t)\n"
        "if labels.size == probs.size:\n    labels = labels.reshape(probs.shape).argmax(axis=-1)\n"
        "labels = labels.reshape(-1)\n"
        "picked = probs[np.arange(len(labels)), labels]\n"
        "return float(-np.log(picked + 1e-7).mean())",
        # Relu
        "self.mask = x > 0\nreturn np.where(self.mask, x, 0.0)",
        "return np.where(self.mask, dout, 0.0)",
        *TANH,
        # Affine
        "self.original_x_shape = x.shape\nflat = np.reshape(x, (x.shape[0], -1))\nself.x = flat\n"
        "return np.dot(flat, self.W) + self.b",
        "self.db = dout.sum(axis=0)\nself.dW = np.dot(self.x.T, dout)\n"
        "grad_in = np.dot(dout, self.W.T)\nreturn np.reshape(grad_in, self.original_x_shape)",
        # SoftmaxWithLoss
        "self.y, self.t = softmax(x), t\nself.loss = cross_entropy_error(self.y, self.t)\nreturn self.loss",
        "n = len(self.y)\ntarget = self.t\nif target.ndim == 1:\n"
        "    target = np.eye(self.y.shape[1])[target]\nreturn (self.y - target) * dout / n",
    ],
    "network.py": [
        # MultiLayerNet.__init__
        "if activation == 'relu':\n    make_activation = Relu\nelif activation == 'tanh':\n"
        "    make_activation = Tanh\nelse:\n    raise ValueError('unknown activation: ' + str(activation))\n"
        "generator = np.random.default_rng(seed)\n"
        "all_sizes = [input_size] + list(hidden_size_list) + [output_size]\n"
        "self.params = {}\nself.layers = OrderedDict()\nn_layers = len(all_sizes) - 1\n"
        "for k in range(1, n_layers + 1):\n"
        "    shape = (all_sizes[k - 1], all_sizes[k])\n"
        "    self.params['W' + str(k)] = weight_init_std * generator.standard_normal(shape)\n"
        "    self.params['b' + str(k)] = np.zeros(all_sizes[k])\n"
        "    self.layers['Affine' + str(k)] = Affine(self.params['W' + str(k)], self.params['b' + str(k)])\n"
        "    if k != n_layers:\n"
        "        self.layers['Act' + str(k)] = make_activation()\n"
        "self.last_layer = SoftmaxWithLoss()",
        # predict, loss, accuracy, gradient
        "out = x\nfor name in self.layers:\n    out = self.layers[name].forward(out)\nreturn out",
        "scores = self.predict(x)\nreturn self.last_layer.forward(scores, t)",
        "guess = self.predict(x).argmax(axis=1)\nlabels = t.argmax(axis=1) if t.ndim == 2 else t\n"
        "return (guess == labels).sum() / float(len(labels))",
        "self.loss(x, t)\ngrad = self.last_layer.backward(1)\n"
        "for name in reversed(list(self.layers)):\n    grad = self.layers[name].backward(grad)\n"
        "result = {}\nfor key in self.params:\n"
        "    layer = self.layers['Affine' + key[1:]]\n"
        "    result[key] = layer.dW if key.startswith('W') else layer.db\nreturn result",
        # train
        "generator = np.random.default_rng(seed)\nhistory = []\nstep = 0\nwhile step < iters:\n"
        "    rows = generator.choice(len(x), batch_size)\n    xb, tb = x[rows], t[rows]\n"
        "    g = network.gradient(xb, tb)\n    for name in network.params:\n"
        "        network.params[name] -= lr * g[name]\n"
        "    history.append(float(network.loss(xb, tb)))\n    step += 1\nreturn history",
    ],
}

CAT = {
    "layers.py": [
        "if x.ndim == 1:\n    c = np.max(x)\n    ex = np.exp(x - c)\n    return ex / np.sum(ex)\n"
        "c = np.max(x, axis=1)[:, None]\nex = np.exp(x - c)\nreturn ex / np.sum(ex, axis=1)[:, None]",
        "if y.ndim == 1:\n    t = t.reshape(1, t.size)\n    y = y.reshape(1, y.size)\n"
        "if t.size == y.size:\n    t = t.argmax(axis=1)\n"
        "n = y.shape[0]\ntotal = 0.0\nfor i in range(n):\n    total += np.log(y[i, t[i]] + 1e-7)\n"
        "return -total / n",
        "self.mask = (x <= 0)\nresult = np.array(x, copy=True)\nresult[self.mask] = 0.0\nreturn result",
        "return dout * (~self.mask)",
        *TANH,
        "self.original_x_shape = x.shape\nn = x.shape[0]\nself.x = x.reshape(n, int(np.prod(x.shape[1:])))\n"
        "out = self.x @ self.W\nout += self.b\nreturn out",
        "self.dW = np.matmul(self.x.T, dout)\nself.db = np.sum(dout, 0)\n"
        "return np.matmul(dout, self.W.T).reshape(*self.original_x_shape)",
        "self.t = t\nprobabilities = softmax(x)\nself.y = probabilities\n"
        "self.loss = cross_entropy_error(probabilities, t)\nreturn self.loss",
        "grad = self.y.copy()\nrows = self.y.shape[0]\nif self.t.size == self.y.size:\n    grad -= self.t\n"
        "else:\n    grad[np.arange(rows), self.t] -= 1\nreturn grad * dout / rows",
    ],
    "network.py": [
        "choices = dict(relu=Relu, tanh=Tanh)\nif activation not in choices:\n"
        "    raise ValueError(f'activation {activation!r} is not relu or tanh')\n"
        "r = np.random.default_rng(seed)\nself.params = {}\nself.layers = OrderedDict()\n"
        "widths = [input_size, *hidden_size_list, output_size]\nlayer_count = len(widths) - 1\n"
        "for idx, (a, b) in enumerate(zip(widths, widths[1:])):\n    number = idx + 1\n"
        "    W = weight_init_std * r.standard_normal(size=(a, b))\n    bias = np.zeros(b)\n"
        "    self.params[f'W{number}'], self.params[f'b{number}'] = W, bias\n"
        "    self.layers[f'Affine{number}'] = Affine(W, bias)\n"
        "    if number < layer_count:\n        self.layers[f'{activation}{number}'] = choices[activation]()\n"
        "self.last_layer = SoftmaxWithLoss()",
        "h = x\nfor layer in list(self.layers.values()):\n    h = layer.forward(h)\nreturn h",
        "return self.last_layer.forward(self.predict(x), t)",
        "y = np.argmax(self.predict(x), 1)\nif t.ndim > 1:\n    t = np.argmax(t, 1)\n"
        "return float(np.sum(y == t)) / x.shape[0]",
        "self.loss(x, t)\nd = self.last_layer.backward(dout=1)\nlayers = list(self.layers.values())\n"
        "layers.reverse()\nfor layer in layers:\n    d = layer.backward(d)\ngrads = {}\n"
        "count = len([k for k in self.layers if k.startswith('Affine')])\nfor i in range(1, count + 1):\n"
        "    affine = self.layers['Affine%d' % i]\n    grads['W%d' % i], grads['b%d' % i] = affine.dW, affine.db\n"
        "return grads",
        "rng = np.random.default_rng(seed)\nlosses = []\nn = x.shape[0]\nfor it in range(iters):\n"
        "    idx = rng.choice(n, batch_size)\n    x_batch = x[idx]\n    t_batch = t[idx]\n"
        "    grads = network.gradient(x_batch, t_batch)\n    for k in grads.keys():\n"
        "        network.params[k] -= lr * grads[k]\n    losses.append(float(network.loss(x_batch, t_batch)))\n"
        "return losses",
    ],
}

INDEPENDENT = {"bo": BO, "cat": CAT}


def fill_stubs(stub_folder: Path, bodies: dict[str, list[str]], target: Path) -> Path:
    """Write ``target/<file>``: the stub with its slots filled by ``bodies[file]``, in order."""
    target.mkdir(parents=True, exist_ok=True)
    for file, answers in bodies.items():
        stub = (stub_folder / file).read_text()
        slots = list(STUB_SLOT.finditer(stub))
        assert len(slots) == len(answers), f"{file}: {len(slots)} slots, {len(answers)} answers"
        pieces, last = [], 0
        for slot, answer in zip(slots, answers):
            indent = slot.group("indent")
            pieces += [stub[last:slot.start()], "\n".join(indent + line if line else line
                                                          for line in answer.splitlines())]
            last = slot.end()
        (target / file).write_text("".join(pieces) + stub[last:])
    return target
