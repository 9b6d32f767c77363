"""A validation report: the outcome of the checks, as JSON and as an annotated copy."""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import gnbv_templates.report as renderings  # annotate, loaded when first called: see report/__init__.py
from gnbv_templates.check.outcome import Outcome
from gnbv_templates.findings import Finding
from gnbv_templates.outputs import atomic_path

NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


_HALF = re.compile("[\ud800-\udfff]")


def strict(value: Any) -> Any:
    """A value JSON can hold: NaN and ±infinity (a cell can hold them) become the strings "NaN",
    "Infinity" and "-Infinity"; anything else that is not plain data becomes its text."""
    if isinstance(value, float) and not math.isfinite(value):
        return NON_FINITE[repr(value)]
    if isinstance(value, str):  # a half character (a file name's byte that is not UTF-8) cannot be written out
        return _HALF.sub("\ufffd", value) if _HALF.search(value) else value
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    return str(value)


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
            "findings": [strict(f.as_dict(lang)) for f in self.findings],
        } | ({"receipt": strict(self.receipt.as_dict(lang))} if self.receipt is not None else {})

    def to_json(self, lang: str = "vi") -> str:
        """Strict JSON (RFC 8259): a value that is not a finite number is written as a string (see as_dict)."""
        return json.dumps(self.as_dict(lang), ensure_ascii=False, indent=1, allow_nan=False)

    def write_json(self, path: Path | str, lang: str = "vi") -> Path:
        with atomic_path(path, inputs=(self.file,)) as tmp:
            tmp.write_text(self.to_json(lang) + "\n", encoding="utf-8")
        return Path(path)

    def annotate(self, out: Path | str, lang: str = "vi") -> Path:
        return renderings.write_annotated(self, out, lang=lang)
