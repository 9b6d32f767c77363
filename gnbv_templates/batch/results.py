"""What a folder run knows of one file: small, so results stream from worker processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXTENSIONS = (".xlsx", ".xlsm", ".ods", ".xls", ".xlsb")
VALID, HAS_ERRORS, UNREADABLE, MISSING = "hợp lệ", "có lỗi", "không đọc được", "chưa nộp"


@dataclass
class FileResult:
    """What one returned file is: who sent it, for when, and what was found."""

    path: str
    sha256: str
    status: str  # VALID | HAS_ERRORS | UNREADABLE
    unit: str = ""
    unit_name: str = ""
    parent: str = ""
    period: str = ""
    issued: str = ""
    errors: int = 0
    warnings: int = 0
    message: str = ""
    annotated: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    inputs: dict[str, dict[tuple[str, str], Any]] | None = None
    totals: dict[tuple[str, str], float | None] | None = None  # B15 total row, computed

    @property
    def name(self) -> str:
        return Path(self.path).name
