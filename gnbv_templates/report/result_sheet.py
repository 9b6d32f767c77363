"""The error sheet as an officer reads it, on screen and on paper.

It prints on A4 landscape at its own size (10 pt, the code column 9 pt): long text wraps and the table
takes more pages rather than smaller type, the heading row repeats on every page.  Every cell has borders
and sits at the top of its row, so a message stays beside its severity.  Numbers are written as a
Vietnamese reader writes them, with the precision of the form's cell; "Giá trị đúng" holds a value only
where there is one, and a limit is shown as a limit (≤ 1.000.000).  Kinds of finding have Vietnamese
names; the stable code stays, in one narrow column.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.errors import GnbvError
from gnbv_templates.findings import CODES, ERROR, Finding, text
from gnbv_templates.forms.model import NUMBER_FORMATS
from gnbv_templates.forms.notation import format_vn
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.generate.writer import FONT
from gnbv_templates.read.identify import RESULT_SHEET

RED, AMBER, HEAD_FILL = "FFC7CE", "FFE699", "D9E2F3"
MAX_LINKS = 65_000  # Excel allows 65,530 hyperlinks per sheet
FONT_SIZE, CODE_SIZE, TITLE_SIZE = 10, 9, 13
# columns: No, severity, form, cell (a link), item, value, correct value, message, kind and basis, code
WIDTHS = (4.5, 9, 5.5, 7, 17, 14.5, 14.5, 32, 19, 10)
LINK_COLUMN = 4
_EDGE = Side(style="thin", color="808080")
BORDER = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)
TOP = Alignment(vertical="top", wrap_text=True)
TOP_RIGHT = Alignment(vertical="top", horizontal="right", wrap_text=True)
_LINE_POINTS = 13.0  # one line of 10 pt text, with its leading
_CHARS_PER_WIDTH = 1.3  # 10 pt serif letters per unit of column width (a digit of the 11 pt default font)
# a finding's expected value is a limit, not the value the cell should hold
_LIMIT_OF_CODE = {"relation.part-exceeds-whole": "≤", "value.negative": "≥"}
_SHOWN_OP = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "!=": "≠", "==": "", "=": ""}


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


@functools.lru_cache(maxsize=1)
def _rule_ops() -> dict[str, tuple[str, str]]:
    """Rule id → (comparison, basis) of the bundled rules."""
    try:
        return {rule.id: (rule.op, rule.basis) for rule in load_rules().rules}
    except GnbvError:  # rules being edited: the sheet still prints, with plain expected values
        return {}


def kind_name(finding: Finding, lang: str) -> str:
    """The Vietnamese (or English) name of the kind of finding, and the basis of the rule it broke."""
    family = CODES[finding.code].kind if finding.code in CODES else finding.code.split(".", 1)[0]
    name = text(f"kind.{family}", lang)
    basis = _rule_ops().get(finding.rule, ("", ""))[1] if family == "rule" else ""
    return f"{name}: {basis}" if basis else name


def _decimals(report: Outcome, finding: Finding) -> int:
    state = report.forms.get(finding.form)
    cell = state.layout.cells.get((finding.row, finding.col)) if state is not None else None
    fmt = NUMBER_FORMATS.get(cell.measure.type, "#,##0.000") if cell is not None else "#,##0.000"
    return len(fmt.split(".", 1)[1]) if "." in fmt else 0


def shown_number(value: Any, decimals: int) -> str:
    """A number in Vietnamese notation at the form's precision; a tiny non-zero value keeps its first digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if value and math.isfinite(value) and round(value, decimals) == 0:
        decimals = min(-math.floor(math.log10(abs(value))) + 1, 9)
    elif decimals == 0 and not float(value).is_integer():  # a count typed with decimals: show what was typed
        decimals = 3
    return format_vn(value, decimals)


def expected_text(finding: Finding, decimals: int) -> str:
    """What the cell should hold, or the limit it must keep to; empty when the check knows neither."""
    if finding.expected is None:
        return ""
    shown = shown_number(finding.expected, decimals)
    op = _LIMIT_OF_CODE.get(finding.code)
    if op is None and finding.code.startswith("rule."):
        op = _SHOWN_OP.get(_rule_ops().get(finding.rule, ("", ""))[0], "")
    return f"{op} {shown}" if op else shown


def _lines(value: str, width: float) -> int:
    per_line = max(int(width * _CHARS_PER_WIDTH), 1)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in value.split("\n"))


def _fit_height(ws: Any, row: int, texts: list[tuple[str, float]], size: float = FONT_SIZE) -> None:
    """Rows are given the height their wrapped text needs (Excel does not grow them when it opens a file)."""
    lines = max((_lines(t, w) for t, w in texts if t), default=1)
    ws.row_dimensions[row].height = round(min(lines, 30) * _LINE_POINTS * size / FONT_SIZE + 3, 1)


def write_result_sheet(book: Any, report: Outcome, lang: str, *, shown: Callable[[str], str] = str) -> Any:
    """Create the error sheet, first in the book; ``shown`` cleans text that came from the workbook."""
    ws = book.create_sheet(RESULT_SHEET, 0)
    receipt = getattr(report, "receipt", None)  # checked into a register: what changed since the last version
    top = _heading_lines(ws, report, lang, shown, receipt) + 2
    _table_row(ws, top, text("annotate.heading", lang).split("|"), heading=True)
    for i, finding in enumerate(report.findings, 1):
        _finding_row(ws, top + i, i, finding, report, lang, shown)
        if finding.sheet and finding.cell and finding.sheet in book.sheetnames and i <= MAX_LINKS:
            _link(ws.cell(top + i, LINK_COLUMN), finding)
    if receipt is not None:
        _receipt(ws, top + len(report.findings) + 2, receipt.sheet_rows(lang))
    for c, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(top + 1, 1)
    _print_setup(ws, top)
    return ws


def _heading_lines(ws: Any, report: Outcome, lang: str, shown: Callable[[str], str], receipt: Any) -> int:
    """The lines above the table, each across the page's width; returns how many."""
    counts = report.counts
    lines = [text("annotate.title", lang, file=shown(Path(report.file).name)),
             text("annotate.unit", lang, unit=shown(report.unit), unit_name=shown(report.unit_name)),
             text("annotate.period", lang, period=shown(report.period)),
             text("annotate.counts", lang, errors=counts["error"], warnings=counts["warning"]),
             text("annotate.help", lang), text("annotate.hashes", lang)]
    if receipt is not None:
        lines.append(receipt.summary(lang))
    for r, line in enumerate(lines, 1):
        cell = ws.cell(r, 1)
        write_cell(cell, line)
        cell.alignment = TOP
        size = TITLE_SIZE if r == 1 else FONT_SIZE
        cell.font = Font(name=FONT, bold=r == 1, size=size)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(WIDTHS))
        _fit_height(ws, r, [(line, sum(WIDTHS))], size)
    return len(lines)


def _finding_row(ws: Any, r: int, number: int, f: Finding, report: Outcome, lang: str,
                 shown: Callable[[str], str]) -> None:
    decimals = _decimals(report, f)
    label = shown(f.row_label) + (f" ({f.row})" if f.row and f.row_label else f.row)
    values = (number, text(f"severity.{f.severity}", lang), f.form, f.cell, label,
              shown(shown_number(f.value, decimals)), shown(expected_text(f, decimals)), shown(f.message(lang)),
              kind_name(f, lang), f.rule or f.code)
    _table_row(ws, r, values)
    ws.cell(r, 2).fill = PatternFill("solid", fgColor=RED if f.severity == ERROR else AMBER)


def _link(cell: Any, f: Finding) -> None:
    """The cell's address is a link to it."""
    sheet = f.sheet.replace("'", "''")
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!{f.cell}", display=f.cell)
    cell.font = Font(name=FONT, size=FONT_SIZE, color="0563C1", underline="single")


def _table_row(ws: Any, r: int, values: tuple[Any, ...] | list[Any], *, heading: bool = False) -> None:
    for c, value in enumerate(values, 1):
        cell = ws.cell(r, c)
        write_cell(cell, value)
        cell.border = BORDER
        numeric = c in (6, 7) and not heading and isinstance(value, str) and value[:1] in "0123456789-≤≥<>≠"
        cell.alignment = TOP_RIGHT if numeric or (c == 1 and not heading) else TOP
        size = CODE_SIZE if c == len(WIDTHS) else FONT_SIZE
        cell.font = Font(name=FONT, bold=heading, size=size)
        if heading:
            cell.fill = PatternFill("solid", fgColor=HEAD_FILL)
    _fit_height(ws, r, [(str(v or ""), w) for v, w in zip(values, WIDTHS, strict=False)])


# a receipt row has the columns of the findings table the register first wrote it for; these are ours
_RECEIPT_COLUMNS = (0, 1, 2, 4, 6, 8, 9, 10, None, 11)


def _receipt(ws: Any, start: int, rows: list[tuple[Any, ...]]) -> None:
    """The register's receipt (what was fixed, what remains, what is new) below the findings."""
    for r, values in enumerate(rows, start):
        if len(values) <= 2:  # the receipt's title, or its one-line "nothing changed"
            line = " ".join(str(v) for v in values if v)
            write_cell(ws.cell(r, 1), line)
            ws.cell(r, 1).font = Font(name=FONT, bold=r == start, size=FONT_SIZE)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(WIDTHS))
            _fit_height(ws, r, [(line, sum(WIDTHS))])
            continue
        ours = tuple("" if i is None or i >= len(values) else values[i] for i in _RECEIPT_COLUMNS)
        _table_row(ws, r, ours, heading=r == start + 1)


def _print_setup(ws: Any, heading_row: int) -> None:
    """A4 landscape at full size: more pages rather than smaller type; the heading row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = 100
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_title_rows = f"{heading_row}:{heading_row}"
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.size = 9
