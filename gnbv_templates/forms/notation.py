"""Numbers as people type them in Vietnam, and as they should be shown back.

Vietnamese notation groups thousands with ``.`` and marks decimals with
``,``: ``1.234`` is one thousand two hundred and thirty-four, ``1.234,5``
has a decimal part, ``26,22%`` is 26.22.  A number typed as text is read
with a warning; text that is not a number is an error.  ``1.234`` is never
read as 1.234.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

PLACEHOLDERS = frozenset({"-", "--", "—", "–", "x", "không", "khong", "n/a", "na", "0 đ", "...", "…"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_GROUPED = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")  # 1.234 / 1.234.567,89
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")  # 12,5
_PLAIN = re.compile(r"[+-]?\d+")
_DOT_DECIMAL = re.compile(r"[+-]?\d+\.\d+")  # 12.5: ambiguous unless clearly not grouping
_UNIT_SUFFIX = re.compile(r"^(?P<num>[^a-zA-ZÀ-ỹđĐ%]+?)\s*(?P<unit>[a-zA-ZÀ-ỹđĐ ]+)$")


@dataclass(frozen=True, slots=True)
class Parsed:
    value: float | None
    status: str  # "number" | "text-number" | "placeholder" | "blank" | "not-number" | "ambiguous"
    note: str = ""


def parse_text(text: str) -> Parsed:
    """Read a number typed as text in Vietnamese notation."""
    raw = unicodedata.normalize("NFC", text)
    cleaned = _SPACES.sub(" ", raw).strip().lstrip("'").strip().replace("\u2212", "-")
    if not cleaned:
        return Parsed(None, "blank")
    if cleaned.casefold() in PLACEHOLDERS:
        return Parsed(None, "placeholder", cleaned)
    percent = cleaned.endswith("%")
    body = cleaned[:-1].strip() if percent else cleaned
    unit = ""
    match = _UNIT_SUFFIX.match(body)
    if match and not percent:
        body, unit = match.group("num").strip(), match.group("unit").strip()
    body = body.replace(" ", "")
    value: float | None = None
    if _GROUPED.fullmatch(body):
        value = float(body.replace(".", "").replace(",", "."))
    elif _COMMA_DECIMAL.fullmatch(body):
        value = float(body.replace(",", "."))
    elif _PLAIN.fullmatch(body):
        value = float(body)
    elif _DOT_DECIMAL.fullmatch(body):
        # "12.5" cannot be a thousands group (a group has three digits): read 12.5, but say so
        return Parsed(float(body), "ambiguous", unit)
    if value is None or not math.isfinite(value):
        return Parsed(None, "not-number", cleaned)
    return Parsed(value, "text-number", unit)


def format_vn(value: object, decimals: int = 3) -> str:
    """A value as a Vietnamese reader writes it: 1.234,5 — text stays text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if not math.isfinite(value):
        return str(value)
    rounded = round(float(value), decimals)
    if rounded.is_integer():
        text = f"{int(rounded):,}".replace(",", ".")
        return text
    whole, frac = f"{rounded:,.{decimals}f}".split(".")
    frac = frac.rstrip("0")
    return whole.replace(",", ".") + ("," + frac if frac else "")
