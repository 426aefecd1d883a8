"""Keras 1/2 spellings in a Keras 3 world: known error texts, and what to write instead.

The seeds were written for Keras 1 and 2 (``Model(input=..., output=...)``,
``nb_epoch=``, ``keras.utils.np_utils``, a flat ``Input(shape=(784,))`` fed to
a Conv2D). Keras 3 answers those with its own error messages, which rarely
say what the modern form is. :func:`add_keras3_hint` recognizes them in a
:class:`StudentError` and appends the translation; ``conftest.py`` applies it
to every error a test of this assignment meets, and :class:`keras3_hints`
does the same around a single call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graders.engine.core.errors import StudentCrash, StudentError, StudentTimeout, SubmissionProblem


@dataclass(frozen=True)
class Translation:
    pattern: str  # a regular expression searched in "Kind: message"
    hint: str


TRANSLATIONS: tuple[Translation, ...] = (
    Translation(r"Unrecognized keyword arguments passed to (?:Model|Functional)\b.*'(?:input|output)'",
                "Model(input=..., output=...) is Keras 1; write keras.Model(inputs=..., outputs=...), "
                "both plural."),
    Translation(r"unexpected keyword argument 'nb_epoch'",
                "nb_epoch= is Keras 1; fit now takes epochs=."),
    Translation(r"unexpected keyword argument 'epoch'",
                "fit's keyword is epochs= (plural)."),
    Translation(r"unexpected keyword argument '(?:show_accuracy|samples_per_epoch|nb_val_samples)'",
                "that fit argument is from Keras 1; see help(keras.Model.fit) for Keras 3's arguments."),
    Translation(r"np_utils",
                "keras.utils.np_utils is gone: use keras.utils.to_categorical(labels, num_classes)."),
    Translation(r"No module named 'keras\.layers\.\w+'",
                "every layer is in keras.layers now: `from keras import layers` or "
                "`from keras.layers import Dense, Conv2D`."),
    Translation(r"expected min_ndim=4, found ndim=2",
                "a Conv2D takes images of shape (height, width, channels): start the model with "
                "keras.Input(shape=(28, 28, 1)). Seed 003's Input(shape=(784,)) is a flat vector, "
                "and input_shape= on a Conv2D does not change the tensor it is called on."),
    Translation(r"Argument\(s\) not recognized: \{'lr'",
                "optimizers take learning_rate= (lr= was removed), e.g. "
                "keras.optimizers.Adam(learning_rate=0.001)."),
    Translation(r"Unrecognized keyword arguments passed to \w+: \{'init'",
                "Keras 1's init= is kernel_initializer= now."),
    Translation(r"'border_mode'",
                "Keras 1's border_mode= is padding= ('valid' or 'same') now."),
    Translation(r"'[Wb]_regularizer'",
                "Keras 1's W_regularizer= / b_regularizer= are kernel_regularizer= / bias_regularizer=."),
    Translation(r"Dropout\.__init__\(\) missing 1 required positional argument: 'rate'",
                "Dropout's argument is rate now: Dropout(0.2) or Dropout(rate=0.2) (Keras 1 had p=)."),
    Translation(r"has no attribute 'predict_classes'",
                "predict_classes was removed: use np.argmax(model.predict(x), axis=1), or the sign "
                "of the output for +1/-1 labels."),
    Translation(r"image_dim_ordering",
                "image_dim_ordering is gone; Keras is channels-last: images are (height, width, channels), "
                "e.g. (28, 28, 1)."),
    Translation(r"has no attribute 'Merge'",
                "Keras 1's Merge layer is gone: use keras.layers.Concatenate() or keras.layers.Add()."),
    Translation(r"Expected `seed` argument to be an integer",
                "keras.utils.set_random_seed wants a Python int: set_random_seed(int(seed))."),
    Translation(r"has never been called and thus has no defined output",
                "the model does not know its input shape: start it with keras.Input(shape=...)."),
    Translation(r"No loss to compute",
                "compile the model with a loss, e.g. model.compile(optimizer='adam', loss='hinge')."),
)


def keras3_hint(text: str) -> str | None:
    """The translation for the first known Keras-1/2 error in ``text``, if any."""
    for translation in TRANSLATIONS:
        if re.search(translation.pattern, text):
            return translation.hint
    return None


def add_keras3_hint(error: StudentError) -> None:
    """Append the Keras 3 translation to ``error``'s feedback (once)."""
    if isinstance(error, (StudentTimeout, StudentCrash)) or error.not_implemented:
        return
    hint = keras3_hint(f"{error.kind}: {error.message}\n{error.traceback}")
    if hint is None:
        return
    line = f"Keras 1/2 -> 3: {hint}"
    if isinstance(error, SubmissionProblem):
        # its feedback is its message; import problems are cached and raised again
        if line not in error.message:
            error.message += "\n" + line
    elif line not in error.traceback:
        error.traceback = (error.traceback + "\n" if error.traceback else "") + line


class keras3_hints:
    """``with keras3_hints(): ...`` adds the Keras 3 translation to a student error raised inside."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, tb: object) -> bool:
        if isinstance(error, StudentError):
            add_keras3_hint(error)
        return False
