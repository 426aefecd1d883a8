"""TensorFlow as an oracle, imported quietly and only when a test needs it."""

from __future__ import annotations

import os
from types import ModuleType


def tensorflow() -> ModuleType:
    """Import TensorFlow with its start-up logging silenced (it writes to stderr)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return tf
