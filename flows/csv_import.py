"""Reading the CSV files of the system of record: rows with their line numbers, one report.

A file with any bad row loads nothing: each import collects every problem first.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Raw = dict[str | None, Any]  # a csv.DictReader row: None holds the extra fields


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def read_csv(path: Path, columns: tuple[str, ...], report: Report) -> list[tuple[int, Raw]]:
    """(line number, raw row) for each data row, or nothing when the file is unreadable."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                report.errors.append(f"line 1: missing column(s): {', '.join(missing)}")
                return []
            return list(enumerate(reader, 2))
    except (UnicodeDecodeError, csv.Error) as exc:
        report.errors.append(f"{path.name}: not a UTF-8 CSV file ({exc})")
        return []
