"""The NumPy network of a1 and a Keras model, side by side.

A Keras stack of Dense layers and a1's MultiLayerNet compute the same
function when they hold the same weights: Keras keeps a Dense layer's kernel
as an array of shape (fan_in, fan_out), just like a1's W{i}. Here you move
the weights out of a Keras model into a1's params dict and recompute, with
NumPy, what Keras computes: the forward pass and the gradients.

NumPy only: this file may not import keras or tensorflow (the graders refuse
it). keras_to_params needs nothing but `model.layers` and each layer's
`get_weights()`, which you can call on the model you are given.

params: {"W1": (D, H1), "b1": (H1,), ..., "W{L}": (H{L-1}, C), "b{L}": (C,)}.
"""

import numpy as np


def keras_to_params(model):
    """a1-style params from a Keras model made of Dense layers.

    Go through model.layers in order and skip every layer without weights
    (an InputLayer, Activation, Dropout, ...). The i-th layer with weights,
    counting from 1, gives params["W{i}"] (its kernel, shape (fan_in, fan_out))
    and params["b{i}"] (its bias, shape (fan_out,)), as NumPy arrays.
    Works the same for Sequential and Functional models.
    """
    ### BEGIN SOLUTION
    params = {}
    count = 0
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        count += 1
        kernel, bias = weights
        params[f"W{count}"] = np.asarray(kernel)
        params[f"b{count}"] = np.asarray(bias)
    return params
    ### END SOLUTION


def numpy_forward(params, x, activation):
    """The scores (logits) of the network in params, for a batch x.

    x: (N, D). Each layer computes h @ W{i} + b{i}; every layer but the last
    is followed by `activation` ("relu" or "tanh"); the last one is linear.
    Returns (N, C), what model.predict(x) gives for a Keras model whose last
    Dense layer has no activation.
    """
    ### BEGIN SOLUTION
    act = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh}[activation]
    layers = len(params) // 2
    h = np.asarray(x, dtype=np.float64)
    for i in range(1, layers + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < layers:
            h = act(h)
    return h
    ### END SOLUTION


def numpy_gradients(params, x, t, activation):
    """Gradients of the mean softmax cross-entropy, by backpropagation.

    The loss is mean over the batch of -log(softmax(scores)[correct class]),
    computed from numpy_forward's scores (no + 1e-7 here). t holds integer
    labels of shape (N,) or one-hot rows of shape (N, C).
    Returns a dict with the keys of params; each gradient has the shape of
    its parameter. Keras gets the same numbers from tf.GradientTape.
    """
    ### BEGIN SOLUTION
    layers = len(params) // 2
    h = np.asarray(x, dtype=np.float64)
    inputs, outputs = [], []  # per layer: what went into the Affine, what came out of the activation
    for i in range(1, layers + 1):
        inputs.append(h)
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < layers:
            h = np.maximum(h, 0.0) if activation == "relu" else np.tanh(h)
            outputs.append(h)
    batch_size = h.shape[0]
    shifted = h - h.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    onehot = t if np.ndim(t) == 2 else np.eye(h.shape[1])[t]
    dout = (probs - onehot) / batch_size
    grads = {}
    for i in range(layers, 0, -1):
        grads[f"W{i}"] = inputs[i - 1].T @ dout
        grads[f"b{i}"] = dout.sum(axis=0)
        if i > 1:
            dout = dout @ params[f"W{i}"].T
            y = outputs[i - 2]
            dout = dout * (y > 0) if activation == "relu" else dout * (1.0 - y ** 2)
    return grads
    ### END SOLUTION
