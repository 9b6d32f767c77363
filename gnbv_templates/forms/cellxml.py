"""One cell of a worksheet part, written as SpreadsheetML text: for parts written without a spreadsheet library.

Text goes in as an inline string: whatever it says (a value from a return, ``=HYPERLINK(…)``), it stays
text, never a formula.  It is escaped as XlsxWriter escapes the cells it writes, so text reads back the same
whichever of the two wrote it: a control character as ``_xHHHH_`` (XML 1.0 cannot hold it; a carriage return
would come back as a line feed), text that already looks like such an escape with its underscore escaped.
"""

from __future__ import annotations

import math
import re
from typing import Any
from xml.sax.saxutils import escape

# characters XML 1.0 cannot hold: dropped from attributes (which have no escape for them)
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PLAIN = re.compile("[^&<>_\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]*")  # text written as it is
_SURROGATE = re.compile("[\ud800-\udfff]")  # half a character: UTF-8 cannot hold it
_ESCAPE_LIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
MAX_TEXT = 32_767  # characters a cell holds


def xml_text(value: str) -> str:
    """Text of a cell (or a note) as the part holds it."""
    if _PLAIN.fullmatch(value):  # most text: codes, names, numbers as text
        return value
    text = _ESCAPE_LIKE.sub(r"_x005F\1", _SURROGATE.sub("", value))
    return escape(_CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text))


def value_xml(value: Any) -> tuple[str, str]:
    """A cell's type attribute ("" for none) and what goes inside it ("" for an empty cell)."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, bool):
        return "b", f"<v>{int(value)}</v>"
    if isinstance(value, int):
        return "", f"<v>{int(value)}</v>"
    if isinstance(value, float) and math.isfinite(value):
        return "", f"<v>{float(value)!r}</v>"
    return "inlineStr", f'<is><t xml:space="preserve">{xml_text(str(value)[:MAX_TEXT])}</t></is>'


def cell_xml(ref: str, style: int, value: Any) -> str:
    """``<c>`` of a cell at ``ref`` (A1) in cell format ``style``: empty, a boolean, a finite number, or text."""
    kind, inner = value_xml(value)
    head = f'<c r="{ref}" s="{style}"'
    if not inner:
        return head + "/>"
    return f'{head} t="{kind}">{inner}</c>' if kind else f"{head}>{inner}</c>"
