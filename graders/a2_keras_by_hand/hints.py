"""Hints for errors the student's code raises, naming a known mistake when the error shows one.

Like ``graders.engine.grading.compare.explain`` (which adds one hint to any error),
plus: when the error message matches a pattern of a known mistake -- e.g. the
"size 5 is different from 2" NumPy gives for ``x @ W2`` in the seed's network
-- the feedback names that mistake. The error is not caught: the plugin still
turns it into the test's feedback.
"""

from __future__ import annotations

import re
from typing import Mapping

from graders.engine.core.errors import StudentCrash, StudentError, StudentTimeout


class explain_known:
    """``with explain_known(hint, {regex: mistake}): student call``"""

    def __init__(self, hint: str, known: Mapping[str, str] | None = None) -> None:
        self.hint = hint
        self.known = dict(known or {})

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, tb: object) -> bool:
        if isinstance(error, StudentError) and not isinstance(error, (StudentTimeout, StudentCrash)) \
                and not error.not_implemented:
            notes = [f"This looks like a known mistake: {mistake}."
                     for pattern, mistake in self.known.items() if re.search(pattern, error.message)]
            notes.append(f"Hint: {self.hint}")
            error.traceback = "\n".join(([error.traceback] if error.traceback else []) + notes[:2])
        return False


def matmul_mismatch(got: int, expected: int) -> str:
    """Regex for NumPy's shape errors of ``a @ b`` / ``np.dot(a, b)`` with inner sizes ``got`` vs ``expected``."""
    return (rf"size {got} is different from {expected}\b"
            rf"|not aligned: {expected} \(dim \d+\) != {got} \(dim \d+\)")
