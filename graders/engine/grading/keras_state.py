"""Each test of a Keras assignment starts the student's Keras afresh, with a seed of its own.

Keras keeps process-wide state that student code sees: unseeded initial
weights, and the numbers it gives layers it names (``dense_3``, ``dense_109``:
how many it made before in that process). Left alone, both depend on what ran
earlier in the process, so the same code would get other feedback in a
self-check, a batch run, a regrade and the student course. Before a test
hands the student's code anything, the process it runs in clears that state
and seeds Keras (Python, NumPy and TensorFlow too) by the test's id: the same
test gets the same seed in every course, every run, every student.
"""

from __future__ import annotations

import hashlib
from typing import Any


def seed_of_test(nodeid: str) -> int:
    """A seed fixed by the test's id (a Python int: Keras rejects NumPy integers)."""
    return int.from_bytes(hashlib.sha256(f"keras|{nodeid}".encode()).digest()[:4], "little") % 2**31


def start_afresh(submission: Any, nodeid: str) -> None:
    """Blank Keras state and the test's seed where the submission's code runs (its worker, or this process)."""
    keras = submission.module("keras")
    keras.backend.clear_session(free_memory=False)  # resets the layer numbering; no garbage collection wanted
    keras.utils.set_random_seed(seed_of_test(nodeid))
