"""Import the judge's Keras while the student's worker starts, in worker isolation.

Both sides need Keras: the student's worker (the forkserver preloads it) to
run set_weights.py, and the judge to build reference models. Each import takes
seconds; one after the other they would double the self-check's start-up.
Here the judge's import runs in a background thread from the first test's
setup, on another core, while that test waits for the worker; the graders
reach Keras only through ``keras_ref.keras()``, which waits for the thread.

The first test's teardown waits for it too, so the whole import happens while
pytest captures output: TensorFlow writes start-up lines to stderr that no
environment variable silences, and they must not reach a student's terminal.
Nothing starts early in local isolation: there the student's own
``import keras`` runs in this process, and two threads importing TensorFlow at
once break it.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from . import keras_ref


@pytest.fixture(autouse=True)
def _judge_keras_imported_alongside_the_worker(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.config.getoption("isolation") == "worker":
        keras_ref.import_keras_in_background()  # the first test starts it; later calls do nothing
    yield
    keras_ref.wait_for_background_import()
