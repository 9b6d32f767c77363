"""The annotated copy: an error sheet first, offending cells highlighted, a comment on each.

openpyxl keeps values, formulas, plain data validation, protection and hidden
sheets, but drops every formula's cached value when it saves; the values the
file had are written back into the saved sheet XML, so the copy reads the
same in programs that do not recalculate.  Macros are never kept.  The input
is never modified; annotating an annotated copy replaces its marks.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.errors import OutputError
from gnbv_templates.findings import ERROR, WARNING, Finding
from gnbv_templates.forms.model import DERIVED, INPUT
from gnbv_templates.generate.writer import DERIVED_FILL, INPUT_FILL
from gnbv_templates.outputs import atomic_path
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.read.reader import MAX_COLS, MAX_ROWS, open_return
from gnbv_templates.read.safety import printable, refuse, shown_name
from gnbv_templates.report.result_sheet import write_result_sheet

AUTHOR = "gnbv"
_KEPT = "\n────────\n"  # between a comment the file already had and ours
RED, AMBER = "FFC7CE", "FFE699"
BLUE = "DDEBF7"  # a note (a total stated instead of computed): marked, not a fault


def _text(cell: Any, value: Any) -> None:
    """Write a value; text stays text even when it begins with = + - @ (no formula injection)."""
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
    elif isinstance(value, bool) or value is None or isinstance(value, int | float):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"


def annotate(report: Outcome, out: Path | str, *, lang: str = "vi") -> Path:
    source = Path(report.file)
    original = open_return(source)
    if original.kind == "ods":
        original.close()
        raise OutputError(
            f"Không tạo được bản sao đánh dấu lỗi cho tệp .ods {shown_name(source)}: hãy lưu tệp dạng .xlsx rồi "
            "kiểm tra lại (kết quả kiểm tra vẫn in ra và ghi được vào báo cáo JSON).",
            english="An annotated copy cannot be made of an .ods file: save it as .xlsx and validate again.",
        )
    try:  # macros and links to other files are dropped here, never carried into the copy
        with source.open("rb") as handle:  # a file object: whatever the file's name ends with
            book = openpyxl.load_workbook(handle, keep_vba=False, keep_links=False)
    except Exception as exc:  # the second parser of an untrusted file: any failure means the same thing
        original.close()
        raise refuse("annotate-unreadable",
                     f"Không tạo được bản sao đánh dấu lỗi: tệp {shown_name(source)} có cấu trúc không đọc được "
                     "để ghi lại. Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi kiểm tra lại.",
                     f"Cannot make an annotated copy of {source.name}: {type(exc).__name__}.") from None
    if RESULT_SHEET in book.sheetnames:
        del book[RESULT_SHEET]
    kinds = _kinds(report)
    _clear_marks(book, kinds)
    write_result_sheet(book, report, lang, shown=printable)
    _mark(book, report.findings, lang)
    book.active = 0
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = ws.title == RESULT_SHEET
    book.calculation.fullCalcOnLoad = True
    try:
        with atomic_path(out, inputs=(source,)) as tmp:
            book.save(tmp)
            _restore_cached_values(tmp, original)
    finally:
        original.close()
    return Path(out)


def _kinds(report: Outcome) -> dict[tuple[str, str], str]:
    """(sheet, A1) → kind of cell, so marks from an earlier run can be undone."""
    out: dict[tuple[str, str], str] = {}
    for state in report.forms.values():
        for cell in state.layout.cells.values():
            out[(state.sheet, state.address(cell.row, cell.col))] = cell.kind
    return out


def _existing_cells(ws: Any) -> list[Any]:
    """The cells a sheet really has (iter_rows would create every cell of the used range)."""
    cells = getattr(ws, "_cells", None)
    if isinstance(cells, dict):
        return [cell for (r, c), cell in cells.items() if r <= MAX_ROWS and c <= MAX_COLS]
    return [cell for row in ws.iter_rows(max_row=min(ws.max_row, MAX_ROWS), max_col=min(ws.max_column, MAX_COLS))
            for cell in row]


def _ours(comment: Any) -> bool:
    author = comment.author or ""
    return author == AUTHOR or author.startswith(f"{AUTHOR} (")


def _clear_marks(book: Any, kinds: dict[tuple[str, str], str]) -> None:
    for ws in book.worksheets:
        for cell in _existing_cells(ws):
            comment = cell.comment
            if comment is not None and _ours(comment):
                cell.comment = None
                if _KEPT in comment.text:  # give the comment the file had back
                    author = (comment.author or "")[len(AUTHOR) + 2 : -1]
                    cell.comment = Comment(comment.text.split(_KEPT, 1)[0], author)
                kind = kinds.get((ws.title, cell.coordinate))
                color = INPUT_FILL if kind == INPUT else DERIVED_FILL if kind == DERIVED else None
                cell.fill = PatternFill("solid", fgColor=color.lstrip("#")) if color else PatternFill(None)


def _mark(book: Any, findings: list[Finding], lang: str) -> None:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet in book.sheetnames and f.cell:
            grouped.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, address), items in grouped.items():
        ws = book[sheet]
        address = _top_left(ws, address)
        cell = ws[address]
        severities = {f.severity for f in items}
        fill = RED if ERROR in severities else AMBER if WARNING in severities else BLUE
        cell.fill = PatternFill("solid", fgColor=fill)
        text = "\n".join(f"• {f.message(lang)}" for f in items)
        author = AUTHOR
        old = cell.comment
        if old is not None and not _ours(old):  # keep what the file's own comment says, above ours
            text = f"{old.text[:20000]}{_KEPT}{text}"
            author = f"{AUTHOR} ({old.author or ''})"
        comment = Comment(text[:30000], author)
        comment.width, comment.height = 320, min(60 + 40 * len(items), 400)
        cell.comment = comment


def _top_left(ws: Any, address: str) -> str:
    """Comments and fills on a merged cell go on its top-left cell."""
    for merged in ws.merged_cells.ranges:
        if address in merged:
            return merged.start_cell.coordinate
    return address


_CELL = re.compile(rb'(<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*?)( t="[a-z]+")?><f>(.*?)</f><v ?/>', re.S)


def _restore_cached_values(path: Path, original: Any) -> None:
    """Put the original file's cached formula values back into what openpyxl saved."""
    from xlsxwriter.utility import xl_cell_to_rowcol

    saved = open_return(path)
    parts = {part: sheet for sheet, part in saved._sheet_parts.items()}
    tmp = path.with_suffix(".patch")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            sheet = parts.get(info.filename)
            if sheet and sheet in original.sheet_names:
                grid = original.grid(sheet)

                def fill(match: re.Match[bytes], grid: list[list[Any]] = grid) -> bytes:
                    r, c = xl_cell_to_rowcol(match.group(2).decode())
                    value = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
                    head, formula = match.group(1), match.group(4)
                    if isinstance(value, bool):
                        return head + b' t="b"><f>' + formula + b"</f><v>" + (b"1" if value else b"0") + b"</v>"
                    if isinstance(value, int | float):
                        return head + b"><f>" + formula + b"</f><v>" + repr(float(value)).encode() + b"</v>"
                    text = escape("" if value is None else str(value)).encode()
                    return head + b' t="str"><f>' + formula + b"</f><v>" + text + b"</v>"

                data = _CELL.sub(fill, data)
            zout.writestr(info, data)
    tmp.replace(path)
