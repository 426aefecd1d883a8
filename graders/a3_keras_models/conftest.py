"""a3 only: Keras 3 hints on every student error, and the judge's Keras import started early.

- Any StudentError a test of this folder meets (a call, an import, a fixture)
  gets the Keras 3 spelling of a known Keras 1/2 mistake appended
  (see keras_hints.py), so no grader has to remember to ask for it.
- The judge needs Keras for its oracles, and a worker needs it for the
  student's code. Both imports take seconds; importing the judge's copy in a
  background thread while the first test starts the worker lets the two
  overlap on a multi-core machine (oracles.judge_keras() waits for it).
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from graders.engine.errors import StudentError

from .keras_hints import add_keras3_hint
from .oracles import finish_early_import, import_keras_early

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


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly or session.config.getoption("isolation") != "worker":
        return  # locally, the student's `import keras` runs here and must not race with ours
    if any("a3_keras_models" in str(item.path) for item in session.items):
        import_keras_early()


def pytest_sessionfinish(session: pytest.Session) -> None:
    finish_early_import()  # no TensorFlow import may still be running when this grading session ends
