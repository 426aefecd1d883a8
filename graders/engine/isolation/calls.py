"""Which of the submission's own functions and classes a call into it ran.

Feedback may say "MultiLayerNet uses your Relu, which fails its own checks"
only when the failing code did call Relu: a net that never builds a Tanh must
not be sent to fix Tanh. A profile hook sees every Python function that
starts; a function counts when its code lives in the submission's folder, by
the top-level name it is defined under (``Relu.forward`` counts as ``Relu``).
"""

from __future__ import annotations

import sys
from types import CodeType, FrameType
from typing import Any


class CallRecorder:
    """``with recorder: student_call()`` adds the submission's names that ran to ``recorder.names``."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.names: set[str] = set()
        self._seen: dict[CodeType, str] = {}  # code object -> its top-level name, "" if not the student's
        self._saved: Any = None

    def __enter__(self) -> "CallRecorder":
        self._saved = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._saved)

    def take(self) -> list[str]:
        """The names recorded so far, forgetting them."""
        names, self.names = sorted(self.names), set()
        return names

    def _profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call":
            return
        code = frame.f_code
        name = self._seen.get(code)
        if name is None:
            name = self._seen[code] = self._top_level_name(code)
        if name:
            self.names.add(name)

    def _top_level_name(self, code: CodeType) -> str:
        if not code.co_filename.startswith(self.directory):
            return ""
        qualname = getattr(code, "co_qualname", code.co_name)  # co_qualname: Python >= 3.11
        return "" if qualname == "<module>" else qualname.split(".")[0]
