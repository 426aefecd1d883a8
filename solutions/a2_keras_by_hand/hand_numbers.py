"""Numbers worked out by hand, with pen and calculator.

The seed article trains Input(2) -> Dense(5, tanh) -> Dense(1, tanh) on the
rule "label +1 when x1 + x2 > 0.5, else -1", then prints the weights
(model.get_weights(); Keras' kernel is (inputs, units)):

    W1 = [[-1.08239257,  0.32482854,  0.95010394,  0.00501535, -0.47380614],
          [-0.56682748,  1.15749049,  0.91618514,  0.37518814, -0.67639047]]
    b1 = [-0.18290569,  0.21453567,  0.01353107,  0.27740911,  0.09604219]
    W2 = [[-0.8775745 ],
          [ 1.09351909],
          [ 0.21981503],
          [ 1.31380796],
          [-0.10301871]]
    b2 = [ 0.27410847]

The article works it through for x = [0.3, 0.1] and gets Y = 0.9302. You work
it through for an input x of your own, which comes from your id:

    STUDENT_ID   your id, as a string: the name your work is graded under
                 (your instructor says which, e.g. your login or email)
    X            your input x, as `course check`, the notebook or
                 `course variant a2_keras_by_hand --student ID` shows it

Then work out, for your x, what this network computes:

    H = tanh(x @ W1 + b1)      the 5 hidden activations
    Y = tanh(H @ W2 + b2)      the output (one number)

Keep 4 decimals (rounding the weights to 4 decimals on the way is fine).
Write the results as plain numbers, not as code: for example
    H = [0.1234, -0.5678, 0.9012, -0.3456, 0.7890]
    Y = 0.1234
Your by_hand.py can check your arithmetic; the numbers here must be literals.

Then classify like the seed does: the predicted label is the sign of Y, and the
true label for x is +1 if x1 + x2 > 0.5, else -1.
    PREDICTED_LABEL     +1 or -1
    PREDICTION_CORRECT  True or False: does the network get x right?
"""

### BEGIN SOLUTION
STUDENT_ID = "instructor"
X = [0.46, 0.02]
### END SOLUTION

# %% Your numbers, for your X
### BEGIN SOLUTION
H = [-0.5994, 0.3689, 0.4373, 0.2796, -0.1346]
Y = 0.9330
PREDICTED_LABEL = +1
PREDICTION_CORRECT = False
### END SOLUTION
