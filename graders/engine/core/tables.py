"""CSV files instructors keep by hand (adjustments, extensions, submission times).

Each row comes with its line number, so a mistake is reported as
``adjustments.csv:7: ...`` and the instructor can go straight to it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .config import CourseConfigError


@dataclass(frozen=True)
class Row:
    path: Path
    line: int
    values: dict[str, str]

    def fail(self, problem: str) -> CourseConfigError:
        return CourseConfigError(f"{self.path}:{self.line}: {problem}")

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


def read_rows(path: Path, required: tuple[str, ...]) -> list[Row]:
    """The rows of ``path`` (none when it does not exist), each with its line number."""
    if not path.is_file():
        return []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: spreadsheets often add a BOM
            reader = csv.DictReader(handle)
            headers = [h.strip() for h in reader.fieldnames or []]
            missing = [column for column in required if column not in headers]
            if missing:
                raise CourseConfigError(f"{path}:1: missing column(s) {', '.join(missing)}; the header must be "
                                        f"{','.join(required)}")
            rows = []
            for values in reader:
                cleaned = {k.strip(): (v or "").strip() for k, v in values.items() if k is not None}
                if any(cleaned.values()):  # blank lines are allowed
                    rows.append(Row(path, reader.line_num, cleaned))
            return rows
    except OSError as err:
        raise CourseConfigError(f"cannot read {path}: {err.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as err:
        raise CourseConfigError(f"{path}: not a readable CSV file: {err}") from None
