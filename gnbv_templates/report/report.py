"""A validation report: the outcome of the checks, as JSON and as an annotated copy."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.findings import Finding
from gnbv_templates.outputs import atomic_path
from gnbv_templates.report.annotate import annotate


class Report(Outcome):
    """The public face of a checked return: results and their renderings, not the engine."""

    # set when the return is checked into a register: its receipt (anything with as_dict, summary and
    # sheet_rows), rendered in the JSON and on the error sheet
    receipt: Any = None

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> Report:
        return cls(**{f.name: getattr(outcome, f.name) for f in fields(outcome)})

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
        } | ({"receipt": self.receipt.as_dict(lang)} if self.receipt is not None else {})

    def to_json(self, lang: str = "vi") -> str:
        return json.dumps(self.as_dict(lang), ensure_ascii=False, indent=1)

    def write_json(self, path: Path | str, lang: str = "vi") -> Path:
        with atomic_path(path, inputs=(self.file,)) as tmp:
            tmp.write_text(self.to_json(lang) + "\n", encoding="utf-8")
        return Path(path)

    def annotate(self, out: Path | str, lang: str = "vi") -> Path:
        return annotate(self, out, lang=lang)
