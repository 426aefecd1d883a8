"""Keras models two ways: the Sequential API and the Functional API.

Seed 000 classifies 5 numbers in [0, 1) by "is their sum greater than 2.5?"
with a 5-20-1 tanh network, first as a Sequential model, then with the
Functional API. Seed 003 builds a small CNN for MNIST digits. You build both
pairs here, in Keras 3, and train the small network.

The seeds were written for Keras 1 and 2; Keras 3 spells a few things
differently (the graders' feedback names them too):
- keras.Model(inputs=..., outputs=...)      not Model(input=..., output=...)
- model.fit(..., epochs=150)                not nb_epoch=150
- keras.utils.to_categorical(labels, 10)    keras.utils.np_utils is gone
- a Conv2D needs image-shaped input, e.g. keras.Input(shape=(28, 28, 1))

Every build_* function returns a compiled model. Check yours with
model.summary(): the layers, their output shapes and parameter counts.
"""

import keras
import numpy as np
from keras import layers


def build_sequential(input_dim=5, hidden=20):
    """Seed 000's network with the Sequential API.

    Input of shape (input_dim,) -> Dense(hidden, tanh) -> Dense(1, tanh),
    compiled with optimizer "adam", loss "hinge" and metrics=["accuracy"].
    The defaults give 141 parameters.
    """
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        layers.Dense(hidden, activation="tanh"),
        layers.Dense(1, activation="tanh"),
    ])
    model.compile(optimizer="adam", loss="hinge", metrics=["accuracy"])
    return model
    ### END SOLUTION


def build_functional(input_dim=5, hidden=20):
    """The same network as build_sequential, with the Functional API.

    Start from keras.Input(shape=(input_dim,)), call each layer on the tensor
    the previous one returned, and make the model with
    keras.Model(inputs=..., outputs=...). Compile it as build_sequential does.
    """
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(input_dim,))
    hidden_out = layers.Dense(hidden, activation="tanh")(inputs)
    outputs = layers.Dense(1, activation="tanh")(hidden_out)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="hinge", metrics=["accuracy"])
    return model
    ### END SOLUTION


def make_sum_data(n, dim=5, seed=0):
    """Seed 000's data set, drawn with np.random.default_rng(seed).

    data: n points uniform in [0, 1), shape (n, dim).
    labels: shape (n,), +1 where a point's coordinates sum to more than
    dim / 2, -1 elsewhere (+1/-1, not 1/0: the hinge loss wants signs).
    Returns (data, labels); the same seed gives the same data.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    data = rng.random((n, dim))
    labels = np.where(data.sum(axis=1) > dim / 2, 1, -1)
    return data, labels
    ### END SOLUTION


def train(model, data, labels, epochs=150, seed=0):
    """Fit the compiled `model` it is given to (data, labels) for `epochs` epochs.

    Seed first with keras.utils.set_random_seed(seed) (it wants a Python int),
    so that two runs with the same seed train identically. Use Keras' default
    batch size (32) and verbose=0. Train `model` itself (the graders pass
    their own compiled model) and return the History object that fit returns.

    Measure accuracy by the sign of the output: Keras' "accuracy" metric
    thresholds at 0.5 and under-reports for +1/-1 labels.
    """
    ### BEGIN SOLUTION
    keras.utils.set_random_seed(int(seed))
    return model.fit(data, labels, epochs=epochs, batch_size=32, verbose=0)
    ### END SOLUTION


def build_cnn():
    """Seed 003's MNIST CNN with the Sequential API.

    Input (28, 28, 1) -> Conv2D(16, (3, 3)) -> relu -> MaxPooling2D((2, 2))
    -> Conv2D(32, (3, 3)) -> relu -> MaxPooling2D((2, 2)) -> Flatten
    -> Dense(64) -> relu -> Dropout(0.2) -> Dense(10) -> softmax,
    compiled with the Adam optimizer, loss "categorical_crossentropy" and
    metrics=["accuracy"]. 56,714 parameters.
    An activation may be its own Activation layer or a layer's activation=.
    """
    ### BEGIN SOLUTION
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28, 1)))
    model.add(layers.Conv2D(16, (3, 3)))
    model.add(layers.Activation("relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Conv2D(32, (3, 3)))
    model.add(layers.Activation("relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(64))
    model.add(layers.Activation("relu"))
    model.add(layers.Dropout(0.2))
    model.add(layers.Dense(10))
    model.add(layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(), metrics=["accuracy"])
    return model
    ### END SOLUTION


def build_cnn_functional():
    """The same CNN as build_cnn, with the Functional API.

    Seed 003's functional version starts from Input(shape=(784,)), a flat
    vector a Conv2D cannot take: start from 28x28 images with one channel.
    Compile it as build_cnn does.
    """
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, (3, 3), activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(32, (3, 3), activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(), metrics=["accuracy"])
    return model
    ### END SOLUTION
