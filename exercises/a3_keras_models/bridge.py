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
    # YOUR CODE HERE
    raise NotImplementedError()


def numpy_forward(params, x, activation):
    """The scores (logits) of the network in params, for a batch x.

    x: (N, D). Each layer computes h @ W{i} + b{i}; every layer but the last
    is followed by `activation` ("relu" or "tanh"); the last one is linear.
    Returns (N, C), what model.predict(x) gives for a Keras model whose last
    Dense layer has no activation.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def numpy_gradients(params, x, t, activation):
    """Gradients of the mean softmax cross-entropy, by backpropagation.

    The loss is mean over the batch of -log(softmax(scores)[correct class]),
    computed from numpy_forward's scores (no + 1e-7 here). t holds integer
    labels of shape (N,) or one-hot rows of shape (N, C).
    Returns a dict with the keys of params; each gradient has the shape of
    its parameter. Keras gets the same numbers from tf.GradientTape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
