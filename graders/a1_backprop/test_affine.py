"""Affine: out = x @ W + b; backward gives dx (in x's shape), dW and db.

Gradients are checked against finite differences of L = sum(out * dout),
whose gradient w.r.t. out is exactly dout.
"""

import numpy as np
import pytest

from graders.engine.grading.answers import Answers
from graders.engine.grading.compare import expect_close, expect_gradient, expect_unchanged, explain

pytestmark = pytest.mark.exercise("Affine")
answers = Answers.of(__name__)  # reference values: computed here, read from answers.npz in the student course


def make_case(rng, x_shape, m):
    d = int(np.prod(x_shape[1:]))
    x = rng.normal(size=x_shape)
    W = rng.normal(size=(d, m))
    b = rng.normal(size=m)
    dout = rng.normal(size=(x_shape[0], m))
    return x, W, b, dout


ND_HINT = ("x may have more than two dimensions, e.g. (N, d1, d2): flatten it to (N, -1) for the product, "
           "and reshape dx back to x's shape in backward.")


def forward(layer, x):
    """layer.forward(x), with a hint for code that handles only 2-D x."""
    if x.ndim == 2:
        return layer.forward(x)
    with explain(ND_HINT):
        return layer.forward(x)


def run_backward(student, x, W, b, dout):
    layer = student.layers.Affine(W.copy(), b.copy())
    forward(layer, x.copy())
    with explain("dx = dout @ W.T, dW = x.T @ dout (x flattened to (N, D)), db = dout summed over the batch."):
        dx = layer.backward(dout.copy())
    return dx, layer.dW, layer.db


def test_forward_2d(student, rng, tol):
    """forward(x) is x @ W + b for x of shape (N, D)"""
    x, W, b, _ = make_case(rng, (4, 3), 5)
    before = x.copy()
    got = student.layers.Affine(W.copy(), b.copy()).forward(x)
    expect_close(got, answers.affine_forward(before, W, b), "Affine forward for x (4, 3), W (3, 5)",
                 rtol=tol["value_rtol"], atol=tol["value_atol"],
                 mistakes={"forgot the bias b": answers.affine_without_bias(before, W)})
    expect_unchanged(before, x, "The input x")


def test_forward_flattens_nd_input(student, rng, tol):
    """forward flattens x of shape (N, d1, d2) to (N, d1*d2)"""
    x, W, b, _ = make_case(rng, (4, 2, 3), 5)
    got = forward(student.layers.Affine(W.copy(), b.copy()), x.copy())
    expect_close(got, answers.affine_forward(x, W, b), "Affine forward for x (4, 2, 3), W (6, 5)",
                 rtol=tol["value_rtol"], atol=tol["value_atol"])


def test_backward_matches_finite_differences(student, rng, tol):
    """dx, dW and db match finite differences (N=4, D=3, M=5)"""
    x, W, b, dout = make_case(rng, (4, 3), 5)
    dx, dW, db = run_backward(student, x, W, b, dout)
    num_dx, num_dW, num_db = answers.affine_numerical_gradients(x, W, b, dout)
    kw = dict(rtol=tol["grad_rtol"], atol=tol["grad_atol"])
    expect_gradient(dx, num_dx, "Affine backward dx (returned)", **kw)
    expect_gradient(dW, num_dW, "Affine dW (attribute self.dW)", **kw)
    expect_gradient(db, num_db, "Affine db (attribute self.db)", **kw, mistakes=answers.affine_db_mistakes(dout))


def test_backward_square_shapes_name_classic_mistakes(student, rng, tol):
    """With N = D = M, transposes and wrong axes give wrong numbers, not errors"""
    x, W, b, dout = make_case(rng, (3, 3), 3)
    dx, dW, db = run_backward(student, x, W, b, dout)
    num_dx, num_dW, num_db = answers.affine_numerical_gradients(x, W, b, dout)
    kw = dict(rtol=tol["grad_rtol"], atol=tol["grad_atol"])
    square = answers.affine_square_mistakes(x, W, dout)
    expect_gradient(dx, num_dx, "Affine dx with N = D = M = 3", **kw, mistakes=square["dx"])
    expect_gradient(dW, num_dW, "Affine dW with N = D = M = 3", **kw, mistakes=square["dW"])
    expect_gradient(db, num_db, "Affine db with N = D = M = 3", **kw, mistakes=answers.affine_db_mistakes(dout))


def test_backward_nd_input_returns_dx_in_input_shape(student, rng, tol):
    """For x of shape (N, d1, d2), dx has that shape and dW has W's shape"""
    x, W, b, dout = make_case(rng, (4, 2, 3), 5)
    dx, dW, db = run_backward(student, x, W, b, dout)
    num_dx, num_dW, num_db = answers.affine_numerical_gradients(x, W, b, dout)
    kw = dict(rtol=tol["grad_rtol"], atol=tol["grad_atol"])
    expect_gradient(dx, num_dx, "Affine dx for x of shape (4, 2, 3)", **kw,
                    mistakes={"dx not reshaped back to the original shape of x": num_dx.reshape(4, 6)})
    expect_gradient(dW, num_dW, "Affine dW for x of shape (4, 2, 3)", **kw)
    expect_gradient(db, num_db, "Affine db for x of shape (4, 2, 3)", **kw, mistakes=answers.affine_db_mistakes(dout))


def test_backward_leaves_dout_unchanged(student, rng):
    """backward must not modify dout"""
    x, W, b, dout = make_case(rng, (2, 3), 4)
    before = dout.copy()
    layer = student.layers.Affine(W, b)
    layer.forward(x)
    layer.backward(dout)
    expect_unchanged(before, dout, "dout", name="dout")


# The same shapes for every student (N, D and M all different, so no transpose or wrong axis
# can pass by luck); only the values are drawn per student.
HIDDEN_SHAPES = {"2-D": ((5, 3), 4), "3-D": ((4, 2, 3), 5), "4-D": ((3, 2, 2, 2), 6)}


@pytest.mark.hidden
@pytest.mark.parametrize("ndim", list(HIDDEN_SHAPES))
def test_random_shapes_against_tensorflow(student, rng, tol, ndim):
    """Random values for 2-D, 3-D and 4-D x; dx, dW, db against TensorFlow's autodiff"""
    from graders.engine.grading.tf_oracle import tensorflow

    x_shape, m = HIDDEN_SHAPES[ndim]
    x, W, b, dout = make_case(rng, x_shape, m)
    dx, dW, db = run_backward(student, x, W, b, dout)  # first: unfinished code needs no TensorFlow
    tf = tensorflow()
    xt, Wt, bt = (tf.Variable(v) for v in (x, W, b))
    with tf.GradientTape() as tape:
        out = tf.reshape(xt, (x_shape[0], -1)) @ Wt + bt
        loss = tf.reduce_sum(out * dout)
    tdx, tdW, tdb = (g.numpy() for g in tape.gradient(loss, [xt, Wt, bt]))
    kw = dict(rtol=tol["value_rtol"], atol=1e-9)
    expect_close(dx, tdx, f"Affine dx for x of shape {x_shape}", **kw)
    expect_close(dW, tdW, f"Affine dW for W of shape {W.shape}", **kw)
    expect_close(db, tdb, f"Affine db for b of shape {b.shape}", **kw, mistakes=answers.affine_db_mistakes(dout))
