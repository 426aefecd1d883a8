"""The a2 catalogs: known mistakes (each must lose points, named) and correct variants (full marks).

Each entry is a small patch to the solution, written the way students write it.
"""

import numpy as np

from graders.a2_keras_by_hand.seed_model import SEED_WEIGHTS, SEED_X
from graders.a2_keras_by_hand.variant import variant_for
from tests.catalog import Mistake, Variant
from tests.conftest import Patch

B, HN, S = "by_hand.py", "hand_numbers.py", "set_weights.py"

# In a worker, each imports TensorFlow again: the stubs raise before any Keras call, repeating a1's
# stubs (a worker) and a2's (this process); the solution is graded in workers by test_a2_variants' class.
SLOW_CHECKS = {"stubs-worker", "solution-worker"}

DENSE_BODY = """    z = x @ W + b
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "linear":
        return z
"""
SOLUTION_HAND = """H = [-0.5994, 0.3689, 0.4373, 0.2796, -0.1346]
Y = 0.9330
PREDICTED_LABEL = +1
PREDICTION_CORRECT = False
"""
SOLUTION_ID = 'STUDENT_ID = "instructor"'


def network_at(x) -> dict:
    """The seed network at x in float64 NumPy: what a careful calculator gives (independent of Keras)."""
    W1, b1, W2, b2 = (w.astype(np.float64) for w in SEED_WEIGHTS)
    h = np.tanh(np.asarray(x, dtype=np.float64) @ W1 + b1)
    return {"h": h, "z2": float((h @ W2 + b2)[0]), "y": float(np.tanh(h @ W2 + b2)[0])}


def numbers(values, decimals=4) -> str:
    return "[" + ", ".join(f"{v:.{decimals}f}" for v in np.ravel(values)) + "]"


MINE = network_at(variant_for("instructor").x)      # the solution's own input
CLASSMATE = network_at(variant_for("bob").x)        # another student's input
EXAMPLE = network_at(SEED_X)                        # the worked example of the notes
SUM_2 = "return [np.array([[1.0], [1.0]]), np.array([-0.5])]"
SUM_N = "return [np.ones((n, 1)), np.array([-float(threshold)])]"
XOR_OUT = "W2 = np.array([[3.0], [-3.0]])"
PERFECT = """    inputs = keras.Input(shape=(2,))
    output = keras.layers.Dense(1, activation="tanh")
    model = keras.Model(inputs=inputs, outputs=output(inputs))
    model.compile("adam", "hinge", metrics=["accuracy"])
    output.set_weights(sum_threshold_weights())
    return model
"""

MISTAKES = [
    # by_hand.py
    Mistake("W @ x instead of x @ W", "dense_forward", "computed W @ x",
            (Patch(B, "z = x @ W + b", "z = W @ x + b"),)),
    Mistake("bias forgotten", "dense_forward", "forgot the bias b",
            (Patch(B, "z = x @ W + b", "z = x @ W"),)),
    Mistake("relu where tanh is asked", "dense_forward", "applied relu where activation='tanh' was asked",
            (Patch(B, "return np.tanh(z)", "return np.maximum(z, 0)"),)),
    Mistake("tanh applied only to the output", "forward_by_hand", "tanh applied only to the output",
            (Patch(B, 'h = dense_forward(x, W1, b1, "tanh")', 'h = dense_forward(x, W1, b1, "linear")'),)),
    Mistake("relu instead of tanh in the hidden layer", "forward_by_hand", "relu instead of tanh in the hidden layer",
            (Patch(B, 'h = dense_forward(x, W1, b1, "tanh")', 'h = dense_forward(x, W1, b1, "relu")'),)),
    Mistake("second layer fed x instead of h", "forward_by_hand", "the output layer was fed x instead of h",
            (Patch(B, 'y = dense_forward(h, W2, b2, "tanh")', 'y = dense_forward(x, W2, b2, "tanh")'),)),
    Mistake("every layer fed x", "predict_by_hand", "every layer was fed x instead of the previous layer's output",
            (Patch(B, "out = dense_forward(out, W, b, activation)", "out = dense_forward(x, W, b, activation)"),)),
    Mistake("activations ignored (tanh everywhere)", "predict_by_hand", "applied tanh in every layer",
            (Patch(B, "out = dense_forward(out, W, b, activation)", "out = dense_forward(out, W, b)"),)),
    # hand_numbers.py
    Mistake("hand numbers rounded too coarsely", "H", "rounded to 2 decimals",
            (Patch(HN, "H = [-0.5994, 0.3689, 0.4373, 0.2796, -0.1346]", f"H = {numbers(MINE['h'], 2)}"),)),
    Mistake("Y without the output tanh", "Y", "no tanh on the output",
            (Patch(HN, "Y = 0.9330", f"Y = {MINE['z2']:.4f}"),)),
    Mistake("predicted label is the true label", "PREDICTED_LABEL", "not the true label of x",
            (Patch(HN, "PREDICTED_LABEL = +1", "PREDICTED_LABEL = -1"),)),
    Mistake("prediction called correct", "PREDICTION_CORRECT", "compare the network's label",
            (Patch(HN, "PREDICTION_CORRECT = False", "PREDICTION_CORRECT = True"),)),
    # per-student inputs: numbers right for another x lose the points, with a message saying so
    Mistake("H of the worked example x = [0.3, 0.1] instead of one's own input", "H",
            "right for the worked example x = [0.30, 0.10] from the notes -- but that is not your input",
            (Patch(HN, "H = [-0.5994, 0.3689, 0.4373, 0.2796, -0.1346]", f"H = {numbers(EXAMPLE['h'])}"),)),
    Mistake("a classmate's H and Y, own STUDENT_ID kept", "H", "but that is not your input. Yours is x = [0.46, 0.02]",
            (Patch(HN, "H = [-0.5994, 0.3689, 0.4373, 0.2796, -0.1346]", f"H = {numbers(CLASSMATE['h'])}"),)),
    Mistake("Y worked for a classmate's x, named in X", "Y",
            "Y is right for x = [0.38, 0.01], the X your hand_numbers.py names -- but that is not your input",
            (Patch(HN, "X = [0.46, 0.02]", f"X = {list(variant_for('bob').x)}"),
             Patch(HN, "Y = 0.9330", f"Y = {CLASSMATE['y']:.4f}"))),
    Mistake("threshold weight with the wrong sign", "sum_threshold_weights", "has the wrong sign",
            (Patch(S, SUM_2, "return [np.array([[1.0], [1.0]]), np.array([0.5])]"),)),
    Mistake("W of shape (1, 2)", "sum_threshold_weights", "W is transposed",
            (Patch(S, SUM_2, "return [np.array([[1.0, 1.0]]), np.array([-0.5])]"),)),
    Mistake("boundary nudged to avoid tanh(0) = 0 (right on the grid, wrong near the boundary)",
            "sum_threshold_weights_n", "right away from the boundary, wrong near it",
            (Patch(S, SUM_N, "return [np.ones((n, 1)), np.array([-(threshold + 1e-4)])]"),)),
    Mistake("averaged inputs against the sum's threshold", "sum_threshold_weights_n", "the inputs are averaged",
            (Patch(S, SUM_N, "return [np.full((n, 1), 1.0 / n), np.array([-float(threshold)])]"),)),
    Mistake("XOR network computes XNOR", "xor_weights", "XNOR",
            (Patch(S, XOR_OUT, "W2 = np.array([[-3.0], [3.0]])"),
             Patch(S, "b2 = np.array([-3.0])", "b2 = np.array([3.0])"))),
    Mistake("XOR outputs not confident", "xor_weights", "not confident enough",
            (Patch(S, XOR_OUT, "W2 = np.array([[1.0], [-1.0]])"),
             Patch(S, "b2 = np.array([-3.0])", "b2 = np.array([-1.0])"))),
    Mistake("perfect classifier built as Sequential", "build_perfect_classifier", "Functional API",
            (Patch(S, PERFECT, """    output = keras.layers.Dense(1, activation="tanh")
    model = keras.Sequential([keras.Input(shape=(2,)), output])
    model.compile("adam", "hinge", metrics=["accuracy"])
    output.set_weights(sum_threshold_weights())
    return model
"""),)),
    Mistake("perfect classifier with a linear output", "build_perfect_classifier", "activation is linear",
            (Patch(S, 'output = keras.layers.Dense(1, activation="tanh")\n    model = keras.Model(',
                   'output = keras.layers.Dense(1)\n    model = keras.Model('),)),
    Mistake("perfect classifier not compiled", "build_perfect_classifier", "the model is not compiled",
            (Patch(S, '    model.compile("adam", "hinge", metrics=["accuracy"])\n', ""),)),
    Mistake("perfect classifier compiled with mse", "build_perfect_classifier", "the loss is 'mse'",
            (Patch(S, 'model.compile("adam", "hinge"', 'model.compile("adam", "mse"'),)),
    Mistake("perfect classifier left with its random initial weights", "build_perfect_classifier",
            "sign(output) is wrong",
            (Patch(S, "    output.set_weights(sum_threshold_weights())\n", ""),)),
]

VARIANTS = [
    Variant("dense layer with explicit loops", (
        Patch(B, DENSE_BODY, """    x2 = np.atleast_2d(x)
    z = np.zeros((x2.shape[0], W.shape[1]))
    for n in range(x2.shape[0]):
        for j in range(W.shape[1]):
            total = b[j]
            for i in range(W.shape[0]):
                total += x2[n, i] * W[i, j]
            z[n, j] = total
    if np.ndim(x) == 1:
        z = z[0]
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.where(z > 0, z, 0.0)
    if activation == "linear":
        return z
"""),
    )),
    Variant("dense layer with np.einsum and a dict of activations", (
        Patch(B, DENSE_BODY, """    functions = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
                 "linear": lambda z: z}
    if activation in functions:
        return functions[activation](np.einsum("...i,ij->...j", x, W) + b)
"""),
    )),
    Variant("everything in float32", (
        Patch(B, "    z = x @ W + b\n", "    x, W, b = (np.asarray(a, dtype=np.float32) for a in (x, W, b))\n"
                                      "    z = np.dot(x, W) + b\n"),
    )),
    Variant("1-D input through a batch of one", (
        Patch(B, "    z = x @ W + b\n", "    batch = np.reshape(x, (-1, W.shape[0]))\n"
                                      "    z = (batch @ W + b).reshape(np.shape(x)[:-1] + (W.shape[1],))\n"),
    )),
    Variant("forward_by_hand and predict_by_hand written out with np.dot", (
        Patch(B, """    W1, b1, W2, b2 = weights
    h = dense_forward(x, W1, b1, "tanh")
    y = dense_forward(h, W2, b2, "tanh")
    return h, y""", """    h = np.tanh(np.dot(x, weights[0]) + weights[1])
    return h, np.tanh(np.dot(h, weights[2]) + weights[3])"""),
        Patch(B, """    out = x
    for W, b, activation in zip(weights[0::2], weights[1::2], activations):
        out = dense_forward(out, W, b, activation)
    return out""", """    out = x
    for i, activation in enumerate(activations):
        out = dense_forward(out, weights[2 * i], weights[2 * i + 1], activation)
    return out"""),
    )),
    Variant("hand numbers at full precision, as a tuple and floats", (
        Patch(HN, SOLUTION_HAND, f"""H = ({numbers(MINE['h'], 8)[1:-1]})
Y = {MINE['y']:.8f}
PREDICTED_LABEL = 1.0
PREDICTION_CORRECT = False  # 0.46 + 0.02 = 0.48 is not > 0.5
"""),
    )),
    Variant("hand numbers truncated (not rounded) to 4 decimals, H as a NumPy array of literals", (
        Patch(HN, SOLUTION_HAND, f"""import numpy as np

H = np.array({numbers(np.trunc(MINE['h'] * 1e4) / 1e4)})
Y = {np.trunc(MINE['y'] * 1e4) / 1e4:.4f}
PREDICTED_LABEL = 1
PREDICTION_CORRECT = False
"""),
    )),
    Variant("STUDENT_ID in another case with spaces, X as a tuple", (
        Patch(HN, f'{SOLUTION_ID}\nX = [0.46, 0.02]', 'STUDENT_ID = "  Instructor "\nX = (0.46, 0.02)'),
    )),
    Variant("X not recorded", (Patch(HN, "X = [0.46, 0.02]\n", ""),)),
    Variant("weights scaled x10 for a sharper tanh", (
        Patch(S, SUM_2, "return [np.array([[10.0], [10.0]]), np.array([-5.0])]"),
        Patch(S, SUM_N, "return [np.full((n, 1), 10.0), np.array([-10.0 * threshold])]"),
        Patch(S, XOR_OUT, "W2 = np.array([[30.0], [-30.0]])"),
        Patch(S, "b2 = np.array([-3.0])", "b2 = np.array([-30.0])"),
    )),
    Variant("threshold normalized to 1; weights for n inputs as nested Python lists", (
        Patch(S, SUM_2, "return [np.array([[2.0], [2.0]]), np.array([-1.0])]"),
        Patch(S, SUM_N, "return [[[1.0 / threshold]] * n, [-1.0]]"),
    )),
    Variant("XOR as AND(OR, NAND) with float32 arrays", (
        Patch(S, """    W1 = np.array([[10.0, 10.0], [10.0, 10.0]])
    b1 = np.array([-5.0, -15.0])""", """    W1 = np.array([[20.0, -20.0], [20.0, -20.0]], dtype=np.float32)
    b1 = np.array([-10.0, 30.0], dtype=np.float32)"""),
        Patch(S, XOR_OUT, "W2 = np.array([[3.0], [3.0]], dtype=np.float32)"),
    )),
    Variant("perfect classifier with loss and optimizer objects and an Activation layer", (
        Patch(S, PERFECT, """    inputs = keras.Input(shape=(2,))
    dense = keras.layers.Dense(1)
    outputs = keras.layers.Activation("tanh")(dense(inputs))
    model = keras.Model(inputs, outputs)
    dense.set_weights([np.array([[1.0], [1.0]]), np.array([-0.5])])
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.Hinge(),
                  metrics=[keras.metrics.BinaryAccuracy()])
    return model
"""),
    )),
]
