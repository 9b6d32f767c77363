"""From what a spreadsheet cell holds to the value a form's cell means."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from gnbv_templates.forms.model import Measure
from gnbv_templates.forms.notation import parse_text

EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                "#SPILL!", "#CALC!", "Err:")


@dataclass(frozen=True, slots=True)
class Coerced:
    value: Any  # float | int | str | None
    problem: str | None = None  # a finding code
    shown: Any = None  # what to print as "found"


def coerce(raw: Any, measure: Measure) -> Coerced:
    """One cell's raw value (from calamine) as the measure wants it."""
    if raw is None or raw == "":
        return Coerced(None)
    if not measure.numeric:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = str(raw) if not isinstance(raw, str) else raw
        # text typed on macOS or with some input methods arrives decomposed (NFD)
        return Coerced(unicodedata.normalize("NFC", text).strip() if measure.type == "choice" else text)
    if isinstance(raw, bool):
        return Coerced(None, "value.not-a-number", raw)
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Coerced(None, "value.not-a-number", raw)
        return Coerced(_number(raw, measure))
    if isinstance(raw, dt.date | dt.datetime | dt.time | dt.timedelta):
        return Coerced(None, "value.date", str(raw))
    return _typed_text(str(raw), measure)


def _typed_text(text: str, measure: Measure) -> Coerced:
    """A number cell holding text: an error value, a placeholder, a number typed as text, or words."""
    if text.strip().upper().startswith(EXCEL_ERRORS):
        return Coerced(None, "value.excel-error", text.strip())
    parsed = parse_text(text)
    if parsed.status == "blank":
        return Coerced(None)
    if parsed.status == "placeholder":
        return Coerced(None, "value.placeholder", text)
    if parsed.value is None:
        return Coerced(None, "value.not-a-number", text)
    code = "value.ambiguous-number" if parsed.status == "ambiguous" else "value.text-number"
    return Coerced(_number(parsed.value, measure), code, text)


def _number(value: float, measure: Measure) -> float | int:
    if measure.type == "count" and float(value).is_integer():
        return int(value)
    return float(value)

