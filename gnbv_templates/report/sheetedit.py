"""Edits of one worksheet part of the return, as bytes: a cell's format, a formula replaced by its value,
a cell added, the legacy drawing of comments, links out of the workbook.

Only the common shape is edited (UTF-8, no prefixed sheet elements, no comment, CDATA section or
processing instruction, every cell with its reference first, formulas written plainly, no shared or array
formulas): there every ``<c`` starts a cell and a cell holds no other.  Anything else raises
``Unsupported`` and the whole copy is written the slower way (``annotate_openpyxl``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from xml.sax.saxutils import escape

from gnbv_templates.forms.a1 import xl_cell_to_rowcol, xl_rowcol_to_cell
from gnbv_templates.forms.cellxml import value_xml
from gnbv_templates.read import sheetxml
from gnbv_templates.report.marks import plain_reference
from gnbv_templates.report.result_xml import REL_NS


class Unsupported(Exception):
    """A structure the zip surgery does not rewrite: the copy is written by openpyxl instead."""


_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"((?:\s+[\w:]+="[^"<]*")*)\s*(/?)>')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"((?: [a-z]+="[^"&<]*")*)>'
    rb'<f(?: [a-z]+="[^"&<]*")*(?:/>|>([^<]*)</f>)(?:<v>([^<]*)</v>|<v\s*/>|<v></v>)?</c>')
_ANY_FORMULA = re.compile(rb"<f[\s/>]")
_GROUPED = re.compile(rb'<f\b[^>]*\bt="(?:shared|array|dataTable)"')
_ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,7})"[^>]*?(/?)>')
_ATTR = re.compile(rb'([\w:]+)="([^"<]*)"')
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:worksheet|sheetData|row|c|f|v|is|legacyDrawing|hyperlinks?)[\s/>]")
_VALIDATION_FORMULA = re.compile(rb"<(formula[12]?|xm:f)>([^<]*)</\1>")
# every element that may hold a validation's or a conditional format's formula, however it is written
_ANY_VALIDATION_FORMULA = re.compile(
    rb"<(?:(?:[A-Za-z_][\w.-]*:)?formula[12]?|[A-Za-z_][\w.-]*:f)(?![\w.:-])")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3}[0-9]{1,7}):([A-Z]{1,3}[0-9]{1,7})"')
# children of a worksheet that come after <legacyDrawing>, in the schema's order
_AFTER_LEGACY = (b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                 b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>")


@dataclass
class FormulaCell:
    address: str
    raw_attrs: bytes  # as written, after the reference
    formula: str

    @property
    def attrs(self) -> dict[str, str]:
        return _attrs(self.raw_attrs)


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in _ATTR.findall(raw)}


def _formula_text(raw: bytes | None) -> str:
    text = (raw or b"").decode()
    return html.unescape(text) if "&" in text else text


def _tag(name: str, attrs: dict[str, str], close: bool) -> bytes:
    text = "".join(f' {k}="{v}"' for k, v in attrs.items())  # values as read: still escaped
    return f"<{name}{text}{'/' if close else ''}>".encode()


class SheetEdit:
    """One worksheet part and the edits made to it."""

    def __init__(self, data: bytes) -> None:
        head = data[:200]
        if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (b"encoding=" in head and not re.search(
                rb"""encoding=["']utf-?8["']""", head, re.IGNORECASE)):
            raise Unsupported("encoding")
        declaration = data.find(b"?>") + 2 if data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml") else 0
        if b"<!" in data or data.find(b"<?", declaration) >= 0 or _PREFIXED.search(data):
            raise Unsupported("sheet shape")
        self.data = data
        self._cells: dict[str, tuple[int, int, dict[str, str], bool] | None] = {}
        self._counted = False
        self.styles: dict[str, int] = {}  # address → new cell format
        self.values: dict[str, tuple[dict[str, str], bytes]] = {}  # address → attributes, content of a value
        self.legacy: str | None = None  # the relationship of a new legacy drawing to point at
        self.drop_legacy = False  # the sheet's comments are all gone
        self.merged = [(a.decode(), b.decode()) for a, b in _MERGE.findall(data)]

    # -- reading -------------------------------------------------------------------------------------------
    def cell(self, address: str) -> tuple[int, int, dict[str, str], bool] | None:
        """(start, end of the start tag, attributes, empty element) of a cell, None if the part has none."""
        if not self._counted:  # every cell written with its reference first: a search by reference finds it
            data = self.data
            # any cell tag (a line end or a tab after "<c" included) must be one a search by reference finds
            if data.count(b'<c r="') != len(_ANY_CELL.findall(data)):
                raise Unsupported("cells written otherwise")
            self._counted = True
        if address not in self._cells:
            key = b'<c r="' + address.encode() + b'"'
            at = self.data.find(key)
            found = None
            while at >= 0 and found is None:
                match = _CELL.match(self.data, at)
                if match is not None:
                    found = (match.start(), match.end(), _attrs(match.group(2)), bool(match.group(3)))
                at = self.data.find(key, at + 1)
            self._cells[address] = found
        return self._cells[address]

    def formulas(self) -> list[FormulaCell]:
        """Every formula cell; raises Unsupported for shared, array or table formulas."""
        data = self.data
        if not _ANY_FORMULA.search(data):
            return []
        if _GROUPED.search(data):
            raise Unsupported("shared or array formula")
        plain = _FORMULA_CELL.findall(data)
        if len(plain) != data.count(b"<f>") + data.count(b"<f ") + data.count(b"<f/"):
            return self._parsed_formulas()  # (or a formula tag split over lines: the parser reads that too)
        return [FormulaCell(address.decode(), attrs, _formula_text(text)) for address, attrs, text, _ in plain]

    def _parsed_formulas(self) -> list[FormulaCell]:
        """Formula cells written otherwise than plainly, found by the XML parser (exact spans)."""
        try:
            cells = sheetxml.formula_cells(self.data)
        except sheetxml.SheetXmlError:
            raise Unsupported("broken sheet XML") from None
        found = []
        for _, _, attrs, _, formula, (row, col) in cells:
            if set(attrs) - {"r", "s", "t", "cm", "vm", "ph"} or any('"' in v or "&" in v for v in attrs.values()):
                raise Unsupported("cell attributes")
            raw = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items() if k != "r").encode()
            found.append(FormulaCell(xl_rowcol_to_cell(row, col), raw, formula))
        return found

    def outside_formulas(self) -> bool:
        """Validation lists or conditional formats that point outside the workbook or call a function.

        Only the plain way of writing them is read here: one written any other way (a prefix, a space in
        its tag) is not read past, it sends the copy to openpyxl."""
        plain = _VALIDATION_FORMULA.findall(self.data)
        if len(plain) != len(_ANY_VALIDATION_FORMULA.findall(self.data)):
            raise Unsupported("validation or conditional format written otherwise")
        return any(not plain_reference(html.unescape(text.decode())) for _, text in plain)

    def top_left(self, address: str) -> str:
        """Comments and fills on a merged cell go on its top-left cell."""
        if not self.merged:
            return address
        r, c = xl_cell_to_rowcol(address)
        for (r0, c0, r1, c1), first in self._merged_areas:
            if r0 <= r <= r1 and c0 <= c <= c1:
                return first
        return address

    @cached_property
    def _merged_areas(self) -> list[tuple[tuple[int, int, int, int], str]]:
        return [((*xl_cell_to_rowcol(first), *xl_cell_to_rowcol(last)), first) for first, last in self.merged]

    def style_of(self, address: str) -> int:
        found = self.cell(address)
        text = found[2].get("s", "0") if found else "0"
        return int(text) if text.isdigit() else 0

    # -- editing -------------------------------------------------------------------------------------------
    def replace_formula(self, cell: FormulaCell, value: Any) -> None:
        """The cell keeps its format and holds the value the file showed (as read), as a constant: text stays
        text, whatever it begins with."""
        attrs = {k: v for k, v in cell.attrs.items() if k != "t"}
        kind, inner = value_xml(value)
        if kind:
            attrs["t"] = kind
        self.values[cell.address] = (attrs, inner.encode())

    def drop_hyperlinks(self, ids: set[str]) -> None:
        """Links out of the workbook (their relationships are dropped)."""
        for rid in ids:
            self.data = re.sub(rb'<hyperlink\b[^>]*:id="' + re.escape(rid.encode()) + rb'"[^>]*/>', b"",
                               self.data)
        self.data = re.sub(rb"<hyperlinks>\s*</hyperlinks>", b"", self.data)
        self._cells = {}

    def finish(self) -> bytes:
        """The edited part."""
        data = self._apply_cells()
        data = re.sub(rb'(<sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"', rb"\1", data, count=1)
        if self.drop_legacy:
            data = re.sub(rb"<legacyDrawing\b[^>]*/>", b"", data)
        legacy = self.legacy
        if legacy is not None:
            at = min((i for i in (data.find(t) for t in _AFTER_LEGACY) if i >= 0), default=-1)
            if at < 0:
                raise Unsupported("no end of worksheet")
            element = f'<legacyDrawing xmlns:r="{REL_NS}" r:id="{legacy}"/>'.encode()
            data = data[:at] + element + data[at:]
        return data

    def _apply_cells(self) -> bytes:
        edits: list[tuple[int, int, bytes]] = []
        missing: dict[str, int] = {}
        for address in sorted(set(self.styles) | set(self.values)):
            found = self.cell(address)
            if found is None:
                missing[address] = self.styles.get(address, 0)
                continue
            start, tag_end, attrs, empty = found
            end, inner, kept = tag_end, b"", not empty  # kept: the content stays, only the start tag changes
            if address in self.values:
                end = tag_end if empty else self.data.index(b"</c>", tag_end) + 4
                (attrs, inner), kept = self.values[address], False
            attrs = {k: v for k, v in attrs.items() if k not in ("r", "s")}
            style = self.styles.get(address, self.style_of(address))
            head = _tag("c", {"r": address, **({"s": str(style)} if style else {}), **attrs}, not (inner or kept))
            edits.append((start, end, head + inner + b"</c>" if inner else head))
        edits += self._inserted(missing)
        data = self.data
        for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            data = data[:start] + text + data[end:]
        return data

    def _inserted(self, missing: dict[str, int]) -> list[tuple[int, int, bytes]]:
        """Cells the part does not have (an empty cell never written), added in their rows."""
        if not missing:
            return []
        rows = {int(m.group(1)): m for m in _ROW.finditer(self.data)}
        by_row: dict[int, list[tuple[int, str]]] = {}
        for address, style in missing.items():
            r, c = xl_cell_to_rowcol(address)
            by_row.setdefault(r + 1, []).append((c, f'<c r="{address}" s="{style}"/>'))
        edits = []
        for number, cells in by_row.items():
            cells.sort()
            row = rows.get(number)
            if row is None:
                edits.append(self._new_row(number, cells, rows))
            else:
                edits += self._into_row(row, cells)
        return edits

    def _new_row(self, number: int, cells: list[tuple[int, str]], rows: dict[int, re.Match[bytes]]
                 ) -> tuple[int, int, bytes]:
        text = f'<row r="{number}">{"".join(c for _, c in cells)}</row>'.encode()
        later = [m.start() for r, m in rows.items() if r > number]
        if later:
            return min(later), min(later), text
        end = self.data.find(b"</sheetData>")
        if end >= 0:
            return end, end, text
        empty = self.data.find(b"<sheetData/>")
        if empty < 0:
            raise Unsupported("no sheet data")
        return empty, empty + len(b"<sheetData/>"), b"<sheetData>" + text + b"</sheetData>"

    def _into_row(self, row: re.Match[bytes], cells: list[tuple[int, str]]) -> list[tuple[int, int, bytes]]:
        if row.group(2):  # <row .../>: no cells yet
            tag = row.group()[:-2].rstrip() + b">"
            return [(row.start(), row.end(), tag + "".join(c for _, c in cells).encode() + b"</row>")]
        close = self.data.index(b"</row>", row.end())
        present = [(xl_cell_to_rowcol(m.group(1).decode())[1], m.start())
                   for m in _CELL.finditer(self.data, row.end(), close)]
        at_position: dict[int, bytes] = {}
        for col, text in cells:
            at = next((start for c, start in present if c > col), close)
            at_position[at] = at_position.get(at, b"") + text.encode()
        return [(at, at, text) for at, text in at_position.items()]
