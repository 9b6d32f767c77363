"""The metadata sheet: what was issued, to whom, for which period, with which catalog.

It is the last sheet and very hidden.  Because some programs drop or reveal
very-hidden sheets, each form sheet also carries a visible identity line
(``identity_text``) from which the form, catalog version, unit and period
can be recovered.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

META_SHEET = "_gnbv_meta"
FORMAT = "gnbv-templates/1"
KEYS = (
    "format",
    "catalog_version",
    "catalog_hash",
    "unit_code",
    "unit_name",
    "unit_level",
    "parent_code",
    "parent_name",
    "period",
    "issued",
    "receiving_agency",
    "preparer_title",
    "head_title",
    "children",
    "forms",
    "locked",
)


@dataclass
class Metadata:
    catalog_version: str
    catalog_hash: str
    unit_code: str
    unit_name: str
    unit_level: str
    parent_code: str
    parent_name: str
    period: str
    issued: str
    receiving_agency: str
    preparer_title: str
    head_title: str
    children: list[dict[str, str]]
    forms: list[dict[str, str]]  # id, sheet, fingerprint
    locked: list[str] = field(default_factory=list)  # "B02|05|1"
    format: str = FORMAT

    def items(self) -> list[tuple[str, str]]:
        out = []
        for key in KEYS:
            value = getattr(self, key)
            out.append((key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
        return out

    def text(self) -> str:
        """Every field on its own line: what the digest and the signature are computed over."""
        return "\n".join(f"{k}={v}" for k, v in self.items())

    def digest(self) -> str:
        return hashlib.sha256(self.text().encode()).hexdigest()[:16]

    @classmethod
    def from_items(cls, items: dict[str, Any]) -> Metadata:
        values: dict[str, Any] = {}
        for key in KEYS:
            raw = items.get(key, "")
            raw = "" if raw is None else str(raw)
            if key in ("children", "forms", "locked"):
                values[key] = json.loads(raw) if raw else []
            else:
                values[key] = raw
        return cls(**values)


def checksum(form_id: str, version: str, unit: str, period: str, fingerprint: str) -> str:
    text = f"{form_id}|{version}|{unit}|{period}|{fingerprint}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def identity_text(form_id: str, version: str, unit: str, period: str, fingerprint: str) -> str:
    mark = checksum(form_id, version, unit, period, fingerprint)
    return f"GNBV {form_id} · v{version} · {unit} · {period} · #{mark}"


_IDENTITY = re.compile(
    r"GNBV (?P<form>B\d{2}) · v(?P<version>[\d.]+) · (?P<unit>\d+) · (?P<period>[\w-]+) · #(?P<mark>[0-9a-f]{8})"
)


def parse_identity(text: Any) -> dict[str, str] | None:
    if not isinstance(text, str):
        return None
    match = _IDENTITY.search(text)
    return match.groupdict() if match else None
