"""TensorFlow and Keras in the judge: imported quietly, once, possibly in the background.

Keras assignments need Keras twice: in the student's worker (the forkserver
preloads it) and in the judge, for reference models and autodiff. Each import
takes seconds; the plugin starts the judge's import in a thread while the
first test starts its worker, so the two overlap on a multi-core machine.
Every judge-side use goes through :func:`tensorflow` or :func:`keras`, which
wait for that thread: two threads importing TensorFlow at once can see each
other's half-initialized modules.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

_background: threading.Thread | None = None


def tensorflow() -> ModuleType:
    """TensorFlow, with its start-up logging silenced as far as it allows."""
    _wait_for_background()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return tf


def keras() -> ModuleType:
    tensorflow()
    import keras as keras_module

    return keras_module


def import_in_background() -> None:
    """Start importing Keras in a thread; does nothing if it is imported or under way.

    Only for worker isolation: in local isolation the student's own
    ``import keras`` runs in this process and would race with it.
    """
    global _background
    import sys

    if "keras" in sys.modules or _background is not None:
        return
    _background = threading.Thread(target=_import_quietly, name="judge-keras-import", daemon=True)
    _background.start()


def finish_background_import() -> None:
    """Wait for the background import (the plugin calls it while pytest still captures output:
    TensorFlow writes start-up lines to stderr that no setting silences)."""
    if _background is not None:
        _background.join()


def _wait_for_background() -> None:
    if _background is not None and _background is not threading.current_thread():
        _background.join()


def _import_quietly() -> None:
    try:
        keras()
    except Exception:  # noqa: BLE001 - the grader's own keras() call raises it again, with context
        pass
