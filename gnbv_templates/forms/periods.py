"""Reporting periods: ``2025`` (annual) and ``2025-H1`` (6-month)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gnbv_templates.errors import UsageError

_PATTERN = re.compile(r"(?P<year>20\d{2})(?:-(?P<half>H1))?")


@dataclass(frozen=True, slots=True)
class Period:
    code: str
    year: int
    kind: str  # "year" | "half"

    @property
    def label(self) -> str:
        if self.kind == "half":
            return f"6 tháng đầu năm {self.year}"
        return f"năm {self.year}"

    @property
    def label_en(self) -> str:
        return f"first half of {self.year}" if self.kind == "half" else f"year {self.year}"


def parse_period(text: str) -> Period:
    match = _PATTERN.fullmatch(str(text).strip())
    if not match:
        raise UsageError(
            f"Kỳ báo cáo không hợp lệ: {text!r} (dùng dạng 2025 cho cả năm, 2025-H1 cho 6 tháng).",
            english=f"Invalid period {text!r}: use 2025 or 2025-H1.",
        )
    year = int(match.group("year"))
    half = match.group("half")
    return Period(code=f"{year}-H1" if half else str(year), year=year, kind="half" if half else "year")
