"""a3 only: Keras 3 hints on every student error.

Any StudentError a test of this folder meets (a call, an import, a fixture)
gets the Keras 3 spelling of a known Keras 1/2 mistake appended (see
keras_hints.py), so no grader has to remember to ask for it. (The judge's
Keras import overlapping the worker's start is the engine's job: tf_oracle.)
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from graders.engine.core.errors import StudentError

from .keras_hints import add_keras3_hint

# Before any worker starts: the forkserver inherits it, and TensorFlow then
# keeps its start-up lines out of the output (plain pytest runs too).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except StudentError as error:
        add_keras3_hint(error)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except StudentError as error:
        add_keras3_hint(error)
        raise
