"""Long tables of plain cells, put into their sheet's part once the workbook library has written the rest.

XlsxWriter keeps each cell as an object and writes it out at close: some 15 µs a cell.  A consolidation's
provenance sheet lists every value each unit typed that cannot be summed, tens of thousands of cells for a
province, and took four fifths of the time of writing the consolidated return.  Rows given here are written
as XML straight into the sheet's part after the workbook is closed (``forms.cellxml``: text as inline strings,
never a formula), each cell in a cell format the workbook already holds.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gnbv_templates.forms.a1 import xl_cell_to_rowcol, xl_col_to_name
from gnbv_templates.forms.cellxml import cell_xml
from gnbv_templates.read.reader import sheet_parts

_ROW = re.compile(rb'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)  # as XlsxWriter writes a row
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


class BulkRows:
    """Rows to be put into sheets of a workbook being written, by sheet name and 0-based row."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[int, tuple[tuple[Any, ...], Any]]] = {}

    def add(self, sheet: str, row: int, values: Sequence[Any], style: Any) -> None:
        """One row of cells from column A; ``style`` is a format the workbook library has written a cell in."""
        self._rows.setdefault(sheet, {})[row] = (tuple(values), style)

    def put_into(self, path: Path) -> None:
        """The closed workbook at ``path``, rewritten with the rows in their sheets (left as it was on failure)."""
        if not self._rows:
            return
        partial = path.with_name(path.name + ".rows")
        try:
            with zipfile.ZipFile(path) as book:
                parts = sheet_parts(book)
                changed = {}
                for sheet, rows in self._rows.items():
                    part = parts.get(sheet)
                    if part is None or part not in book.NameToInfo:
                        raise ValueError(f"no sheet {sheet!r} to put rows into")
                    changed[part] = _merged(book.read(part), rows)
                with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
                    for info in book.infolist():
                        out.writestr(info, changed.get(info.filename) or book.read(info.filename))
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)  # a full disk, a mistake of the caller: nothing left beside the output


def _merged(part: bytes, rows: dict[int, tuple[tuple[Any, ...], Any]]) -> bytes:
    """The sheet part with ``rows`` among the rows it has (a row in both is a mistake of the caller)."""
    found = _SHEET_DATA.search(part)
    if found is None:
        raise ValueError("no sheetData in the sheet part")
    existing = {int(m.group(1)) - 1: m.group(0) for m in _ROW.finditer(found.group(1) or b"")}
    if existing.keys() & rows.keys():
        raise ValueError(f"rows written twice: {sorted(existing.keys() & rows.keys())[:5]}")
    width = max(len(values) for values, _ in rows.values())
    letters = [xl_col_to_name(col) for col in range(width)]
    for row, (values, style) in rows.items():
        if style.xf_index is None:
            raise ValueError("a bulk row's format is not in the workbook: write one cell in it first")
        number, xf = row + 1, style.xf_index
        cells = "".join([cell_xml(f"{letter}{number}", xf, value)
                         for letter, value in zip(letters, values, strict=False)])  # a row may be shorter
        existing[row] = f'<row r="{number}">{cells}</row>'.encode()
    data = b"<sheetData>" + b"".join(existing[r] for r in sorted(existing)) + b"</sheetData>"
    merged = part[: found.start()] + data + part[found.end() :]
    dimension = _DIMENSION.search(merged)
    if dimension is not None:
        written = dimension.group(0).split(b'"')[1].decode("ascii", "replace").rpartition(":")[2]
        last_col = max(width, xl_cell_to_rowcol(written)[1] + 1)
        merged = _DIMENSION.sub(f'<dimension ref="A1:{xl_col_to_name(last_col - 1)}{max(existing) + 1}"/>'.encode(),
                                merged, count=1)
    return merged
