"""Formulas found in a file: how one is compared with the form's, and which are harmless (arithmetic on its
own cells, with the few functions a form uses).

Anything else (DDE ``cmd|' /C calc'!A0``, a reference into another file ``[1]Sheet1!A1``, HYPERLINK,
WEBSERVICE, INDIRECT, any other function) is never carried into a workbook this program writes.
"""

from __future__ import annotations

import re
from functools import lru_cache

_FUNCTION = re.compile(r"([A-Za-z_][\w.]*)\s*\(")
_STRING = re.compile(r'"(?:[^"]|"")*"')
HARMLESS_FUNCTIONS = frozenset({"SUM", "IF", "IFERROR", "ROUND", "ABS", "MIN", "MAX", "AND", "OR", "NOT"})


def harmless(formula: str) -> bool:
    """Arithmetic on cells of this workbook with the functions of HARMLESS_FUNCTIONS, and nothing else."""
    body = _STRING.sub('""', formula.lstrip("="))
    if any(ch in body for ch in "|[{@#") or '"' in body.replace('""', ""):
        return False
    names = {name.upper().removeprefix("_XLFN.") for name in _FUNCTION.findall(body)}
    return names <= HARMLESS_FUNCTIONS


@lru_cache(maxsize=16_384)
def formula_key(text: str) -> str:
    """A formula as compared: every return of one form repeats the same few thousand texts."""
    return text.lstrip("=").replace("$", "").replace(" ", "").replace("_xlfn.", "").upper()
