"""One cell of a worksheet part, written as SpreadsheetML text: for parts written without a spreadsheet library.

Text goes in as an inline string: whatever it says (a value from a return, ``=HYPERLINK(…)``), it stays
text, never a formula.  Characters XML 1.0 cannot hold are dropped, as a spreadsheet library refuses them.
"""

from __future__ import annotations

import math
import re
from typing import Any
from xml.sax.saxutils import escape

# characters XML 1.0 cannot hold (a spreadsheet library refuses them too)
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PLAIN = re.compile("[^&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*")  # text as it is written
MAX_TEXT = 32_767  # characters a cell holds


def xml_text(value: str) -> str:
    if _PLAIN.fullmatch(value):  # most text: codes, names, numbers as text
        return value
    return escape(ILLEGAL.sub("", value))


def cell_xml(ref: str, style: int, value: Any) -> str:
    """``<c>`` of a cell at ``ref`` (A1) in cell format ``style``: empty, a boolean, a finite number, or text."""
    head = f'<c r="{ref}" s="{style}"'
    if value is None or value == "":
        return head + "/>"
    if isinstance(value, bool):
        return f'{head} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{head}><v>{value!r}</v></c>"
    return f'{head} t="inlineStr"><is><t xml:space="preserve">{xml_text(str(value)[:MAX_TEXT])}</t></is></c>'
