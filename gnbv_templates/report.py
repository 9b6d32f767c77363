"""A validation report: findings, counts, JSON, and the annotated copy."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .findings import ERROR, WARNING, Finding
from .outputs import atomic_path

if TYPE_CHECKING:
    from .validate import Validation


@dataclass
class Report:
    file: str
    unit: str
    unit_name: str
    unit_level: str
    period: str
    catalog_version: str
    findings: list[Finding] = field(default_factory=list)
    validation: Validation | None = field(default=None, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        errors = sum(1 for f in self.findings if f.severity == ERROR)
        warnings = sum(1 for f in self.findings if f.severity == WARNING)
        return {"error": errors, "warning": warnings, "total": len(self.findings)}

    @property
    def ok(self) -> bool:
        return self.counts["error"] == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def by_code(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {
            "file": self.file,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "period": self.period,
            "catalog_version": self.catalog_version,
            "counts": self.counts,
            "findings": [f.as_dict(lang) for f in self.findings],
        }

    def to_json(self, lang: str = "vi") -> str:
        return json.dumps(self.as_dict(lang), ensure_ascii=False, indent=1)

    def write_json(self, path: Path | str, lang: str = "vi") -> Path:
        with atomic_path(path, inputs=(self.file,)) as tmp:
            tmp.write_text(self.to_json(lang) + "\n", encoding="utf-8")
        return Path(path)

    def annotate(self, out: Path | str, lang: str = "vi") -> Path:
        from .annotate import annotate

        return annotate(self, out, lang=lang)

    def inputs(self) -> dict[str, dict[tuple[str, str], Any]]:
        """The coerced input values of every form read (for consolidation)."""
        if self.validation is None:
            return {}
        return {form: dict(state.inputs) for form, state in self.validation.forms.items()}
