"""Where each row and column of a form actually is in a returned sheet, and what moved.

Codes are the stable address of every cell: column C holds the row codes,
the column-number row holds the column codes.  If rows or columns were
inserted, deleted or moved, the cells are still found by their codes and
the change is reported.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import gnbv_templates.findings as fd
from gnbv_templates.forms.a1 import xl_col_to_name
from gnbv_templates.forms.model import FormLayout

SCAN_ROWS = 400


@dataclass
class Located:
    rows: dict[str, int]  # row code → 0-based sheet row
    cols: dict[str, int]  # column code → 0-based sheet column
    findings: list[fd.Finding] = field(default_factory=list)

    @property
    def in_place(self) -> bool:
        """Nothing moved: formulas can be compared with the model's text."""
        return not self.findings

    def cell(self, row: str, col: str) -> tuple[int, int] | None:
        r, c = self.rows.get(row), self.cols.get(col)
        return None if r is None or c is None else (r, c)


def code_text(value: Any) -> str:
    if type(value) is str and value.isascii():  # most cells: plain text is its own NFC form
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def _match(found: str, expected: set[str]) -> str | None:
    if found in expected:
        return found
    # a code such as "01" retyped as the number 1 loses its zero
    if found.isdigit():
        for code in expected:
            if code.isdigit() and code.lstrip("0") == found.lstrip("0"):
                return code
    return None


def locate(layout: FormLayout, grid: list[list[Any]], sheet: str) -> Located:
    d = layout.definition
    out: list[fd.Finding] = []
    cols = _locate_columns(layout, grid)
    missing_cols = [c.code for c in d.columns if c.code not in cols]
    for col in d.columns:
        if col.code not in cols:
            out.append(fd.make("structure.column-missing", form=d.id, sheet=sheet, col=col.code))
        elif cols[col.code] != layout.col_index[col.code] and not missing_cols:
            # with a column gone every later one shifts: the missing one is the cause, say only that
            out.append(fd.make("structure.column-moved", form=d.id, sheet=sheet, col=col.code,
                               cell=f"{xl_col_to_name(cols[col.code])}{layout.number_row + 1}",
                               value=xl_col_to_name(cols[col.code]),
                               expected=xl_col_to_name(layout.col_index[col.code])))
    rows = _locate_rows(layout, grid)
    expected_rows = layout.row_index
    for row in layout.rows:
        if row.code not in rows:
            out.append(fd.make("structure.row-missing", form=d.id, sheet=sheet, row=row.code, row_label=row.label))
    moved = [code for code, r in rows.items() if r != expected_rows[code]]
    if moved:
        first = min(moved, key=lambda code: expected_rows[code])
        out.append(fd.make("structure.row-moved", form=d.id, sheet=sheet, row=first,
                           cell=f"C{rows[first] + 1}", value=rows[first] + 1,
                           expected=expected_rows[first] + 1, row_label=layout.rows_by_code[first].label))
    out += _extra_rows(layout, grid, rows, sheet)
    return Located(rows, cols, out)


def _locate_columns(layout: FormLayout, grid: list[list[Any]]) -> dict[str, int]:
    expected = {c.code for c in layout.columns}
    first = layout.definition.first_data_col
    for r in _around(layout.number_row, len(grid)):
        row = grid[r]
        if [code_text(v) for v in row[:3]] != ["A", "B", "C"]:
            continue
        found: dict[str, int] = {}
        for c in range(first, len(row)):
            code = _match(code_text(row[c]), expected)
            if code and code not in found:
                found[code] = c
        return found
    return {}


def _around(center: int, limit: int) -> list[int]:
    order = [center] + [center + d for k in range(1, 40) for d in (k, -k)]
    return [r for r in order if 0 <= r < limit]


def _locate_rows(layout: FormLayout, grid: list[list[Any]]) -> dict[str, int]:
    expected = set(layout.row_index)
    found: dict[str, int] = {}
    start = max(0, layout.first_data_row - 20)
    stop = min(len(grid), layout.last_data_row + SCAN_ROWS)
    code_col = layout.code_col
    for r in range(start, stop):
        row = grid[r]
        if len(row) <= code_col:
            continue
        code = _match(code_text(row[code_col]), expected)
        if code and code not in found and r >= layout.number_row:
            found[code] = r
    return found


def _extra_rows(layout: FormLayout, grid: list[list[Any]], rows: dict[str, int], sheet: str) -> list[fd.Finding]:
    """Rows inside the table that carry values but no known code: something was inserted."""
    if not rows:
        return []
    known = set(rows.values())
    top, bottom = min(known), max(known)
    out = []
    for r in range(top, bottom + 1):
        if r in known or r >= len(grid):
            continue
        if any(v not in (None, "") for v in grid[r]):
            out.append(fd.make("structure.row-extra", form=layout.id, sheet=sheet, cell=f"A{r + 1}", value=r + 1))
    return out
