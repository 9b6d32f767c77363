"""Reading a returned workbook: metadata, values (calamine) and where formulas are.

python-calamine reads every value fast but no formulas; which cells still
hold a formula is read from the sheet XML itself (after ``safety.sniff``
refused any DTD), so no second full parse with openpyxl is needed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

from defusedxml import ElementTree
from python_calamine import CalamineError, CalamineWorkbook
from xlsxwriter.utility import xl_cell_to_rowcol

from .errors import UnreadableFile
from .metadata import META_SHEET, Metadata, parse_identity
from .safety import Sniffed, refuse, sniff

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_FORMULA_CELL = re.compile(rb"<c\b([^>]*)>\s*<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_ENTITIES = {"&quot;": "\"", "&apos;": "'"}
MAX_ROWS = 5_000  # a form has at most a few hundred rows; anything past is formatting noise
MAX_COLS = 200


@dataclass
class MetaRead:
    meta: Metadata | None
    problem: str | None  # None, "missing", "digest", "unreadable"
    items_end: int = 0
    source: ReturnFile | None = field(default=None, repr=False)

    @property
    def cell_map(self) -> list[tuple[str, ...]]:
        """(form, row, col, kind, address) of every cell, as recorded when issued."""
        if self.source is None:
            return []
        rows = self.source.grid(META_SHEET)[self.items_end + 2 :]
        return [tuple(str(row[0]).split("|")) for row in rows if row and row[0]]


class ReturnFile:
    """One workbook from outside, opened safely; values are read lazily per sheet."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.sniffed: Sniffed = sniff(self.path)
        try:
            self._book = CalamineWorkbook.from_path(str(self.path))
            self.sheet_names: list[str] = list(self._book.sheet_names)
        except (CalamineError, ValueError, OSError, TypeError) as exc:
            raise refuse("unreadable", f"Không đọc được tệp {self.path.name}: tệp bị hỏng.",
                         f"Cannot read {self.path.name}: {exc}") from None
        self._grids: dict[str, list[list[Any]]] = {}

    @property
    def kind(self) -> str:
        return self.sniffed.kind

    def grid(self, sheet: str) -> list[list[Any]]:
        found = self._grids.get(sheet)
        if found is None:
            try:
                rows = self._book.get_sheet_by_name(sheet).to_python(
                    skip_empty_area=False, nrows=MAX_ROWS
                )
            except (CalamineError, ValueError, OSError, TypeError) as exc:
                raise refuse("unreadable", f"Không đọc được trang {sheet!r} của tệp {self.path.name}.",
                             f"Cannot read sheet {sheet!r}: {exc}") from None
            if rows and len(rows[0]) > MAX_COLS:  # formatting carried far to the right
                rows = [row[:MAX_COLS] for row in rows]
            found = rows
            self._grids[sheet] = found
        return found

    def value(self, sheet: str, r: int, c: int) -> Any:
        grid = self.grid(sheet)
        if r < len(grid) and c < len(grid[r]):
            return grid[r][c]
        return None

    @cached_property
    def metadata(self) -> MetaRead:
        if META_SHEET not in self.sheet_names:
            return MetaRead(None, "missing")
        try:  # the key/value part only; the cell map below it is read when asked for
            grid = self._book.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False, nrows=60)
        except (CalamineError, ValueError, OSError, TypeError):
            return MetaRead(None, "unreadable")
        items: dict[str, Any] = {}
        end = 0
        for end, row in enumerate(grid):  # noqa: B007 - end is used after the loop
            if not row or row[0] in ("", None):
                break
            items[str(row[0])] = "".join(str(v) for v in row[1:] if v not in ("", None))
        try:
            meta = Metadata.from_items(items)
        except (ValueError, TypeError):
            return MetaRead(None, "unreadable")
        problem = None if items.get("meta_digest") == meta.digest() else "digest"
        return MetaRead(meta, problem, end, self)

    def identity(self, sheet: str) -> dict[str, str] | None:
        """The visible identity line of a form sheet (top right of its first row)."""
        grid = self.grid(sheet)
        for row in grid[:3]:
            for value in reversed(row):
                found = parse_identity(value)
                if found:
                    return found
        return None

    @cached_property
    def _archive(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(self.path)

    def close(self) -> None:
        if "_archive" in self.__dict__:
            self._archive.close()

    @cached_property
    def _sheet_parts(self) -> dict[str, str]:
        """Sheet name → zip member of its XML (xlsx family only)."""
        if self.kind == "ods":
            return {}
        try:
            book = ElementTree.fromstring(self._archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(self._archive.read("xl/_rels/workbook.xml.rels"))
        except (KeyError, ElementTree.ParseError, zipfile.BadZipFile) as exc:
            raise refuse("unreadable", f"Tệp {self.path.name} thiếu cấu trúc bảng tính.",
                         f"{self.path.name}: broken workbook structure ({exc}).") from None
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG}Relationship")}
        out = {}
        for sheet in book.iter(f"{_NS_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_NS_REL}id"), "")
            target = target.lstrip("/")
            out[sheet.get("name", "")] = target if target.startswith("xl/") else f"xl/{target}"
        return out

    def formula_cells(self, sheet: str) -> dict[tuple[int, int], str] | None:
        """0-based (row, col) → formula text of every cell holding a formula ("" for a shared
        formula's followers); None if it cannot be told (not an xlsx)."""
        part = self._sheet_parts.get(sheet)
        if not part:
            return None
        try:
            data = self._archive.read(part)
        except KeyError:
            return None
        out: dict[tuple[int, int], str] = {}
        for match in _FORMULA_CELL.finditer(data):
            ref = _REF.search(match.group(1))
            if ref:
                text = match.group(3) or b""
                out[xl_cell_to_rowcol(ref.group(1).decode())] = unescape(text.decode("utf-8", "replace"), _ENTITIES)
        return out


def open_return(path: Path | str) -> ReturnFile:
    try:
        return ReturnFile(path)
    except UnreadableFile:
        raise
    except (MemoryError, RecursionError) as exc:
        raise refuse("unreadable", f"Không đọc được tệp {Path(path).name}.", str(exc)) from None
