"""Files that a re-run ``%%writefile -a`` cell left with two versions of its code.

Here, not with the notebook code: a notebook's ``check()`` uses it in a
student's base install, which has no nbformat.
"""

from __future__ import annotations

import re
from pathlib import Path

DEFINITION = re.compile(r"^(?:def|class)\s+(?P<name>\w+)", re.MULTILINE)


def rerun_notes(folder: Path, files: tuple[str, ...]) -> list[str]:
    """How to recover files that a re-run ``%%writefile -a`` cell left with two versions of its code.

    Running an appending cell again adds the new code below the old, so a fixed
    syntax error stays in the file. Two definitions of one name show it.
    """
    notes = []
    for name in files:
        path = folder / name
        if not path.is_file():
            continue
        defined = DEFINITION.findall(path.read_text(encoding="utf-8", errors="replace"))
        twice = sorted({d for d in defined if defined.count(d) > 1})
        if twice:
            notes.append(f"{name} holds {', '.join(twice)} more than once: a `%%writefile -a {name}` cell was run "
                         "again, which adds its code below the old version instead of replacing it. Re-run the "
                         f"notebook from the `%%writefile {name}` cell (the first one, without -a) down to here.")
    return notes
