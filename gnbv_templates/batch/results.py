"""What a folder run knows of one file: small, so results stream from worker processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.findings import text
from gnbv_templates.forms.model import FormLayout

Key = tuple[str, str]
# a form's input values as sent from a worker: by cell, or (for a form whose layout is the same for every unit)
# the layout's fingerprint and the values in the order of its input cells, which is a fraction of the bytes
FormInputs = dict[Key, Any] | tuple[str, tuple[Any, ...]]

EXTENSIONS = (".xlsx", ".xlsm", ".ods", ".xls", ".xlsb")
# stable codes (in JSON and in code); what people read comes from the message tables: status_label()
VALID, HAS_ERRORS, UNREADABLE, MISSING, PROGRAM_ERROR = "valid", "has-errors", "unreadable", "missing", "program-error"
# a check of ours failed on a file: the program's fault, not the file's (distinct from an unreadable file's 2)
EXIT_PROGRAM_ERROR = 70


def status_label(status: str, lang: str = "vi") -> str:
    return text(f"status.{status}", lang)


@dataclass
class FileResult:
    """What one returned file is: who sent it, for when, and what was found."""

    path: str
    sha256: str
    status: str  # VALID | HAS_ERRORS | UNREADABLE | PROGRAM_ERROR
    unit: str = ""
    unit_name: str = ""
    parent: str = ""
    period: str = ""
    issued: str = ""
    errors: int = 0
    warnings: int = 0
    message: str = ""
    message_en: str = ""
    annotated: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    inputs: dict[str, FormInputs] | None = None
    totals: dict[tuple[str, str], float | None] | None = None  # B15 total row, computed
    # totals typed without their breakdown: form → {(row, col): (stated, what it adds beyond its parts)}
    stated: dict[str, dict[tuple[str, str], tuple[float, float]]] | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name


def packed_inputs(layout: FormLayout, values: dict[Key, Any]) -> FormInputs:
    """A form's input values to send: in order where every unit's layout of the form is the same, else by cell."""
    if layout.definition.has_repeat:  # in the layout's order, as the values sent in order are
        return {key: values[key] for key in layout.input_keys if key in values}
    return layout.fingerprint, tuple(map(values.get, layout.input_keys))
