"""The annotated copy written by openpyxl: for a return whose structure the zip surgery of ``annotate``
does not rewrite (see ``package.Unsupported``), and the reference the surgery is tested against.

openpyxl keeps values, formulas, plain data validation, protection and hidden
sheets, but drops every formula's cached value when it saves; the values the
file had are written back into the saved sheet XML, so the copy reads the
same in programs that do not recalculate.  Macros are never kept.  The input
is never modified; annotating an annotated copy replaces its marks.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import defusedxml
import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.hyperlink import Hyperlink

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.findings import Finding
from gnbv_templates.generate.writer import FONT
from gnbv_templates.outputs import atomic_path
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.read.reader import MAX_COLS, MAX_ROWS, ReturnFile, sheet_parts
from gnbv_templates.read.safety import printable, refuse, shown_name
from gnbv_templates.read.sheetxml import formula_cells
from gnbv_templates.report import marks
from gnbv_templates.report.result_sheet import (
    EDGE,
    FOOTER,
    FOOTER_SIZE,
    LINK_COLOR,
    LINK_COLUMN,
    MARGINS,
    PAPER_A4,
    SCALE,
    WIDTHS,
    Look,
    plan_result_sheet,
)

_EDGE = Side(style="thin", color=EDGE)
BORDER = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)
TOP = Alignment(vertical="top", wrap_text=True)
TOP_RIGHT = Alignment(vertical="top", horizontal="right", wrap_text=True)

# openpyxl parses the return itself here: only with defusedxml does it refuse an XML entity bomb
if not getattr(openpyxl, "DEFUSEDXML", False):  # pragma: no cover - import-time guard
    raise ImportError("openpyxl must run with defusedxml installed (XML bomb protection)")
assert defusedxml  # imported for openpyxl's protection; keep the dependency explicit


def annotate_with_openpyxl(report: Outcome, out: Path, original: ReturnFile, *, lang: str = "vi") -> Path:
    """Write the annotated copy of ``report``'s return (opened as ``original``) to ``out``."""
    source = Path(report.file)
    try:  # macros and links to other files are dropped here, never carried into the copy
        # a file object: whatever the file's name ends with; openpyxl's notes on what it drops are not for
        # the user ("Unknown extension is not supported")
        with source.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(handle, keep_vba=False, keep_links=False)
    except Exception as exc:  # the second parser of an untrusted file: any failure means the same thing
        raise refuse("annotate-unreadable",
                     f"Không tạo được bản sao đánh dấu lỗi: tệp {shown_name(source)} có cấu trúc không đọc được "
                     "để ghi lại. Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi kiểm tra lại.",
                     f"Cannot make an annotated copy of {source.name}: {type(exc).__name__}.") from None
    if RESULT_SHEET in book.sheetnames:
        del book[RESULT_SHEET]
    kinds = marks.kinds(report)
    _clear_marks(book, kinds)
    report = marks.with_removed(report, disarm(book, report, original, kinds))
    write_result_sheet(book, report, lang, shown=printable)
    _mark(book, report.findings, lang)
    book.active = 0
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = ws.title == RESULT_SHEET
    book.calculation.fullCalcOnLoad = True
    with atomic_path(out, inputs=(source,)) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book.save(tmp)
        _restore_cached_values(tmp, original)
    return Path(out)


def _existing_cells(ws: Any) -> list[Any]:
    """The cells a sheet really has (iter_rows would create every cell of the used range)."""
    cells = getattr(ws, "_cells", None)
    if isinstance(cells, dict):
        return [cell for (r, c), cell in cells.items() if r <= MAX_ROWS and c <= MAX_COLS]
    return [cell for row in ws.iter_rows(max_row=min(ws.max_row, MAX_ROWS), max_col=min(ws.max_column, MAX_COLS))
            for cell in row]


def _clear_marks(book: Any, kinds: dict[tuple[str, str], str]) -> None:
    for ws in book.worksheets:
        for cell in _existing_cells(ws):
            comment = cell.comment
            if comment is not None and marks.ours(comment.author):
                cell.comment = None
                kept = marks.restored(comment.text, comment.author)
                if kept is not None:  # give the comment the file had back
                    cell.comment = Comment(*kept)
                color = marks.unmarked_fill(kinds.get((ws.title, cell.coordinate)))
                cell.fill = PatternFill("solid", fgColor=color) if color else PatternFill(None)


def _mark(book: Any, findings: list[Finding], lang: str) -> None:
    for (sheet, address), items in marks.grouped(findings, book.sheetnames).items():
        ws = book[sheet]
        cell = ws[_top_left(ws, address)]
        cell.fill = PatternFill("solid", fgColor=marks.mark_fill(items))
        old = cell.comment
        mine = old is not None and marks.ours(old.author)
        comment = Comment(*marks.note(items, lang, None if old is None or mine else (old.text, old.author)))
        comment.width, comment.height = marks.NOTE_WIDTH, marks.note_height(items)
        cell.comment = comment


def _top_left(ws: Any, address: str) -> str:
    """Comments and fills on a merged cell go on its top-left cell."""
    for merged in ws.merged_cells.ranges:
        if address in merged:
            return merged.start_cell.coordinate
    return address


def disarm(book: Any, report: Outcome, original: Any, kinds: dict[tuple[str, str], str]) -> list[Finding]:
    """Replace every formula that is not the form's own by the value the file had; drop links out.

    Returns one finding per replaced formula, for the error sheet."""
    ours = marks.our_formulas(report)
    removed: list[Finding] = []
    for ws in book.worksheets:
        grid = original.grid(ws.title) if ws.title in original.sheet_names else []
        for cell in _existing_cells(ws):
            if cell.hyperlink is not None and cell.hyperlink.target:  # a link out of the workbook
                cell.hyperlink = None
            found = _disarm_cell(ws.title, cell, grid, ours, kinds)
            if found is not None:
                removed.append(found)
        _drop_outside_formulas(ws)
    _drop_names(book.defined_names)
    return removed


def _disarm_cell(sheet: str, cell: Any, grid: list[list[Any]], ours: dict[tuple[str, str], str],
                 kinds: dict[tuple[str, str], str]) -> Finding | None:
    value = cell.value
    if cell.data_type != "f" and not isinstance(value, ArrayFormula | DataTableFormula):
        return None
    text = value.text if isinstance(value, ArrayFormula) else value if isinstance(value, str) else ""
    where = (sheet, cell.coordinate)
    if isinstance(value, str) and marks.kept_formula(where, value, ours, kinds):
        return None
    r, c = cell.row - 1, cell.column - 1
    cached = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    write_cell(cell, cached)  # the file's own value, as a value: text stays text, raw
    return marks.removed(sheet, cell.coordinate, text or "=…", cached, kinds.get(where))


def _drop_names(names: Any) -> None:
    """Defined names that run or fetch something (DDE, other files, functions) are not kept."""
    for name in list(names):
        if not marks.plain_reference(names[name].value):
            del names[name]


def _drop_outside_formulas(ws: Any) -> None:
    """Validation lists and conditional formats that point outside the workbook or call a function."""
    validations = ws.data_validations.dataValidation
    validations[:] = [v for v in validations if marks.plain_reference(v.formula1) and marks.plain_reference(v.formula2)]
    _drop_names(ws.defined_names)
    formatting = ws.conditional_formatting
    for entry in list(formatting):
        entry.rules[:] = [rule for rule in entry.rules if all(marks.plain_reference(f) for f in rule.formula or ())]


# -- the values the file had, back under the formulas openpyxl wrote -------------------------------------------


def _restore_cached_values(path: Path, original: Any) -> None:
    """Put the original file's cached formula values back into what openpyxl saved.

    The saved sheets are read with an XML parser (sheetxml's expat, no DTD); each formula cell is
    written anew with its value."""
    tmp = path.with_suffix(".patch")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {part: sheet for sheet, part in sheet_parts(zin).items()}  # what openpyxl just wrote
        for info in zin.infolist():
            data = zin.read(info)
            sheet = parts.get(info.filename)
            if sheet and sheet in original.sheet_names:
                data = _with_values(data, original.grid(sheet))
            zout.writestr(info, data)
    tmp.replace(path)


def _with_values(data: bytes, grid: list[list[Any]]) -> bytes:
    pieces: list[bytes] = []
    last = 0
    for start, end, attrs, formula_attrs, formula, at in formula_cells(data):
        r, c = at
        value = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        attrs = {k: v for k, v in attrs.items() if k != "t"}
        if isinstance(value, bool):
            attrs["t"], shown = "b", ("1" if value else "0")
        elif isinstance(value, int | float):
            shown = repr(float(value))
        else:
            attrs["t"], shown = "str", "" if value is None else str(value)
        head = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
        fhead = "".join(f" {k}={quoteattr(v)}" for k, v in formula_attrs.items())
        element = f"<c{head}><f{fhead}>{escape(formula)}</f><v>{escape(shown)}</v></c>"
        pieces += [data[last:start], element.encode()]
        last = end
    pieces.append(data[last:])
    return b"".join(pieces)


def write_cell(cell: Any, value: Any) -> None:
    """Text stays text even when it begins with = + - @: a workbook's value never becomes a formula."""
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
    elif isinstance(value, bool) or value is None or isinstance(value, int | float):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"


def write_result_sheet(book: Any, report: Outcome, lang: str, *, shown: Callable[[str], str] = str) -> Any:
    """Create the error sheet, first in the book; ``shown`` cleans text that came from the workbook."""
    ws = book.create_sheet(RESULT_SHEET, 0)
    plan = plan_result_sheet(report, lang, book.sheetnames, shown=shown)
    for row in plan.rows:
        for c, value, look in row.cells:
            cell = ws.cell(row.number, c)
            write_cell(cell, value)
            _style(cell, look)
        if row.merged:
            ws.merge_cells(start_row=row.number, start_column=1, end_row=row.number, end_column=len(WIDTHS))
        ws.row_dimensions[row.number].height = row.height
    for r, location in plan.links:
        cell = ws.cell(r, LINK_COLUMN)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location, display=str(cell.value))
    for c, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(plan.heading_row + 1, 1)
    _print_setup(ws, plan.heading_row)
    return ws


def _style(cell: Any, look: Look) -> None:
    if look.boxed:
        cell.border = BORDER
    if look.aligned:
        cell.alignment = TOP_RIGHT if look.right else TOP
    if look.link:
        cell.font = Font(name=FONT, size=look.size, color=LINK_COLOR, underline="single")
    else:
        cell.font = Font(name=FONT, bold=look.bold, size=look.size)
    if look.fill:
        cell.fill = PatternFill("solid", fgColor=look.fill)


def _print_setup(ws: Any, heading_row: int) -> None:
    """A4 landscape at full size: more pages rather than smaller type; the heading row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = str(PAPER_A4)
    ws.page_setup.scale = SCALE
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.print_title_rows = f"{heading_row}:{heading_row}"
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = FOOTER_SIZE
