"""Which notebook cell wrote which lines of a .py file, so feedback can name the cell.

A notebook submission is graded as the .py files its ``%%writefile`` cells
write; the student never saw those files. Kept apart from notebooks.py so
that naming cells costs no nbformat import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CellSpan:
    """Lines ``first``..``last`` (1-based) of ``file`` came from one notebook cell, called ``label``."""

    file: str
    first: int
    last: int
    label: str


FILE_LINE = re.compile(r"(?P<file>[\w.-]+\.py), line (?P<line>\d+)")


def name_cells(text: str, spans: tuple[CellSpan, ...]) -> str:
    """Feedback about a notebook submission names its cells: 'layers.py, line 78' of a file the
    student never wrote by hand becomes "the cell under '## Relu', line 5"."""
    def cell_line(match: re.Match) -> str:
        line = int(match.group("line"))
        for span in spans:
            if span.file == match.group("file") and span.first <= line <= span.last:
                return f"{span.label}, line {line - span.first + 2}"  # + the %%writefile line
        return match.group(0)

    return FILE_LINE.sub(cell_line, text) if spans else text
