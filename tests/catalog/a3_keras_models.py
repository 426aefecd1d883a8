"""The a3 catalogs: known mistakes (each must lose points, named) and correct variants (full marks).

Each entry is a small patch to the solution, written the way students write it
(several are the seeds' own Keras 1/2 spellings). ``trains`` names the training
checks an entry's grading must include ("train": train's graders, "cnn": the
hidden check that the compiled CNN learns); the others leave them out to keep
the catalog fast. ``hidden`` marks mistakes only hidden tests can see.
"""

from __future__ import annotations

from graders.engine.core.config import Course
from tests import catalog
from tests.catalog import Mistake, Variant
from tests.conftest import Patch

ASSIGNMENT = "a3_keras_models"
TRAINING_TESTS = {"train": "test_train.py", "cnn": "learns_digits"}


def touched_exercises(course: Course, patches: tuple[Patch, ...]) -> set[str]:
    """The exercises whose functions the patches change (all of a file's for a module-level change)."""
    return catalog.touched_exercises(course, ASSIGNMENT, patches)


def graders_of(course: Course, exercises: set[str], trains: tuple[str, ...] = ()) -> str:
    """A pytest -k expression: the graders that can see a change to ``exercises``.

    Those are the exercises' own graders, those of exercises using them
    (``uses`` in course.toml) and those of exercises they use; other graders
    never call the changed functions. Training checks run only if asked.
    """
    expression = catalog.graders_expression(ASSIGNMENT, catalog.related_exercises(course, ASSIGNMENT, exercises))
    for name, keyword in TRAINING_TESTS.items():
        if name not in trains:
            expression += f" and not {keyword}"
    return expression


def graders_for(course: Course, entry: Mistake | Variant) -> str:
    """The graders an entry's grading runs (tests/test_assignments.py): those that can see its patches."""
    exercises = touched_exercises(course, entry.patches)
    assert not isinstance(entry, Mistake) or entry.exercise in exercises, f"{entry.name} patches another exercise"
    return graders_of(course, exercises, entry.trains)


# In a worker the hidden tests import TensorFlow again and train; the public self-check trains too and
# repeats what the graded solution's run (all tests, this process) already passes; the stubs in a worker
# repeat a1's (a worker) and a3's (this process).
SLOW_CHECKS = {"solution-worker", "self-check-solution", "stubs-worker"}

M, B = "models.py", "bridge.py"

SEQUENTIAL = '''    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        layers.Dense(hidden, activation="tanh"),
        layers.Dense(1, activation="tanh"),
    ])
    model.compile(optimizer="adam", loss="hinge", metrics=["accuracy"])'''

FUNCTIONAL = '''    inputs = keras.Input(shape=(input_dim,))
    hidden_out = layers.Dense(hidden, activation="tanh")(inputs)
    outputs = layers.Dense(1, activation="tanh")(hidden_out)
    model = keras.Model(inputs=inputs, outputs=outputs)'''

CNN_BODY = '''    model = keras.Sequential()
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
    model.add(layers.Activation("softmax"))'''

TRAIN = "    return model.fit(data, labels, epochs=epochs, batch_size=32, verbose=0)"

MISTAKES = [
    Mistake("hidden units hard-coded", "build_sequential", "It has 10 units instead of 20",
            (Patch(M, 'layers.Dense(hidden, activation="tanh"),', 'layers.Dense(10, activation="tanh"),'),)),
    Mistake("sigmoid instead of tanh", "build_functional", "Its activation is sigmoid instead of tanh",
            (Patch(M, 'outputs = layers.Dense(1, activation="tanh")(hidden_out)',
                   'outputs = layers.Dense(1, activation="sigmoid")(hidden_out)'),)),
    Mistake("mse instead of hinge", "build_sequential", "compiled with loss mean_squared_error; expected hinge",
            (Patch(M, '    ])\n    model.compile(optimizer="adam", loss="hinge"',
                   '    ])\n    model.compile(optimizer="adam", loss="mse"'),)),
    Mistake("sgd instead of adam", "build_functional", "compiled with the SGD optimizer; expected Adam",
            (Patch(M, '    model = keras.Model(inputs=inputs, outputs=outputs)\n    model.compile(optimizer="adam"',
                   '    model = keras.Model(inputs=inputs, outputs=outputs)\n    model.compile(optimizer="sgd"'),)),
    Mistake("not compiled", "build_sequential", "the model is not compiled",
            (Patch(M, '    ])\n    model.compile(optimizer="adam", loss="hinge", metrics=["accuracy"])\n', "    ])\n"),)),
    Mistake("Sequential returned by build_functional", "build_functional", "should use the Functional API",
            (Patch(M, FUNCTIONAL, "    model = build_sequential(input_dim, hidden)"),)),
    Mistake("functional output wired to the input", "build_functional", "It has 1 unit instead of 20",
            (Patch(M, 'outputs = layers.Dense(1, activation="tanh")(hidden_out)',
                   'outputs = layers.Dense(1, activation="tanh")(inputs)'),)),
    Mistake("a missing MaxPooling", "build_cnn", "Is a MaxPooling2D((2, 2)) missing before this layer?",
            (Patch(M, '    model.add(layers.MaxPooling2D(pool_size=(2, 2)))\n    model.add(layers.Conv2D(32, (3, 3)))',
                   '    model.add(layers.Conv2D(32, (3, 3)))'),)),
    Mistake("Keras 1 Convolution2D(16, 3, 3)", "build_cnn", "the third argument is strides",
            (Patch(M, "model.add(layers.Conv2D(16, (3, 3)))", "model.add(layers.Convolution2D(16, 3, 3))"),)),
    Mistake("relu missing after a Conv2D", "build_cnn", "It has no activation: add activation='relu'",
            (Patch(M, '    model.add(layers.Conv2D(32, (3, 3)))\n    model.add(layers.Activation("relu"))\n',
                   '    model.add(layers.Conv2D(32, (3, 3)))\n'),)),
    Mistake("sparse labels loss", "build_cnn", "loss sparse_categorical_crossentropy; expected categorical_crossentropy",
            (Patch(M, '    model.add(layers.Activation("softmax"))\n    model.compile(loss="categorical_crossentropy"',
                   '    model.add(layers.Activation("softmax"))\n    model.compile(loss="sparse_categorical_crossentropy"'),)),
    Mistake("Dense(10) without softmax", "build_cnn_functional", "It has no activation: add activation='softmax'",
            (Patch(M, 'outputs = layers.Dense(10, activation="softmax")(x)', "outputs = layers.Dense(10)(x)"),)),
    Mistake("seed 003's flat Input(shape=(784,))", "build_cnn_functional", "keras.Input(shape=(28, 28, 1))",
            (Patch(M, "    inputs = keras.Input(shape=(28, 28, 1))\n    x = layers.Conv2D(16, (3, 3), activation=\"relu\")(inputs)",
                   "    inputs = keras.Input(shape=(784,))\n"
                   "    x = layers.Conv2D(16, (3, 3), input_shape=(28, 28, 1), activation=\"relu\")(inputs)"),)),
    Mistake("labels 0/1", "make_sum_data", "labels are 0 and 1",
            (Patch(M, "labels = np.where(data.sum(axis=1) > dim / 2, 1, -1)",
                   "labels = (data.sum(axis=1) > dim / 2).astype(int)"),)),
    Mistake("threshold 2.5 for every dim", "make_sum_data", "the threshold is dim / 2",
            (Patch(M, "labels = np.where(data.sum(axis=1) > dim / 2, 1, -1)",
                   "labels = np.where(data.sum(axis=1) > 2.5, 1, -1)"),)),
    Mistake("normal instead of uniform data", "make_sum_data", "should lie in [0, 1)",
            (Patch(M, "data = rng.random((n, dim))", "data = rng.normal(0.5, 0.3, (n, dim))"),)),
    Mistake("train recompiles the model", "train", "compiled again inside train", trains=("train",), patches=(
        Patch(M, TRAIN, '    model.compile(optimizer="adam", loss="hinge")\n' + TRAIN),)),
    Mistake("train fits a new model", "train", "still has its initial weights", trains=("train",), patches=(
        Patch(M, TRAIN, "    model = build_sequential()\n" + TRAIN),)),
    Mistake("train without a seed", "train", "call keras.utils.set_random_seed(seed)", trains=("train",), hidden=True,
            patches=(Patch(M, "    keras.utils.set_random_seed(int(seed))\n", ""),)),
    Mistake("train with batch size 16", "train", "a batch size of about 16", trains=("train",), patches=(
        Patch(M, "epochs=epochs, batch_size=32", "epochs=epochs, batch_size=16"),)),
    Mistake("train printing Keras' progress bar", "train", "ran with verbose=1", trains=("train",), patches=(
        Patch(M, "batch_size=32, verbose=0)", "batch_size=32, verbose=1)"),)),
    Mistake("Keras 1 nb_epoch", "train", "fit now takes epochs=", trains=("train",), patches=(
        Patch(M, "epochs=epochs, batch_size=32", "nb_epoch=epochs, batch_size=32"),)),
    Mistake("transposed kernels", "keras_to_params", "the kernel transposed",
            (Patch(B, 'params[f"W{count}"] = np.asarray(kernel)', 'params[f"W{count}"] = np.asarray(kernel).T'),)),
    Mistake("keys counted from 0", "keras_to_params", "numbering starts at 1",
            (Patch(B, "        count += 1\n        kernel, bias = weights\n"
                      '        params[f"W{count}"] = np.asarray(kernel)\n        params[f"b{count}"] = np.asarray(bias)',
                   "        kernel, bias = weights\n"
                   '        params[f"W{count}"] = np.asarray(kernel)\n        params[f"b{count}"] = np.asarray(bias)\n'
                   "        count += 1"),)),
    Mistake("activation after the last layer", "numpy_forward", "after the last layer too",
            (Patch(B, "        if i < layers:\n            h = act(h)", "        h = act(h)"),)),
    Mistake("forward without biases", "numpy_forward", "forgot the biases",
            (Patch(B, '        h = h @ params[f"W{i}"] + params[f"b{i}"]\n        if i < layers:\n            h = act(h)',
                   '        h = h @ params[f"W{i}"]\n        if i < layers:\n            h = act(h)'),)),
    Mistake("gradients not averaged over the batch", "numpy_gradients", "not averaged over the batch",
            (Patch(B, "dout = (probs - onehot) / batch_size", "dout = probs - onehot"),)),
    Mistake("tanh derivative from the pre-activation", "numpy_gradients", "then the derivative of tanh",
            (Patch(B, "dout * (1.0 - y ** 2)", "dout * (1.0 - y)"),)),
    Mistake("dW transposed", "numpy_gradients", "dW transposed",
            (Patch(B, 'grads[f"W{i}"] = inputs[i - 1].T @ dout', 'grads[f"W{i}"] = dout.T @ inputs[i - 1]'),)),
]

VARIANTS = [
    Variant("activations as separate layers", (
        Patch(M, SEQUENTIAL, SEQUENTIAL.replace('        layers.Dense(hidden, activation="tanh"),\n'
                                                '        layers.Dense(1, activation="tanh"),',
                                                '        layers.Dense(hidden),\n        layers.Activation("tanh"),\n'
                                                '        layers.Dense(1),\n        layers.Activation("tanh"),')),
        Patch(M, 'hidden_out = layers.Dense(hidden, activation="tanh")(inputs)',
              'hidden_out = layers.Activation("tanh")(layers.Dense(hidden)(inputs))'),
    )),
    Variant("seed 000's Keras 1 spelling: Dense(input_dim=...) and positional compile", (
        Patch(M, SEQUENTIAL, '''    model = keras.models.Sequential([layers.Dense(hidden, input_dim=input_dim, activation='tanh'),
                                     layers.Dense(1, activation='tanh')])
    model.compile('adam', 'hinge', metrics=['accuracy'])'''),
    )),
    Variant("add() with named layers and objects for loss and optimizer", (
        Patch(M, SEQUENTIAL, '''    model = keras.Sequential(name="sum_classifier")
    model.add(keras.layers.Input((input_dim,)))
    model.add(layers.Dense(hidden, activation=keras.activations.tanh, name="hidden"))
    model.add(layers.Dense(1, activation="tanh", name="output"))
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.Hinge(), metrics=["acc"])'''),
    )),
    Variant("seed 002's nested calls and keras.models.Model", (
        Patch(M, FUNCTIONAL, '''    x = keras.layers.Input(shape=(input_dim,), name="x")
    g = layers.Dense(hidden, name="g")
    s_2 = layers.Activation("tanh")
    f = layers.Dense(1)
    s_k = layers.Activation("tanh")
    model = keras.models.Model(inputs=x, outputs=s_k(f(s_2(g(x)))))'''),
    )),
    Variant("CNN with activation arguments, a list and seed 003's input_shape", trains=("cnn",), patches=(
        Patch(M, CNN_BODY, '''    model = keras.Sequential([
        layers.Conv2D(16, (3, 3), input_shape=(28, 28, 1), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])'''),
    )),
    Variant("CNN with ReLU and Softmax layers, MaxPool2D, a loss object", trains=("cnn",), patches=(
        Patch(M, CNN_BODY, CNN_BODY.replace('layers.Activation("relu")', "layers.ReLU()")
              .replace('layers.Activation("softmax")', "layers.Softmax()")
              .replace("layers.MaxPooling2D(pool_size=(2, 2))", "layers.MaxPool2D((2, 2))")),
        Patch(M, '    model.add(layers.Softmax())\n    model.compile(loss="categorical_crossentropy", '
                 'optimizer=keras.optimizers.Adam(), metrics=["accuracy"])',
              '    model.add(layers.Softmax())\n    model.compile(loss=keras.losses.CategoricalCrossentropy(), '
              'optimizer="adam", metrics=[keras.metrics.CategoricalAccuracy()])'),
    )),
    Variant("functional CNN with separate activations and Input((28, 28, 1))", (
        Patch(M, '''    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, (3, 3), activation="relu")(inputs)''', '''    inputs = keras.Input((28, 28, 1))
    x = layers.Activation("relu")(layers.Conv2D(16, 3)(inputs))'''),
        Patch(M, 'outputs = layers.Dense(10, activation="softmax")(x)',
              'outputs = layers.Activation("softmax")(layers.Dense(10, name="logits")(x))'),
    )),
    Variant("seed 000's data code with NumPy's legacy global generator", (
        Patch(M, "    rng = np.random.default_rng(seed)\n    data = rng.random((n, dim))\n"
                 "    labels = np.where(data.sum(axis=1) > dim / 2, 1, -1)",
              "    np.random.seed(seed)\n    data = np.random.rand(n, dim)\n"
              "    labels = (np.sum(data, axis=1) > dim / 2) * 2 - 1"),
    )),
    Variant("train like seed 000: validation_split=0.2, shuffle, numpy seed too", trains=("train",), patches=(
        Patch(M, "    keras.utils.set_random_seed(int(seed))\n" + TRAIN,
              "    np.random.seed(seed)\n    keras.utils.set_random_seed(seed)\n"
              "    history = model.fit(data, labels, epochs=epochs, validation_split=0.2, shuffle=True, verbose=0)\n"
              "    return history"),
    )),
    Variant("bridge: get_weights() pairs, float32 forward, one-hot via indexing", (
        Patch(B, '''    params = {}
    count = 0
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        count += 1
        kernel, bias = weights
        params[f"W{count}"] = np.asarray(kernel)
        params[f"b{count}"] = np.asarray(bias)
    return params''', '''    weights = model.get_weights()
    params = {}
    for i in range(len(weights) // 2):
        params["W" + str(i + 1)] = weights[2 * i]
        params["b" + str(i + 1)] = weights[2 * i + 1]
    return params'''),
        Patch(B, "    h = np.asarray(x, dtype=np.float64)\n    for i in range(1, layers + 1):\n        h = h @",
              "    h = np.asarray(x, dtype=np.float32)\n    for i in range(1, layers + 1):\n        h = h @"),
        Patch(B, "    onehot = t if np.ndim(t) == 2 else np.eye(h.shape[1])[t]\n",
              "    if np.ndim(t) == 1:\n        onehot = np.zeros_like(probs)\n"
              "        onehot[np.arange(batch_size), t] = 1.0\n    else:\n        onehot = t\n"),
    )),
    Variant("gradients with a log-sum-exp softmax and np.where masks", (
        Patch(B, '''    shifted = h - h.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)''', '''    m = h.max(axis=1, keepdims=True)
    probs = np.exp(h - m - np.log(np.exp(h - m).sum(axis=1, keepdims=True)))'''),
        Patch(B, '''            dout = dout * (y > 0) if activation == "relu" else dout * (1.0 - y ** 2)''',
              '''            dout = np.where(y > 0, dout, 0.0) if activation == "relu" else dout - dout * y * y'''),
    )),
]
