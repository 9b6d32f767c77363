"""Reading a returned workbook: metadata, values (calamine), and where formulas and errors are.

python-calamine reads every value fast but no formulas, and reads an Excel
error (``#REF!``) as an empty cell.  Which cells hold a formula or an error
is read from the sheet XML itself (.xlsx) or from content.xml (.ods), after
``safety.sniff`` refused any DTD; so no second full parse with openpyxl is
needed.  Before calamine builds a sheet, the sheet is checked for a value
so far away that the rectangle up to it would not fit in memory.
"""

from __future__ import annotations

import contextlib
import itertools
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from python_calamine import CalamineError, CalamineWorkbook

from gnbv_templates.errors import UnreadableFile
from gnbv_templates.forms.a1 import xl_rowcol_to_cell
from gnbv_templates.forms.metadata import META_SHEET, Metadata, parse_identity
from gnbv_templates.forms.signature import SIGNATURE_KEY
from gnbv_templates.read import sheetxml
from gnbv_templates.read.safety import (
    ZIP_ERRORS,
    Extent,
    FarCell,
    Sniffed,
    far_cell,
    far_cell_refusal,
    refuse,
    shown_name,
    sniff,
)
from gnbv_templates.read.sheetxml import SheetMarks

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_ROWS = 5_000  # a form has at most a few hundred rows; anything past is formatting noise
MAX_COLS = 200
MAX_META_ROWS = 100_000  # packs of earlier releases kept a map of every cell below the metadata
# what parsing a damaged XML part can raise (an unknown encoding named in its declaration: LookupError)
_ENCODABLE = re.compile("[^\ud800-\udfff]*")  # no half character: the path is valid UTF-8
_PARSE_ERRORS = (ElementTree.ParseError, LookupError, RecursionError, *ZIP_ERRORS)
_READ_ERRORS = (CalamineError, ValueError, OSError, TypeError, KeyError, IndexError, OverflowError, MemoryError)


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside python-calamine arrives as pyo3's PanicException (a BaseException)."""
    return type(exc).__name__ == "PanicException"


@dataclass
class MetaRead:
    meta: Metadata | None
    problem: str | None  # None, "missing", "digest", "unreadable"
    signature: str = ""  # the issuing office's signature, if the pack was signed (forms.signature)


@dataclass
class OdsTable:
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncached: set[tuple[int, int]] = field(default_factory=set)
    extent: Extent = field(default_factory=Extent)

    @property
    def far(self) -> FarCell | None:
        return self.extent.far()


class ReturnFile:
    """One workbook from outside, opened safely; values are read lazily per sheet."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = shown_name(self.path)
        self.sniffed: Sniffed = sniff(self.path)
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        self._grids: dict[str, list[list[Any]]] = {}
        self._xml: dict[str, bytes | None] = {}
        self._safe: set[str] = set()
        self._mark_cache: dict[str, SheetMarks | None] = {}

    def _open(self) -> None:
        if self.kind == "ods":  # python-calamine reads every table of an .ods when it opens it: measure first
            for sheet, table in self._ods_tables.items():
                if table.far is not None:
                    raise far_cell_refusal(self.name, sheet, table.far)
        try:
            self._book = self._calamine()
            self.sheet_names: list[str] = [str(name) for name in self._book.sheet_names]
        except _READ_ERRORS as exc:
            raise self._broken(exc) from None
        except BaseException as exc:
            if _is_panic(exc):
                raise self._broken(exc) from None
            raise

    def _calamine(self) -> CalamineWorkbook:
        """The workbook opened by python-calamine, which takes a path only if it is valid UTF-8: a name with a
        byte that is not (written on another system) is read through an open file instead."""
        path = str(self.path)
        if path.isascii() or _ENCODABLE.fullmatch(path):
            return CalamineWorkbook.from_path(path)
        with open(self.path, "rb") as handle:
            return CalamineWorkbook.from_filelike(handle)

    def _broken(self, exc: BaseException) -> UnreadableFile:
        return refuse("unreadable", f"Không đọc được tệp {self.name}: tệp bị hỏng.",
                      f"Cannot read {self.name}: {type(exc).__name__}: {str(exc)[:200]}")

    @property
    def kind(self) -> str:
        return self.sniffed.kind

    def _rows(self, sheet: str, nrows: int | None) -> list[list[Any]]:
        """Calamine's rows of a sheet, once the sheet is known to fit in memory."""
        self.check_sheet(sheet)
        try:
            return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
        except _READ_ERRORS as exc:
            raise self._sheet_broken(sheet, exc) from None
        except BaseException as exc:
            if _is_panic(exc):
                raise self._sheet_broken(sheet, exc) from None
            raise

    def _sheet_broken(self, sheet: str, exc: BaseException) -> UnreadableFile:
        return refuse("unreadable", f"Không đọc được trang «{shown_name(sheet, 40)}» của tệp {self.name}: "
                      "trang bị hỏng.", f"Cannot read sheet {sheet!r}: {type(exc).__name__}: {str(exc)[:200]}")

    def grid(self, sheet: str) -> list[list[Any]]:
        found = self._grids.get(sheet)
        if found is None:
            rows = self._rows(sheet, MAX_META_ROWS if sheet == META_SHEET else MAX_ROWS)
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
        try:  # the key/value part only (packs of earlier releases kept a map of every cell below it)
            grid = self._rows(META_SHEET, 60)
        except UnreadableFile as exc:
            if exc.reason == "far-cells":
                raise
            return MetaRead(None, "unreadable")
        items: dict[str, Any] = {}
        for row in grid:
            if not row or row[0] in ("", None):
                break
            # values longer than a cell (32,767 characters) span the rest of the row
            items[str(row[0])] = "".join(str(v) for v in row[1:] if v not in ("", None))
        try:
            meta = Metadata.from_items(items)
        except (ValueError, TypeError, RecursionError):
            return MetaRead(None, "unreadable")
        problem = None if items.get("meta_digest") == meta.digest() else "digest"
        return MetaRead(meta, problem, str(items.get(SIGNATURE_KEY, "")))

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
        book = self.__dict__.get("_book")
        if book is not None:
            with contextlib.suppress(CalamineError, AttributeError):
                book.close()

    # -- the sheet XML: size guard, formulas, errors ---------------------------------------------------------
    @cached_property
    def _sheet_parts(self) -> dict[str, str]:
        """Sheet name → zip member of its XML (xlsx family only)."""
        if self.kind == "ods":
            return {}
        try:
            return sheet_parts(self._archive)
        except UnreadableFile:
            raise
        except (KeyError, *_PARSE_ERRORS) as exc:
            raise refuse("unreadable", f"Tệp {self.name} thiếu cấu trúc bảng tính.",
                         f"{self.name}: broken workbook structure ({type(exc).__name__}).") from None

    def _sheet_xml(self, sheet: str) -> bytes | None:
        if sheet not in self._xml:
            part = self._sheet_parts.get(sheet)
            try:
                self._xml[sheet] = self._archive.read(part) if part else None
            except KeyError:
                self._xml[sheet] = None
            except ZIP_ERRORS as exc:
                raise self._sheet_broken(sheet, exc) from None
        return self._xml[sheet]

    def check_sheet(self, sheet: str) -> None:
        """Refuse a sheet with a value far outside any form, before a reader allocates the space up to it."""
        if sheet in self._safe:
            return
        far: FarCell | None = None
        if self.kind == "ods":
            table = self._ods_tables.get(sheet)
            far = table.far if table else None
        else:
            data = self._sheet_xml(sheet)
            if data is not None:
                far = far_cell(data)
            else:  # where calamine finds this sheet is not where we looked: check every part it could be
                for name in self._unmapped_parts:
                    try:
                        far = far_cell(self._archive.read(name))
                    except ZIP_ERRORS:
                        continue  # a broken part: calamine cannot build a sheet from it either
                    if far:
                        break
        if far is not None:
            raise far_cell_refusal(self.name, sheet, far)
        self._safe.add(sheet)

    @cached_property
    def _unmapped_parts(self) -> list[str]:
        skip = ("xl/sharedstrings.xml", "xl/styles.xml", "xl/workbook.xml", "[content_types].xml")
        return [n for n in self.sniffed.entries if n.lower().endswith(".xml") and n.lower() not in skip]

    def formula_cells(self, sheet: str) -> dict[tuple[int, int], str] | None:
        """0-based (row, col) → formula text of every cell holding a formula ("" for a shared
        formula's followers); None if it cannot be told."""
        found = self._formulas(sheet)
        return None if found is None else found[0]

    def uncached_formulas(self, sheet: str) -> set[tuple[int, int]]:
        """Cells holding a formula but no computed value (written by a program that does not calculate)."""
        found = self._formulas(sheet)
        return set() if found is None else found[1]

    def _formulas(self, sheet: str) -> tuple[dict[tuple[int, int], str], set[tuple[int, int]]] | None:
        if self.kind == "ods":
            table = self._ods_tables.get(sheet)
            return (table.formulas, table.uncached) if table else None
        marks = self._marks(sheet)  # read once per sheet, kept
        return None if marks is None else (marks.formulas, marks.uncached)

    def _marks(self, sheet: str) -> SheetMarks | None:
        """Formulas, computed values and errors of a sheet, read from its XML by a parser (sheetxml)."""
        if sheet in self._mark_cache:
            return self._mark_cache[sheet]
        data = self._sheet_xml(sheet)
        marks = None
        if data is not None:
            try:
                marks = sheetxml.scan(data, max_rows=MAX_ROWS, max_cols=MAX_COLS)
            except sheetxml.SheetXmlError as exc:
                raise refuse("unreadable", f"Không đọc được trang «{shown_name(sheet, 40)}» của tệp {self.name}: "
                             "trang bị hỏng (XML sai). Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi gửi lại.",
                             f"Cannot read sheet {shown_name(sheet, 40)!r} of {self.name}: broken XML "
                             f"({str(exc)[:120]}).") from None
        self._mark_cache[sheet] = marks
        return marks

    def error_cells(self, sheet: str) -> dict[tuple[int, int], str]:
        """0-based (row, col) → Excel error value (#REF!, #DIV/0!…) of cells holding one.

        python-calamine reads these cells as empty; the XML says what they hold."""
        if self.kind == "ods":
            table = self._ods_tables.get(sheet)
            return dict(table.errors) if table else {}
        marks = self._marks(sheet)
        return dict(marks.errors) if marks is not None else {}

    # -- OpenDocument ------------------------------------------------------------------------------------------
    @cached_property
    def _ods_tables(self) -> dict[str, OdsTable]:
        try:
            with self._archive.open("content.xml") as handle:
                return _scan_ods(handle)
        except KeyError:
            raise refuse("unreadable", f"Tệp {self.name} (.ods) thiếu nội dung (content.xml).",
                         f"{self.name}: content.xml is missing.") from None
        except UnreadableFile:
            raise
        except _PARSE_ERRORS as exc:
            raise refuse("unreadable", f"Không đọc được tệp {self.name}: tệp bị hỏng.",
                         f"{self.name}: broken content.xml ({type(exc).__name__}).") from None


_NS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_NS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_NS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_TABLE, _ROW = f"{_NS_TABLE}table", f"{_NS_TABLE}table-row"
_CELLS = (f"{_NS_TABLE}table-cell", f"{_NS_TABLE}covered-table-cell")
_ODF_REF = re.compile(r"\[([^\[\]]*)\]")
_MAX_MARKS = 100_000  # formulas recorded per table: a form has a few thousand; more is a repeated block


def _repeat(elem: Any, attribute: str) -> int:
    text = elem.get(f"{_NS_TABLE}{attribute}")
    if not text:
        return 1
    text = text.strip()
    return max(1, min(int(text), 10**9)) if text.isdigit() and len(text) < 12 else 1


def _scan_ods(handle: Any) -> dict[str, OdsTable]:
    """Formulas, error values and the farthest value of every table of content.xml, in one streaming pass.

    Repeated rows and cells (``number-rows-repeated``, ``number-columns-repeated``) are counted,
    never expanded: a row of formatting repeated to row 1,048,576 costs nothing.  Rows and cells are
    dropped from the tree once read, so memory does not grow with the sheet."""
    tables: dict[str, OdsTable] = {}
    table: OdsTable | None = None
    row, col, row_repeat = 0, 0, 1
    open_elements: list[Any] = []
    for event, elem in ElementTree.iterparse(handle, events=("start", "end")):
        tag = elem.tag
        if event == "start":
            open_elements.append(elem)
            if tag == _TABLE:
                table = tables.setdefault(elem.get(f"{_NS_TABLE}name", ""), OdsTable())
                row = 0
            elif tag == _ROW:
                col, row_repeat = 0, _repeat(elem, "number-rows-repeated")
            continue
        open_elements.pop()
        if tag in _CELLS and table is not None:
            col += _ods_cell(table, elem, row, row_repeat, col)
        elif tag == _ROW:
            row += row_repeat
        elif tag == _TABLE:
            table = None
        else:
            continue
        elem.clear()
        if open_elements:
            open_elements[-1].remove(elem)  # the last child: done at once
    return tables


def _ods_cell(table: OdsTable, elem: Any, row: int, row_repeat: int, col: int) -> int:
    """Record one (repeated) cell of a table: how far it reaches, its formula or error; returns its repeat."""
    repeat = _repeat(elem, "number-columns-repeated")
    kind = elem.get(f"{_NS_OFFICE}value-type")
    if kind is not None or len(elem):
        last_row, last_col = row + row_repeat - 1, col + repeat - 1
        if last_row >= table.extent.rows or last_col >= table.extent.cols:
            table.extent.add(last_row, last_col, xl_rowcol_to_cell(last_row, last_col))
    formula = elem.get(f"{_NS_TABLE}formula")
    error = elem.get(f"{_NS_CALCEXT}value-type") == "error"
    if (formula is not None or error) and len(table.formulas) + len(table.errors) < _MAX_MARKS:
        _mark(table, elem, formula, kind, error, row, row_repeat, col, repeat)
    return repeat


def _mark(table: OdsTable, elem: Any, formula: str | None, kind: str | None, error: bool,
          row: int, row_repeat: int, col: int, repeat: int) -> None:
    text = "".join(elem.itertext()).strip() if error else ""
    translated = odf_formula(formula) if formula is not None else ""
    rows, cols = range(row, min(row + row_repeat, MAX_ROWS)), range(col, min(col + repeat, MAX_COLS))
    marks = ((r, c) for r in rows for c in cols)
    for at in itertools.islice(marks, _MAX_MARKS):
        if formula is not None:
            table.formulas[at] = translated
            if kind is None:
                table.uncached.add(at)
        if error:
            table.errors[at] = text or "#N/A"


def odf_formula(text: str) -> str:
    """An OpenFormula (``of:=[.D15]+[.D16]``) in Excel's notation (``=D15+D16``), for comparison only."""
    body = text.split(":", 1)[1] if re.match(r"^[a-z]+:=", text) else text

    def ref(match: re.Match[str]) -> str:
        parts = []
        for part in match.group(1).split(":"):
            sheet, _, cell = part.rpartition(".")
            sheet = sheet.lstrip("$")
            parts.append(f"{sheet}!{cell}" if sheet else cell)
        return ":".join(parts)

    out = []
    for piece in re.split(r'("[^"]*")', body):
        if piece.startswith('"') and piece.endswith('"') and len(piece) >= 2:
            out.append(piece)
            continue
        out.append(_ODF_REF.sub(ref, piece).replace(";", ","))
    return "".join(out)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member of its XML, as the workbook's relationships say (xlsx family)."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG}Relationship")}
    out = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "") or ""
        absolute = target.startswith("/")
        out[sheet.get("name", "")] = target.lstrip("/") if absolute else posixpath.normpath(f"xl/{target}")
    return out


def open_return(path: Path | str) -> ReturnFile:
    try:
        return ReturnFile(path)
    except UnreadableFile:
        raise
    except (MemoryError, RecursionError) as exc:
        raise refuse("unreadable", f"Không đọc được tệp {shown_name(Path(path))}.", str(exc)) from None
