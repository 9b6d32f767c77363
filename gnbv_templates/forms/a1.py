"""A1 cell addresses (``B7``, ``AA12``) from zero-based row and column numbers, and back.

The same answers as ``xlsxwriter.utility``: importing that module loads all of XlsxWriter (tens of
milliseconds), which checking a return, a command that only reads, has no other use for.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CELL = re.compile(r"(\$?)([A-Z]{1,3})(\$?)(\d+)")


@lru_cache(maxsize=1024)
def xl_col_to_name(col: int, col_abs: bool = False) -> str:
    """``0`` → ``A``, ``26`` → ``AA``; a negative column has no name (empty)."""
    if col < 0:
        return ""
    number, name = col + 1, ""
    while number:
        number, remainder = divmod(number - 1, 26)
        name = chr(ord("A") + remainder) + name
    return ("$" if col_abs else "") + name


def xl_rowcol_to_cell(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """``(0, 0)`` → ``A1``; a negative row or column has no address (empty)."""
    if row < 0 or col < 0:
        return ""
    return xl_col_to_name(col, col_abs) + ("$" if row_abs else "") + str(row + 1)


def xl_cell_to_rowcol(cell: str) -> tuple[int, int]:
    """``B7`` → ``(6, 1)``; text that does not start with an address reads as ``(0, 0)``."""
    match = _CELL.match(cell) if cell else None
    if match is None:
        return 0, 0
    col = 0
    for letter in match.group(2):
        col = col * 26 + ord(letter) - ord("A") + 1
    return int(match.group(4)) - 1, col - 1
